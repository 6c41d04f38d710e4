//! A member's transfer between organisations (组织关系转接): requested by
//! the sending side, accepted by the receiving one, then completed with
//! the letter. The sender counts the member until the receiver accepts.

use chrono::NaiveDate;

use crate::{Code, InvalidValue};

/// Where a transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferState {
    Requested,
    Accepted,
    Completed,
    /// The receiver refused it; the member stays where they were.
    Refused,
    /// The sender took it back before it was accepted.
    Withdrawn,
}

impl TransferState {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferState::Requested => "requested",
            TransferState::Accepted => "accepted",
            TransferState::Completed => "completed",
            TransferState::Refused => "refused",
            TransferState::Withdrawn => "withdrawn",
        }
    }

    pub const ALL: [TransferState; 5] = [
        TransferState::Requested,
        TransferState::Accepted,
        TransferState::Completed,
        TransferState::Refused,
        TransferState::Withdrawn,
    ];

    pub fn parse(s: &str) -> Result<TransferState, InvalidValue> {
        TransferState::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| {
                InvalidValue::new(
                    Code::PartyTransferState,
                    format!("unknown transfer state {s:?}"),
                )
            })
    }

    pub fn is_open(self) -> bool {
        matches!(self, TransferState::Requested | TransferState::Accepted)
    }
}

/// A step someone takes on a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferStep {
    Accept,
    Refuse,
    Withdraw,
    Complete,
}

impl TransferStep {
    pub const ALL: [TransferStep; 4] = [
        TransferStep::Accept,
        TransferStep::Refuse,
        TransferStep::Withdraw,
        TransferStep::Complete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TransferStep::Accept => "accept",
            TransferStep::Refuse => "refuse",
            TransferStep::Withdraw => "withdraw",
            TransferStep::Complete => "complete",
        }
    }

    pub fn parse(s: &str) -> Result<TransferStep, InvalidValue> {
        TransferStep::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| {
                InvalidValue::new(
                    Code::PartyTransferState,
                    format!("unknown step {s:?}; use accept, refuse, withdraw or complete"),
                )
                .at("step")
            })
    }
}

/// One transfer. `to` is `None` for a transfer out of the system (to an
/// organisation elsewhere, named in the letter); `from` is `None` for one
/// coming in from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub member: i64,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub state: TransferState,
    pub requested_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
}

impl Transfer {
    /// A new request. A transfer goes somewhere else, and into the system
    /// only to an organisation that is not dissolved.
    pub fn request(
        member: i64,
        from: Option<i64>,
        to: Option<i64>,
        to_dissolved: bool,
        on: NaiveDate,
    ) -> Result<Transfer, InvalidValue> {
        if from.is_some() && from == to {
            return Err(InvalidValue::new(
                Code::PartyTransferTarget,
                "the member already belongs to that organisation",
            )
            .at("to"));
        }
        if to.is_some() && to_dissolved {
            return Err(InvalidValue::new(
                Code::PartyTransferTarget,
                "that organisation is dissolved; choose the one that took over its members",
            )
            .at("to"));
        }
        if from.is_none() && to.is_none() {
            return Err(InvalidValue::new(
                Code::PartyTransferTarget,
                "a transfer starts or ends at an organisation in the system",
            ));
        }
        Ok(Transfer {
            member,
            from,
            to,
            state: TransferState::Requested,
            requested_on: on,
            accepted_on: None,
            completed_on: None,
        })
    }

    /// Takes `step` on `on`: Requested → Accepted → Completed; a request
    /// may be refused (by the receiver) or withdrawn (by the sender); a
    /// transfer out of the system is accepted by its letter, so it may be
    /// completed straight from Requested.
    pub fn take(&mut self, step: TransferStep, on: NaiveDate) -> Result<(), InvalidValue> {
        use TransferState::*;
        use TransferStep::*;
        let next = match (self.state, step) {
            (Requested, Accept) => Accepted,
            (Requested, Refuse) => Refused,
            (Requested, Withdraw) => Withdrawn,
            (Accepted, Complete) => Completed,
            (Requested, Complete) if self.to.is_none() => Completed,
            (state, step) => {
                return Err(InvalidValue::new(
                    Code::PartyTransferState,
                    format!(
                        "a transfer that is {} cannot take the step {}",
                        state.as_str(),
                        step.as_str()
                    ),
                ));
            }
        };
        if on < self.requested_on {
            return Err(InvalidValue::new(
                Code::PartyTransferState,
                format!("{on} is before the request of {}", self.requested_on),
            ));
        }
        match next {
            Accepted => self.accepted_on = Some(on),
            Completed => self.completed_on = Some(on),
            _ => {}
        }
        self.state = next;
        Ok(())
    }

