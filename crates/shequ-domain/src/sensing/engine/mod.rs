//! The rules engine's state and its pure step: given the state, a batch of
//! door events, a device heard or a clock tick, [`Rules`] updates itself and
//! returns the [`Decision`]s — raise an alert, clear one, hold an absence
//! back because the building's doors are silent. No I/O: the server's task
//! reads the state from the database, calls the step and carries the
//! decisions out (storing alerts, filing their work orders).

mod state;
mod step;

pub use state::{Device, Rules};

/// Whom or what an alert is about, as stored in `alerts.subject`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Person(i64),
    Household(i64),
    Device(i64),
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Person(id) => write!(f, "person:{id}"),
            Subject::Household(id) => write!(f, "household:{id}"),
            Subject::Device(id) => write!(f, "device:{id}"),
        }
    }
}

/// An alert the engine decided to raise, with its evidence. `rule` is the
/// alert rule's id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Raise {
    /// A person watched by an inactivity rule was not seen for its window.
    Absent {
        rule: i64,
        person: i64,
        building: i64,
        last_seen: i64,
        due_at: i64,
    },
    /// A person passed doors more often in one night than the rule allows.
    Night {
        rule: i64,
        person: i64,
        household: Option<i64>,
        building: i64,
        /// The pass that went over the limit.
        at: i64,
    },
    /// A household had more distinct visitors in one day than the rule allows.
    Visitors {
        rule: i64,
        household: i64,
        building: i64,
        count: usize,
        at: i64,
    },
    /// A door controller sent nothing for the device-silence window.
    Silent {
        rule: i64,
        device: i64,
        building: i64,
        last_seen: i64,
        due_at: i64,
    },
}

impl Raise {
    /// The rule that raises it.
    pub fn rule(&self) -> i64 {
        match self {
            Raise::Absent { rule, .. }
            | Raise::Night { rule, .. }
            | Raise::Visitors { rule, .. }
            | Raise::Silent { rule, .. } => *rule,
        }
    }

    /// Whom it is about.
    pub fn subject(&self) -> Subject {
        match self {
            Raise::Absent { person, .. } | Raise::Night { person, .. } => Subject::Person(*person),
            Raise::Visitors { household, .. } => Subject::Household(*household),
            Raise::Silent { device, .. } => Subject::Device(*device),
        }
    }
}

/// What the step decided. The server carries decisions out in the order
/// given.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Decision {
    /// Raise an alert (the store keeps at most one open per rule and
    /// subject) and file its work order.
    Raise(Raise),
    /// Clear the open alert of `rule` on `subject` at `at`.
    Clear {
        rule: i64,
        subject: Subject,
        at: i64,
        /// The subject was seen again (a pass, a device heard): its order
        /// gets a note and the clear counts in the engine's figures. False
        /// when the alert's night or day is over.
        seen: bool,
    },
    /// An absence came due but the person's building has no live door
    /// controller: "absent" must never be confused with "sensor dead", so
    /// the person is muted under the rule until a device of the building
    /// is heard again (then watched afresh from that moment).
    Mute {
        rule: i64,
        person: i64,
        building: i64,
    },
}
