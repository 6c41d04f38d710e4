//! An order's past played through the state machine in one go: every step
//! is checked by [`transition`](super::transition) as if it were acted
//! there and then, its fields change as [`Progress::apply`] changes them,
//! and its trail event is chained with [`chain_hash`]. What comes out is
//! exactly what acting on the order step by step would have stored, so a
//! history loaded in bulk (the demo's year, a benchmark's million orders)
//! passes `shequ audit verify` and agrees with the counters.

use super::progress::Progress;
use super::sla::SlaPolicy;
use super::state::{Action, ActorKind, TransitionError, actor_kinds, transition_as_any};
use super::trail::{GENESIS_HASH, TrailEntry, chain_hash};
use crate::Role;

/// Who takes a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// A user in whose area the order lies; `teams` are the teams they
    /// belong to (a member of a summoned team is a co-owner).
    User {
        id: i64,
        role: Role,
        teams: Vec<i64>,
    },
    /// The reporter, through their private link.
    Reporter,
    /// The platform (SLA worker, auto-close).
    System,
}

impl Who {
    /// The trail's actor label, as the store writes it.
    pub fn label(&self) -> String {
        match self {
            Who::User { id, .. } => format!("user:{id}"),
            Who::Reporter => "reporter".to_owned(),
            Who::System => "system".to_owned(),
        }
    }

    fn user_id(&self) -> Option<i64> {
        match self {
            Who::User { id, .. } => Some(*id),
            _ => None,
        }
    }
}

/// One thing that happened to the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub at: i64,
    pub who: Who,
    pub action: Action,
}

/// How the order came in: what its first two events (created, dispatched)
/// and its first deadlines say.
#[derive(Debug, Clone, Copy)]
pub struct Opening<'a> {
    pub order_id: i64,
    pub created_at: i64,
    /// Who filed it: `reporter`, `user:12`, `system`, `token:…`.
    pub actor: &'a str,
    pub actor_user_id: Option<i64>,
    pub title: &'a str,
    pub dispatch_note: &'a str,
    /// Why the owner was chosen (JSON object).
    pub dispatch_data: &'a str,
    pub owner: Option<i64>,
    pub accept_due_at: i64,
    pub resolve_due_at: i64,
}

/// A trail event as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlayedEvent {
    pub order_id: i64,
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub note: String,
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
}

/// A team summoned to report in (吹哨报到).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summoned {
    pub team: i64,
    pub due_at: i64,
    pub created_at: i64,
    pub reported_at: Option<i64>,
}

/// The order after its steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Played {
    pub progress: Progress,
    pub events: Vec<PlayedEvent>,
    pub summoned: Vec<Summoned>,
}

/// Why a story cannot have happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlayError {
    #[error("order {order_id}, step {index} ({action}): {source}")]
    Refused {
        order_id: i64,
        index: usize,
        action: &'static str,
        source: TransitionError,
    },
    #[error("order {order_id}, step {index} comes before the step or filing it follows")]
    OutOfOrder { order_id: i64, index: usize },
    #[error("order {order_id}, step {index}: the action cannot be written as JSON")]
    Data { order_id: i64, index: usize },
}

