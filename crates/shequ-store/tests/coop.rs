//! Regional cooperation as stored, on both engines: units, needs and
//! resources kept by code and listed by scope; projects that commit
//! resources all or nothing and never beyond what is left, even when
//! many are made at once; steps that give the commitment back; ratings
//! that feed the resources' tallies; and the trail of every change.

mod common;

use chrono::NaiveDate;
use common::{PATH_A, PATH_B, backends, seed_street};
use shequ_domain::Code;
use shequ_domain::RegionPath;
use shequ_domain::coop::{
    Capacity, CapacityUnit, Category, ProjectStatus, Rating, UnitKind, Urgency, Window,
};
use shequ_store::coop::{NewNeed, NewProject, NewResource, NewUnit, ProjectUpdate};
use shequ_store::{Scope, Store, StoreError};

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn window(a: &str, b: &str) -> Window {
    Window::new(day(a), day(b)).expect("window")
}

fn scope(path: &str) -> Scope {
    Scope::under(&RegionPath::parse(path).expect("path"))
}

fn unit<'a>(code: &'a str, place_id: i64) -> NewUnit<'a> {
    NewUnit {
        code,
        name: code,
        kind: UnitKind::Hospital,
        place_id,
        party_org_id: None,
        contact_name: "陈主任",
        contact_phone: "021-64000000",
        staff: 300,
        offers: "义诊",
    }
}

fn need<'a>(code: &'a str, place_id: i64, orders: &'a [i64]) -> NewNeed<'a> {
    NewNeed {
        code,
        title: "独居老人上门体检",
        category: Category::HealthVisits,
        place_id,
        raised_by: "田林一村居委会",
        beneficiaries: "独居老人",
        beneficiary_count: 40,
        wanted: 6,
        window: window("2026-03-01", "2026-06-30"),
        urgency: Urgency::High,
        detail: "",
        order_ids: orders,
    }
}

fn resource<'a>(
    code: &'a str,
    unit_id: i64,
    amount: u32,
    windows: &'a [Window],
) -> NewResource<'a> {
    NewResource {
        code,
        title: "医生上门",
        category: Category::HealthVisits,
        unit_id,
        capacity: Capacity::new(amount, CapacityUnit::HoursPerMonth).expect("capacity"),
        windows,
        detail: "",
    }
}

fn project<'a>(need_id: i64, resources: &'a [(i64, u32)]) -> NewProject<'a> {
    NewProject {
        need_id,
        title: "上门体检",
        owner: "陈主任",
        window: window("2026-03-01", "2026-06-30"),
        resources,
        decision_id: None,
    }
}

async fn committed(s: &Store, id: i64) -> i64 {
    s.resource(id)
        .await
        .expect("read")
        .expect("resource")
        .committed
}

