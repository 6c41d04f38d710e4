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