/// The state of an order after the steps of `story`, with its whole
/// trail. `sla` is its category's service levels (a reassignment or reopen
/// restarts them). Steps must come in time order, none before the filing.
pub fn play(o: &Opening<'_>, steps: &[Step], sla: SlaPolicy) -> Result<Played, PlayError> {
    let mut events = Vec::with_capacity(steps.len() + 2);
    let created = TrailEntry {
        order_id: o.order_id,
        seq: 1,
        at: o.created_at,
        actor: o.actor,
        action: "create",
        from_state: "",
        to_state: "pending",
        note: o.title,
        data: "{}",
    };
    let dispatched = TrailEntry {
        seq: 2,
        actor: "system",
        action: "dispatch",
        from_state: "pending",
        note: o.dispatch_note,
        data: o.dispatch_data,
        ..created
    };
    let mut prev = GENESIS_HASH.to_owned();
    for (entry, user) in [(created, o.actor_user_id), (dispatched, None)] {
        let hash = chain_hash(&prev, &entry);
        events.push(owned(
            &entry,
            user,
            std::mem::replace(&mut prev, hash.clone()),
            hash,
        ));
    }
    let mut p = Progress::dispatched(o.owner, o.accept_due_at, o.resolve_due_at, o.created_at);
    let mut summoned: Vec<Summoned> = Vec::new();
    let mut last_at = o.created_at;
    for (index, step) in steps.iter().enumerate() {
        if step.at < last_at {
            return Err(PlayError::OutOfOrder {
                order_id: o.order_id,
                index,
            });
        }
        last_at = step.at;
        let kinds = match &step.who {
            Who::User { id, role, teams } => {
                let co_owner = summoned.iter().any(|s| teams.contains(&s.team));
                actor_kinds(*id, *role, true, p.owner, p.supervisor, co_owner)
            }
            Who::Reporter => vec![ActorKind::Reporter],
            Who::System => vec![ActorKind::System],
        };
        let (t, _) = transition_as_any(p.facts(), &step.action, &kinds).map_err(|source| {
            PlayError::Refused {
                order_id: o.order_id,
                index,
                action: step.action.name(),
                source,
            }
        })?;
        let from = p.state;
        p.apply(&t, &step.action, step.at, sla);
        match &step.action {
            Action::Summon {
                teams,
                within_minutes,
            } => summoned.extend(teams.iter().map(|&team| Summoned {
                team,
                due_at: step.at + i64::from(*within_minutes) * 60_000,
                created_at: step.at,
                reported_at: None,
            })),
            Action::ReportIn { team, .. } => {
                for s in summoned
                    .iter_mut()
                    .filter(|s| s.team == *team && s.reported_at.is_none())
                {
                    s.reported_at = Some(step.at);
                }
            }
            _ => {}
        }
        let data = serde_json::to_string(&step.action).map_err(|_| PlayError::Data {
            order_id: o.order_id,
            index,
        })?;
        let actor = step.who.label();
        let seq = events.len() as i64 + 1;
        let entry = TrailEntry {
            order_id: o.order_id,
            seq,
            at: step.at,
            actor: &actor,
            action: step.action.name(),
            from_state: from.as_str(),
            to_state: p.state.as_str(),
            note: step.action.trail_note(),
            data: &data,
        };
        let hash = chain_hash(&prev, &entry);
        events.push(owned(
            &entry,
            step.who.user_id(),
            std::mem::replace(&mut prev, hash.clone()),
            hash,
        ));
    }
    Ok(Played {
        progress: p,
        events,
        summoned,
    })
}