#[tokio::test]
async fn units_needs_and_resources_are_kept_by_code_and_listed_by_scope() {
    for db in backends().await {
        let s = &db.store;
        let l = db.label;
        let (a1, b1) = seed_street(s).await;
        let (ua, new) = s
            .upsert_unit(&unit("U-A", a1), "admin", 1)
            .await
            .expect("unit");
        assert!(new, "{l}");
        let (ub, _) = s
            .upsert_unit(&unit("U-B", b1), "admin", 1)
            .await
            .expect("unit");
        // The same code again updates the unit, and keeps its id.
        let mut again = unit("U-A", a1);
        again.name = "田林社区卫生服务中心";
        assert_eq!(
            s.upsert_unit(&again, "sec", 2).await.expect("update"),
            (ua, false),
            "{l}"
        );
        let in_a = s.units_in(&scope(PATH_A)).await.expect("units");
        assert_eq!(in_a.len(), 1, "{l}: only A's unit is in A");
        assert_eq!(in_a[0].name, "田林社区卫生服务中心", "{l}");
        assert!(in_a[0].region_path.starts_with(PATH_A), "{l}");
        assert_eq!(
            s.units_in(&Scope::everything()).await.expect("all").len(),
            2,
            "{l}"
        );
        match s.upsert_unit(&unit("U-X", 999_999), "admin", 1).await {
            Err(StoreError::NotFound(what)) => assert_eq!(what, "place", "{l}"),
            other => panic!("{l}: expected no such place, got {other:?}"),
        }

        let windows = [
            window("2026-01-01", "2026-04-30"),
            window("2026-09-01", "2026-12-31"),
        ];
        let (ra, _) = s
            .upsert_resource(&resource("R-A", ua, 20, &windows), "admin", 3)
            .await
            .expect("resource");
        s.upsert_resource(&resource("R-B", ub, 10, &[]), "admin", 3)
            .await
            .expect("resource");
        let listed = s.resources_in(&scope(PATH_B)).await.expect("resources");
        assert_eq!(
            listed.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
            ["R-B"],
            "{l}"
        );
        let row = s.resource(ra).await.expect("read").expect("R-A");
        assert_eq!(row.windows().expect("windows"), windows, "{l}");
        assert_eq!(row.unit_name, "田林社区卫生服务中心", "{l}");
        let views = s
            .resource_views(Category::HealthVisits)
            .await
            .expect("views");
        assert_eq!(views.len(), 2, "{l}");
        assert_eq!(views[0].windows, windows, "{l}");
        assert!(
            s.resource_views(Category::Parking)
                .await
                .expect("views")
                .is_empty(),
            "{l}"
        );
        match s
            .upsert_resource(&resource("R-X", 999_999, 5, &[]), "admin", 3)
            .await
        {
            Err(StoreError::NotFound(what)) => assert_eq!(what, "coop unit", "{l}"),
            other => panic!("{l}: expected no such unit, got {other:?}"),
        }

        // A need raised from work orders: an unknown order stores nothing.
        match s.upsert_need(&need("N-1", a1, &[999_999]), "sec", 4).await {
            Err(StoreError::NotFound(what)) => assert_eq!(what, "order", "{l}"),
            other => panic!("{l}: expected no such order, got {other:?}"),
        }
        assert!(s.need_by_code("N-1").await.expect("read").is_none(), "{l}");
        let (n1, _) = s
            .upsert_need(&need("N-1", a1, &[]), "sec", 4)
            .await
            .expect("need");
        let mut urgent = need("N-2", b1, &[]);
        urgent.urgency = Urgency::Urgent;
        s.upsert_need(&urgent, "sec", 4).await.expect("need");
        let mut next_year = need("N-3", a1, &[]);
        next_year.window = window("2027-01-01", "2027-02-01");
        s.upsert_need(&next_year, "sec", 4).await.expect("need");
        let year = s.needs_in(&Scope::everything(), 2026).await.expect("needs");
        assert_eq!(
            year.iter().map(|n| n.code.as_str()).collect::<Vec<_>>(),
            ["N-2", "N-1"],
            "{l}: the year's needs, urgent first"
        );
        assert_eq!(
            s.needs_in(&scope(PATH_A), 2026).await.expect("a").len(),
            1,
            "{l}"
        );
        let n = s.need(n1).await.expect("read").expect("N-1");
        assert_eq!(
            n.window().expect("window"),
            window("2026-03-01", "2026-06-30"),
            "{l}"
        );
        assert_eq!((n.wanted, n.projects, n.orders), (6, 0, 0), "{l}");
    }
}

