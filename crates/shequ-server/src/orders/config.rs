//! Small read-mostly caches of configuration the hot paths read on every
//! request (categories, routing rules). Each entry expires after a short
//! time so that a change made by another process shows up, and is dropped
//! at once when this process changes the data.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use shequ_domain::order::routing::Rule;
use shequ_store::Store;
use shequ_store::orders::catalogue::Category;
use tokio::sync::RwLock;

/// How long a cached copy is trusted.
const TTL: Duration = Duration::from_secs(30);

/// Categories by code and the routing rules, as of `loaded`.
#[derive(Debug)]
pub struct Config {
    pub categories: HashMap<String, Category>,
    pub rules: Vec<Rule>,
    loaded: Instant,
}

/// The cache (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct ConfigCache {
    inner: Arc<RwLock<Option<Arc<Config>>>>,
}

impl ConfigCache {
    /// The current configuration, reloading it when stale.
    pub async fn get(&self, store: &Store) -> shequ_store::Result<Arc<Config>> {
        if let Some(c) = self.inner.read().await.as_ref()
            && c.loaded.elapsed() < TTL
        {
            return Ok(c.clone());
        }
        let config = Arc::new(Config {
            categories: store
                .categories()
                .await?
                .into_iter()
                .map(|c| (c.code.clone(), c))
                .collect(),
            rules: store
                .routing_rules()
                .await?
                .iter()
                .filter_map(shequ_store::orders::teams::RoutingRuleRow::to_rule)
                .collect(),
            loaded: Instant::now(),
        });
        *self.inner.write().await = Some(config.clone());
        Ok(config)
    }

    /// Drops the cached copy after a change.
    pub async fn invalidate(&self) {
        *self.inner.write().await = None;
    }
}
