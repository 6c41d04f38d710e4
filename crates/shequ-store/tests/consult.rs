//! 征询·会商·会签 as stored, on both engines: a matter opens with its
//! first round; rounds go in order, each after the street's answer, and
//! none after the matter is concluded; an answer and a conclusion are
//! recorded once; a round past its deadline unanswered is flagged; and
//! each department's record counts what was answered in time and what it
//! followed.

mod common;

use common::{backends, seed_street};
use shequ_domain::Code;
use shequ_domain::consult::{ConsultCounts, Outcome, Stage};
use shequ_store::{Scope, StoreError};

const DAY: i64 = 86_400_000;
const T0: i64 = 1_800_000_000_000;

fn refused_with(e: StoreError, code: Code) {
    match e {
        StoreError::Invalid(v) => assert_eq!(v.code, code, "{}", v.message),
        other => panic!("expected {code}, got {other:?}"),
    }
}

#[tokio::test]
async fn rounds_go_in_order_answers_are_recorded_once_and_the_record_counts() {
    for db in backends().await {
        let s = &db.store;
        let l = db.label;
        seed_street(s).await;
        let street = s
            .region_by_code("310104011")
            .await
            .expect("read")
            .expect("the street")
            .region;
        let dept = s
            .create_team("wsj", "区卫健委", "department", street.id)
            .await
            .expect("team");
        let missing = s
            .open_consult_matter(999_999, ("head_appointment", "x", "x"), T0, "wsj", T0)
            .await
            .expect_err("no such department");
        assert!(
            matches!(missing, StoreError::NotFound("consult department")),
            "{l}: {missing:?}"
        );

        let m = s
            .open_consult_matter(
                dept,
                (
                    "head_appointment",
                    "社区卫生服务中心主任调整",
                    "拟调整主任人选，征求街道意见",
                ),
                T0 + 10 * DAY,
                "wsj",
                T0,
            )
            .await
            .expect("matter");
        let rounds = s.consult_rounds(m).await.expect("rounds");
        assert_eq!(rounds.len(), 1, "{l}");
        assert_eq!(rounds[0].stage, "before");

        let early = s
            .open_consult_round(m, Stage::During, "会商", T0 + 20 * DAY, T0 + DAY)
            .await
            .expect_err("before the answer");
        refused_with(early, Code::ConsultRoundOrder);
        assert!(
            s.answer_consult_round(rounds[0].id, ("agree", ""), "operator", T0 + 2 * DAY)
                .await
                .expect("answer"),
            "{l}"
        );
        assert!(
            !s.answer_consult_round(
                rounds[0].id,
                ("disagree", "改主意"),
                "operator",
                T0 + 3 * DAY
            )
            .await
            .expect("again"),
            "{l}: answered once"
        );
        let skipped = s
            .open_consult_round(m, Stage::After, "会签", T0 + 20 * DAY, T0 + 3 * DAY)
            .await
            .expect_err("no skipping");
        refused_with(skipped, Code::ConsultRoundOrder);
        let during = s
            .open_consult_round(
                m,
                Stage::During,
                "人选考察情况",
                T0 + 13 * DAY,
                T0 + 3 * DAY,
            )
            .await
            .expect("during");

        let scope = Scope::everything();
        assert!(
            s.consult_rounds_overdue(&scope, T0 + 13 * DAY - 1)
                .await
                .expect("overdue")
                .is_empty(),
            "{l}"
        );
        let overdue = s
            .consult_rounds_overdue(&scope, T0 + 13 * DAY)
            .await
            .expect("overdue");
        assert_eq!(
            overdue.iter().map(|r| r.id).collect::<Vec<_>>(),
            [during],
            "{l}: due at its millisecond"
        );

        assert!(
            s.conclude_consult_matter(m, Outcome::Followed, "按街道意见任命", T0 + 14 * DAY)
                .await
                .expect("conclude")
        );
        assert!(
            !s.conclude_consult_matter(m, Outcome::NotFollowed, "x", T0 + 15 * DAY)
                .await
                .expect("again")
        );
        let after = s
            .open_consult_round(m, Stage::After, "会签", T0 + 20 * DAY, T0 + 15 * DAY)
            .await
            .expect_err("concluded");
        refused_with(after, Code::ConsultRoundOrder);

        let counts = s
            .consult_counts((T0, T0 + 30 * DAY), T0 + 14 * DAY)
            .await
            .expect("counts");
        assert_eq!(
            counts,
            [(
                dept,
                ConsultCounts {
                    rounds_judged: 2,
                    answered_on_time: 1,
                    concluded: 1,
                    followed: 1,
                }
            )],
            "{l}: the first answered in time, the second overdue; followed"
        );
        let concluded = |span| s.consult_matters_concluded(dept, span);
        assert!(
            concluded((T0, T0 + 14 * DAY))
                .await
                .expect("before")
                .is_empty(),
            "{l}: concluded at its 14th day, outside [0, 14)"
        );
        assert_eq!(
            concluded((T0 + 14 * DAY, T0 + 30 * DAY))
                .await
                .expect("in")
                .iter()
                .map(|m| m.id)
                .collect::<Vec<_>>(),
            [m],
            "{l}"
        );
        let earlier = s
            .consult_counts((T0 - 30 * DAY, T0 + 14 * DAY), T0 + 14 * DAY)
            .await
            .expect("counts");
        assert_eq!(
            earlier[0].1.concluded, 0,
            "{l}: a matter counts in the period it was concluded in"
        );
        let listed = s.consult_matters(&scope).await.expect("matters");
        assert_eq!(
            (
                listed.len(),
                listed[0].team_name.as_str(),
                listed[0].outcome.as_deref()
            ),
            (1, "区卫健委", Some("followed")),
            "{l}"
        );
    }
}
