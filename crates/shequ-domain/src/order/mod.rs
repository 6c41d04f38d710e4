//! Work orders (工单): the lifecycle state machine, the hash-chained trail,
//! SLA deadlines, the order figures (overdue, on time, satisfaction),
//! routing and near-duplicate detection. All pure: the store persists what
//! these functions decide.

pub mod attributes;
pub mod duplicate;
pub mod figures;
pub mod history;
pub mod progress;
pub mod routing;
pub mod sla;
pub mod state;
pub mod trail;

pub use progress::Progress;
pub use state::{
    Action, ActorKind, CancelReason, MAX_REOPENS, OrderFacts, OrderState, Rating, Transition,
    TransitionError, actor_kinds, transition, transition_as_any,
};
pub use trail::{GENESIS_HASH, TrailEntry, chain_hash};
