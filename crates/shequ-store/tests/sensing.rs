//! Door-access sensing in the store: devices, credentials, the event
//! batches ingest writes, rejected events, daily counts and retention; on
//! SQLite, and on PostgreSQL when `SHEQU_TEST_POSTGRES_URL` is set.

mod common;

use common::*;
use shequ_domain::RegionPath;
use shequ_domain::sensing::{Direction, PassKind};
use shequ_store::sensing::events::{DoorBatch, NewDoorEvent, RejectedDoorEvent};
use shequ_store::sensing::{DoorCredential, NewDevice};
use shequ_store::{Scope, Store, StoreError};

const T0: i64 = 1_780_000_000_000;

fn scope(path: &str) -> Scope {
    Scope::under(&RegionPath::parse(path).expect("path"))
}

fn device(code: &str, building_id: i64, token: Option<&str>) -> NewDevice {
    NewDevice {
        code: code.to_owned(),
        name: format!("{code} 门禁"),
        kind: "door_controller".to_owned(),
        building_id,
        entrance: "1".to_owned(),
        token_hash: token.map(str::to_owned),
    }
}

fn event(device_id: i64, building_id: i64, id: &str, at: i64, kind: PassKind) -> NewDoorEvent {
    NewDoorEvent {
        event_id: id.to_owned(),
        device_id,
        building_id,
        at,
        direction: Direction::Out,
        kind,
        credential: format!("card-{id}"),
        person_id: None,
        household_id: None,
        day: chrono::NaiveDate::from_ymd_opt(2026, 5, 28).expect("date"),
    }
}

async fn person_ids(store: &Store) -> Vec<(i64, i64)> {
    // (person id, household id) of every resident, via the cards issued.
    store.issue_resident_cards(T0).await.expect("cards");
    let mut v: Vec<(i64, i64)> = store
        .door_credentials()
        .await
        .expect("credentials")
        .into_iter()
        .map(|c| (c.person_id, c.household_id.expect("household")))
        .collect();
    v.sort_unstable();
    v
}

