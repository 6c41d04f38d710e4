//! Recently used API tokens, which devices and integrations send with
//! every request: each entry expires after a short time so that a token
//! revoked by another process stops working, and is dropped at once when
//! this process revokes one.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use shequ_store::Store;

/// How long a looked-up API token is trusted before it is read again. A
/// token revoked through another process stops working within this time;
/// one revoked here stops at once.
const TOKEN_TTL: Duration = Duration::from_secs(5);

/// A looked-up token (or its absence) and when it was read.
type CachedToken = (Option<shequ_store::accounts::ApiToken>, Instant);

/// Recently used API tokens by hash (devices and integrations send one
/// with every request).
#[derive(Debug, Clone, Default)]
pub struct TokenCache {
    inner: Arc<std::sync::Mutex<HashMap<String, CachedToken>>>,
}

impl TokenCache {
    /// The live token with this hash at `now_ms`, if any.
    pub async fn live(
        &self,
        store: &Store,
        hash: &str,
        now_ms: i64,
    ) -> shequ_store::Result<Option<shequ_store::accounts::ApiToken>> {
        {
            let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((token, at)) = map.get(hash)
                && at.elapsed() < TOKEN_TTL
            {
                return Ok(token
                    .clone()
                    .filter(|t| t.expires_at.is_none_or(|e| e > now_ms)));
            }
        }
        let token = store.live_api_token(hash, now_ms).await?;
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(hash.to_owned(), (token.clone(), Instant::now()));
        Ok(token)
    }

    /// Forgets every cached token (after a revocation).
    pub fn clear(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
