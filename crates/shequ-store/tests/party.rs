//! The party organisation tree as stored, on both engines: creating under
//! a parent that may hold the kind, refusing a move that would make a
//! cycle, and keeping every change with who, when, before and after.

mod common;

use common::backends;
use shequ_domain::Code;
use shequ_domain::party::OrgKind;
use shequ_store::StoreError;
use shequ_store::party::NewPartyOrg;

fn org<'a>(code: &'a str, kind: OrgKind, parent: Option<&'a str>) -> NewPartyOrg<'a> {
    NewPartyOrg {
        code,
        name: code,
        kind,
        parent,
        region_id: None,
        founded_on: None,
    }
}

#[tokio::test]
async fn the_tree_is_kept_with_its_changes_and_refuses_cycles() {
    for db in backends().await {
        let s = &db.store;
        let l = db.label;
        s.create_party_org(&org("S", OrgKind::StreetWorkingCommittee, None), "admin", 1)
            .await
            .expect("street");
        for n in ["N1", "N2"] {
            s.create_party_org(
                &org(n, OrgKind::NeighbourhoodGeneralBranch, Some("S")),
                "admin",
                2,
            )
            .await
            .expect("neighbourhood");
        }
        s.create_party_org(&org("B1", OrgKind::Branch, Some("N1")), "admin", 3)
            .await
            .expect("branch");

        // A parent that may not hold the kind, or that does not exist.
        let refused = |r: Result<i64, StoreError>| match r {
            Err(StoreError::Invalid(e)) => (e.code, e.field()),
            other => panic!("{l}: expected a refusal, got {other:?}"),
        };
        assert_eq!(
            refused(
                s.create_party_org(
                    &org("X", OrgKind::NeighbourhoodCommittee, Some("B1")),
                    "admin",
                    4
                )
                .await
            ),
            (Code::PartyParentKind, Some("parent"))
        );
        assert_eq!(
            refused(
                s.create_party_org(&org("X", OrgKind::Branch, Some("N9")), "admin", 4)
                    .await
            ),
            (Code::PartyParentUnknown, Some("parent"))
        );
        // A code already used.
        match s
            .create_party_org(&org("B1", OrgKind::Branch, Some("N2")), "admin", 4)
            .await
        {
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "org code", "{l}"),
            other => panic!("{l}: expected a conflict, got {other:?}"),
        }

        // Moving N1 under its own branch would make a cycle.
        match s.move_party_org("N1", "B1", "admin", 5).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.code, Code::PartyMoveCycle, "{l}"),
            other => panic!("{l}: expected a refusal, got {other:?}"),
        }
        s.move_party_org("B1", "N2", "secretary", 6)
            .await
            .expect("move");
        s.rename_party_org("B1", "第一党支部", "secretary", 7)
            .await
            .expect("rename");
        let tree = s.party_tree().await.expect("tree");
        assert!(tree.is_within("B1", "N2"), "{l}");
        assert_eq!(
            s.party_org("B1").await.expect("read").expect("B1").name,
            "第一党支部",
            "{l}"
        );

        let changes = s.party_org_changes("B1").await.expect("changes");
        let actions: Vec<(&str, &str, i64)> = changes
            .iter()
            .map(|c| (c.action.as_str(), c.actor.as_str(), c.at))
            .collect();
        assert_eq!(
            actions,
            [
                ("create", "admin", 3),
                ("move", "secretary", 6),
                ("rename", "secretary", 7)
            ],
            "{l}"
        );
        assert!(changes[0].before.is_none(), "{l}");
        let before: serde_json::Value =
            serde_json::from_str(changes[1].before.as_deref().expect("before")).expect("json");
        let after: serde_json::Value = serde_json::from_str(&changes[1].after).expect("json");
        assert_ne!(
            before["parent_id"], after["parent_id"],
            "{l}: the move is in the log"
        );
        assert_eq!(before["name"], "B1", "{l}");
        match s.rename_party_org("B9", "x", "admin", 8).await {
            Err(StoreError::NotFound(what)) => assert_eq!(what, "party org", "{l}"),
            other => panic!("{l}: expected not found, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn members_belong_to_one_organisation_and_block_dissolving() {
    use chrono::NaiveDate;
    use common::seed_street;
    use shequ_domain::party::{MemberStanding, Standing};
    for db in backends().await {
        let s = &db.store;
        let l = db.label;
        seed_street(s).await;
        let people = s.monitored_people(None).await.expect("people");
        let (p1, p2) = (people[0].id, people[1].id);
        s.create_party_org(&org("S", OrgKind::StreetWorkingCommittee, None), "admin", 1)
            .await
            .expect("street");
        s.create_party_org(&org("B1", OrgKind::Branch, Some("S")), "admin", 1)
            .await
            .expect("branch");
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).expect("day");
        let full =
            MemberStanding::new(day(1), Standing::Full { converted_on: None }).expect("standing");
        s.add_party_member(p1, "B1", &full, day(2), 2)
            .await
            .expect("p1");
        s.add_party_member(p2, "B1", &full, day(5), 2)
            .await
            .expect("p2");
        assert_eq!(
            s.party_members_on("B1", day(3)).await.expect("on"),
            [p1],
            "{l}"
        );
        assert_eq!(
            s.party_members_on("B1", day(5)).await.expect("on"),
            [p1.min(p2), p1.max(p2)],
            "{l}"
        );

        // In two organisations at once, under a committee, or unknown.
        s.create_party_org(&org("B2", OrgKind::Branch, Some("S")), "admin", 3)
            .await
            .expect("second branch");
        match s.add_party_member(p1, "B2", &full, day(6), 3).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.code, Code::PartyMembershipOverlap, "{l}"),
            other => panic!("{l}: expected a refusal, got {other:?}"),
        }
        match s.add_party_member(p1, "S", &full, day(6), 3).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field(), Some("org"), "{l}"),
            other => panic!("{l}: expected a refusal, got {other:?}"),
        }
        match s.add_party_member(999_999, "B2", &full, day(6), 3).await {
            Err(StoreError::NotFound(what)) => assert_eq!(what, "person", "{l}"),
            other => panic!("{l}: expected not found, got {other:?}"),
        }

        // B1 keeps its two members, so it stays; the empty B2 goes.
        match s.dissolve_party_org("B1", "admin", 4).await {
            Err(StoreError::Invalid(e)) => {
                assert_eq!(e.code, Code::PartyDissolveNotEmpty, "{l}");
                assert!(e.message.contains("2 member"), "{l}: {e}");
            }
            other => panic!("{l}: expected a refusal, got {other:?}"),
        }
        s.dissolve_party_org("B2", "admin", 4)
            .await
            .expect("dissolve");
        assert!(s.party_org("B2").await.expect("read").is_none(), "{l}");
        let actions: Vec<String> = s
            .party_org_changes("B2")
            .await
            .expect("changes")
            .into_iter()
            .map(|c| c.action)
            .collect();
        assert_eq!(actions, ["create", "dissolve"], "{l}");
    }
}
