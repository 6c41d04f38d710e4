//! Work orders in the store, on SQLite and (when configured) PostgreSQL:
//! create with trail and outbox, act through the state machine, counters,
//! scope, and the audit that catches a rewritten trail.

mod common;

use common::*;
use shequ_domain::order::sla::Overdue;
use shequ_domain::order::{Action, CancelReason, Rating, TransitionError};
use shequ_domain::{RegionPath, Role};
use shequ_store::accounts::NewUser;
use shequ_store::orders::act::{ActError, Actor};
use shequ_store::orders::catalogue::NewCategory;
use shequ_store::orders::create::NewOrder;
use shequ_store::orders::read::OrderFilter;
use shequ_store::orders::{Effects, Notice};
use shequ_store::{Paging, Scope, Store};

const T0: i64 = 1_800_000_000_000;

fn scope(path: &str) -> Scope {
    Scope::under(&RegionPath::parse(path).expect("path"))
}

async fn user(s: &Store, name: &str, role: Role, code: &str) -> i64 {
    let region_id = s
        .region_by_code(code)
        .await
        .expect("q")
        .expect("region")
        .region
        .id;
    s.create_user(&NewUser {
        username: name.into(),
        display_name: name.into(),
        password_hash: "x".into(),
        role,
        region_id,
        phone: Some("13800000000".into()),
    })
    .await
    .expect("user")
}

async fn setup(s: &Store) -> (i64, i64, i64) {
    seed_street(s).await;
    s.upsert_categories(&[NewCategory {
        code: "sanitation".into(),
        name_zh: "环境卫生".into(),
        name_en: "Sanitation".into(),
        group_zh: "市容环境".into(),
        group_en: "City appearance".into(),
        description_zh: String::new(),
        description_en: String::new(),
        keywords: "垃圾".into(),
        accept_within_minutes: 30,
        resolve_within_minutes: 24 * 60,
        default_priority: "normal".into(),
        attributes: "[]".into(),
        active: true,
    }])
    .await
    .expect("category");
    let worker = user(s, "grid_a1", Role::GridWorker, "31010401100101").await;
    let operator = user(s, "operator", Role::StreetOperator, "310104011").await;
    let secretary = user(s, "sec_b", Role::NeighbourhoodSecretary, "310104011002").await;
    (worker, operator, secretary)
}

async fn new_order(s: &Store, owner: i64, external: Option<&str>) -> i64 {
    let (created, queued) = s
        .create_order(&order_request(s, owner, external).await)
        .await
        .expect("create");
    if created.new {
        assert_eq!(queued.len(), 2);
    }
    created.id
}

/// A new public complaint in grid A1 owned by `owner`.
async fn order_request(s: &Store, owner: i64, external: Option<&str>) -> NewOrder {
    let cat = s
        .category_by_code("sanitation")
        .await
        .expect("q")
        .expect("cat");
    let region = s
        .region_by_code("31010401100101")
        .await
        .expect("q")
        .expect("grid")
        .region;
    NewOrder {
        category_id: cat.id,
        category_code: cat.code.clone(),
        source: "public".into(),
        priority: "normal".into(),
        title: "楼道堆物".into(),
        description: "3号楼楼道堆满杂物".into(),
        address: "田林路1号".into(),
        point: Some((121.43, 31.17)),
        region_id: region.id,
        region_path: region.path,
        place_id: None,
        subject_person_id: None,
        reporter_name: "张先生".into(),
        reporter_phone: Some("13900000000".into()),
        reporter_email: None,
        reporter_token_hash: None,
        external_id: external.map(str::to_owned),
        attributes: "{}".into(),
        owner_user_id: Some(owner),
        accept_due_at: T0 + 30 * 60_000,
        resolve_due_at: T0 + 24 * 3_600_000,
        actor: "reporter".into(),
        actor_user_id: None,
        dispatch_data: r#"{"rule":1}"#.into(),
        dispatch_note: "派给网格员".into(),
        notices: vec![
            Notice {
                user_id: Some(owner),
                channel: "popup",
                recipient: String::new(),
                payload: r#"{"title":"新工单"}"#.into(),
            },
            Notice {
                user_id: Some(owner),
                channel: "sms",
                recipient: String::new(),
                payload: r#"{"text":"新工单"}"#.into(),
            },
        ],
        now: T0,
    }
}

