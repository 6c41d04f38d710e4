//! What sensing's handlers, ingest and rules engine hold: the shared core,
//! where stored door events go (the rules engine), the ingest pipeline,
//! and the orders' state, through which an alert files its work order.

use std::sync::Arc;

use crate::app::state::Core;
use crate::orders::OrdersState;
use crate::sensing::ingest::Ingest;
use crate::sensing::{EventSink, NoSink};

/// Sensing's state (cheap to clone); derefs to the [`Core`].
#[derive(Debug, Clone)]
pub struct SensingState {
    pub core: Core,
    /// Where stored door events go (the rules engine).
    pub sensing: Arc<dyn EventSink>,
    /// Door event ingest: registry in memory, counters, group-commit writer.
    pub ingest: Arc<Ingest>,
    /// The orders' service, for the work orders alerts file.
    pub orders: OrdersState,
}

crate::core_parts!(SensingState);

impl SensingState {
    pub fn new(orders: OrdersState) -> Self {
        Self {
            core: orders.core.clone(),
            sensing: Arc::new(NoSink),
            ingest: Arc::default(),
            orders,
        }
    }
}
