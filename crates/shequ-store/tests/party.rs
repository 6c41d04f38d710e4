//! The party organisation tree as stored, on both engines: creating under
//! a parent that may hold the kind, refusing a move that would make a
//! cycle, and keeping every change with who, when, before and after.

mod common;

use common::{backends, seed_street};
use shequ_domain::Code;
use shequ_domain::party::OrgKind;
use shequ_store::StoreError;
use shequ_store::party::{NewPartyMember, NewPartyOrg, NewTransfer};

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
        let full = NewPartyMember {
            standing: MemberStanding::new(day(1), Standing::Full { converted_on: None })
                .expect("standing"),
            unit: "",
            mobile: false,
        };
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

#[tokio::test]
async fn a_transfer_moves_the_member_when_the_receiver_accepts_and_the_history_answers_who_was_where()
 {
    use chrono::NaiveDate;
    use shequ_domain::party::TransferStep;
    for db in backends().await {
        let s = &db.store;
        let l = db.label;
        seed_street(s).await;
        let people = s.monitored_people(None).await.expect("people");
        let (p1, p2) = (people[0].id, people[1].id);
        s.create_party_org(&org("S", OrgKind::StreetWorkingCommittee, None), "admin", 1)
            .await
            .expect("street");
        for b in ["B1", "B2", "B3"] {
            s.create_party_org(&org(b, OrgKind::Branch, Some("S")), "admin", 1)
                .await
                .expect("branch");
        }
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).expect("day");
        s.add_party_member(p1, "B1", &NewPartyMember::full(day(1)), day(1), 1)
            .await
            .expect("member");
        let ask = |to: Option<&'static str>, on| NewTransfer {
            person_id: p1,
            to,
            to_outside: None,
            from_outside: None,
            joining: None,
            letter_no: "",
            on,
            note: "",
        };
        let id = s
            .request_transfer(&ask(Some("B2"), day(3)), "secretary", 3)
            .await
            .expect("request");
        // The sender counts the member until the receiver accepts.
        assert_eq!(
            s.party_members_on("B1", day(9)).await.expect("B1"),
            [p1],
            "{l}"
        );
        match s
            .request_transfer(&ask(Some("B3"), day(4)), "secretary", 4)
            .await
        {
            Err(StoreError::Invalid(e)) => assert_eq!(e.code, Code::PartyTransferState, "{l}"),
            other => panic!("{l}: a second open transfer, got {other:?}"),
        }
        let accepted = s
            .step_transfer(id, TransferStep::Accept, day(10), None, 10)
            .await
            .expect("accept");
        assert_eq!(accepted.state, "accepted", "{l}");
        let done = s
            .step_transfer(
                id,
                TransferStep::Complete,
                day(12),
                Some("沪组转〔2026〕12号"),
                12,
            )
            .await
            .expect("complete");
        assert_eq!(
            (done.state.as_str(), done.letter_no.as_str()),
            ("completed", "沪组转〔2026〕12号"),
            "{l}"
        );
        match s
            .step_transfer(id, TransferStep::Refuse, day(13), None, 13)
            .await
        {
            Err(StoreError::Invalid(e)) => assert_eq!(e.code, Code::PartyTransferState, "{l}"),
            other => panic!("{l}: a step on a completed transfer, got {other:?}"),
        }
        // Who was in B1 on the 9th, and in B2 on the 10th.
        assert_eq!(
            s.party_members_on("B1", day(9)).await.expect("B1"),
            [p1],
            "{l}"
        );
        assert!(
            s.party_members_on("B1", day(10))
                .await
                .expect("B1")
                .is_empty(),
            "{l}"
        );
        assert_eq!(
            s.party_members_on("B2", day(10)).await.expect("B2"),
            [p1],
            "{l}"
        );
        let path: Vec<(String, Option<String>)> = s
            .party_member_path(p1)
            .await
            .expect("path")
            .into_iter()
            .map(|m| (m.org_code, m.to_day))
            .collect();
        assert_eq!(
            path,
            [
                ("B1".to_owned(), Some("2026-03-10".to_owned())),
                ("B2".to_owned(), None)
            ],
            "{l}"
        );

        // A transfer to a dissolved organisation is refused.
        s.dissolve_party_org("B3", "admin", 14)
            .await
            .expect("dissolve");
        match s
            .request_transfer(&ask(Some("B3"), day(14)), "secretary", 14)
            .await
        {
            Err(StoreError::Invalid(e)) => {
                assert_eq!(
                    (e.code, e.field()),
                    (Code::PartyTransferTarget, Some("to")),
                    "{l}"
                )
            }
            other => panic!("{l}: a transfer to a dissolved branch, got {other:?}"),
        }
        // Out of the system: completed by its letter, the membership ends.
        let out = s
            .request_transfer(
                &NewTransfer {
                    to_outside: Some("浙江省杭州市某街道党工委"),
                    ..ask(None, day(15))
                },
                "secretary",
                15,
            )
            .await
            .expect("out");
        s.step_transfer(out, TransferStep::Complete, day(16), Some("L-2"), 16)
            .await
            .expect("complete out");
        assert!(s.party_member(p1).await.expect("member").is_none(), "{l}");

        // In from outside: p2 has no organisation here until accepted.
        let mut joining = NewPartyMember::full(day(1));
        joining.mobile = true;
        let inbound = s
            .request_transfer(
                &NewTransfer {
                    person_id: p2,
                    from_outside: Some("江苏省南京市某支部"),
                    joining: Some(joining),
                    ..ask(Some("B1"), day(17))
                },
                "secretary",
                17,
            )
            .await
            .expect("inbound");
        assert!(s.party_member(p2).await.expect("member").is_none(), "{l}");
        s.step_transfer(inbound, TransferStep::Accept, day(18), None, 18)
            .await
            .expect("accept inbound");
        let m = s.party_member(p2).await.expect("member").expect("in B1");
        assert_eq!((m.org_code.as_str(), m.mobile), ("B1", true), "{l}");
        assert_eq!(s.transfers(true).await.expect("open").len(), 1, "{l}");
    }
}

