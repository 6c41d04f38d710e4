//! The benchmarks' order history is loaded in bulk, beside the paths that
//! keep the command centre's counters; the counters must still say what
//! the history holds (a million closed orders once showed as "pending
//! 1,078,425").

use shequ_store::{Scope, Store};
use sqlx::sqlite::SqlitePool;

type Counts = (Vec<(i64, String, i64)>, Vec<(i64, i64)>);

/// The counters tables, and the same figures counted from the orders.
async fn counters_and_recount(url: &str) -> (Counts, Counts) {
    let pool = SqlitePool::connect(url).await.expect("open");
    let by_state = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_as(sql).fetch_all(&pool).await.expect(sql) }
    };
    let by_user = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_as(sql).fetch_all(&pool).await.expect(sql) }
    };
    let kept = (
        by_state(
            "SELECT region_id, state, n FROM order_counts WHERE n <> 0 ORDER BY region_id, state",
        )
        .await,
        by_user(
            "SELECT user_id, open_orders FROM user_loads WHERE open_orders <> 0 ORDER BY user_id",
        )
        .await,
    );
    let recount = (
        by_state(
            "SELECT region_id, state, COUNT(*) FROM work_orders GROUP BY region_id, state ORDER BY region_id, state",
        )
        .await,
        by_user(
            "SELECT owner_user_id, COUNT(*) FROM work_orders
             WHERE owner_user_id IS NOT NULL AND state IN ('pending', 'accepted', 'in_progress', 'returned')
             GROUP BY owner_user_id ORDER BY owner_user_id",
        )
        .await,
    );
    pool.close().await;
    (kept, recount)
}

async fn street() -> (tempfile::TempDir, String, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&url).await.expect("open store");
    shequ::demo::generate(
        &store,
        &shequ::demo::DemoOptions {
            residents: 1_000,
            seed: 3,
            admin_password: "bench-password-1".into(),
        },
    )
    .await
    .expect("demo street");
    (dir, url, store)
}

fn closed(counts: &[(i64, String, i64)]) -> i64 {
    counts
        .iter()
        .filter(|(_, s, _)| s == "closed")
        .map(|(_, _, n)| n)
        .sum()
}

#[tokio::test]
async fn bench_orders_history_keeps_the_counters_and_trails_true() {
    let (_dir, url, store) = street().await;
    let now = shequ_store::now_ms();
    let before = store
        .order_counts_in(&Scope::everything())
        .await
        .expect("counts");
    let before: i64 = before.iter().map(|(_, n)| n).sum();
    shequ::bench::history::fill(&store, 5_000, now)
        .await
        .expect("history");
    store.close().await;
    let (kept, recount) = counters_and_recount(&url).await;
    assert!(
        closed(&recount.0) >= 4_000,
        "the history is mostly closed: {:?}",
        recount.0
    );
    assert_eq!(
        recount.0.iter().map(|(_, _, n)| n).sum::<i64>(),
        before + 5_000
    );
    assert_eq!(kept, recount, "counters against a recount of the orders");

    // The trail of every order ends in the state the order is in.
    let pool = SqlitePool::connect(&url).await.expect("open");
    let astray: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM work_orders w
         WHERE (SELECT e.to_state FROM order_events e WHERE e.order_id = w.id ORDER BY e.seq DESC LIMIT 1)
               IS NOT w.state",
    )
    .fetch_one(&pool)
    .await
    .expect("astray");
    assert_eq!(astray, 0, "orders whose trail ends elsewhere");
}

#[tokio::test]
async fn bench_command_history_keeps_the_counters_true() {
    let (_dir, url, store) = street().await;
    shequ_server::orders::catalogue::ensure_default_catalogue(&store)
        .await
        .expect("catalogue");
    let category = store
        .category_by_code("sanitation")
        .await
        .expect("category")
        .expect("sanitation");
    let now = shequ_store::now_ms();
    let stored = store
        .bench_history_orders(
            (0, 2_999),
            now - 400 * 86_400_000,
            3_600_000,
            (category.id, &category.code),
        )
        .await
        .expect("history");
    assert_eq!(stored, 3_000);
    store.close().await;
    let (kept, recount) = counters_and_recount(&url).await;
    assert!(closed(&recount.0) >= 3_000, "{:?}", recount.0);
    assert_eq!(kept, recount, "counters against a recount of the orders");
}
