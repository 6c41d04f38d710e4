//! The whole server's state, composed of each capability's part. Built
//! once at start; tests build it literally. Nothing but `lib.rs` (and the
//! binary and tests) needs it: each capability's routers, services and
//! workers take their own part.

use std::sync::Arc;

use shequ_store::Store;

use crate::Settings;
use crate::accounts::AccountsState;
use crate::app::clock::Clock;
use crate::app::state::Core;
use crate::assess::AssessState;
use crate::circle::CircleState;
use crate::command::CommandState;
use crate::consult::ConsultState;
use crate::coop::CoopState;
use crate::orders::OrdersState;
use crate::party::PartyState;
use crate::sensing::{EventSink, SensingState};

/// Shared application state (cheap to clone); derefs to the [`Core`].
#[derive(Debug, Clone)]
pub struct AppState {
    pub core: Core,
    pub accounts: AccountsState,
    pub orders: OrdersState,
    pub sensing: SensingState,
    pub command: CommandState,
    pub party: PartyState,
    pub coop: CoopState,
    pub assess: AssessState,
    pub circle: CircleState,
    pub consult: ConsultState,
}

crate::core_parts!(AppState);

impl AppState {
    /// Builds the state, checking settings that can be wrong.
    pub fn new(settings: Settings, store: Store) -> anyhow::Result<Self> {
        Ok(Self::from_core(Core::new(settings, store)?))
    }

    fn from_core(core: Core) -> Self {
        let orders = OrdersState::new(core.clone());
        Self {
            accounts: AccountsState::new(orders.clone()),
            sensing: SensingState::new(orders.clone()),
            command: CommandState::new(core.clone()),
            coop: CoopState::new(orders.clone()),
            assess: AssessState::new(orders.clone()),
            circle: CircleState::new(core.clone()),
            consult: ConsultState::new(core.clone()),
            party: PartyState::new(orders.clone()),
            orders,
            core,
        }
    }

    /// The same state on a changed core (its clock, its hub): every part
    /// is rebuilt on it, so do it before anything starts on the old one.
    pub fn with_core(self, change: impl FnOnce(&mut Core)) -> Self {
        let sink = self.sensing.sensing.clone();
        let mut core = self.core;
        change(&mut core);
        Self::from_core(core).with_sensing(sink)
    }

    /// The same state reading time from `clock`.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        self.with_core(|core| core.clock = clock)
    }

    /// The same state with the rules engine running and taking the stored
    /// door events.
    pub fn with_rules_engine(mut self) -> Self {
        self.sensing = crate::sensing::engine::install(self.sensing);
        self
    }

    /// The same state handing stored door events to `sink`.
    pub fn with_sensing(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sensing.sensing = sink;
        self
    }
}