#[tokio::test]
async fn a_committee_has_one_secretary_at_a_time_and_coverage_counts_each_new_sector_place_once() {
    use chrono::NaiveDate;
    use shequ_domain::party::{Cover, Seat, SeatRole};
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
        let day = |y, m| NaiveDate::from_ymd_opt(y, m, 1).expect("day");
        let seat = |person, role, from, to| Seat {
            person,
            role,
            term_start: from,
            term_end: to,
        };
        s.add_committee_seat(
            "B1",
            &seat(p1, SeatRole::Secretary, day(2024, 1), day(2029, 1)),
        )
        .await
        .expect("secretary");
        match s
            .add_committee_seat(
                "B1",
                &seat(p2, SeatRole::Secretary, day(2025, 1), day(2030, 1)),
            )
            .await
        {
            Err(StoreError::Invalid(e)) => assert_eq!(e.code, Code::PartyCommitteeSeats, "{l}"),
            other => panic!("{l}: two secretaries, got {other:?}"),
        }
        s.add_committee_seat(
            "B1",
            &seat(p2, SeatRole::Member, day(2024, 1), day(2029, 1)),
        )
        .await
        .expect("member");
        let b1 = s.party_org("B1").await.expect("read").expect("B1");
        let seats = s.committee_seats(&[b1.id]).await.expect("seats");
        assert_eq!(seats.len(), 2, "{l}");
        assert_eq!(seats[0].role, "secretary", "{l}: the secretary first");

        // A committee elected mid-term: the one in term ends on the new
        // term's first day, in the same transaction.
        let p3 = people[2].id;
        match s
            .seat_new_committee(
                "B1",
                &[
                    seat(p3, SeatRole::Secretary, day(2026, 6), day(2029, 6)),
                    seat(p3, SeatRole::Member, day(2026, 6), day(2029, 6)),
                ],
            )
            .await
        {
            Err(StoreError::Invalid(e)) => assert_eq!(e.code, Code::PartyCommitteeSeats, "{l}"),
            other => panic!("{l}: one person twice, got {other:?}"),
        }
        assert_eq!(
            s.committee_seats(&[b1.id]).await.expect("seats"),
            seats,
            "{l}: a refused committee changes nothing"
        );
        s.seat_new_committee(
            "B1",
            &[
                seat(p3, SeatRole::Secretary, day(2026, 6), day(2029, 6)),
                seat(p1, SeatRole::Member, day(2026, 6), day(2029, 6)),
            ],
        )
        .await
        .expect("new committee");
        let after = s.committee_seats(&[b1.id]).await.expect("seats");
        let held_on = |d: NaiveDate| -> Vec<(i64, String)> {
            let mut v: Vec<(i64, String)> = after
                .iter()
                .filter(|r| {
                    r.term_start.as_str() <= d.to_string().as_str()
                        && d.to_string().as_str() < r.term_end.as_str()
                })
                .map(|r| (r.person_id, r.role.clone()))
                .collect();
            v.sort();
            v
        };
        let mut new = vec![(p3, "secretary".to_owned()), (p1, "member".to_owned())];
        new.sort();
        assert_eq!(
            held_on(day(2026, 7)),
            new,
            "{l}: only the new committee holds office"
        );
        assert_eq!(
            held_on(day(2025, 7)).len(),
            2,
            "{l}: the old one did before"
        );

        // Coverage: an office building beside the seeded market; neither
        // is covered yet, and the residential buildings do not count.
        let market = s
            .coverage_in(&shequ_store::Scope::everything())
            .await
            .expect("coverage");
        assert_eq!(market.len(), 1, "{l}: the seeded street's one market");
        s.upsert_places(&[shequ_store::places::NewPlace {
            code: "O-1".into(),
            name: "徐汇商务大厦".into(),
            kind: shequ_domain::PlaceKind::OfficeBuilding,
            facility_type: None,
            region_id: market_region(s).await,
            region_path: market[0].region_path.clone(),
            lon: market[0].lon + 0.001,
            lat: market[0].lat,
            address: String::new(),
            built_year: None,
            floors: Some(30),
        }])
        .await
        .expect("office building");
        let all = shequ_store::Scope::everything();
        let before = s.coverage_in(&all).await.expect("coverage");
        assert_eq!(before.len(), 2, "{l}");
        assert!(before.iter().all(|p| p.cover == Cover::Gap), "{l}");
        let (a, b) = (before[0].place_id, before[1].place_id);
        s.create_party_org(&org("J", OrgKind::JointBranch, Some("S")), "admin", 2)
            .await
            .expect("joint");
        s.cover_place("J", a).await.expect("cover");
        s.cover_place("J", a)
            .await
            .expect("covering twice is a no-op");
        s.assign_instructor(b, "王指导员", day(2026, 1))
            .await
            .expect("instructor");
        let after = s.coverage_in(&all).await.expect("coverage");
        let cover_of = |id| after.iter().find(|p| p.place_id == id).map(|p| p.cover);
        assert_eq!(cover_of(a), Some(Cover::Joint), "{l}");
        assert_eq!(cover_of(b), Some(Cover::Instructor), "{l}");
        s.cover_place("B1", a).await.expect("own");
        let own = s.coverage_in(&all).await.expect("coverage");
        assert_eq!(
            own.iter().find(|p| p.place_id == a).map(|p| p.cover),
            Some(Cover::Own),
            "{l}"
        );
        assert_eq!(own.len(), before.len(), "{l}: a place is counted once");
        // The counts decided in SQL agree with the domain's rule per place.
        let mut by_place = shequ_domain::party::Counts::default();
        own.iter().for_each(|p| by_place.add(p.cover));
        let mut by_sql = shequ_domain::party::Counts::default();
        for (_, _, cover, n) in s.coverage_counts(&all).await.expect("counts") {
            by_sql.add_n(cover, n);
        }
        assert_eq!(by_sql, by_place, "{l}");
        assert_eq!((by_sql.own, by_sql.instructor), (1, 1), "{l}");
        let gaps = s.coverage_gaps(&all, 10).await.expect("gaps");
        assert!(gaps.is_empty(), "{l}: {gaps:?}");
        let near = s
            .orgs_near(before[0].lon, before[0].lat, 500.0)
            .await
            .expect("near");
        assert!(near.iter().any(|(code, ..)| code == "J"), "{l}: {near:?}");
    }
}