    /// The organisation that counts the member while this transfer is
    /// under way: the sender until the receiver accepts.
    pub fn counted_by(&self) -> Option<i64> {
        match self.state {
            TransferState::Requested | TransferState::Refused | TransferState::Withdrawn => {
                self.from
            }
            TransferState::Accepted | TransferState::Completed => self.to,
        }
    }

    /// Whether a request has waited for an answer longer than
    /// `days_allowed` (30 by default) on `today`.
    pub fn is_unanswered(&self, today: NaiveDate, days_allowed: i64) -> bool {
        self.state == TransferState::Requested
            && (today - self.requested_on).num_days() > days_allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
    }

    #[test]
    fn a_transfer_is_counted_by_the_sender_until_accepted() {
        let mut t = Transfer::request(7, Some(1), Some(2), false, day(1)).expect("request");
        assert_eq!(t.counted_by(), Some(1));
        t.take(TransferStep::Accept, day(3)).expect("accept");
        assert_eq!((t.counted_by(), t.accepted_on), (Some(2), Some(day(3))));
        t.take(TransferStep::Complete, day(4)).expect("complete");
        assert_eq!(t.state, TransferState::Completed);
        let e = t.take(TransferStep::Refuse, day(5)).expect_err("done");
        assert_eq!(e.code, Code::PartyTransferState);
    }

    #[test]
    fn a_transfer_to_a_dissolved_or_the_same_organisation_is_refused() {
        let e = Transfer::request(7, Some(1), Some(2), true, day(1)).expect_err("dissolved");
        assert_eq!((e.code, e.field()), (Code::PartyTransferTarget, Some("to")));
        let e = Transfer::request(7, Some(1), Some(1), false, day(1)).expect_err("same");
        assert_eq!(e.code, Code::PartyTransferTarget);
        assert!(Transfer::request(7, None, None, false, day(1)).is_err());
        // Out of the system: completed by its letter, no acceptance here.
        let mut out = Transfer::request(7, Some(1), None, false, day(1)).expect("out");
        out.take(TransferStep::Complete, day(2)).expect("letter");
        assert_eq!(out.counted_by(), None);
    }

    #[test]
    fn an_unanswered_request_is_flagged_after_its_days() {
        let t = Transfer::request(7, Some(1), Some(2), false, day(1)).expect("request");
        assert!(!t.is_unanswered(day(30), 30));
        assert!(!t.is_unanswered(day(1) + chrono::Days::new(30), 30));
        assert!(t.is_unanswered(day(1) + chrono::Days::new(31), 30));
    }

    proptest! {
        /// Whatever steps are tried, a transfer only moves forward, and
        /// it is counted by exactly one side (or none, leaving the system).
        #[test]
        fn steps_only_move_forward(steps in prop::collection::vec(0u8..4, 0..10), out in any::<bool>()) {
            let to = (!out).then_some(2);
            let mut t = Transfer::request(7, Some(1), to, false, day(1)).expect("request");
            let rank = |s: TransferState| match s {
                TransferState::Requested => 0,
                TransferState::Accepted => 1,
                _ => 2,
            };
            for (i, s) in steps.into_iter().enumerate() {
                let step = [TransferStep::Accept, TransferStep::Refuse, TransferStep::Withdraw, TransferStep::Complete][s as usize];
                let before = t.state;
                if t.take(step, day(2 + i as u32)).is_ok() {
                    prop_assert!(rank(t.state) > rank(before));
                } else {
                    prop_assert_eq!(t.state, before);
                }
                prop_assert!(t.counted_by() == Some(1) || t.counted_by() == to);
            }
        }
    }
}
