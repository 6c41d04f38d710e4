//! A closed-loop HTTP load generator: N workers, each sending its next
//! request when the previous one answers, for a fixed time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::stats::{Latency, latency};

/// What a run measured.
#[derive(Debug, Clone)]
pub struct LoadResult {
    pub ok: u64,
    pub failed: u64,
    pub elapsed: Duration,
    pub latency: Latency,
    /// The first failure's status and body, to say what went wrong.
    pub first_failure: Option<String>,
}

impl LoadResult {
    /// Successful requests per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `workers` loops for `duration`; `make(worker, i)` builds each
/// request from the shared client.
pub async fn run<F>(
    client: reqwest::Client,
    workers: usize,
    duration: Duration,
    make: F,
) -> LoadResult
where
    F: Fn(&reqwest::Client, usize, u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(workers);
    for w in 0..workers {
        let client = client.clone();
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed, mut lat, mut first) = (0u64, 0u64, Vec::new(), None);
            let mut i = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                let resp = make(&client, w, i).send().await;
                i += 1;
                match resp {
                    Ok(r) if r.status().is_success() => {
                        // Read the body so the connection is reused.
                        let _ = r.bytes().await;
                        ok += 1;
                        lat.push(t.elapsed());
                    }
                    Ok(r) => {
                        failed += 1;
                        if first.is_none() {
                            let status = r.status();
                            first =
                                Some(format!("{status}: {}", r.text().await.unwrap_or_default()));
                        }
                    }
                    Err(e) => {
                        failed += 1;
                        first.get_or_insert_with(|| e.to_string());
                    }
                }
            }
            (ok, failed, lat, first)
        }));
    }
    let (mut ok, mut failed, mut lat, mut first_failure) = (0, 0, Vec::new(), None);
    for t in tasks {
        if let Ok((o, f, l, first)) = t.await {
            ok += o;
            failed += f;
            lat.extend(l);
            if first_failure.is_none() {
                first_failure = first;
            }
        }
    }
    LoadResult {
        ok,
        failed,
        elapsed: started.elapsed(),
        latency: latency(&mut lat),
        first_failure,
    }
}