/// The counts the report reads (kept by triggers) and the first gaps
/// agree with every place's cover decided afresh from its organisations
/// and instructor.
async fn coverage_agrees(s: &shequ_store::Store, l: &str, when: &str) {
    use std::collections::BTreeMap;
    let all = shequ_store::Scope::everything();
    let fresh = s.coverage_in(&all).await.expect("coverage");
    let mut want: BTreeMap<(String, &str, &str), u64> = BTreeMap::new();
    for p in &fresh {
        *want
            .entry((p.region_path.clone(), p.kind.as_str(), p.cover.as_str()))
            .or_default() += 1;
    }
    let mut got: BTreeMap<(String, &str, &str), u64> = BTreeMap::new();
    for (path, kind, cover, n) in s.coverage_counts(&all).await.expect("counts") {
        *got.entry((path, kind.as_str(), cover.as_str()))
            .or_default() += n;
    }
    assert_eq!(got, want, "{l}: counts {when}");
    let gaps: Vec<String> = s
        .coverage_gaps(&all, 100)
        .await
        .expect("gaps")
        .into_iter()
        .map(|p| p.code)
        .collect();
    let mut want_gaps: Vec<String> = fresh
        .iter()
        .filter(|p| p.cover == shequ_domain::party::Cover::Gap)
        .map(|p| p.code.clone())
        .collect();
    want_gaps.sort();
    assert_eq!(gaps, want_gaps, "{l}: gaps {when}");
}

