//! What the orders' handlers, services and workers hold: the shared core,
//! the group-commit writer, the routing memory (who holds which role where,
//! and their loads), the open orders of the last day for the duplicate
//! check, the catalogue and routing cache, the public report cap, pop-up
//! marks, the SMS worker's wake-up, and the grid polygons.

use std::sync::Arc;

use tokio::sync::{Notify, RwLock};

use crate::app::state::Core;
use crate::orders::config::ConfigCache;
use crate::orders::geo::GridIndex;
use crate::orders::limit::ReportLimiter;
use crate::orders::memory::{People, RecentOrders};
use crate::orders::popups::PopupMarks;
use crate::orders::writer::OrderWriter;

/// The orders' state (cheap to clone); derefs to the [`Core`].
#[derive(Debug, Clone)]
pub struct OrdersState {
    pub core: Core,
    /// Group commit for new orders.
    pub orders: OrderWriter,
    /// Who holds which role where, and their loads, for routing.
    pub people: Arc<People>,
    /// Open orders of the last day, for the near-duplicate check.
    pub recent: Arc<RecentOrders>,
    /// Categories and routing rules, read on every intake.
    pub config: ConfigCache,
    /// Public reports per client address and hour.
    pub report_limiter: Arc<ReportLimiter>,
    /// Pop-ups shown, to mark sent in the outbox.
    pub popup_marks: PopupMarks,
    /// Wakes the SMS worker after a commit that queued an SMS.
    pub sms_wake: Arc<Notify>,
    /// Grid polygons for locating reports, loaded on first use.
    grids: Arc<RwLock<Option<Arc<GridIndex>>>>,
}

crate::core_parts!(OrdersState);

impl OrdersState {
    pub fn new(core: Core) -> Self {
        Self {
            orders: OrderWriter::new(core.store.clone()),
            popup_marks: PopupMarks::new(core.store.clone()),
            report_limiter: Arc::new(ReportLimiter::new(core.settings.public_reports_per_hour)),
            people: Arc::default(),
            recent: Arc::default(),
            config: ConfigCache::default(),
            sms_wake: Arc::new(Notify::new()),
            grids: Arc::new(RwLock::new(None)),
            core,
        }
    }

    /// The grid index, loading it on first use.
    pub async fn grids(&self) -> shequ_store::Result<Arc<GridIndex>> {
        if let Some(g) = self.grids.read().await.as_ref() {
            return Ok(g.clone());
        }
        let loaded = Arc::new(GridIndex::load(&self.store).await?);
        *self.grids.write().await = Some(loaded.clone());
        Ok(loaded)
    }

    /// Forgets the grid index (after regions change).
    pub async fn invalidate_grids(&self) {
        *self.grids.write().await = None;
    }
}