/// The stored form of an entry.
fn owned(
    e: &TrailEntry<'_>,
    actor_user_id: Option<i64>,
    prev_hash: String,
    hash: String,
) -> PlayedEvent {
    PlayedEvent {
        order_id: e.order_id,
        seq: e.seq,
        at: e.at,
        actor: e.actor.to_owned(),
        actor_user_id,
        action: e.action.to_owned(),
        from_state: e.from_state.to_owned(),
        to_state: e.to_state.to_owned(),
        note: e.note.to_owned(),
        data: e.data.to_owned(),
        prev_hash,
        hash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::sla::Overdue;
    use crate::order::trail::{StoredEvent, verify_chain};
    use crate::order::{OrderState, Rating};
    use proptest::prelude::*;

    const MIN: i64 = 60_000;
    const SLA: SlaPolicy = SlaPolicy {
        accept_within_minutes: 30,
        resolve_within_minutes: 600,
    };
    const WORKER: i64 = 7;
    const SECRETARY: i64 = 9;

    fn opening() -> Opening<'static> {
        Opening {
            order_id: 42,
            created_at: 0,
            actor: "reporter",
            actor_user_id: None,
            title: "楼道堆物",
            dispatch_note: "",
            dispatch_data: "{}",
            owner: Some(WORKER),
            accept_due_at: 30 * MIN,
            resolve_due_at: 600 * MIN,
        }
    }

    fn worker() -> Who {
        Who::User {
            id: WORKER,
            role: Role::GridWorker,
            teams: Vec::new(),
        }
    }

    fn step(at: i64, who: Who, action: Action) -> Step {
        Step { at, who, action }
    }

    fn verifies(played: &Played) -> Result<usize, crate::order::trail::BrokenChain> {
        verify_chain(played.events.iter().map(|e| StoredEvent {
            entry: TrailEntry {
                order_id: e.order_id,
                seq: e.seq,
                at: e.at,
                actor: &e.actor,
                action: &e.action,
                from_state: &e.from_state,
                to_state: &e.to_state,
                note: &e.note,
                data: &e.data,
            },
            prev_hash: &e.prev_hash,
            hash: &e.hash,
        }))
    }

    #[test]
    fn a_late_summoned_reopened_story_ends_closed_with_a_verifying_trail() {
        let team = 3;
        let steps = vec![
            step(5 * MIN, worker(), Action::Accept),
            step(6 * MIN, worker(), Action::Start),
            step(
                20 * MIN,
                Who::User {
                    id: 1,
                    role: Role::StreetOperator,
                    teams: Vec::new(),
                },
                Action::Summon {
                    teams: vec![team],
                    within_minutes: 240,
                },
            ),
            step(
                60 * MIN,
                Who::User {
                    id: 2,
                    role: Role::Cadre,
                    teams: vec![team],
                },
                Action::ReportIn {
                    team,
                    note: "已到场".into(),
                },
            ),
            step(
                600 * MIN,
                Who::System,
                Action::Escalate {
                    to_user: SECRETARY,
                    reason: "超时未办结".into(),
                    overdue: Some(Overdue::Resolve),
                },
            ),
            step(
                700 * MIN,
                worker(),
                Action::Resolve {
                    note: "已清理".into(),
                },
            ),
            step(
                800 * MIN,
                Who::Reporter,
                Action::Rate {
                    rating: Rating::Unsatisfied,
                    reopen: true,
                },
            ),
            step(810 * MIN, worker(), Action::Accept),
            step(
                900 * MIN,
                worker(),
                Action::Resolve {
                    note: "已复查".into(),
                },
            ),
            step(
                1000 * MIN,
                Who::Reporter,
                Action::Rate {
                    rating: Rating::Satisfied,
                    reopen: false,
                },
            ),
        ];
        let played = play(&opening(), &steps, SLA).expect("a possible story");
        let p = &played.progress;
        assert_eq!(p.state, OrderState::Closed);
        assert_eq!((p.reopened, p.rating), (1, Some(Rating::Satisfied)));
        // 督办 stays; the reopen gave fresh deadlines, so the lateness went.
        assert!(p.supervised && !p.escalated_resolve, "{p:?}");
        assert_eq!(p.supervisor, Some(SECRETARY));
        assert_eq!(p.closed_at, Some(1000 * MIN));
        assert_eq!(verifies(&played), Ok(steps.len() + 2));
        let last = played.events.last().expect("events");
        assert_eq!(
            (last.from_state.as_str(), last.to_state.as_str()),
            ("resolved", "closed")
        );
        assert_eq!(
            played.summoned,
            vec![Summoned {
                team,
                due_at: 260 * MIN,
                created_at: 20 * MIN,
                reported_at: Some(60 * MIN),
            }]
        );
        let report_in = &played.events[5];
        assert_eq!(
            (
                report_in.action.as_str(),
                report_in.actor.as_str(),
                report_in.actor_user_id
            ),
            ("report_in", "user:2", Some(2))
        );
    }

    #[test]
    fn a_step_the_state_machine_refuses_or_out_of_time_order_is_an_error() {
        let resolve_first = [step(
            5 * MIN,
            worker(),
            Action::Resolve { note: "x".into() },
        )];
        assert!(matches!(
            play(&opening(), &resolve_first, SLA),
            Err(PlayError::Refused {
                index: 0,
                action: "resolve",
                ..
            })
        ));
        let stranger = [step(
            5 * MIN,
            Who::User {
                id: 99,
                role: Role::GridWorker,
                teams: Vec::new(),
            },
            Action::Accept,
        )];
        assert!(matches!(
            play(&opening(), &stranger, SLA),
            Err(PlayError::Refused { .. })
        ));
        let backwards = [
            step(5 * MIN, worker(), Action::Accept),
            step(4 * MIN, worker(), Action::Start),
        ];
        assert_eq!(
            play(&opening(), &backwards, SLA),
            Err(PlayError::OutOfOrder {
                order_id: 42,
                index: 1
            })
        );
    }

    fn any_action() -> impl Strategy<Value = (u8, Action)> {
        prop_oneof![
            Just((0, Action::Accept)),
            Just((0, Action::Start)),
            Just((
                0,
                Action::Resolve {
                    note: "好了".into()
                }
            )),
            Just((
                0,
                Action::Note {
                    text: "在办".into()
                }
            )),
            Just((
                1,
                Action::Rate {
                    rating: Rating::Unsatisfied,
                    reopen: true
                }
            )),
            Just((
                1,
                Action::Rate {
                    rating: Rating::Satisfied,
                    reopen: false
                }
            )),
            Just((2, Action::AutoClose)),
            Just((
                2,
                Action::Escalate {
                    to_user: SECRETARY,
                    reason: "超时".into(),
                    overdue: Some(Overdue::Accept)
                }
            )),
            Just((2, Action::Reassign { to_user: SECRETARY })),
        ]
    }

    proptest! {
        /// Whatever the state machine lets through, in whatever order, the
        /// trail verifies, is numbered without gaps and ends in the state
        /// the order is in.
        #[test]
        fn every_allowed_story_leaves_a_verifying_trail_ending_in_its_state(
            tries in proptest::collection::vec(any_action(), 0..30)
        ) {
            let mut steps: Vec<Step> = Vec::new();
            let mut at = 0;
            for (who, action) in tries {
                at += MIN;
                let who = match who {
                    0 => worker(),
                    1 => Who::Reporter,
                    _ => Who::System,
                };
                let mut candidate = steps.clone();
                candidate.push(step(at, who, action));
                if play(&opening(), &candidate, SLA).is_ok() {
                    steps = candidate;
                }
            }
            let played = play(&opening(), &steps, SLA).expect("kept only allowed steps");
            prop_assert_eq!(verifies(&played), Ok(steps.len() + 2));
            let last = played.events.last().expect("events");
            prop_assert_eq!(last.to_state.as_str(), played.progress.state.as_str());
        }
    }
}