#[tokio::test]
async fn coverage_counts_follow_covers_dissolves_and_the_registrys_place_changes() {
    use chrono::NaiveDate;
    use shequ_domain::PlaceKind;
    use shequ_domain::party::Cover;
    use shequ_store::places::NewPlace;
    for db in backends().await {
        let s = &db.store;
        let l = db.label;
        seed_street(s).await;
        coverage_agrees(s, l, "of the seeded street").await;
        let all = shequ_store::Scope::everything();
        let market = s.coverage_in(&all).await.expect("coverage")[0].clone();
        let region = market_region(s).await;
        let other = s
            .regions_in(&all)
            .await
            .expect("regions")
            .into_iter()
            .find(|r| r.id != region && r.kind == "grid")
            .expect("a second grid");
        let place = |code: &str, kind, region_id, region_path: &str| NewPlace {
            code: code.into(),
            name: format!("场所{code}"),
            kind,
            facility_type: None,
            region_id,
            region_path: region_path.to_owned(),
            lon: market.lon,
            lat: market.lat,
            address: String::new(),
            built_year: None,
            floors: None,
        };
        s.upsert_places(&[
            place(
                "O-1",
                PlaceKind::OfficeBuilding,
                region,
                &market.region_path,
            ),
            place("K-1", PlaceKind::Park, region, &market.region_path),
        ])
        .await
        .expect("places");
        coverage_agrees(s, l, "with two new places").await;
        let listed = s.coverage_in(&all).await.expect("coverage");
        let id_of = |code: &str| {
            listed
                .iter()
                .find(|p| p.code == code)
                .map(|p| p.place_id)
                .expect("the place")
        };
        let (office, park) = (id_of("O-1"), id_of("K-1"));
        s.create_party_org(&org("S", OrgKind::StreetWorkingCommittee, None), "admin", 1)
            .await
            .expect("street");
        s.create_party_org(&org("B1", OrgKind::NewSector, Some("S")), "admin", 1)
            .await
            .expect("own");
        s.create_party_org(&org("J", OrgKind::JointBranch, Some("S")), "admin", 1)
            .await
            .expect("joint");
        s.cover_place("B1", office).await.expect("own cover");
        s.cover_place("J", office).await.expect("joint cover");
        s.cover_place("J", market.place_id)
            .await
            .expect("joint cover");
        s.assign_instructor(market.place_id, "王指导员", NaiveDate::MIN)
            .await
            .expect("instructor");
        s.assign_instructor(market.place_id, "李指导员", NaiveDate::MIN)
            .await
            .expect("a second instructor replaces the first");
        coverage_agrees(s, l, "after covering").await;

        // The registry moves the office building and makes the park a
        // service facility: the counts follow without being told.
        s.upsert_places(&[
            place("O-1", PlaceKind::OfficeBuilding, other.id, &other.path),
            place(
                "K-1",
                PlaceKind::ServiceFacility,
                region,
                &market.region_path,
            ),
        ])
        .await
        .expect("moved");
        coverage_agrees(s, l, "after the registry's changes").await;
        let gone = s.coverage_in(&all).await.expect("coverage");
        assert!(gone.iter().all(|p| p.place_id != park), "{l}");

        // Dissolving the joint branch leaves the market to its instructor
        // and the office to its own organisation.
        s.dissolve_party_org("J", "admin", 2)
            .await
            .expect("dissolve");
        coverage_agrees(s, l, "after dissolving").await;
        let after = s.coverage_in(&all).await.expect("coverage");
        let cover_of = |id| after.iter().find(|p| p.place_id == id).map(|p| p.cover);
        assert_eq!(cover_of(market.place_id), Some(Cover::Instructor), "{l}");
        assert_eq!(cover_of(office), Some(Cover::Own), "{l}");
        s.upsert_places(&[place("K-1", PlaceKind::Park, other.id, &other.path)])
            .await
            .expect("a park again, elsewhere");
        coverage_agrees(s, l, "with the park back").await;
    }
}

