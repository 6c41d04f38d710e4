//! The 15-minute community service circle (15分钟社区生活圈): for every
//! residential building of the caller's area, the walk to the nearest
//! facility of each type — over the imported walking network, or the
//! straight line times 1.3 where there is none or it does not connect —
//! the share of residents, and of those 60+ and 80+, within each type's
//! threshold, the buildings outside on the map, and where next. Reads go
//! through [`service`]; the geometry is the domain's
//! (`shequ_domain::circle`).

pub mod page;
pub mod service;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{get, post};
use shequ_domain::circle::Network;

use crate::app::state::Core;

/// The network in memory: the stored network's id and its graph.
pub type HeldNetwork = Arc<Mutex<Option<(i64, Arc<Network>)>>>;

/// What the circle's page holds: the core, and the walking network last
/// read from the store (rebuilt when a newer one is imported).
#[derive(Debug, Clone)]
pub struct CircleState {
    pub core: Core,
    pub network: HeldNetwork,
}

crate::core_parts!(CircleState);

impl CircleState {
    pub fn new(core: Core) -> Self {
        Self {
            core,
            network: Arc::new(Mutex::new(None)),
        }
    }
}

/// The circle's pages.
pub fn pages() -> Router<CircleState> {
    Router::new()
        .route("/circle", get(page::show))
        .route("/circle/thresholds", post(page::set_threshold))
}