#[tokio::test]
async fn projects_commit_what_is_left_give_it_back_when_they_end_and_feed_the_ratings() {
    for db in backends().await {
        let s = &db.store;
        let l = db.label;
        let (a1, _) = seed_street(s).await;
        let (u, _) = s
            .upsert_unit(&unit("U-A", a1), "admin", 1)
            .await
            .expect("unit");
        let (r1, _) = s
            .upsert_resource(&resource("R-1", u, 20, &[]), "admin", 1)
            .await
            .expect("r1");
        let (r2, _) = s
            .upsert_resource(&resource("R-2", u, 4, &[]), "admin", 1)
            .await
            .expect("r2");
        let (n, _) = s
            .upsert_need(&need("N-1", a1, &[]), "sec", 1)
            .await
            .expect("need");

        let p1 = s
            .create_project(&project(n, &[(r1, 14)]), "sec", 10)
            .await
            .expect("p1");
        assert_eq!(committed(s, r1).await, 14, "{l}");
        // 7 more of R-1 is beyond the 6 left; with R-2 in the same project,
        // nothing of either is taken.
        match s
            .create_project(&project(n, &[(r2, 2), (r1, 7)]), "sec", 11)
            .await
        {
            Err(StoreError::Invalid(e)) => {
                assert_eq!(
                    (e.code, e.field()),
                    (Code::CoopCommitmentExceeds, Some("amount")),
                    "{l}"
                );
                assert!(e.message.contains("R-1"), "{l}: {}", e.message);
                assert!(e.message.contains("6 of 20"), "{l}: {}", e.message);
            }
            other => panic!("{l}: expected a refusal, got {other:?}"),
        }
        assert_eq!(
            (committed(s, r1).await, committed(s, r2).await),
            (14, 0),
            "{l}"
        );
        assert_eq!(
            s.projects_of_need(n).await.expect("projects").len(),
            1,
            "{l}"
        );
        // No need, no resource, a resource twice: refused, nothing stored.
        match s
            .create_project(&project(999_999, &[(r1, 1)]), "sec", 12)
            .await
        {
            Err(StoreError::NotFound(what)) => assert_eq!(what, "coop need", "{l}"),
            other => panic!("{l}: expected no such need, got {other:?}"),
        }
        match s
            .create_project(&project(n, &[(999_999, 1)]), "sec", 12)
            .await
        {
            Err(StoreError::NotFound(what)) => assert_eq!(what, "coop resource", "{l}"),
            other => panic!("{l}: expected no such resource, got {other:?}"),
        }
        for bad in [&[][..], &[(r1, 1), (r1, 1)][..]] {
            match s.create_project(&project(n, bad), "sec", 12).await {
                Err(StoreError::Invalid(e)) => assert_eq!(e.code, Code::CoopResourceUnknown, "{l}"),
                other => panic!("{l}: expected a refusal, got {other:?}"),
            }
        }
        let p2 = s
            .create_project(&project(n, &[(r1, 6), (r2, 4)]), "sec", 13)
            .await
            .expect("all that is left");
        assert_eq!(
            (committed(s, r1).await, committed(s, r2).await),
            (20, 4),
            "{l}"
        );

        // Rating before done is refused; skipping a step is refused.
        match s
            .rate_project(p1, Rating::new(5).expect("5"), "", "sec", 14)
            .await
        {
            Err(StoreError::Invalid(e)) => assert_eq!(e.code, Code::CoopRatingNotDone, "{l}"),
            other => panic!("{l}: expected a refusal, got {other:?}"),
        }
        match s
            .step_project(p1, ProjectStatus::Done, None, "sec", 14)
            .await
        {
            Err(StoreError::Invalid(e)) => assert_eq!(e.code, Code::CoopProjectTransition, "{l}"),
            other => panic!("{l}: expected a refusal, got {other:?}"),
        }
        for to in [
            ProjectStatus::Agreed,
            ProjectStatus::Running,
            ProjectStatus::Done,
        ] {
            s.step_project(p1, to, None, "sec", 15).await.expect("step");
        }
        assert_eq!(committed(s, r1).await, 6, "{l}: done gives back its 14");
        s.update_project(
            p1,
            &ProjectUpdate {
                owner: "陈主任",
                participants: 5,
                beneficiaries: 38,
                outcome: "38位老人完成体检",
            },
            "sec",
            16,
        )
        .await
        .expect("update");
        s.rate_project(p1, Rating::new(3).expect("3"), "", "sec", 17)
            .await
            .expect("rate");
        s.rate_project(p1, Rating::new(5).expect("5"), "很满意", "sec", 18)
            .await
            .expect("rate again");
        let r = s.resource(r1).await.expect("read").expect("r1");
        assert_eq!(
            (r.rating_sum, r.rating_count),
            (5, 1),
            "{l}: the second rating replaces the first"
        );

        // Dropping takes a reason and gives back what it took.
        match s
            .step_project(p2, ProjectStatus::Dropped, Some("  "), "sec", 19)
            .await
        {
            Err(StoreError::Invalid(e)) => assert_eq!(e.code, Code::CoopDropReason, "{l}"),
            other => panic!("{l}: expected a refusal, got {other:?}"),
        }
        s.step_project(p2, ProjectStatus::Dropped, Some("医院人手调整"), "sec", 20)
            .await
            .expect("drop");
        assert_eq!(
            (committed(s, r1).await, committed(s, r2).await),
            (0, 0),
            "{l}"
        );
        let dropped = s.project(p2).await.expect("read").expect("p2");
        assert_eq!(dropped.drop_reason.as_deref(), Some("医院人手调整"), "{l}");
        assert_eq!(
            s.need(n).await.expect("read").expect("need").projects,
            1,
            "{l}: a dropped project does not meet it"
        );

        let trail: Vec<(String, String)> = s
            .project_changes(p1)
            .await
            .expect("changes")
            .into_iter()
            .map(|c| (c.action, c.actor))
            .collect();
        let actions: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            actions,
            [
                "create", "agreed", "running", "done", "update", "rate", "rate"
            ],
            "{l}"
        );
        let done = s.project(p1).await.expect("read").expect("p1");
        assert_eq!(
            (done.status.as_str(), done.rating, done.beneficiaries),
            ("done", Some(5), 38),
            "{l}"
        );
        let uses = s.project_resources(p2).await.expect("uses");
        assert_eq!(
            uses.iter()
                .map(|u| (u.resource_code.as_str(), u.amount))
                .collect::<Vec<_>>(),
            [("R-1", 6), ("R-2", 4)],
            "{l}"
        );
        assert_eq!(
            s.projects_in(&scope(PATH_A), 2026)
                .await
                .expect("list")
                .len(),
            2,
            "{l}"
        );
        assert!(
            s.projects_in(&scope(PATH_B), 2026)
                .await
                .expect("list")
                .is_empty(),
            "{l}"
        );
        assert_eq!(
            s.projects_of_resource(r2).await.expect("list").len(),
            1,
            "{l}"
        );
        match s
            .step_project(999_999, ProjectStatus::Agreed, None, "sec", 21)
            .await
        {
            Err(StoreError::NotFound(what)) => assert_eq!(what, "coop project", "{l}"),
            other => panic!("{l}: expected no such project, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn projects_made_at_once_never_commit_more_than_the_capacity() {
    for db in backends().await {
        let s = &db.store;
        let l = db.label;
        let (a1, _) = seed_street(s).await;
        let (u, _) = s
            .upsert_unit(&unit("U-A", a1), "admin", 1)
            .await
            .expect("unit");
        let (r, _) = s
            .upsert_resource(&resource("R-1", u, 10, &[]), "admin", 1)
            .await
            .expect("r");
        let (other, _) = s
            .upsert_resource(&resource("R-2", u, 100, &[]), "admin", 1)
            .await
            .expect("r");
        let (n, _) = s
            .upsert_need(&need("N-1", a1, &[]), "sec", 1)
            .await
            .expect("need");
        let mut tasks = Vec::new();
        for i in 0..12_i64 {
            let s = s.clone();
            // Half list the resources in the other order, which must not
            // deadlock on PostgreSQL.
            let list = if i % 2 == 0 {
                vec![(r, 3), (other, 1)]
            } else {
                vec![(other, 1), (r, 3)]
            };
            tasks.push(tokio::spawn(async move {
                s.create_project(&project(n, &list), "sec", 10 + i).await
            }));
        }
        let mut made = 0;
        for t in tasks {
            match t.await.expect("task") {
                Ok(_) => made += 1,
                Err(StoreError::Invalid(e)) => {
                    assert_eq!(e.code, Code::CoopCommitmentExceeds, "{l}")
                }
                Err(e) => panic!("{l}: {e}"),
            }
        }
        assert_eq!(made, 3, "{l}: three of 3 fit in 10");
        assert_eq!(
            (committed(s, r).await, committed(s, other).await),
            (9, 3),
            "{l}"
        );
    }
}

#[tokio::test]
async fn volunteers_sign_up_within_the_places_and_check_in_once_with_the_hours_on_their_registration()
 {
    use shequ_domain::party::registration::Hours;
    use shequ_store::coop::{NewActivity, NewTeam, ServiceEntry};
    use shequ_store::party::{NewPartyMember, NewPartyOrg};
    for db in backends().await {
        let s = &db.store;
        let l = db.label;
        let (a1, _) = seed_street(s).await;
        let region = s
            .region_by_code("310104011001")
            .await
            .expect("read")
            .expect("A")
            .region;
        let people: Vec<i64> = s
            .monitored_people(None)
            .await
            .expect("people")
            .into_iter()
            .filter(|p| p.region_path.starts_with(PATH_A))
            .map(|p| p.id)
            .collect();
        assert!(people.len() >= 3, "{l}: three residents of A");
        let (unit, _) = s
            .upsert_unit(&unit("U-A", a1), "admin", 1)
            .await
            .expect("unit");
        let team = NewTeam {
            code: "T1",
            name: "党员医疗服务队",
            category: Category::HealthVisits,
            unit_id: Some(unit),
            region_id: region.id,
            leader: "陈医生",
        };
        let t = s
            .create_volunteer_team(&team, "sec", 1)
            .await
            .expect("team");
        match s.create_volunteer_team(&team, "sec", 1).await {
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "team code", "{l}"),
            other => panic!("{l}: expected a conflict, got {other:?}"),
        }
        for p in &people[..3] {
            assert!(s.add_volunteer(t, *p, 2).await.expect("member"), "{l}");
        }
        assert!(
            !s.add_volunteer(t, people[0], 3).await.expect("again"),
            "{l}: once"
        );
        let hour = 3_600_000;
        let a = s
            .create_activity(
                &NewActivity {
                    team_id: t,
                    title: "义诊",
                    place_id: a1,
                    starts_at: 10 * hour,
                    ends_at: 12 * hour,
                    capacity: 2,
                },
                "sec",
                4,
            )
            .await
            .expect("activity");
        assert!(s.sign_up(a, people[0], 5).await.expect("first"), "{l}");
        assert!(s.sign_up(a, people[1], 5).await.expect("second"), "{l}");
        assert!(
            !s.sign_up(a, people[0], 6).await.expect("again"),
            "{l}: signing up again changes nothing"
        );
        match s.sign_up(a, people[2], 6).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.code, Code::CoopActivityFull, "{l}"),
            other => panic!("{l}: expected full, got {other:?}"),
        }
        match s
            .check_in_volunteer(a, people[2], Hours::from_tenths(20), None, 7)
            .await
        {
            Err(StoreError::NotFound(what)) => assert_eq!(what, "coop signup", "{l}"),
            other => panic!("{l}: expected not signed up, got {other:?}"),
        }

        // The first volunteer is a registered member: the hours go on the
        // registration, in the check-in's transaction.
        let joined = day("2010-07-01");
        s.create_party_org(
            &NewPartyOrg {
                code: "NA",
                name: "田林一村党总支",
                kind: shequ_domain::party::OrgKind::NeighbourhoodGeneralBranch,
                parent: None,
                region_id: Some(region.id),
                founded_on: None,
            },
            "admin",
            1,
        )
        .await
        .expect("org");
        s.add_party_member(people[0], "NA", &NewPartyMember::full(joined), joined, 1)
            .await
            .expect("member");
        let reg = s
            .register_for_service(Some(people[0]), None, region.id, "", day("2026-01-05"), 1)
            .await
            .expect("registration");
        let entry = ServiceEntry {
            registration_id: reg,
            day: day("2026-03-01"),
            today: day("2026-03-01"),
            what: "志愿服务：义诊",
            confirmed_by: "volunteer check-in",
        };
        s.check_in_volunteer(a, people[0], Hours::from_tenths(20), Some(&entry), 8)
            .await
            .expect("check in");
        match s
            .check_in_volunteer(a, people[0], Hours::from_tenths(20), Some(&entry), 9)
            .await
        {
            Err(StoreError::Invalid(e)) => assert_eq!(e.code, Code::CoopCheckedInTwice, "{l}"),
            other => panic!("{l}: expected a refusal, got {other:?}"),
        }
        s.check_in_volunteer(a, people[1], Hours::from_tenths(20), None, 9)
            .await
            .expect("check in without a registration");
        let records = s.service_records(reg, 2026).await.expect("records");
        assert_eq!(
            records
                .iter()
                .map(|r| (r.source.as_str(), r.hours_tenths, r.what.as_str()))
                .collect::<Vec<_>>(),
            [("volunteering", 20, "志愿服务：义诊")],
            "{l}: once, though checked in twice"
        );
        let signups = s.signups(a).await.expect("signups");
        assert_eq!(
            signups
                .iter()
                .map(|x| (x.person_id, x.hours_tenths, x.service_record.is_some()))
                .collect::<Vec<_>>()
                .len(),
            2,
            "{l}"
        );
        assert!(
            signups
                .iter()
                .any(|x| x.person_id == people[0] && x.service_record == Some(records[0].id)),
            "{l}"
        );
        assert!(
            signups
                .iter()
                .any(|x| x.person_id == people[1] && x.service_record.is_none()),
            "{l}"
        );
        assert_eq!(
            s.volunteer_hours(people[0], 0, 24 * hour)
                .await
                .expect("hours"),
            20,
            "{l}"
        );
        assert_eq!(
            s.unit_volunteering(unit).await.expect("unit"),
            (40, 1),
            "{l}"
        );
        let team_row = s.volunteer_team(t).await.expect("read").expect("team");
        assert_eq!((team_row.members, team_row.hours_tenths), (3, 40), "{l}");
        let mine = s
            .activities_for_person(people[2], 0, 24 * hour)
            .await
            .expect("activities");
        assert_eq!(mine.len(), 1, "{l}");
        assert_eq!((mine[0].signed, mine[0].checked_in), (2, 2), "{l}");
    }
}