async fn market_region(s: &shequ_store::Store) -> i64 {
    let p = s
        .places_in(
            &shequ_store::Scope::everything(),
            &Default::default(),
            shequ_store::Paging::new(Some(1), Some(50)),
        )
        .await
        .expect("places");
    p.items
        .iter()
        .find(|p| p.kind == "market")
        .map(|p| p.region_id)
        .expect("the seeded market")
}

#[tokio::test]
async fn members_added_in_bulk_are_refused_row_by_row_for_the_same_reasons() {
    use chrono::NaiveDate;
    use shequ_domain::party::{MemberStanding, Standing};
    use shequ_store::party::{Joined, JoiningMember};
    for db in backends().await {
        let s = &db.store;
        let l = db.label;
        seed_street(s).await;
        let people = s
            .search_people(
                &shequ_store::Scope::everything(),
                &Default::default(),
                shequ_store::Paging::new(Some(1), Some(50)),
            )
            .await
            .expect("people")
            .items;
        assert!(people.len() >= 4, "{l}: the seeded street's people");
        let numbers: Vec<&str> = people.iter().map(|p| p.identity_number.reveal()).collect();
        let mut asked = numbers.clone();
        asked.push("310104199001011234");
        let ids = s.person_ids_by_identity(&asked).await.expect("lookup");
        assert_eq!(
            ids.len(),
            people.len(),
            "{l}: the unknown number is left out"
        );
        for p in &people {
            assert_eq!(ids.get(p.identity_number.reveal()), Some(&p.id), "{l}");
        }
        let p: Vec<i64> = people.iter().map(|p| p.id).collect();

        s.create_party_org(&org("S", OrgKind::StreetWorkingCommittee, None), "admin", 1)
            .await
            .expect("street");
        for b in ["B1", "B2"] {
            s.create_party_org(&org(b, OrgKind::Branch, Some("S")), "admin", 1)
                .await
                .expect("branch");
        }
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).expect("day");
        s.add_party_member(p[0], "B2", &NewPartyMember::full(day(1)), day(1), 1)
            .await
            .expect("a member already");
        let probationary = NewPartyMember {
            standing: MemberStanding::new(
                day(1),
                Standing::Probationary {
                    probation_end: day(20),
                },
            )
            .expect("standing"),
            unit: "徐汇商务大厦",
            mobile: true,
        };
        let join = |person_id, org_code, member: &NewPartyMember<'static>| JoiningMember {
            person_id,
            org_code,
            member: member.clone(),
            from: day(2),
        };
        let full = NewPartyMember::full(day(1));
        let rows = [
            join(p[1], "B1", &probationary),
            join(p[0], "B1", &full),    // in B2 already
            join(999_999, "B1", &full), // not in the registry
            join(p[2], "S", &full),     // a committee holds no members
            join(p[3], "B9", &full),    // no such organisation
            join(p[1], "B2", &full),    // twice in the batch
            join(p[3], "B1", &full),
        ];
        let got: Vec<Result<Joined, (Code, Option<&str>)>> = s
            .add_party_members(&rows, 5)
            .await
            .expect("bulk")
            .into_iter()
            .map(|r| r.map_err(|e| (e.code, e.field())))
            .collect();
        assert_eq!(
            got,
            [
                Ok(Joined::Added),
                Err((Code::PartyMembershipOverlap, Some("person"))),
                Err((Code::PersonNotFound, Some("person"))),
                Err((Code::PartyParentKind, Some("org"))),
                Err((Code::PartyOrgNotFound, Some("org"))),
                Err((Code::PartyMembershipOverlap, Some("person"))),
                Ok(Joined::Added),
            ],
            "{l}"
        );
        let mut b1 = vec![p[1], p[3]];
        b1.sort_unstable();
        assert_eq!(
            s.party_members_on("B1", day(2)).await.expect("B1"),
            b1,
            "{l}"
        );
        let m = s.party_member(p[1]).await.expect("read").expect("member");
        assert_eq!(
            (m.probation_end.as_deref(), m.unit.as_str(), m.mobile),
            (Some("2026-03-20"), "徐汇商务大厦", true),
            "{l}"
        );
        assert_eq!(
            s.members_working_at("徐汇商务大厦")
                .await
                .expect("unit")
                .len(),
            1,
            "{l}"
        );

        // Again: the members are where they were; a changed record is updated.
        let again = [
            join(p[1], "B1", &probationary),
            join(p[3], "B1", &probationary),
        ];
        let got: Vec<Joined> = s
            .add_party_members(&again, 6)
            .await
            .expect("bulk")
            .into_iter()
            .map(|r| r.expect("same organisation"))
            .collect();
        assert_eq!(got, [Joined::Unchanged, Joined::Updated], "{l}");
        assert_eq!(
            s.party_member_path(p[3]).await.expect("path").len(),
            1,
            "{l}: no second membership"
        );
    }
}

