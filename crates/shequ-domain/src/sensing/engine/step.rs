//! The step: events, a device heard, a clock tick — each updates the
//! [`Rules`] and returns what to do. Local days and nights are counted in
//! the street's time zone, which the caller passes.

use chrono::{Datelike, TimeZone, Timelike};

use super::state::sees;
use super::{Decision, Raise, Rules, Subject};
use crate::sensing::rules::{in_hours, night_of};
use crate::sensing::watch::Seen;
use crate::sensing::{DoorEvent, PassKind};

impl Rules {
    /// Takes in stored door events, in the order they were stored. A pass
    /// ends its person's absence alert; a pass over a night limit or a
    /// visitor over a day's limit raises one; a pass from a device counts
    /// as hearing it. Clears come before raises.
    pub fn on_events<Z: TimeZone>(&mut self, events: &[DoorEvent], zone: &Z) -> Vec<Decision> {
        let mut out = Vec::new();
        let mut raise = Vec::new();
        for ev in events {
            if let Some(d) = self.devices.get(&ev.device_id)
                && ev.at > d.last_heard
            {
                self.note_heard(ev.device_id, ev.at, &mut out);
            }
            if let Some(person) = ev.person_id {
                for i in &mut self.inactivity {
                    if i.watch.seen(person, ev.at) == Seen::Cleared {
                        out.push(Decision::Clear {
                            rule: i.rule,
                            subject: Subject::Person(person),
                            at: ev.at,
                            seen: true,
                        });
                    }
                }
                if !self.night.is_empty() {
                    let (day, hour) = local(zone, ev.at);
                    for n in &mut self.night {
                        if n.members.contains(&person) && in_hours(hour, n.start, n.end) {
                            let night = night_of(day, hour, n.start, n.end);
                            if n.counter.pass(person, night) {
                                n.open.push((person, night));
                                raise.push(Decision::Raise(Raise::Night {
                                    rule: n.rule,
                                    person,
                                    household: ev.household_id,
                                    building: ev.building_id,
                                    at: ev.at,
                                }));
                            }
                        }
                    }
                }
            }
            if ev.kind == PassKind::Visitor
                && let Some(household) = ev.household_id
            {
                let (day, _) = local(zone, ev.at);
                for v in &mut self.visitors {
                    if v.households
                        .as_ref()
                        .is_some_and(|h| !h.contains(&household))
                    {
                        continue;
                    }
                    if v.counter.visit(household, day, hash(&ev.credential)) {
                        v.open.push((household, day));
                        raise.push(Decision::Raise(Raise::Visitors {
                            rule: v.rule,
                            household,
                            building: ev.building_id,
                            count: v.counter.count(household, day),
                            at: ev.at,
                        }));
                    }
                }
            }
        }
        out.append(&mut raise);
        out
    }

    /// A device was heard from at `at` (any message). A device back from
    /// silence clears its alert, and its building's muted people are
    /// watched again from `at`. An unknown device is ignored (the caller
    /// adds it first with [`Rules::add_device`]).
    pub fn on_heard(&mut self, device: i64, at: i64) -> Vec<Decision> {
        let mut out = Vec::new();
        self.note_heard(device, at, &mut out);
        out
    }

    fn note_heard(&mut self, device: i64, at: i64, out: &mut Vec<Decision>) {
        let Some(d) = self.devices.get_mut(&device) else {
            return;
        };
        d.last_heard = d.last_heard.max(at);
        let building = d.building;
        if let Some(s) = &mut self.silence
            && s.watch.seen(device, at) == Seen::Cleared
        {
            out.push(Decision::Clear {
                rule: s.rule,
                subject: Subject::Device(device),
                at,
                seen: true,
            });
        }
        if self.muted_buildings.remove(&building) {
            for i in &mut self.inactivity {
                i.watch.unmute_group(building, at);
            }
        }
    }

    /// The clock reads `now`: every absence and device silence whose
    /// deadline has passed is raised — or, for a person whose building has
    /// no live door, muted — and the alerts of nights and days that are
    /// over are cleared. Raises come before clears.
    pub fn on_tick<Z: TimeZone>(&mut self, now: i64, zone: &Z) -> Vec<Decision> {
        let mut out = Vec::new();
        for i in &mut self.inactivity {
            for (person, last_seen) in i.watch.due(now) {
                let building = i.watch.group(person).unwrap_or_default();
                if sees(&self.devices, self.silence_ms, building, now) {
                    out.push(Decision::Raise(Raise::Absent {
                        rule: i.rule,
                        person,
                        building,
                        last_seen,
                        due_at: last_seen + i.watch.window_ms(),
                    }));
                } else {
                    i.watch.mute(person);
                    self.muted_buildings.insert(building);
                    out.push(Decision::Mute {
                        rule: i.rule,
                        person,
                        building,
                    });
                }
            }
        }
        if let Some(s) = &mut self.silence {
            for (device, last_seen) in s.watch.due(now) {
                out.push(Decision::Raise(Raise::Silent {
                    rule: s.rule,
                    device,
                    building: s.watch.group(device).unwrap_or_default(),
                    last_seen,
                    due_at: last_seen + s.watch.window_ms(),
                }));
            }
        }
        let (day, hour) = local(zone, now);
        for n in &mut self.night {
            let current = night_of(day, hour, n.start, n.end);
            if n.open.iter().all(|(_, night)| *night >= current) {
                continue;
            }
            for (person, _) in n.open.iter().filter(|(_, night)| *night < current) {
                out.push(Decision::Clear {
                    rule: n.rule,
                    subject: Subject::Person(*person),
                    at: now,
                    seen: false,
                });
            }
            n.open.retain(|(_, night)| *night >= current);
            n.counter.forget_before(current);
        }
        for v in &mut self.visitors {
            if v.open.iter().all(|(_, d)| *d >= day) {
                continue;
            }
            for (household, _) in v.open.iter().filter(|(_, d)| *d < day) {
                out.push(Decision::Clear {
                    rule: v.rule,
                    subject: Subject::Household(*household),
                    at: now,
                    seen: false,
                });
            }
            v.open.retain(|(_, d)| *d >= day);
            v.counter.forget_before(day);
        }
        out
    }
}

/// The local day (days from the common era) and hour of `at` in `zone`.
pub(super) fn local<Z: TimeZone>(zone: &Z, at: i64) -> (i32, u8) {
    let t = chrono::DateTime::from_timestamp_millis(at)
        .unwrap_or_default()
        .with_timezone(zone);
    (
        t.date_naive().num_days_from_ce(),
        u8::try_from(t.hour()).unwrap_or(0),
    )
}

/// Distinct visitors are counted by a hash of their code (the counter
/// keeps 8 bytes per visitor, not the code).
fn hash(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}
