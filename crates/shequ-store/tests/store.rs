//! The storage test suite: every story runs on SQLite, and on PostgreSQL
//! when `SHEQU_TEST_POSTGRES_URL` is set.

mod common;

use common::*;
use shequ_domain::{PlaceKind, RegionKind, RegionPath};
use shequ_store::access_log::{AccessAction, NewAccess};
use shequ_store::accounts::{NewApiToken, NewUser, SessionKind};
use shequ_store::people::PeopleQuery;
use shequ_store::places::PlaceQuery;
use shequ_store::regions::{Change, RegionRejected};
use shequ_store::{Paging, Scope, StoreError, UpsertCounts};

fn scope(path: &str) -> Scope {
    Scope::under(&RegionPath::parse(path).expect("path"))
}

fn all() -> Paging {
    Paging::new(Some(1), Some(500))
}

#[tokio::test]
async fn regions_upsert_by_code_and_refuse_bad_placements() {
    for db in backends().await {
        let s = &db.store;
        let first = s.upsert_regions(&street_regions()).await.expect("upsert");
        assert!(
            first.iter().all(|o| *o == Ok(Change::Inserted)),
            "{}: {first:?}",
            db.label
        );
        let again = s.upsert_regions(&street_regions()).await.expect("upsert");
        assert!(
            again.iter().all(|o| *o == Ok(Change::Unchanged)),
            "{}: {again:?}",
            db.label
        );

        let mut renamed = street_regions();
        renamed[3].name = "田林一村居民区".into();
        let third = s.upsert_regions(&renamed).await.expect("upsert");
        assert_eq!(third[3], Ok(Change::Updated), "{}", db.label);
        assert_eq!(
            third
                .iter()
                .filter(|o| **o == Ok(Change::Unchanged))
                .count(),
            7
        );

        use RegionKind::*;
        let bad = s
            .upsert_regions(&[
                region("X1", "无上级", Grid, Some("NOPE")),
                region("X2", "错层级", Grid, Some("310104011")),
                region("X3", "无上级的街道", Street, None),
                // Exists as a grid under neighbourhood A; re-parenting is refused.
                region("31010401100101", "搬家", Grid, Some("310104011002")),
            ])
            .await
            .expect("upsert");
        assert_eq!(bad[0], Err(RegionRejected::UnknownParent("NOPE".into())));
        assert!(matches!(
            bad[1],
            Err(RegionRejected::WrongLevel {
                expected: "neighbourhood",
                ..
            })
        ));
        assert_eq!(bad[2], Err(RegionRejected::MissingParent));
        assert!(
            matches!(bad[3], Err(RegionRejected::Moved { .. })),
            "{:?}",
            bad[3]
        );

        let under_a = s.regions_in(&scope(PATH_A)).await.expect("regions");
        let codes: Vec<&str> = under_a.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            ["310104011001", "31010401100101", "31010401100102"],
            "{}",
            db.label
        );
        let ancestry = s
            .region_ancestry(&RegionPath::parse(PATH_A1).expect("path"))
            .await
            .expect("ancestry");
        assert_eq!(ancestry.len(), 5);
        assert_eq!(ancestry[0].name, "上海市");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn places_are_idempotent_and_scoped() {
    for db in backends().await {
        let s = &db.store;
        seed_street(s).await;
        let a_places = s
            .places_in(&scope(PATH_A), &PlaceQuery::default(), all())
            .await
            .expect("places");
        assert_eq!(a_places.total, 2, "{}", db.label);
        assert!(
            a_places
                .items
                .iter()
                .all(|p| p.region_path.starts_with(PATH_A))
        );
        let markets = s
            .places_in(
                &Scope::everything(),
                &PlaceQuery {
                    kind: Some(PlaceKind::Market),
                    name_prefix: None,
                },
                all(),
            )
            .await
            .expect("places");
        assert_eq!(markets.total, 1);
        assert_eq!(markets.items[0].region_name, "一村第1网格");
        let by_name = s
            .places_in(
                &Scope::everything(),
                &PlaceQuery {
                    kind: None,
                    name_prefix: Some("田林二".into()),
                },
                all(),
            )
            .await
            .expect("places");
        assert_eq!(by_name.items.len(), 1);
        let b_building = by_name.items[0].id;
        assert!(
            s.place_in(&scope(PATH_A), b_building)
                .await
                .expect("q")
                .is_none()
        );
        assert!(
            s.place_in(&scope(PATH_B), b_building)
                .await
                .expect("q")
                .is_some()
        );
        // Where an out-of-scope place lies, for the log of the refusal.
        assert_eq!(
            s.place_path(b_building).await.expect("q").as_deref(),
            Some(PATH_B1),
            "{}",
            db.label
        );
        assert_eq!(s.place_path(i64::MAX).await.expect("q"), None);

        // Same rows again: nothing changes; one changed field: one update.
        let mut rows = vec![];
        for p in s
            .places_in(&Scope::everything(), &PlaceQuery::default(), all())
            .await
            .expect("q")
            .items
        {
            rows.push(shequ_store::places::NewPlace {
                code: p.code,
                name: p.name,
                kind: PlaceKind::parse(&p.kind).expect("kind"),
                facility_type: None,
                region_id: p.region_id,
                region_path: p.region_path,
                lon: p.lon,
                lat: p.lat,
                address: p.address,
                built_year: p.built_year.map(|y| y as i32),
                floors: p.floors.map(|f| f as i32),
            });
        }
        let same = s.upsert_places(&rows).await.expect("upsert");
        assert_eq!(
            same,
            UpsertCounts {
                inserted: 0,
                updated: 0,
                unchanged: 3
            },
            "{}",
            db.label
        );
        rows[0].floors = Some(7);
        let one = s.upsert_places(&rows).await.expect("upsert");
        assert_eq!(
            one,
            UpsertCounts {
                inserted: 0,
                updated: 1,
                unchanged: 2
            },
            "{}",
            db.label
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn people_search_is_confined_to_the_scope_in_the_store() {
    for db in backends().await {
        let s = &db.store;
        seed_street(s).await;
        let wang = PeopleQuery {
            name_prefix: Some("王".into()),
            ..PeopleQuery::default()
        };
        let everywhere = s
            .search_people(&Scope::everything(), &wang, all())
            .await
            .expect("q");
        assert_eq!(everywhere.total, 3, "{}", db.label);
        let in_a = s
            .search_people(&scope(PATH_A), &wang, all())
            .await
            .expect("q");
        let names: Vec<&str> = in_a.items.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["王建国", "王秀英"], "{}: ordered by name", db.label);
        assert_eq!(in_a.total, 2);

        let alone = PeopleQuery {
            tag: Some("elderly_living_alone".into()),
            ..PeopleQuery::default()
        };
        assert_eq!(
            s.search_people(&Scope::everything(), &alone, all())
                .await
                .expect("q")
                .total,
            2
        );
        assert_eq!(
            s.search_people(&scope(PATH_B), &alone, all())
                .await
                .expect("q")
                .total,
            1
        );

        // Paging: one per page.
        let p2 = s
            .search_people(&Scope::everything(), &wang, Paging::new(Some(2), Some(1)))
            .await
            .expect("q");
        assert_eq!((p2.items.len(), p2.total), (1, 3));

        let fang = &everywhere
            .items
            .iter()
            .find(|p| p.name == "王芳")
            .expect("王芳");
        assert!(
            s.person_in(&scope(PATH_A), fang.id)
                .await
                .expect("q")
                .is_none(),
            "{}",
            db.label
        );
        assert_eq!(
            s.person_path(fang.id).await.expect("q").as_deref(),
            Some(PATH_B1)
        );
        let seen = s
            .person_in(&scope(PATH_B), fang.id)
            .await
            .expect("q")
            .expect("in scope");
        assert_eq!(seen.room, "201");
        assert!(seen.address.starts_with("田林路"));

        // Serialising a person never shows the full numbers.
        let json = serde_json::to_string(&seen).expect("json");
        assert!(!json.contains(seen.identity_number.reveal()), "{json}");
        assert!(json.contains("340***********"), "{json}");
        assert!(json.contains("138****8000"), "{json}");

        let household = s
            .household_in(&scope(PATH_A), seen.household_id.expect("household"))
            .await
            .expect("q");
        assert!(household.is_none(), "household of B is not visible from A");
        let hh = s
            .household_in(&scope(PATH_B), seen.household_id.expect("household"))
            .await
            .expect("q")
            .expect("household");
        assert_eq!(hh.members.len(), 2);
        assert_eq!(
            s.household_path(hh.id).await.expect("q").as_deref(),
            Some(hh.region_path.as_str()),
            "{}",
            db.label
        );
        assert_eq!(s.household_path(i64::MAX).await.expect("q"), None);
        let summary = s.population_summary(&scope(PATH_A)).await.expect("q");
        assert_eq!((summary.residents, summary.households), (3, 1));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn people_upsert_is_idempotent_and_keeps_tags_in_step() {
    for db in backends().await {
        let s = &db.store;
        seed_street(s).await;
        let a1 = s
            .region_by_code("31010401100101")
            .await
            .expect("q")
            .expect("a1")
            .region
            .id;
        let b1 = s
            .region_by_code("31010401100201")
            .await
            .expect("q")
            .expect("b1")
            .region
            .id;
        let households = s
            .households_in(&Scope::everything(), None, all())
            .await
            .expect("q");
        let ids = households
            .items
            .iter()
            .map(|h| (h.code.clone(), h.id))
            .collect();
        let mut rows = people(&ids, a1, b1);
        let same = s.upsert_people(&rows).await.expect("upsert");
        assert_eq!(
            same,
            UpsertCounts {
                inserted: 0,
                updated: 0,
                unchanged: 5
            },
            "{}",
            db.label
        );

        // 王建国 gains a tag; 王秀英 loses hers.
        rows[1].care_tags = "disabled".into();
        rows[0].care_tags = String::new();
        rows.push(person("31010420000101007", "赵新", "", None, a1, PATH_A1));
        let changed = s.upsert_people(&rows).await.expect("upsert");
        assert_eq!(
            changed,
            UpsertCounts {
                inserted: 1,
                updated: 2,
                unchanged: 3
            },
            "{}",
            db.label
        );
        let tagged = |tag: &str| PeopleQuery {
            tag: Some(tag.into()),
            ..PeopleQuery::default()
        };
        let disabled = s
            .search_people(&Scope::everything(), &tagged("disabled"), all())
            .await
            .expect("q");
        let names: Vec<&str> = disabled.items.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["张桂兰", "王建国"], "{}", db.label);
        let alone = s
            .search_people(&Scope::everything(), &tagged("elderly_living_alone"), all())
            .await
            .expect("q");
        assert_eq!(
            alone.total, 1,
            "{}: the removed tag is gone from the index",
            db.label
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn accounts_sessions_and_tokens() {
    for db in backends().await {
        let s = &db.store;
        seed_street(s).await;
        let a = s
            .region_by_code("310104011001")
            .await
            .expect("q")
            .expect("a")
            .region
            .id;
        let user = NewUser {
            username: "sec01".into(),
            display_name: "李书记".into(),
            password_hash: "$argon2id$fake".into(),
            role: shequ_domain::Role::NeighbourhoodSecretary,
            region_id: a,
            phone: None,
        };
        let id = s.create_user(&user).await.expect("create");
        let dup = s.create_user(&user).await.expect_err("duplicate");
        assert!(
            matches!(
                dup,
                StoreError::Conflict {
                    field: "username",
                    ..
                }
            ),
            "{}: {dup:?}",
            db.label
        );
        let (found, hash) = s.user_credentials("sec01").await.expect("q").expect("user");
        assert_eq!(
            (found.id, hash.as_str(), found.region_path.as_str()),
            (id, "$argon2id$fake", PATH_A)
        );
        assert!(!found.disabled);

        s.create_session("h1", id, SessionKind::Cookie, 5_000)
            .await
            .expect("session");
        let (u, expires) = s
            .session_user("h1", SessionKind::Cookie)
            .await
            .expect("q")
            .expect("found");
        assert_eq!((u.username.as_str(), expires), ("sec01", 5_000));
        assert!(
            s.session_user("h1", SessionKind::Bearer)
                .await
                .expect("q")
                .is_none(),
            "kind must match"
        );
        assert_eq!(s.purge_expired_sessions(5_000).await.expect("purge"), 1);
        assert!(
            s.session_user("h1", SessionKind::Cookie)
                .await
                .expect("q")
                .is_none()
        );

        let users = s.users_in(&scope(PATH_A), all()).await.expect("q");
        assert_eq!(users.total, 1);
        assert_eq!(s.users_in(&scope(PATH_B), all()).await.expect("q").total, 0);

        let now = shequ_store::now_ms();
        let tok = |hash: &str, expires_at| NewApiToken {
            name: "门禁".into(),
            token_hash: hash.into(),
            scopes: "devices:write registry:read".into(),
            region_id: a,
            created_by: Some(id),
            expires_at,
        };
        let live = s.create_api_token(&tok("t1", None)).await.expect("token");
        s.create_api_token(&tok("t2", Some(now - 1)))
            .await
            .expect("token");
        let t = s.live_api_token("t1", now).await.expect("q").expect("live");
        assert!(t.has_scope("devices:write") && !t.has_scope("open311"));
        assert_eq!(t.region_path, PATH_A);
        assert!(
            s.live_api_token("t2", now).await.expect("q").is_none(),
            "expired"
        );
        assert!(matches!(
            s.revoke_api_token(&scope(PATH_B), live).await,
            Err(StoreError::NotFound(_))
        ));
        s.revoke_api_token(&scope(PATH_A), live)
            .await
            .expect("revoke");
        assert!(
            s.live_api_token("t1", now).await.expect("q").is_none(),
            "revoked"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn access_log_is_listed_by_subject_scope() {
    for db in backends().await {
        let s = &db.store;
        let entry = |path: &str, action| NewAccess {
            actor_user_id: None,
            actor_username: "sec01".into(),
            action,
            subject_kind: "person",
            subject_id: "42".into(),
            subject_path: Some(path.into()),
            fields: "phone".into(),
            reason: "上门走访".into(),
            remote_addr: Some("127.0.0.1".into()),
        };
        s.log_access(&entry(PATH_A1, AccessAction::Reveal))
            .await
            .expect("log");
        s.log_access(&entry(PATH_B1, AccessAction::Denied))
            .await
            .expect("log");
        let a = s.access_log_in(&scope(PATH_A), all()).await.expect("q");
        assert_eq!(a.total, 1, "{}", db.label);
        assert_eq!(
            (a.items[0].action.as_str(), a.items[0].reason.as_str()),
            ("reveal", "上门走访")
        );
        let everything = s
            .access_log_in(&Scope::everything(), all())
            .await
            .expect("q");
        assert_eq!(everything.items[0].action, "denied", "newest first");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn unreachable_database_names_the_url_without_its_password() {
    let err = shequ_store::Store::connect("postgres://shequ:s3cret@127.0.0.1:1/nowhere")
        .await
        .expect_err("nothing listens on port 1");
    let msg = err.to_string();
    assert!(msg.contains("127.0.0.1:1/nowhere"), "{msg}");
    assert!(!msg.contains("s3cret"), "{msg}");
    let unsupported = shequ_store::Store::connect("mysql://x@y/z")
        .await
        .expect_err("unsupported");
    assert!(matches!(unsupported, StoreError::UnsupportedUrl(_)));
}

#[tokio::test]
async fn a_server_secret_is_made_once_and_then_always_the_same() {
    for db in backends().await {
        let s = &db.store;
        let first = s.server_secret("k", "aaaa").await.expect("secret");
        assert_eq!(first, "aaaa", "{}", db.label);
        // A restart, or a second instance, proposes another: the kept one wins.
        let again = s.server_secret("k", "bbbb").await.expect("secret");
        assert_eq!(again, "aaaa", "{}", db.label);
        assert_eq!(
            s.server_secret("other", "cccc").await.expect("secret"),
            "cccc"
        );
        db.cleanup().await;
    }
}