#[tokio::test]
async fn devices_register_with_a_token_hash_and_are_listed_in_scope() {
    for db in backends().await {
        let s = &db.store;
        let (ba, bb) = seed_street(s).await;
        let a = s
            .create_device(&device("DA-1", ba, Some("hash-a")), T0)
            .await
            .expect("device a");
        assert_eq!(a.region_path, PATH_A1, "{}", db.label);
        assert!(a.enabled && a.last_heard_at.is_none());
        s.create_device(&device("DB-1", bb, None), T0)
            .await
            .expect("device b");
        let taken = s.create_device(&device("DA-1", bb, None), T0).await;
        assert!(
            matches!(taken, Err(StoreError::Conflict { .. })),
            "{}: {taken:?}",
            db.label
        );
        let nowhere = s.create_device(&device("X", 999_999, None), T0).await;
        assert!(matches!(nowhere, Err(StoreError::NotFound("building"))));

        let in_a: Vec<String> = s
            .devices_in(&scope(PATH_A))
            .await
            .expect("list")
            .into_iter()
            .map(|d| d.code)
            .collect();
        assert_eq!(in_a, vec!["DA-1"], "{}", db.label);
        assert_eq!(
            s.devices_in(&Scope::everything()).await.expect("all").len(),
            2
        );

        let key = s
            .device_by_token_hash("hash-a")
            .await
            .expect("q")
            .expect("found");
        assert_eq!((key.id, key.building_id), (a.id, ba));
        assert!(s.device_by_token_hash("nope").await.expect("q").is_none());
        s.set_device_tokens(&[(a.id, "hash-new".into())], T0 + 1)
            .await
            .expect("rotate");
        assert!(s.device_by_token_hash("hash-a").await.expect("q").is_none());
        assert_eq!(s.device_keys().await.expect("keys").len(), 2);

        // Doors for every residential building: one each, a second on
        // every third; running it again adds nothing.
        let added = s.create_building_doors(T0).await.expect("doors");
        assert!(added >= 2, "{}: {added}", db.label);
        assert_eq!(s.create_building_doors(T0).await.expect("again"), 0);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn credentials_are_issued_per_resident_and_upserted() {
    for db in backends().await {
        let s = &db.store;
        let (ba, _) = seed_street(s).await;
        let people = person_ids(s).await;
        assert_eq!(people.len(), 5, "{}", db.label);
        assert_eq!(s.issue_resident_cards(T0).await.expect("again"), 0);
        let creds = s.door_credentials().await.expect("list");
        let first = creds
            .iter()
            .find(|c| c.person_id == people[0].0)
            .expect("card of the first resident");
        assert_eq!(first.credential, format!("C{:08}", people[0].0));
        assert_eq!(first.building_id, Some(ba));

        let (pid, hid) = people[1];
        let n = s
            .upsert_door_credentials(
                &[DoorCredential {
                    credential: "FOB-1".into(),
                    person_id: pid,
                    household_id: Some(hid),
                    building_id: Some(ba),
                }],
                T0,
            )
            .await
            .expect("upsert");
        assert_eq!(n, 1);
        let fob = s
            .door_credentials()
            .await
            .expect("list")
            .into_iter()
            .find(|c| c.credential == "FOB-1")
            .expect("fob");
        assert_eq!(fob.person_id, pid, "{}", db.label);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_redelivered_event_is_stored_and_counted_once() {
    for db in backends().await {
        let s = &db.store;
        let (ba, bb) = seed_street(s).await;
        let people = person_ids(s).await;
        let da = s
            .create_device(&device("DA", ba, None), T0)
            .await
            .expect("a");
        let db_ = s
            .create_device(&device("DB", bb, None), T0)
            .await
            .expect("b");

        let mut resident = event(da.id, ba, "e1", T0, PassKind::Resident);
        resident.person_id = Some(people[0].0);
        resident.household_id = Some(people[0].1);
        let mut visitor = event(da.id, ba, "e2", T0 + 5, PassKind::Visitor);
        visitor.household_id = Some(people[0].1);
        // The same event id on another device is a different event.
        let other = event(db_.id, bb, "e1", T0 + 7, PassKind::Resident);
        let first = s
            .insert_door_events(&DoorBatch {
                events: vec![resident.clone(), visitor.clone(), other, resident.clone()],
                rejected: vec![],
                heard: vec![(da.id, T0 + 100), (db_.id, T0 + 50)],
                received_at: T0 + 100,
            })
            .await
            .expect("first batch");
        assert_eq!(first.duplicates, 1, "{}", db.label);
        assert_eq!(first.events.len(), 3);
        assert!(first.seqs[0].is_some() && first.seqs[3].is_none());
        assert!(first.events.windows(2).all(|w| w[0].seq < w[1].seq));
        assert_eq!(first.events[0].person_id, Some(people[0].0));
        assert_eq!(first.events[1].kind, PassKind::Visitor);

        let again = s
            .insert_door_events(&DoorBatch {
                events: vec![visitor, event(da.id, ba, "e3", T0 + 9, PassKind::Resident)],
                rejected: vec![],
                heard: vec![(da.id, T0 + 90)],
                received_at: T0 + 200,
            })
            .await
            .expect("second batch");
        assert_eq!(
            (again.duplicates, again.events.len()),
            (1, 1),
            "{}",
            db.label
        );
        assert_eq!(again.seqs[0], None);
        assert_eq!(s.door_event_count().await.expect("count"), 4);

        // Each batch marked its day stale; nothing is counted until the
        // day is recounted from the raw events.
        assert_eq!(
            s.stale_door_days().await.expect("stale"),
            [("2026-05-28".to_owned(), 2)],
            "{}",
            db.label
        );
        assert!(
            s.door_daily_counts("2026-05-28")
                .await
                .expect("counts")
                .is_empty()
        );
        let hour = 3_600_000;
        // A recount that read an older mark leaves the day marked.
        assert!(
            !s.recount_door_day("2026-05-28", T0 - hour, T0 + hour, 1)
                .await
                .expect("recount")
        );
        assert!(
            s.recount_door_day("2026-05-28", T0 - hour, T0 + hour, 2)
                .await
                .expect("recount")
        );
        assert!(s.stale_door_days().await.expect("stale").is_empty());

        // Daily counts: the building as a whole (household 0) and the household.
        let counts = s.door_daily_counts("2026-05-28").await.expect("counts");
        let get = |b: i64, h: i64| {
            counts
                .iter()
                .find(|c| c.building_id == b && c.household_id == h)
                .map(|c| (c.passes, c.visitors))
        };
        assert_eq!(get(ba, 0), Some((3, 1)), "{}: {counts:?}", db.label);
        assert_eq!(get(ba, people[0].1), Some((2, 1)));
        assert_eq!(get(bb, 0), Some((1, 0)));

        // Last heard only moves forward; events today per device.
        let health = s
            .device_health(&Scope::everything(), T0 - 1)
            .await
            .expect("health");
        let a = health.iter().find(|h| h.device.id == da.id).expect("a");
        assert_eq!(a.device.last_heard_at, Some(T0 + 100), "{}", db.label);
        assert_eq!(a.events_today, 3);
        let later = s
            .device_health(&Scope::everything(), T0 + 6)
            .await
            .expect("h");
        let a = later.iter().find(|h| h.device.id == da.id).expect("a");
        assert_eq!(a.events_today, 1);

        let last = s.last_passes_since(T0 - 1000).await.expect("last");
        assert_eq!(last, vec![(people[0].0, T0)], "{}", db.label);
        assert!(s.last_passes_since(T0 + 1).await.expect("last").is_empty());
        db.cleanup().await;
    }
}

#[tokio::test]
async fn rejected_events_are_kept_listed_and_pruned() {
    for db in backends().await {
        let s = &db.store;
        let rejected = |reason: &str, at: i64| RejectedDoorEvent {
            id: 0,
            device_code: "DX".into(),
            channel: "http".into(),
            reason: reason.into(),
            detail: "why".into(),
            payload: r#"{"id":"x"}"#.into(),
            received_at: at,
        };
        s.insert_door_events(&DoorBatch {
            events: vec![],
            rejected: vec![
                rejected("unknown_device", T0),
                rejected("bad_json", T0 + 10),
            ],
            heard: vec![],
            received_at: T0 + 10,
        })
        .await
        .expect("store rejected");
        let recent = s.recent_rejected_door_events(10).await.expect("recent");
        assert_eq!(recent.len(), 2, "{}", db.label);
        assert_eq!(recent[0].reason, "bad_json");
        assert_eq!(recent[1].payload, r#"{"id":"x"}"#);
        assert_eq!(
            s.prune_rejected_door_events(T0 + 5, 100)
                .await
                .expect("prune"),
            1
        );
        let left = s.recent_rejected_door_events(10).await.expect("recent");
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].reason, "bad_json", "{}", db.label);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn retention_prunes_old_raw_events_in_batches_and_keeps_the_counts() {
    for db in backends().await {
        let s = &db.store;
        let (ba, _) = seed_street(s).await;
        let d = s
            .create_device(&device("DA", ba, None), T0)
            .await
            .expect("a");
        let day = 86_400_000;
        let events: Vec<NewDoorEvent> = (0..25)
            .map(|i| {
                event(
                    d.id,
                    ba,
                    &format!("e{i}"),
                    T0 + i * day / 10,
                    PassKind::Resident,
                )
            })
            .collect();
        s.insert_door_events(&DoorBatch {
            events,
            received_at: T0,
            ..DoorBatch::default()
        })
        .await
        .expect("store");
        assert!(
            s.recount_door_day("2026-05-28", T0, T0 + 3 * day, 1)
                .await
                .expect("recount")
        );
        // Events before T0 + 1 day: e0..e9.
        let mut pruned = 0;
        loop {
            let n = s.prune_door_events(T0 + day, 4).await.expect("prune");
            assert!(n <= 4);
            if n == 0 {
                break;
            }
            pruned += n;
        }
        assert_eq!(pruned, 10, "{}", db.label);
        assert_eq!(s.door_event_count().await.expect("count"), 15);
        let ids = s.door_event_ids().await.expect("ids");
        assert_eq!(ids[0].1, "e10");
        let counts = s.door_daily_counts("2026-05-28").await.expect("counts");
        assert_eq!(counts[0].passes, 25, "{}", db.label);
        db.cleanup().await;
    }
}

/// Item 1 of issue 12: on a full disk SQLite rolls a failed transaction
/// back by itself, and the connection used to be left miscounted, so that
/// every later batch was answered as stored and was lost. Every batch must
/// now either be committed (seen by another connection) or fail with an
/// error the sender can retry, and writing resumes once there is room.
#[tokio::test]
async fn a_full_disk_refuses_door_events_until_there_is_room_and_loses_none_it_accepted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("full.db").display());
    let s = Store::open(&url).await.expect("open");
    let (ba, _) = seed_street(&s).await;
    let da = s
        .create_device(&device("DA-1", ba, None), T0)
        .await
        .expect("device");
    // Another process's view: only committed rows reach it.
    let observer = Store::open(&url).await.expect("second connection");
    let batch = |n: usize, size: usize| DoorBatch {
        events: (0..size)
            .map(|i| {
                let mut e = event(
                    da.id,
                    ba,
                    &format!("b{n}-e{i}"),
                    T0 + i as i64,
                    PassKind::Resident,
                );
                // Long credentials fill pages quickly.
                e.credential = format!("{:0>200}", format!("card-{n}-{i}"));
                e
            })
            .collect(),
        rejected: vec![],
        heard: vec![],
        received_at: T0,
    };
    let mut acknowledged = 0i64;
    s.insert_door_events(&batch(0, 1_000))
        .await
        .expect("room at first");
    acknowledged += 1_000;

    s.cap_sqlite_pages_for_tests(Some(0)).await.expect("cap");
    let mut refused = 0;
    // Batches of one event and of many: SQLite undoes a failed one-row
    // statement by rolling back the whole transaction, a many-row one by
    // undoing the statement alone.
    for n in 1..=30 {
        let size = if n % 3 == 0 { 500 } else { 1 };
        match s.insert_door_events(&batch(n, size)).await {
            Ok(stored) => acknowledged += stored.events.len() as i64,
            Err(e) => {
                assert_eq!(
                    e.unavailable(),
                    Some(shequ_store::Unavailability::Full),
                    "batch {n}: {e}"
                );
                refused += 1;
            }
        }
        assert_eq!(
            observer.door_event_count().await.expect("count"),
            acknowledged,
            "after batch {n}, every acknowledged event is committed and nothing else"
        );
    }
    assert!(
        refused >= 15,
        "a capped database refuses growth: {refused} of 30 refused"
    );

    s.cap_sqlite_pages_for_tests(None)
        .await
        .expect("room again");
    for n in 31..=33 {
        let stored = s
            .insert_door_events(&batch(n, 1_000))
            .await
            .expect("writing resumes once there is room, without a restart");
        acknowledged += stored.events.len() as i64;
    }
    assert_eq!(
        observer.door_event_count().await.expect("count"),
        acknowledged
    );
    observer.close().await;
    s.close().await;
}
