//! What the engine holds: each active rule's state (a [`Watch`] for the
//! silence rules, per-period counters for the threshold rules), the door
//! controllers and when each was last heard, and the buildings whose
//! people are muted because their doors are silent.

use std::collections::{HashMap, HashSet};

use crate::sensing::counters::{NightCounter, VisitorCounter};
use crate::sensing::watch::{Entry, Watch};

/// A door controller: its building and when it was last heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device {
    pub building: i64,
    /// Epoch ms.
    pub last_heard: i64,
    pub enabled: bool,
}

/// An inactivity rule: people not seen for its window.
#[derive(Debug, Clone)]
pub(super) struct Inactivity {
    pub rule: i64,
    pub watch: Watch,
}

/// A night-activity rule.
#[derive(Debug, Clone)]
pub(super) struct Night {
    pub rule: i64,
    pub start: u8,
    pub end: u8,
    pub members: HashSet<i64>,
    pub counter: NightCounter,
    /// Alerts of (person, night) to clear when their night is over.
    pub open: Vec<(i64, i32)>,
}

/// A visitor-threshold rule.
#[derive(Debug, Clone)]
pub(super) struct Visitors {
    pub rule: i64,
    /// Households watched (`None`: every household, whatever its building).
    pub households: Option<HashSet<i64>>,
    pub counter: VisitorCounter,
    /// Alerts of (household, day) to clear when their day is over.
    pub open: Vec<(i64, i32)>,
}

/// The device-silence rule (at most one runs).
#[derive(Debug, Clone)]
pub(super) struct Silence {
    pub rule: i64,
    pub watch: Watch,
}

/// Everything the engine holds, built by the server from the database and
/// moved only by the step (see [`super`]).
#[derive(Debug, Clone)]
pub struct Rules {
    pub(super) inactivity: Vec<Inactivity>,
    pub(super) night: Vec<Night>,
    pub(super) visitors: Vec<Visitors>,
    pub(super) silence: Option<Silence>,
    pub(super) devices: HashMap<i64, Device>,
    /// Buildings with muted people, so a device heard elsewhere costs nothing.
    pub(super) muted_buildings: HashSet<i64>,
    /// How long a device may be silent and still vouch for its building.
    pub(super) silence_ms: i64,
}

impl Rules {
    /// No rules yet, over these devices; a device silent for `silence_ms`
    /// cannot vouch for anyone's absence.
    pub fn new(silence_ms: i64, devices: HashMap<i64, Device>) -> Self {
        Rules {
            inactivity: Vec::new(),
            night: Vec::new(),
            visitors: Vec::new(),
            silence: None,
            devices,
            muted_buildings: HashSet::new(),
            silence_ms,
        }
    }

    /// Adds an inactivity rule watching `entries` (people, grouped by
    /// building) for `window_ms`.
    pub fn add_inactivity(&mut self, rule: i64, window_ms: i64, entries: Vec<Entry>) {
        self.inactivity.push(Inactivity {
            rule,
            watch: Watch::new(window_ms, entries),
        });
    }

    /// Adds a night-activity rule: more than `max_passes` passes by one of
    /// `members` between the local hours `start` and `end` (which may wrap
    /// midnight).
    pub fn add_night(
        &mut self,
        rule: i64,
        start: u8,
        end: u8,
        max_passes: u32,
        members: HashSet<i64>,
    ) {
        self.night.push(Night {
            rule,
            start,
            end,
            members,
            counter: NightCounter::new(max_passes),
            open: Vec::new(),
        });
    }

    /// Adds a visitor-threshold rule: more than `max_visitors` distinct
    /// visitor codes to one of `households` (`None`: any) in a local day.
    pub fn add_visitors(&mut self, rule: i64, max_visitors: u32, households: Option<HashSet<i64>>) {
        self.visitors.push(Visitors {
            rule,
            households,
            counter: VisitorCounter::new(max_visitors),
            open: Vec::new(),
        });
    }

    /// Sets the device-silence rule, watching `entries` (devices, grouped
    /// by building) for `window_ms`.
    pub fn set_silence(&mut self, rule: i64, window_ms: i64, entries: Vec<Entry>) {
        self.silence = Some(Silence {
            rule,
            watch: Watch::new(window_ms, entries),
        });
    }

    /// Adds a device registered since the state was built (it counts as a
    /// live door for its building; the silence rule watches it from the
    /// next rebuild).
    pub fn add_device(&mut self, id: i64, device: Device) {
        self.devices.insert(id, device);
    }

    /// Takes over the buildings `prev` knew to be blind: they stay so until
    /// one of their devices is heard.
    pub fn keep_muted_buildings(&mut self, prev: &mut Rules) {
        self.muted_buildings = std::mem::take(&mut prev.muted_buildings);
    }

    /// The ids of the rules held, in no particular order.
    pub fn rule_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.inactivity
            .iter()
            .map(|i| i.rule)
            .chain(self.night.iter().map(|n| n.rule))
            .chain(self.visitors.iter().map(|v| v.rule))
            .chain(self.silence.iter().map(|s| s.rule))
    }

    /// The people an inactivity rule watches.
    pub fn inactivity_watch(&self, rule: i64) -> Option<&Watch> {
        self.inactivity
            .iter()
            .find(|i| i.rule == rule)
            .map(|i| &i.watch)
    }

    /// The devices the silence rule watches.
    pub fn silence_watch(&self) -> Option<&Watch> {
        self.silence.as_ref().map(|s| &s.watch)
    }

    /// A door controller and when it was last heard.
    pub fn device(&self, id: i64) -> Option<&Device> {
        self.devices.get(&id)
    }

    /// Whether a building's people are muted (its doors are silent).
    pub fn is_building_muted(&self, building: i64) -> bool {
        self.muted_buildings.contains(&building)
    }

    /// Whether a device of `building` can see people at `now`.
    pub fn building_sees(&self, building: i64, now: i64) -> bool {
        sees(&self.devices, self.silence_ms, building, now)
    }

    /// Bytes held by the per-person and per-device state.
    pub fn memory_bytes(&self) -> usize {
        self.inactivity
            .iter()
            .map(|i| i.watch.memory_bytes())
            .sum::<usize>()
            + self.silence.as_ref().map_or(0, |s| s.watch.memory_bytes())
    }

    /// People watched, counted once per inactivity rule.
    pub fn watched_people(&self) -> usize {
        self.inactivity.iter().map(|i| i.watch.len()).sum()
    }
}

/// Whether a live, enabled device of `building` was heard within
/// `silence_ms` of `now` ([`Rules::building_sees`], on borrowed parts).
pub(super) fn sees(
    devices: &HashMap<i64, Device>,
    silence_ms: i64,
    building: i64,
    now: i64,
) -> bool {
    devices
        .values()
        .any(|d| d.building == building && d.enabled && now - d.last_heard < silence_ms)
}
