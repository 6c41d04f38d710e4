//! The resources matching reads, kept in memory per category: reading and
//! decoding 20,000 resource rows takes longer than ranking them, and a
//! need's page, the year's list and every confirmation rank against the
//! same rows. An entry lives [`OFFER_TTL`]; this process's own resource
//! and project writes drop every entry at once, so what one user commits
//! the next one's ranking already leaves out. Another process's writes
//! (an import, a second server) show within the TTL; a commitment is
//! always checked against the database, never against this copy.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shequ_domain::coop::{Category, LatIndex, ResourceView};
use shequ_store::coop::ResourceRow;
use shequ_store::{Store, StoreError};

/// How long a category's resources are trusted before they are read again.
pub const OFFER_TTL: Duration = Duration::from_secs(10);

/// The resources of one category, as rows (for the page) and as the
/// matcher reads them, in the same order.
#[derive(Debug)]
pub struct Offer {
    pub rows: HashMap<i64, ResourceRow>,
    pub views: Vec<ResourceView>,
    /// `views` by latitude, so a ranking scores only the nearer ones.
    pub index: LatIndex,
}

impl Offer {
    fn load(rows: Vec<ResourceRow>) -> Result<Offer, StoreError> {
        let views = rows
            .iter()
            .map(ResourceRow::view)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Offer {
            rows: rows.into_iter().map(|r| (r.id, r)).collect(),
            index: LatIndex::new(&views),
            views,
        })
    }
}

type Entry = (Arc<Offer>, Instant);

/// The cache; cheap to clone, every clone shares it.
#[derive(Debug, Clone, Default)]
pub struct OfferCache {
    entries: Arc<Mutex<HashMap<Category, Entry>>>,
    /// Bumped by every invalidation, so a read that began before one does
    /// not store what it read.
    generation: Arc<AtomicU64>,
}

impl OfferCache {
    /// The resources of `category`, from memory when fresh.
    pub async fn get(&self, store: &Store, category: Category) -> Result<Arc<Offer>, StoreError> {
        {
            let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((offer, at)) = map.get(&category)
                && at.elapsed() < OFFER_TTL
            {
                return Ok(offer.clone());
            }
        }
        let generation = self.generation.load(Ordering::Acquire);
        let offer = Arc::new(Offer::load(store.resources_of_category(category).await?)?);
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if self.generation.load(Ordering::Acquire) == generation {
            map.insert(category, (offer.clone(), Instant::now()));
        }
        Ok(offer)
    }

    /// Drops every entry: a resource or a project changed here.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
