//! The command centre's reads on SQLite and (when configured) PostgreSQL:
//! counters from the counters table and the deadline and resolution
//! indexes, this month's quality, the map's data, the feed and a grid's
//! panel — each kept to the viewer's scope.

mod common;

use common::*;
use shequ_domain::order::{Action, Rating};
use shequ_domain::{RegionPath, Role};
use shequ_store::accounts::NewUser;
use shequ_store::orders::Effects;
use shequ_store::orders::act::Actor;
use shequ_store::orders::catalogue::NewCategory;
use shequ_store::orders::create::NewOrder;
use shequ_store::{Scope, Store};

const T0: i64 = 1_800_000_000_000;
const HOUR: i64 = 3_600_000;

fn scope(path: &str) -> Scope {
    Scope::under(&RegionPath::parse(path).expect("path"))
}

async fn setup(s: &Store) -> (i64, i64, String) {
    seed_street(s).await;
    s.upsert_categories(&[NewCategory {
        code: "sanitation".into(),
        name_zh: "环境卫生".into(),
        name_en: "Sanitation".into(),
        group_zh: "市容环境".into(),
        group_en: "City appearance".into(),
        description_zh: String::new(),
        description_en: String::new(),
        keywords: String::new(),
        accept_within_minutes: 30,
        resolve_within_minutes: 24 * 60,
        default_priority: "normal".into(),
        attributes: "[]".into(),
        active: true,
    }])
    .await
    .expect("category");
    let grid = s
        .region_by_code("31010401100101")
        .await
        .expect("q")
        .expect("grid")
        .region;
    let worker = s
        .create_user(&NewUser {
            username: "grid_a1".into(),
            display_name: "赵网格员".into(),
            password_hash: "x".into(),
            role: Role::GridWorker,
            region_id: grid.id,
            phone: Some("13800000001".into()),
        })
        .await
        .expect("user");
    let cat = s
        .category_by_code("sanitation")
        .await
        .expect("q")
        .expect("cat");
    (worker, cat.id, grid.path)
}

async fn file(s: &Store, worker: i64, category_id: i64, at: i64) -> i64 {
    let grid = s
        .region_by_code("31010401100101")
        .await
        .expect("q")
        .expect("grid")
        .region;
    let (created, _) = s
        .create_order(&NewOrder {
            category_id,
            category_code: "sanitation".into(),
            source: "public".into(),
            priority: "normal".into(),
            title: "楼道堆物".into(),
            description: "楼道堆物".into(),
            address: "田林路1号".into(),
            point: Some((121.43, 31.17)),
            region_id: grid.id,
            region_path: grid.path,
            place_id: None,
            subject_person_id: None,
            reporter_name: String::new(),
            reporter_phone: None,
            reporter_email: None,
            reporter_token_hash: None,
            external_id: None,
            attributes: "{}".into(),
            owner_user_id: Some(worker),
            accept_due_at: at + HOUR / 2,
            resolve_due_at: at + 24 * HOUR,
            actor: "reporter".into(),
            actor_user_id: None,
            dispatch_data: "{}".into(),
            dispatch_note: String::new(),
            notices: Vec::new(),
            now: at,
        })
        .await
        .expect("create");
    created.id
}

#[tokio::test]
async fn counters_quality_map_and_panel_follow_the_orders_within_scope() {
    for db in backends().await {
        let s = &db.store;
        let (worker, category_id, grid_path) = setup(s).await;
        let street = scope("/310000/310104/310104011/");
        let other = scope(PATH_B);
        let a = file(s, worker, category_id, T0).await;
        let b = file(s, worker, category_id, T0 + 1_000).await;
        // History: four closed orders resolved the day before T0.
        s.bench_history_orders(
            (0, 3),
            T0 - 3 * 24 * HOUR,
            HOUR,
            (category_id, "sanitation"),
        )
        .await
        .expect("history");

        let day = T0 - HOUR;
        let c = s
            .command_counters(&street, T0 + 60_000, day)
            .await
            .expect("counters");
        assert_eq!(
            (c.pending, c.in_progress, c.overdue, c.resolved_today),
            (2, 0, 0, 0),
            "{}: {c:?}",
            db.label
        );
        // Past the accept deadline both are overdue, each counted once.
        let late = s
            .command_counters(&street, T0 + HOUR, day)
            .await
            .expect("counters");
        assert_eq!(late.overdue, 2, "{}", db.label);
        assert_eq!(
            s.command_counters(&other, T0 + HOUR, day)
                .await
                .expect("c")
                .pending,
            0
        );

        let w = Actor::User {
            id: worker,
            role: Role::GridWorker,
            scope: scope(&grid_path),
        };
        let none = |_: &_, _: &_, _: &_| Effects::default();
        s.act_on_order(a, &w, &Action::Accept, T0 + 60_000, none)
            .await
            .expect("accept");
        s.act_on_order(
            a,
            &w,
            &Action::Resolve {
                note: "已清理".into(),
            },
            T0 + 120_000,
            none,
        )
        .await
        .expect("resolve");
        let reporter = Actor::Reporter;
        s.act_on_order(
            a,
            &reporter,
            &Action::Rate {
                rating: Rating::Satisfied,
                reopen: false,
            },
            T0 + 180_000,
            none,
        )
        .await
        .expect("rate");
        let c = s
            .command_counters(&street, T0 + 200_000, day)
            .await
            .expect("counters");
        assert_eq!((c.pending, c.resolved_today), (1, 1), "{}: {c:?}", db.label);

        // Today's quality: the one resolution, on time and satisfied; the
        // history (resolved days before) stays out of today's window.
        let q = s
            .resolved_quality(&street, day, i64::MAX)
            .await
            .expect("quality");
        assert_eq!(
            (q.resolved, q.resolved_on_time, q.rated, q.satisfied),
            (1, 1, 1, 1),
            "{}",
            db.label
        );
        let all = s
            .resolved_quality(&street, 0, i64::MAX)
            .await
            .expect("quality");
        assert_eq!(all.resolved, 5, "{}", db.label);
        assert_eq!(
            s.resolved_quality(&other, day, i64::MAX)
                .await
                .expect("q")
                .resolved,
            0
        );

        let open = s.open_orders_by_region(&street).await.expect("open");
        assert_eq!(open.iter().map(|(_, n)| n).sum::<i64>(), 1, "{}", db.label);
        let points = s.open_order_points(&street, 100).await.expect("points");
        assert_eq!(
            points.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![b],
            "{}",
            db.label
        );
        assert!(
            s.open_order_points(&other, 100)
                .await
                .expect("points")
                .is_empty()
        );
        let feed = s.recent_orders(&street, T0 - HOUR, 10).await.expect("feed");
        assert_eq!(
            feed.iter().map(|o| o.id).collect::<Vec<_>>(),
            vec![b, a],
            "{}",
            db.label
        );
        assert!(
            s.recent_alerts(&street, 0, false, 10)
                .await
                .expect("alerts")
                .is_empty()
        );

        let places = s.map_places(&street).await.expect("places");
        assert!(!places.is_empty(), "{}", db.label);
        let grid = s
            .region_by_code("31010401100101")
            .await
            .expect("q")
            .expect("grid")
            .region;
        let workers = s.users_bound_to(grid.id).await.expect("workers");
        assert_eq!(
            workers.iter().map(|w| w.id).collect::<Vec<_>>(),
            vec![worker]
        );
        for p in s.care_residents(&street, 50).await.expect("care") {
            assert!(!p.care_tags.is_empty());
            assert!(!p.phone.masked().contains(p.phone.reveal()) || p.phone.reveal().is_empty());
        }
        db.cleanup().await;
    }
}
