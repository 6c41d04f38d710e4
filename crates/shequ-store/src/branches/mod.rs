//! 三缘 branches: preference-form rounds with their offers, forms and
//! confirmed assignment, and the committee elections with their rounds
//! and ballots. The computations (the assignment, the tally) are the
//! domain's (`shequ_domain::branches`); this layer keeps what they are
//! computed from, so every result can be computed again.

mod elections;
mod rounds;

pub use elections::{ElectionRoundRow, ElectionRow, NewElectionRound};
pub use rounds::{NewOffer, OfferRow, Placement, PreferenceRow, RoundRow, RoundState};