#[tokio::test]
async fn a_registered_member_accumulates_service_and_a_year_adds_up() {
    use chrono::NaiveDate;
    use shequ_domain::party::registration::{Hours, RecordSource};
    for db in backends().await {
        let s = &db.store;
        let l = db.label;
        seed_street(s).await;
        let people = s.monitored_people(None).await.expect("people");
        let p1 = people[0].id;
        s.create_party_org(&org("S", OrgKind::StreetWorkingCommittee, None), "admin", 1)
            .await
            .expect("street");
        s.create_party_org(&org("B1", OrgKind::Branch, Some("S")), "admin", 1)
            .await
            .expect("branch");
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("day");
        s.add_party_member(p1, "B1", &NewPartyMember::full(day(1, 1)), day(1, 1), 1)
            .await
            .expect("member");
        let nbhd = s
            .regions_in(&shequ_store::Scope::everything())
            .await
            .expect("regions")
            .into_iter()
            .find(|r| r.kind == "neighbourhood")
            .expect("a neighbourhood");
        let id = s
            .register_for_service(Some(p1), None, nbhd.id, "安全巡逻,敬老探访", day(2, 1), 2)
            .await
            .expect("register");
        match s
            .register_for_service(Some(p1), None, nbhd.id, "", day(2, 2), 2)
            .await
        {
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "registration", "{l}"),
            other => panic!("{l}: registering twice, got {other:?}"),
        }
        let today = day(6, 1);
        for (d, h) in [(day(3, 1), "2"), (day(4, 1), "1.5")] {
            s.record_service(
                id,
                d,
                Hours::parse(h).expect("h"),
                "巡逻",
                RecordSource::Registration,
                "sec",
                today,
                3,
            )
            .await
            .expect("record");
        }
        for bad in [day(1, 31), day(6, 2)] {
            match s
                .record_service(
                    id,
                    bad,
                    Hours::parse("1").expect("h"),
                    "x",
                    RecordSource::Registration,
                    "sec",
                    today,
                    3,
                )
                .await
            {
                Err(StoreError::Invalid(e)) => assert_eq!(e.field(), Some("day"), "{l}"),
                other => panic!("{l}: a record on {bad}, got {other:?}"),
            }
        }
        let rows = s
            .registrations_in(&shequ_store::Scope::everything(), 2026)
            .await
            .expect("registrations");
        assert_eq!(rows.len(), 1, "{l}");
        let r = &rows[0];
        assert_eq!(
            (
                r.records,
                r.hours_tenths,
                r.last_served.as_deref(),
                r.posts.as_str()
            ),
            (2, 35, Some("2026-04-01"), "安全巡逻,敬老探访"),
            "{l}"
        );
        assert!(
            s.registrations_in(&shequ_store::Scope::everything(), 2025)
                .await
                .expect("2025")[0]
                .records
                == 0,
            "{l}"
        );
    }
}