#[tokio::test]
async fn pairs_keep_their_visits_and_the_tagged_households_are_listed_by_scope() {
    use shequ_store::coop::NewPair;
    use shequ_store::party::NewPartyOrg;
    for db in backends().await {
        let s = &db.store;
        let l = db.label;
        seed_street(s).await;
        let tagged = s
            .households_with_care_tags(&scope(PATH_A))
            .await
            .expect("households");
        // 王秀英 (elderly, living alone) and 李娜 (low income) of H-A-101.
        assert_eq!(tagged.len(), 2, "{l}: {tagged:?}");
        assert!(tagged.iter().all(|h| h.household_code == "H-A-101"), "{l}");
        let household = tagged[0].household_id;
        assert_eq!(
            s.households_with_care_tags(&scope(PATH_B))
                .await
                .expect("households")
                .len(),
            1,
            "{l}: 张桂兰 of H-B-201"
        );
        let region = s
            .region_by_code("310104011001")
            .await
            .expect("read")
            .expect("A")
            .region;
        for (code, kind, region_id) in [
            (
                "NA",
                shequ_domain::party::OrgKind::NeighbourhoodGeneralBranch,
                Some(region.id),
            ),
            ("X1", shequ_domain::party::OrgKind::NewSector, None),
        ] {
            s.create_party_org(
                &NewPartyOrg {
                    code,
                    name: code,
                    kind,
                    parent: None,
                    region_id,
                    founded_on: None,
                },
                "admin",
                1,
            )
            .await
            .expect("org");
        }
        let na = s.party_org("NA").await.expect("read").expect("NA").id;
        let x1 = s.party_org("X1").await.expect("read").expect("X1").id;
        let paired = day("2026-01-10");
        let orgs = s
            .create_pair(
                &NewPair::Orgs {
                    helper_org_id: x1,
                    helped_org_id: na,
                },
                paired,
                60,
                "sec",
                1,
            )
            .await
            .expect("org pair");
        // The helped side must serve a region: X1 serves none.
        match s
            .create_pair(
                &NewPair::Orgs {
                    helper_org_id: na,
                    helped_org_id: x1,
                },
                paired,
                60,
                "sec",
                1,
            )
            .await
        {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field(), Some("helped"), "{l}"),
            other => panic!("{l}: expected a refusal, got {other:?}"),
        }
        let cadre = s
            .create_pair(
                &NewPair::Household {
                    helper_name: "王建华",
                    household_id: household,
                },
                paired,
                30,
                "sec",
                1,
            )
            .await
            .expect("household pair");
        match s
            .create_pair(
                &NewPair::Household {
                    helper_name: "王建华",
                    household_id: 999_999,
                },
                paired,
                30,
                "sec",
                1,
            )
            .await
        {
            Err(StoreError::NotFound(what)) => assert_eq!(what, "household", "{l}"),
            other => panic!("{l}: expected no such household, got {other:?}"),
        }
        for d in ["2026-02-01", "2026-03-15"] {
            s.log_visit(cadre, day(d), "上门走访", "王建华", 2)
                .await
                .expect("visit");
        }
        match s.log_visit(999_999, day("2026-03-15"), "x", "y", 2).await {
            Err(StoreError::NotFound(what)) => assert_eq!(what, "coop pair", "{l}"),
            other => panic!("{l}: expected no such pair, got {other:?}"),
        }
        let pairs = s.pairs_in(&scope(PATH_A)).await.expect("pairs");
        assert_eq!(pairs.len(), 2, "{l}");
        let c = pairs.iter().find(|p| p.id == cadre).expect("cadre pair");
        assert_eq!(
            (
                c.kind.as_str(),
                c.visits,
                c.last_visit.as_deref(),
                c.visit_days
            ),
            ("cadre_household", 2, Some("2026-03-15"), 30),
            "{l}"
        );
        let o = pairs.iter().find(|p| p.id == orgs).expect("org pair");
        assert_eq!(
            (
                o.helper_org_name.as_deref(),
                o.helped_org_name.as_deref(),
                o.visits
            ),
            (Some("X1"), Some("NA"), 0),
            "{l}"
        );
        assert!(
            s.pairs_in(&scope(PATH_B)).await.expect("pairs").is_empty(),
            "{l}"
        );
        let v = s.visits(cadre).await.expect("visits");
        assert_eq!(v[0].day, "2026-03-15", "{l}: newest first");
    }
}
