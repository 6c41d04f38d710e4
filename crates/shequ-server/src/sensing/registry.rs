//! The registry as ingest sees it, in memory: devices by code and by token
//! hash, cards by credential, households by code. Nothing on the hot path
//! reads the database; a miss reloads the map (at most every few seconds)
//! so devices and cards added elsewhere are picked up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use shequ_store::sensing::DeviceKey;
use shequ_store::{Store, StoreError};

/// Devices by code, and device codes by token hash.
#[derive(Debug, Default)]
pub struct Devices {
    pub by_code: HashMap<String, DeviceKey>,
    pub by_token: HashMap<String, String>,
    pub by_id: HashMap<i64, String>,
}

/// What a resident's card names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Card {
    pub person_id: i64,
    pub household_id: Option<i64>,
}

/// Cards by credential, and households by code (for visitor events).
#[derive(Debug, Default)]
pub struct Cards {
    pub by_credential: HashMap<String, Card>,
    pub households: HashMap<String, i64>,
}

/// Both maps, each swapped whole on reload.
#[derive(Debug, Default)]
pub struct Registry {
    devices: RwLock<Option<Arc<Devices>>>,
    cards: RwLock<Option<Arc<Cards>>>,
    last_device_reload: Mutex<Option<Instant>>,
    last_card_reload: Mutex<Option<Instant>>,
    /// Held while a map is first loaded, so requests arriving together
    /// wait for one load instead of each reading every card (a district's
    /// million cards took seconds per read).
    first_load: tokio::sync::Mutex<()>,
}

/// Reloads after a miss wait at least this long after the previous one, so
/// a device sending garbage cannot make every request read the database.
const MISS_RELOAD_EVERY: Duration = Duration::from_secs(5);

fn read<T>(lock: &RwLock<Option<Arc<T>>>) -> Option<Arc<T>> {
    match lock.read() {
        Ok(g) => g.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

fn write<T>(lock: &RwLock<Option<Arc<T>>>, value: Arc<T>) {
    match lock.write() {
        Ok(mut g) => *g = Some(value),
        Err(poisoned) => *poisoned.into_inner() = Some(value),
    }
}

/// Whether a miss may reload now (and notes that it does).
fn due(last: &Mutex<Option<Instant>>) -> bool {
    let mut last = match last.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    match *last {
        Some(t) if t.elapsed() < MISS_RELOAD_EVERY => false,
        _ => {
            *last = Some(Instant::now());
            true
        }
    }
}

impl Registry {
    /// The device map, loading it on first use.
    pub async fn devices(&self, store: &Store) -> Result<Arc<Devices>, StoreError> {
        if let Some(d) = read(&self.devices) {
            return Ok(d);
        }
        let _loading = self.first_load.lock().await;
        match read(&self.devices) {
            Some(d) => Ok(d),
            None => self.reload_devices(store).await,
        }
    }

    /// The card map, loading it on first use.
    pub async fn cards(&self, store: &Store) -> Result<Arc<Cards>, StoreError> {
        if let Some(c) = read(&self.cards) {
            return Ok(c);
        }
        let _loading = self.first_load.lock().await;
        match read(&self.cards) {
            Some(c) => Ok(c),
            None => self.reload_cards(store).await,
        }
    }

    /// Reads every device again.
    pub async fn reload_devices(&self, store: &Store) -> Result<Arc<Devices>, StoreError> {
        let mut d = Devices::default();
        for key in store.device_keys().await? {
            if let Some(hash) = &key.token_hash {
                d.by_token.insert(hash.clone(), key.code.clone());
            }
            d.by_id.insert(key.id, key.code.clone());
            d.by_code.insert(key.code.clone(), key);
        }
        let d = Arc::new(d);
        write(&self.devices, d.clone());
        Ok(d)
    }

    /// Reads every card and household again.
    pub async fn reload_cards(&self, store: &Store) -> Result<Arc<Cards>, StoreError> {
        let mut c = Cards::default();
        for cred in store.door_credentials().await? {
            c.by_credential.insert(
                cred.credential,
                Card {
                    person_id: cred.person_id,
                    household_id: cred.household_id,
                },
            );
        }
        for (code, id, _building) in store.household_keys().await? {
            c.households.insert(code, id);
        }
        let c = Arc::new(c);
        write(&self.cards, c.clone());
        Ok(c)
    }

    /// After an unknown device: reload in the background unless one ran lately.
    pub fn device_missed(self: &Arc<Self>, store: &Store) {
        if due(&self.last_device_reload) {
            let (me, store) = (self.clone(), store.clone());
            tokio::spawn(async move {
                if let Err(e) = me.reload_devices(&store).await {
                    tracing::warn!(error = %e, "reloading devices failed");
                }
            });
        }
    }

    /// After an unknown card: reload in the background unless one ran lately.
    pub fn card_missed(self: &Arc<Self>, store: &Store) {
        if due(&self.last_card_reload) {
            let (me, store) = (self.clone(), store.clone());
            tokio::spawn(async move {
                if let Err(e) = me.reload_cards(&store).await {
                    tracing::warn!(error = %e, "reloading door cards failed");
                }
            });
        }
    }

    /// The device whose token hashes to `hash`: from memory, else from the
    /// database (a token issued since the map was read), which then
    /// reloads the map so rotated tokens stop working here too.
    pub async fn device_for_token(
        &self,
        store: &Store,
        hash: &str,
    ) -> Result<Option<DeviceKey>, StoreError> {
        let devices = self.devices(store).await?;
        if let Some(key) = devices
            .by_token
            .get(hash)
            .and_then(|c| devices.by_code.get(c))
        {
            return Ok(Some(key.clone()));
        }
        if store.device_by_token_hash(hash).await?.is_some() {
            let devices = self.reload_devices(store).await?;
            return Ok(devices
                .by_token
                .get(hash)
                .and_then(|c| devices.by_code.get(c))
                .cloned());
        }
        Ok(None)
    }
}
