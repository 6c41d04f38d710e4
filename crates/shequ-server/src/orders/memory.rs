//! What intake keeps in memory so that filing an order reads nothing from
//! the database: who holds which role where (for 30 s), how many open
//! orders people hold (read now and then, counted up locally between), and
//! the open orders of the last day for the near-duplicate check.
//!
//! Each is a cache of this process. With several processes on one
//! PostgreSQL database, an order filed by another process shows up in the
//! loads at their next refresh and is not seen by this process's duplicate
//! check: a near duplicate then reaches a worker instead of the command
//! centre, which is the cost of not reading the database on every report.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use shequ_domain::Role;
use shequ_domain::order::duplicate::{DUPLICATE_WINDOW_MS, NearIndex, Placed};
use shequ_domain::order::routing::Candidate;
use shequ_store::Store;
use shequ_store::orders::teams::{candidates_with_loads, tied_at_deepest};

/// How long the list of role holders for a place is trusted.
const HOLDERS_TTL: Duration = Duration::from_secs(30);
/// How long a person's load read from the database is trusted; in between,
/// this process counts the orders it gives them.
const LOADS_TTL: Duration = Duration::from_secs(5);

type HolderKey = (Role, String);
/// People holding a role at or above a place, `(user_id, region_path)`, and
/// when they were read.
type Holders = (Vec<(i64, String)>, Instant);

/// Routing's view of people: holders by role and place, and loads.
#[derive(Debug, Default)]
pub struct People {
    holders: Mutex<HashMap<HolderKey, Holders>>,
    loads: Mutex<HashMap<i64, (i64, Instant)>>,
}

impl People {
    /// Candidates with `role` for an order at `path`, with loads where they
    /// decide (several people at the deepest level).
    pub async fn role_candidates(
        &self,
        store: &Store,
        role: Role,
        path: &str,
    ) -> shequ_store::Result<Vec<Candidate>> {
        let key = (role, path.to_owned());
        let cached = {
            let map = self.holders.lock().unwrap_or_else(|p| p.into_inner());
            map.get(&key)
                .filter(|(_, at)| at.elapsed() < HOLDERS_TTL)
                .map(|(h, _)| h.clone())
        };
        let holders = match cached {
            Some(h) => h,
            None => {
                let h = store.role_holders(role, path).await?;
                let mut map = self.holders.lock().unwrap_or_else(|p| p.into_inner());
                if map.len() > 50_000 {
                    map.clear();
                }
                map.insert(key, (h.clone(), Instant::now()));
                h
            }
        };
        let loads = self.loads(store, &tied_at_deepest(&holders)).await?;
        Ok(candidates_with_loads(holders, &loads))
    }

    async fn loads(&self, store: &Store, users: &[i64]) -> shequ_store::Result<HashMap<i64, i64>> {
        let stale: Vec<i64> = {
            let map = self.loads.lock().unwrap_or_else(|p| p.into_inner());
            users
                .iter()
                .copied()
                .filter(|u| map.get(u).is_none_or(|(_, at)| at.elapsed() >= LOADS_TTL))
                .collect()
        };
        if !stale.is_empty() {
            let fresh = store.user_loads(&stale).await?;
            let mut map = self.loads.lock().unwrap_or_else(|p| p.into_inner());
            for u in stale {
                map.insert(u, (fresh.get(&u).copied().unwrap_or(0), Instant::now()));
            }
        }
        let map = self.loads.lock().unwrap_or_else(|p| p.into_inner());
        Ok(users
            .iter()
            .map(|u| (*u, map.get(u).map_or(0, |(n, _)| *n)))
            .collect())
    }

    /// Counts an order given to (`delta` 1) or taken from (-1) a person.
    pub fn bump(&self, user: i64, delta: i64) {
        let mut map = self.loads.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((n, _)) = map.get_mut(&user) {
            *n += delta;
        }
    }

    /// Forgets everything (after accounts change).
    pub fn clear(&self) {
        self.holders
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.loads.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// Open orders of the last day by category, for the near-duplicate check.
#[derive(Debug, Default)]
pub struct RecentOrders {
    /// `None` until first loaded from the database.
    by_category: tokio::sync::Mutex<Option<Recent>>,
}

#[derive(Debug, Default)]
struct Recent {
    by_category: HashMap<String, NearIndex>,
    /// Additions since orders older than the window were last dropped.
    added: usize,
}

/// Expired orders are dropped after this many additions (a pass over
/// every order held), not on every report.
const PRUNE_EVERY: usize = 1_000;

impl RecentOrders {
    /// An open order of `category` within the duplicate radius and window
    /// of `point` at `now`, the oldest if several.
    pub async fn near(
        &self,
        store: &Store,
        category: &str,
        point: (f64, f64),
        now: i64,
    ) -> shequ_store::Result<Option<i64>> {
        let mut guard = self.by_category.lock().await;
        if guard.is_none() {
            let mut recent = Recent::default();
            for (id, cat, lon, lat, created_at) in
                store.open_orders_since(now - DUPLICATE_WINDOW_MS).await?
            {
                recent.by_category.entry(cat).or_default().add(Placed {
                    id,
                    point: (lon, lat),
                    created_at,
                });
            }
            *guard = Some(recent);
        }
        Ok(guard
            .as_ref()
            .and_then(|r| r.by_category.get(category))
            .and_then(|index| index.find(point, now)))
    }

    /// Adds a new open order (only once the index is loaded; until then the
    /// load will find it in the database).
    pub async fn add(&self, id: i64, category: &str, point: (f64, f64), created_at: i64) {
        if let Some(recent) = self.by_category.lock().await.as_mut() {
            recent
                .by_category
                .entry(category.to_owned())
                .or_default()
                .add(Placed {
                    id,
                    point,
                    created_at,
                });
            recent.added += 1;
            if recent.added >= PRUNE_EVERY {
                recent.added = 0;
                for index in recent.by_category.values_mut() {
                    index.prune(created_at);
                }
            }
        }
    }

    /// Drops an order that is no longer open.
    pub async fn forget(&self, id: i64, category: &str) {
        if let Some(index) = self
            .by_category
            .lock()
            .await
            .as_mut()
            .and_then(|r| r.by_category.get_mut(category))
        {
            index.remove(id);
        }
    }
}