fn as_user(id: i64, role: Role, path: &str) -> Actor {
    Actor::User {
        id,
        role,
        scope: scope(path),
    }
}

#[tokio::test]
async fn an_order_is_created_acted_on_and_counted() {
    for db in backends().await {
        let s = &db.store;
        let (worker, operator, _) = setup(s).await;
        let id = new_order(s, worker, Some("ext-1")).await;
        assert_eq!(
            new_order(s, worker, Some("ext-1")).await,
            id,
            "{}: same external id, same order",
            db.label
        );
        let events = s.order_events(id).await.expect("events");
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["create", "dispatch"], "{}", db.label);
        let sms = s.due_outbox("sms", T0, 10).await.expect("outbox");
        assert_eq!(sms.len(), 1);
        assert_eq!(
            sms[0].recipient, "13800000000",
            "{}: phone filled from the user",
            db.label
        );

        let w = as_user(worker, Role::GridWorker, PATH_A1);
        let none = |_: &_, _: &_, _: &_| Effects::default();
        let acted = s
            .act_on_order(id, &w, &Action::Accept, T0 + 60_000, none)
            .await
            .expect("accept");
        assert_eq!(
            (acted.after.state.as_str(), acted.after.accepted_at),
            ("accepted", Some(T0 + 60_000))
        );
        let err = s
            .act_on_order(id, &w, &Action::Accept, T0 + 61_000, none)
            .await
            .expect_err("twice");
        assert!(
            matches!(err, ActError::Refused(TransitionError::WrongState { .. })),
            "{err:?}"
        );
        s.act_on_order(id, &w, &Action::Start, T0 + 62_000, none)
            .await
            .expect("start");
        s.act_on_order(
            id,
            &w,
            &Action::PauseClock {
                reason: "等居民回电".into(),
            },
            T0 + 70_000,
            none,
        )
        .await
        .expect("pause");
        let resumed = s
            .act_on_order(id, &w, &Action::ResumeClock, T0 + 70_000 + 3_600_000, none)
            .await
            .expect("resume");
        assert_eq!(
            resumed.after.resolve_due_at,
            T0 + 25 * 3_600_000,
            "{}: an hour paused moves the deadline",
            db.label
        );
        let resolved = s
            .act_on_order(
                id,
                &w,
                &Action::Resolve {
                    note: "已清理".into(),
                },
                T0 + 2 * 3_600_000,
                |_, after, _| Effects {
                    notices: vec![Notice {
                        user_id: None,
                        channel: "sms",
                        recipient: after.reporter_phone.clone().unwrap_or_default(),
                        payload: "{}".into(),
                    }],
                    reporter_link_hash: Some("link-hash-1".into()),
                },
            )
            .await
            .expect("resolve");
        assert_eq!(resolved.queued.len(), 1);
        let by_link = s
            .order_by_reporter_token("link-hash-1")
            .await
            .expect("q")
            .expect("linked");
        assert_eq!(by_link.id, id);
        s.act_on_order(
            id,
            &Actor::Reporter,
            &Action::Rate {
                rating: Rating::Unsatisfied,
                reopen: true,
            },
            T0 + 3 * 3_600_000,
            none,
        )
        .await
        .expect("reopen");
        let o = s.order_by_id(id).await.expect("q").expect("order");
        assert_eq!(
            (o.state.as_str(), o.reopened),
            ("pending", 1),
            "{}",
            db.label
        );

        // The operator is a dispatcher in the street; the counters follow.
        s.act_on_order(
            id,
            &as_user(operator, Role::StreetOperator, "/310000/310104/310104011/"),
            &Action::Cancel {
                reason: CancelReason::Invalid {
                    note: "误报".into(),
                },
            },
            T0 + 4 * 3_600_000,
            none,
        )
        .await
        .expect("cancel");
        let second = new_order(s, worker, None).await;
        let counts = s.order_counts_in(&scope(PATH_A)).await.expect("counts");
        assert_eq!(
            counts,
            [("cancelled".to_owned(), 1), ("pending".to_owned(), 1)],
            "{}",
            db.label
        );
        assert!(
            s.order_counts_in(&scope(PATH_B))
                .await
                .expect("counts")
                .is_empty()
        );

        let open = s
            .orders_in(
                &scope(PATH_A),
                &OrderFilter {
                    states: vec!["pending".into()],
                    ..OrderFilter::default()
                },
                Paging::new(None, None),
            )
            .await
            .expect("list");
        assert_eq!(
            open.items.iter().map(|o| o.id).collect::<Vec<_>>(),
            [second]
        );
        let overdue = s
            .orders_in(
                &Scope::everything(),
                &OrderFilter {
                    overdue_at: Some(T0 + 31 * 60_000),
                    ..OrderFilter::default()
                },
                Paging::new(None, None),
            )
            .await
            .expect("list");
        assert_eq!(
            overdue.total, 1,
            "{}: the second order missed its accept deadline",
            db.label
        );
        let due = s
            .orders_due_for_escalation(T0 + 31 * 60_000, 10)
            .await
            .expect("due");
        assert_eq!(due.iter().map(|o| o.id).collect::<Vec<_>>(), [second]);

        let report = s.verify_trails(None).await.expect("verify");
        assert_eq!(
            (report.orders, report.events, report.broken),
            (2, 11, None),
            "{}",
            db.label
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn outsiders_are_refused_and_escalation_marks_the_order() {
    for db in backends().await {
        let s = &db.store;
        let (worker, operator, secretary_b) = setup(s).await;
        let id = new_order(s, worker, None).await;
        let none = |_: &_, _: &_, _: &_| Effects::default();
        let outsider = as_user(secretary_b, Role::NeighbourhoodSecretary, PATH_B);
        match s
            .act_on_order(id, &outsider, &Action::Accept, T0, none)
            .await
        {
            Err(ActError::OutOfScope { path }) => assert_eq!(path, PATH_A1),
            other => panic!("{}: expected out of scope, got {other:?}", db.label),
        }
        let op = as_user(operator, Role::StreetOperator, "/310000/310104/310104011/");
        let esc = s
            .act_on_order(
                id,
                &Actor::System,
                &Action::Escalate {
                    to_user: operator,
                    reason: "超时未受理".into(),
                    overdue: Some(Overdue::Accept),
                },
                T0 + 31 * 60_000,
                none,
            )
            .await
            .expect("escalate");
        assert!(esc.after.supervised && esc.after.escalated_accept);
        assert_eq!(esc.after.supervisor_user_id, Some(operator));
        assert!(
            s.orders_due_for_escalation(T0 + 31 * 60_000, 10)
                .await
                .expect("due")
                .is_empty(),
            "escalated once"
        );
        let moved = s
            .act_on_order(
                id,
                &op,
                &Action::Reassign {
                    to_user: secretary_b,
                },
                T0 + 32 * 60_000,
                none,
            )
            .await
            .expect("reassign");
        assert_eq!(moved.after.owner_user_id, Some(secretary_b));
        assert_eq!(
            moved.after.accept_due_at,
            T0 + 62 * 60_000,
            "a fresh accept deadline"
        );
        // Now the owner, she may accept although it lies outside her scope.
        s.act_on_order(id, &outsider, &Action::Accept, T0 + 33 * 60_000, none)
            .await
            .expect("owner accepts");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_rewritten_trail_is_caught_by_the_audit() {
    for db in backends().await {
        let s = &db.store;
        let (worker, _, _) = setup(s).await;
        let first = new_order(s, worker, None).await;
        let second = new_order(s, worker, None).await;
        let w = as_user(worker, Role::GridWorker, PATH_A1);
        s.act_on_order(
            second,
            &w,
            &Action::Note {
                text: "已联系物业".into(),
            },
            T0 + 1,
            |_, _, _| Effects::default(),
        )
        .await
        .expect("note");
        assert_eq!(s.verify_trails(None).await.expect("verify").broken, None);
        s.tamper_for_tests(
            "UPDATE order_events SET note = '从未联系' WHERE order_id = $1 AND seq = 3",
            second,
        )
        .await
        .expect("tamper");
        let report = s.verify_trails(None).await.expect("verify");
        let broken = report.broken.expect("tampering must be detected");
        assert_eq!((broken.order_id, broken.seq), (second, 3), "{}", db.label);
        assert!(broken.problem.contains("changed"), "{}", broken.problem);
        assert!(
            s.verify_trails(Some(first))
                .await
                .expect("verify")
                .broken
                .is_none(),
            "the other order is intact"
        );
        s.tamper_for_tests(
            "DELETE FROM order_events WHERE order_id = $1 AND seq = 1",
            first,
        )
        .await
        .expect("tamper");
        let broken = s
            .verify_trails(Some(first))
            .await
            .expect("verify")
            .broken
            .expect("deletion caught");
        assert_eq!((broken.order_id, broken.seq), (first, 2));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn outbox_rows_are_claimed_once_popups_marked_once_and_dead_letters_scoped() {
    for db in backends().await {
        let s = &db.store;
        let (worker, _, _) = setup(s).await;
        new_order(s, worker, None).await;
        let sms = s.due_outbox("sms", T0, 10).await.expect("outbox");
        let row = &sms[0];
        let claim = || s.claim_outbox(row.id, row.next_attempt_at, T0 + 60_000);
        assert!(claim().await.expect("claim"), "{}", db.label);
        assert!(!claim().await.expect("claim"), "{}: claimed once", db.label);
        assert!(
            s.due_outbox("sms", T0 + 59_999, 10)
                .await
                .expect("outbox")
                .is_empty(),
            "{}: leased rows are not due",
            db.label
        );
        s.mark_outbox_failed(row.id, "gateway down", T0, true)
            .await
            .expect("dead");

        let street = scope("/310000/310104/310104011/");
        let dead = s.dead_letters_in(&street, None, 10).await.expect("dead");
        assert_eq!(dead.len(), 1, "{}", db.label);
        assert_eq!(dead[0].last_error.as_deref(), Some("gateway down"));
        let one = s
            .dead_letters_in(&street, Some(row.id), 1)
            .await
            .expect("dead");
        assert_eq!(one.len(), 1, "{}", db.label);
        assert!(
            s.dead_letters_in(&street, Some(row.id + 1000), 1)
                .await
                .expect("dead")
                .is_empty()
        );
        let other = scope("/310000/310104/310104011/310104011002/");
        assert!(
            s.dead_letters_in(&other, None, 10)
                .await
                .expect("dead")
                .is_empty(),
            "{}: another neighbourhood's dead letters are not shown",
            db.label
        );

        let popup = s.popups_for(worker, 0, 10).await.expect("popups")[0].id;
        s.mark_popups_sent(&[popup, popup], T0 + 5)
            .await
            .expect("mark");
        s.mark_popups_sent(&[popup, row.id], T0 + 9)
            .await
            .expect("mark");
        let p = s.outbox_row(popup).await.expect("q").expect("row");
        assert_eq!(
            (p.state.as_str(), p.sent_at, p.attempts),
            ("sent", Some(T0 + 5), 1),
            "{}: the first delivery counts",
            db.label
        );
        let r = s.outbox_row(row.id).await.expect("q").expect("row");
        assert_eq!(r.state, "dead", "{}: only pop-ups are marked", db.label);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_pass_of_deliveries_is_recorded_row_by_row_in_one_go() {
    use shequ_store::orders::outbox::Delivery;
    for db in backends().await {
        let s = &db.store;
        let (worker, _, _) = setup(s).await;
        for _ in 0..4 {
            new_order(s, worker, None).await;
        }
        let sms = s.due_outbox("sms", T0, 10).await.expect("outbox");
        assert_eq!(sms.len(), 4, "{}", db.label);
        let (sent, retry, dead, untouched) = (sms[0].id, sms[1].id, sms[2].id, sms[3].id);
        s.record_deliveries(&[
            (sent, Delivery::Sent { at: T0 + 7 }),
            (
                retry,
                Delivery::Failed {
                    error: "gateway answered 503 \"busy\"".into(),
                    next_attempt_at: T0 + 30_000,
                    dead: false,
                },
            ),
            (
                dead,
                Delivery::Failed {
                    error: "no phone number".into(),
                    next_attempt_at: T0 + 60_000,
                    dead: true,
                },
            ),
        ])
        .await
        .expect("record");
        let row = |id| async move { s.outbox_row(id).await.expect("q").expect("row") };
        let r = row(sent).await;
        assert_eq!(
            (
                r.state.as_str(),
                r.sent_at,
                r.attempts,
                r.last_error,
                r.next_attempt_at
            ),
            ("sent", Some(T0 + 7), 1, None, sms[0].next_attempt_at),
            "{}: sent",
            db.label
        );
        let r = row(retry).await;
        assert_eq!(
            (
                r.state.as_str(),
                r.sent_at,
                r.attempts,
                r.last_error.as_deref(),
                r.next_attempt_at
            ),
            (
                "pending",
                None,
                1,
                Some("gateway answered 503 \"busy\""),
                T0 + 30_000
            ),
            "{}: retried later",
            db.label
        );
        let r = row(dead).await;
        assert_eq!(
            (
                r.state.as_str(),
                r.sent_at,
                r.attempts,
                r.last_error.as_deref()
            ),
            ("dead", None, 1, Some("no phone number")),
            "{}: dead-lettered",
            db.label
        );
        let r = row(untouched).await;
        assert_eq!(
            (r.state.as_str(), r.attempts, r.last_error),
            ("pending", 0, None),
            "{}: a row not in the pass is left alone",
            db.label
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn candidates_of_a_role_carry_their_load_when_it_decides() {
    for db in backends().await {
        let s = &db.store;
        let (worker, _, secretary_b) = setup(s).await;
        let second = user(s, "grid_a1_b", Role::GridWorker, "31010401100101").await;
        let secretary = user(s, "sec_a", Role::NeighbourhoodSecretary, "310104011001").await;
        let first = new_order(s, worker, None).await;
        new_order(s, worker, None).await;
        let theirs = new_order(s, second, None).await;
        // Resolving one of the worker's and moving the other's to him keeps
        // the loads true: 2 - 1 + 1 and 1 - 1.
        let w = as_user(worker, Role::GridWorker, PATH_A1);
        let none = |_: &_, _: &_, _: &_| Effects::default();
        s.act_on_order(first, &w, &Action::Accept, T0 + 1, none)
            .await
            .expect("accept");
        s.act_on_order(
            first,
            &w,
            &Action::Resolve {
                note: "好了".into(),
            },
            T0 + 2,
            none,
        )
        .await
        .expect("resolve");
        s.act_on_order(
            theirs,
            &Actor::System,
            &Action::Reassign { to_user: worker },
            T0 + 3,
            none,
        )
        .await
        .expect("reassign");
        new_order(s, second, None).await;
        let grid_workers = s
            .role_candidates(Role::GridWorker, PATH_A1)
            .await
            .expect("q");
        let mut loads: Vec<(i64, i64)> = grid_workers
            .iter()
            .map(|c| (c.user_id, c.open_orders))
            .collect();
        loads.sort();
        assert_eq!(loads, [(worker, 2), (second, 1)], "{}", db.label);
        assert_eq!(
            shequ_domain::order::routing::pick_person(&grid_workers, PATH_A1),
            Some(second),
            "{}: the less loaded worker",
            db.label
        );
        let secretaries = s
            .role_candidates(Role::NeighbourhoodSecretary, PATH_A1)
            .await
            .expect("q");
        assert_eq!(
            secretaries.iter().map(|c| c.user_id).collect::<Vec<_>>(),
            [secretary]
        );
        let in_b = s
            .role_candidates(Role::NeighbourhoodSecretary, PATH_B1)
            .await
            .expect("q");
        assert_eq!(
            in_b.iter().map(|c| c.user_id).collect::<Vec<_>>(),
            [secretary_b]
        );
        assert!(
            s.role_candidates(Role::Cadre, PATH_B1)
                .await
                .expect("q")
                .is_empty()
        );
        db.cleanup().await;
    }
}

/// A batch of orders as the order writer stores it: every order gets its
/// own id, trail, notices (with the id in their payload and an SMS to the
/// owner's phone) and counters; and a list reads each order back exactly as
/// reading it by id does, newest first.
#[tokio::test]
async fn a_batch_is_stored_whole_and_lists_read_it_back_as_stored() {
    for db in backends().await {
        let s = &db.store;
        let (worker, operator, _) = setup(s).await;
        let first = new_order(s, worker, None).await;
        let template = s.order_by_id(first).await.expect("q").expect("order");
        let cat = s
            .category_by_code("sanitation")
            .await
            .expect("q")
            .expect("cat");
        let batch: Vec<NewOrder> = (0..21)
            .map(|k| NewOrder {
                category_id: cat.id,
                category_code: cat.code.clone(),
                source: "open311".into(),
                priority: "normal".into(),
                title: format!("批量 {k}"),
                description: format!("引号 \" 反斜杠 \\ 换行\n第 {k} 条"),
                address: "田林路1号".into(),
                point: (k % 2 == 0).then_some((121.434_567_8, 31.176_543_2)),
                region_id: template.region_id,
                region_path: template.region_path.clone(),
                place_id: None,
                subject_person_id: None,
                reporter_name: String::new(),
                reporter_phone: None,
                reporter_email: Some("a@b.cn".into()),
                reporter_token_hash: (k == 3).then(|| format!("token-{k}")),
                external_id: Some(format!("ext-{}", k % 20)),
                attributes: r#"{"floor":3}"#.into(),
                owner_user_id: Some(if k % 3 == 0 { operator } else { worker }),
                accept_due_at: T0 + 30 * 60_000,
                resolve_due_at: T0 + 24 * 3_600_000,
                actor: "token:city".into(),
                actor_user_id: None,
                dispatch_data: "{}".into(),
                dispatch_note: String::new(),
                notices: vec![Notice {
                    user_id: Some(worker),
                    channel: "sms",
                    recipient: String::new(),
                    payload: r#"{"order":"{order_id}"}"#.into(),
                }],
                now: T0 + 1000 + k,
            })
            .collect();
        let created = s.create_orders(&batch).await.expect("batch");
        assert_eq!(created.len(), 21);
        let ids: Vec<i64> = created.iter().map(|(c, _)| c.id).collect();
        assert!(created[..20].iter().all(|(c, _)| c.new), "{}", db.label);
        assert_eq!(
            created[20].0,
            shequ_store::orders::create::Created {
                id: ids[0],
                new: false
            },
            "{}: the same external id in one batch is one order",
            db.label
        );
        let mut distinct = ids[..20].to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 20, "{}", db.label);
        for (c, queued) in &created[..20] {
            assert_eq!(queued.len(), 1, "{}", db.label);
            let row = s.outbox_row(queued[0].id).await.expect("q").expect("row");
            assert_eq!(
                row.order_id,
                Some(c.id),
                "{}: the inferred id is the row's",
                db.label
            );
            assert_eq!(
                row.recipient, "13800000000",
                "{}: the owner's phone",
                db.label
            );
            assert_eq!(row.payload, format!(r#"{{"order":"{}"}}"#, c.id));
        }
        let counts = s
            .order_counts_in(&Scope::everything())
            .await
            .expect("counts");
        assert_eq!(counts, [("pending".to_owned(), 21)], "{}", db.label);
        assert_eq!(s.verify_trails(None).await.expect("verify").events, 42);

        // Mark one 督办 so a list has a true flag to carry.
        s.act_on_order(
            ids[5],
            &Actor::System,
            &Action::Escalate {
                to_user: operator,
                reason: "超时".into(),
                overdue: Some(Overdue::Accept),
            },
            T0 + 31 * 60_000,
            |_: &_, _: &_, _: &_| Effects::default(),
        )
        .await
        .expect("escalate");
        let page = s
            .orders_page(
                &Scope::everything(),
                &OrderFilter::default(),
                Paging::new(None, Some(100)),
            )
            .await
            .expect("page");
        assert_eq!(page.len(), 21, "{}", db.label);
        let times: Vec<(i64, i64)> = page.iter().map(|o| (o.created_at, o.id)).collect();
        let mut sorted = times.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(times, sorted, "{}: newest first", db.label);
        let by_ids = s
            .orders_by_ids(&Scope::everything(), &[ids[5], ids[2], first])
            .await
            .expect("ids");
        assert_eq!(by_ids.len(), 3, "{}", db.label);
        for listed in page.iter().chain(&by_ids) {
            let one = s.order_by_id(listed.id).await.expect("q").expect("order");
            assert_eq!(format!("{listed:?}"), format!("{one:?}"), "{}", db.label);
        }
        assert!(page.iter().any(|o| o.supervised && o.escalated_accept));
        assert!(
            s.orders_by_ids(&scope(PATH_B), &[ids[0]])
                .await
                .expect("ids")
                .is_empty(),
            "{}: outside the scope",
            db.label
        );
        db.cleanup().await;
    }
}

/// Item 1 of issue 12, for orders: a full disk must refuse an order with an
/// error the sender can retry, never acknowledge one it did not commit,
/// and the writer's held session must write again once there is room.
#[tokio::test]
async fn a_full_disk_refuses_orders_until_there_is_room_and_loses_none_it_accepted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("full.db").display());
    let s = Store::open(&url).await.expect("open");
    let (worker, _, _) = setup(&s).await;
    let observer = Store::open(&url).await.expect("second connection");
    let mut accepted: Vec<i64> = vec![new_order(&s, worker, None).await];
    let mut request = order_request(&s, worker, None).await;
    // Long texts fill pages quickly.
    request.description = "楼道堆满杂物，".repeat(300);

    s.cap_sqlite_pages_for_tests(Some(0)).await.expect("cap");
    let mut session = s.order_session().await.expect("session");
    let mut refused = 0;
    for n in 0..20 {
        let batch = vec![request.clone(); if n % 4 == 3 { 5 } else { 1 }];
        match session.create_orders(&batch).await {
            Ok(created) => accepted.extend(created.iter().map(|(c, _)| c.id)),
            Err(e) => {
                assert_eq!(
                    e.unavailable(),
                    Some(shequ_store::Unavailability::Full),
                    "batch {n}: {e}"
                );
                refused += 1;
            }
        }
    }
    assert!(
        refused >= 10,
        "a capped database refuses growth: {refused} of 20"
    );

    // The limit is changed through the writer, which the session holds.
    drop(session);
    s.cap_sqlite_pages_for_tests(None)
        .await
        .expect("room again");
    let mut session = s.order_session().await.expect("session");
    for _ in 0..3 {
        let created = session
            .create_orders(std::slice::from_ref(&request))
            .await
            .expect("writing resumes once there is room, without a restart");
        accepted.extend(created.iter().map(|(c, _)| c.id));
    }
    drop(session);
    for id in &accepted {
        assert!(
            observer.order_by_id(*id).await.expect("read").is_some(),
            "order {id} was acknowledged but is not committed"
        );
    }
    observer.close().await;
    s.close().await;
}
