//! What the party capability's handlers hold: the shared core, and the
//! orders' state, through which a joint meeting's decisions file their
//! work orders (and are followed to their end).

use crate::app::state::Core;
use crate::orders::OrdersState;

/// The party capability's state (cheap to clone); derefs to the [`Core`].
#[derive(Debug, Clone)]
pub struct PartyState {
    pub core: Core,
    /// The orders' service: intake for decisions, their standing after.
    pub orders: OrdersState,
}

crate::core_parts!(PartyState);

impl PartyState {
    pub fn new(orders: OrdersState) -> Self {
        Self {
            core: orders.core.clone(),
            orders,
        }
    }
}
