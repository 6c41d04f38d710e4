//! The raw-insert baseline: rows shaped like residents written into a bare
//! table (no indexes beyond the key) in batches of 5,000, through the same
//! driver and the same JSON-array statement shape the store uses.

use std::time::{Duration, Instant};

use shequ_store::Store;

/// Inserts `n` rows into a scratch table and returns the time taken.
pub async fn insert_rows(store: &Store, n: usize) -> anyhow::Result<Duration> {
    let rows: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "identity_number": format!("31010419800101{:04}", i % 10_000),
                "name": "王建国",
                "birth_date": "1980-01-01",
                "phone": "13800000000",
                "region_path": "/310000/310104/310104011/310104011001/31010401100101/",
                "household_id": i / 3,
            })
        })
        .collect();
    let started = Instant::now();
    store.bench_raw_insert(&rows, 5_000).await?;
    Ok(started.elapsed())
}