#[tokio::test]
async fn a_joint_meeting_records_sessions_whose_decisions_wait_for_their_orders() {
    use chrono::NaiveDate;
    use shequ_store::party::{MeetingMember, NewDecision, NewMeeting, NewSession};
    for db in backends().await {
        let s = &db.store;
        let l = db.label;
        seed_street(s).await;
        let regions = s
            .regions_in(&shequ_store::Scope::everything())
            .await
            .expect("regions");
        let of_kind = |k: &str| {
            regions
                .iter()
                .find(|r| r.kind == k)
                .unwrap_or_else(|| panic!("{l}: a {k}"))
                .clone()
        };
        let (street, nbhd, grid) = (of_kind("street"), of_kind("neighbourhood"), of_kind("grid"));
        let convener = s
            .create_party_org(&org("S", OrgKind::StreetWorkingCommittee, None), "admin", 1)
            .await
            .expect("street org");
        let meeting = |code: &str, region_id, parent_id| NewMeeting {
            code: code.to_owned(),
            name: format!("{code} 联席会议"),
            region_id,
            convener_org_id: Some(convener),
            parent_id,
        };
        let refused = |r: shequ_store::Result<i64>| match r {
            Err(StoreError::Invalid(e)) => (e.code, e.field()),
            other => panic!("{l}: expected a refusal, got {other:?}"),
        };
        let top = s
            .create_meeting(&meeting("ST", street.id, None), "admin", 2)
            .await
            .expect("street meeting");
        let below = s
            .create_meeting(&meeting("NB", nbhd.id, Some(top)), "admin", 2)
            .await
            .expect("neighbourhood meeting");
        assert_eq!(
            refused(
                s.create_meeting(&meeting("GR", grid.id, None), "admin", 2)
                    .await
            ),
            (Code::PartyMeetingLevel, Some("region")),
            "{l}: a grid holds no meeting"
        );
        assert_eq!(
            refused(
                s.create_meeting(&meeting("NB2", nbhd.id, Some(below)), "admin", 2)
                    .await
            ),
            (Code::PartyMeetingParent, Some("parent")),
            "{l}: not under its own level"
        );
        match s
            .create_meeting(&meeting("ST", street.id, None), "admin", 2)
            .await
        {
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "code", "{l}"),
            other => panic!("{l}: a code twice, got {other:?}"),
        }
        let rows = s
            .meetings_in(&shequ_store::Scope::everything())
            .await
            .expect("meetings");
        assert_eq!(rows.len(), 2, "{l}");
        let nb = rows.iter().find(|m| m.id == below).expect("below");
        assert_eq!(
            (nb.level.as_str(), nb.parent_name.as_deref()),
            ("neighbourhood", Some("ST 联席会议")),
            "{l}"
        );
        assert_eq!(
            s.meetings_of_org(convener).await.expect("of org").len(),
            2,
            "{l}: the convener's meetings"
        );

        // Members: an organisation and a resident unit, each once.
        let m_org = s
            .add_meeting_member(top, &MeetingMember::Org(convener), "书记", 3)
            .await
            .expect("org member");
        let unit = MeetingMember::Unit {
            name: "徐汇区中心医院".to_owned(),
            place_id: None,
        };
        let m_unit = s
            .add_meeting_member(top, &unit, "副院长", 3)
            .await
            .expect("unit member");
        match s.add_meeting_member(top, &unit, "", 3).await {
            Err(StoreError::Conflict { field, .. }) => {
                assert_eq!(field, "party meeting member", "{l}")
            }
            other => panic!("{l}: a unit twice, got {other:?}"),
        }
        let blank = MeetingMember::Unit {
            name: " ".to_owned(),
            place_id: None,
        };
        assert_eq!(
            refused(s.add_meeting_member(top, &blank, "", 3).await),
            (Code::PartyMeetingMember, Some("unit_name")),
            "{l}"
        );

        // A session: refused whole when a part is wrong, nothing stored.
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("day");
        let today = day(11, 30);
        let decision = |title: &str, due| NewDecision {
            title: title.to_owned(),
            detail: String::new(),
            category: "elevator".to_owned(),
            place_id: None,
            due_on: due,
        };
        let session = |held_on, attended: Vec<i64>, decisions| NewSession {
            held_on,
            venue: "街道会议室".to_owned(),
            agenda: "加装电梯".to_owned(),
            minutes: String::new(),
            attended,
            attendees: 12,
            decisions,
        };
        let refused_session = |r: shequ_store::Result<(i64, Vec<i64>)>| match r {
            Err(StoreError::Invalid(e)) => (e.code, e.field()),
            other => panic!("{l}: expected a refusal, got {other:?}"),
        };
        assert_eq!(
            refused_session(
                s.record_session(top, &session(day(12, 1), vec![], vec![]), "sec", today, 4)
                    .await
            ),
            (Code::PartySessionDay, Some("held_on"))
        );
        assert_eq!(
            refused_session(
                s.record_session(
                    top,
                    &session(day(11, 20), vec![m_org, 999_999], vec![]),
                    "sec",
                    today,
                    4
                )
                .await
            ),
            (Code::PartyMeetingMember, Some("attended"))
        );
        assert_eq!(
            refused_session(
                s.record_session(
                    top,
                    &session(
                        day(11, 20),
                        vec![m_org],
                        vec![decision("加装电梯", None), decision("x", Some(day(11, 19)))]
                    ),
                    "sec",
                    today,
                    4
                )
                .await
            ),
            (Code::PartyDecisionDue, Some("due_on"))
        );
        assert!(
            s.sessions_of(top).await.expect("sessions").is_empty(),
            "{l}: nothing kept"
        );

        let (sid, ids) = s
            .record_session(
                top,
                &session(
                    day(11, 20),
                    vec![m_unit, m_org, m_org],
                    vec![
                        decision("加装电梯", Some(day(12, 31))),
                        decision("整治停车", None),
                    ],
                ),
                "sec",
                today,
                4,
            )
            .await
            .expect("session");
        assert_eq!(ids.len(), 2, "{l}");
        let stored = s.session(sid).await.expect("read").expect("session");
        let mut want = vec![m_org, m_unit];
        want.sort_unstable();
        assert_eq!(stored.attended_ids().expect("ids"), want, "{l}: each once");
        let later = s
            .add_decision(sid, &decision("公示方案", None), 5)
            .await
            .expect("later decision");
        let all = s.decisions_of(top).await.expect("decisions");
        assert_eq!(
            all.iter().map(|d| (d.seq, d.order_id)).collect::<Vec<_>>(),
            vec![(1, None), (2, None), (3, None)],
            "{l}"
        );
        assert_eq!(all[0].due_day().expect("due"), Some(day(12, 31)), "{l}");
        assert_eq!(
            s.unfiled_decisions(10)
                .await
                .expect("unfiled")
                .iter()
                .map(|d| d.id)
                .collect::<Vec<_>>(),
            vec![ids[0], ids[1], later],
            "{l}: every decision waits for its order"
        );
        match s.add_decision(999_999, &decision("x", None), 5).await {
            Err(StoreError::NotFound(what)) => assert_eq!(what, "party session", "{l}"),
            other => panic!("{l}: an unknown session, got {other:?}"),
        }
    }
}
