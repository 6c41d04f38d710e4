//! The rules engine's pure step: each rule kind, muting by silent doors,
//! and properties of the step — a batch split in two decides the same, the
//! order of events within a batch changes no decision (only its evidence),
//! no second absence or silence alert while one is open, threshold alerts
//! once per period, and nobody seen within the window is alerted absent.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, FixedOffset, TimeZone, Timelike};
use proptest::prelude::*;
use shequ_domain::sensing::engine::{Decision, Device, Raise, Rules, Subject};
use shequ_domain::sensing::rules::{in_hours, night_of};
use shequ_domain::sensing::watch::Entry;
use shequ_domain::sensing::{Direction, DoorEvent, PassKind};

const H: i64 = 3_600_000;
/// 2026-06-01 08:00 in Shanghai.
const T0: i64 = 1_780_272_000_000;
/// 2026-06-02 00:00 in Shanghai.
const MIDNIGHT: i64 = T0 + 16 * H;

const ABSENT: i64 = 1;
const NIGHT: i64 = 2;
const VISITORS: i64 = 3;
const SILENCE: i64 = 4;

fn zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
}

fn device(building: i64, last_heard: i64) -> Device {
    Device {
        building,
        last_heard,
        enabled: true,
    }
}

fn entry(id: i64, group: i64, last_seen: i64) -> Entry {
    Entry {
        id,
        group,
        last_seen,
        alerted: false,
        muted: false,
    }
}

fn pass(device: i64, building: i64, person: i64, at: i64) -> DoorEvent {
    DoorEvent {
        seq: 0,
        device_id: device,
        building_id: building,
        at,
        direction: Direction::Out,
        kind: PassKind::Resident,
        person_id: Some(person),
        household_id: Some(50 + person / 2),
        credential: format!("card-{person}"),
    }
}

fn visit(device: i64, building: i64, household: i64, code: &str, at: i64) -> DoorEvent {
    DoorEvent {
        seq: 0,
        device_id: device,
        building_id: building,
        at,
        direction: Direction::In,
        kind: PassKind::Visitor,
        person_id: None,
        household_id: Some(household),
        credential: code.to_owned(),
    }
}

/// Device 10 in building 100, heard at `heard`; person 7 lives there,
/// last seen at T0, under a 48 h inactivity rule.
fn one_elder(heard: i64) -> Rules {
    let mut r = Rules::new(6 * H, HashMap::from([(10, device(100, heard))]));
    r.add_inactivity(ABSENT, 48 * H, vec![entry(7, 100, T0)]);
    r
}

fn raises(d: &[Decision]) -> Vec<&Raise> {
    d.iter()
        .filter_map(|d| match d {
            Decision::Raise(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn an_absence_is_raised_at_its_deadline_once_and_a_pass_clears_it() {
    let z = zone();
    let mut r = one_elder(T0);
    r.on_heard(10, T0 + 47 * H);
    assert_eq!(
        r.on_tick(T0 + 48 * H - 1, &z),
        vec![],
        "a millisecond early"
    );
    assert_eq!(
        r.on_tick(T0 + 48 * H, &z),
        vec![Decision::Raise(Raise::Absent {
            rule: ABSENT,
            person: 7,
            building: 100,
            last_seen: T0,
            due_at: T0 + 48 * H,
        })]
    );
    assert_eq!(r.on_tick(T0 + 49 * H, &z), vec![], "no second alert");
    assert_eq!(r.on_tick(T0 + 200 * H, &z), vec![], "however long");
    assert_eq!(
        r.on_events(&[pass(10, 100, 7, T0 + 201 * H)], &z),
        vec![Decision::Clear {
            rule: ABSENT,
            subject: Subject::Person(7),
            at: T0 + 201 * H,
            seen: true,
        }]
    );
    assert_eq!(
        r.on_events(&[pass(10, 100, 7, T0 + 202 * H)], &z),
        vec![],
        "a second pass clears nothing more"
    );
    r.on_heard(10, T0 + 249 * H);
    assert_eq!(r.on_tick(T0 + 250 * H - 1, &z), vec![]);
    assert_eq!(
        raises(&r.on_tick(T0 + 250 * H, &z)).len(),
        1,
        "absent again"
    );
}

#[test]
fn a_pass_moves_the_deadline_and_an_unwatched_person_is_never_alerted() {
    let z = zone();
    let mut r = one_elder(T0);
    r.on_events(
        &[pass(10, 100, 7, T0 + 10 * H), pass(10, 100, 8, T0 + 10 * H)],
        &z,
    );
    assert_eq!(r.on_tick(T0 + 48 * H, &z), vec![], "seen at 10 h");
    assert_eq!(
        r.inactivity_watch(ABSENT).and_then(|w| w.last_seen(7)),
        Some(T0 + 10 * H)
    );
    r.on_heard(10, T0 + 57 * H);
    let d = r.on_tick(T0 + 58 * H, &z);
    assert!(
        matches!(d.as_slice(), [Decision::Raise(Raise::Absent { person: 7, last_seen, .. })] if *last_seen == T0 + 10 * H),
        "{d:?}"
    );
}

#[test]
fn an_absence_behind_a_silent_door_is_muted_until_the_door_is_heard() {
    let z = zone();
    // The door was last heard at T0: by 48 h it cannot vouch for anyone.
    let mut r = one_elder(T0);
    assert_eq!(
        r.on_tick(T0 + 48 * H, &z),
        vec![Decision::Mute {
            rule: ABSENT,
            person: 7,
            building: 100
        }]
    );
    assert!(r.is_building_muted(100));
    assert!(r.inactivity_watch(ABSENT).is_some_and(|w| w.is_muted(7)));
    assert_eq!(
        r.on_tick(T0 + 100 * H, &z),
        vec![],
        "no alert, no second mute"
    );
    assert_eq!(r.on_heard(99, T0 + 100 * H), vec![], "an unknown device");
    assert!(r.is_building_muted(100));
    // The door is heard again: watched afresh from that moment.
    assert_eq!(r.on_heard(10, T0 + 100 * H), vec![]);
    assert!(!r.is_building_muted(100));
    r.on_heard(10, T0 + 147 * H);
    assert_eq!(r.on_tick(T0 + 148 * H - 1, &z), vec![]);
    assert_eq!(
        r.on_tick(T0 + 148 * H, &z),
        vec![Decision::Raise(Raise::Absent {
            rule: ABSENT,
            person: 7,
            building: 100,
            last_seen: T0 + 100 * H,
            due_at: T0 + 148 * H,
        })]
    );
}

#[test]
fn a_pass_through_the_silent_door_unmutes_its_building() {
    let z = zone();
    let mut r = one_elder(T0);
    r.add_inactivity(5, 24 * H, vec![entry(8, 100, T0)]);
    let d = r.on_tick(T0 + 48 * H, &z);
    assert_eq!(d.len(), 2, "both muted: {d:?}");
    assert!(d.iter().all(|d| matches!(d, Decision::Mute { .. })));
    // Person 8 passes: the door is heard (unmuting 7 from then) and 8 is
    // seen; neither had an open alert, so nothing is cleared.
    assert_eq!(r.on_events(&[pass(10, 100, 8, T0 + 50 * H)], &z), vec![]);
    assert!(!r.is_building_muted(100));
    let w = r.inactivity_watch(ABSENT).expect("rule");
    assert!(!w.is_muted(7));
    assert_eq!(w.last_seen(7), Some(T0 + 50 * H));
}

#[test]
fn a_silent_device_is_raised_once_and_cleared_when_heard() {
    let z = zone();
    let mut r = Rules::new(6 * H, HashMap::from([(10, device(100, T0))]));
    r.set_silence(SILENCE, 6 * H, vec![entry(10, 100, T0)]);
    assert_eq!(r.on_tick(T0 + 6 * H - 1, &z), vec![]);
    assert_eq!(
        r.on_tick(T0 + 6 * H, &z),
        vec![Decision::Raise(Raise::Silent {
            rule: SILENCE,
            device: 10,
            building: 100,
            last_seen: T0,
            due_at: T0 + 6 * H,
        })]
    );
    assert_eq!(r.on_tick(T0 + 9 * H, &z), vec![], "no second alert");
    assert_eq!(
        r.on_heard(10, T0 + 9 * H),
        vec![Decision::Clear {
            rule: SILENCE,
            subject: Subject::Device(10),
            at: T0 + 9 * H,
            seen: true,
        }]
    );
    // Silent again, then a pass through it: the pass is the device heard.
    assert_eq!(raises(&r.on_tick(T0 + 15 * H, &z)).len(), 1);
    assert_eq!(
        r.on_events(&[pass(10, 100, 3, T0 + 16 * H)], &z),
        vec![Decision::Clear {
            rule: SILENCE,
            subject: Subject::Device(10),
            at: T0 + 16 * H,
            seen: true,
        }]
    );
    assert_eq!(r.device(10).map(|d| d.last_heard), Some(T0 + 16 * H));
}

#[test]
fn night_passes_over_the_limit_raise_once_a_night_and_clear_when_it_is_over() {
    let z = zone();
    let mut r = Rules::new(6 * H, HashMap::from([(10, device(100, T0))]));
    // 22:00 to 06:00, at most one pass, for person 7.
    r.add_night(NIGHT, 22, 6, 1, HashSet::from([7]));
    let at = |hours: i64| T0 + hours * H;
    assert_eq!(
        r.on_events(&[pass(10, 100, 7, at(13))], &z),
        vec![],
        "21:00 is day"
    );
    assert_eq!(
        r.on_events(&[pass(10, 100, 7, at(15))], &z),
        vec![],
        "23:00: one"
    );
    assert_eq!(
        r.on_events(&[pass(10, 100, 8, at(16)), pass(10, 100, 8, at(16))], &z),
        vec![],
        "not watched"
    );
    let d = r.on_events(&[pass(10, 100, 7, at(17)), pass(10, 100, 7, at(18))], &z);
    assert_eq!(
        d,
        vec![Decision::Raise(Raise::Night {
            rule: NIGHT,
            person: 7,
            household: Some(53),
            building: 100,
            at: at(17),
        })],
        "01:00 goes over the limit, counted on the night that began at 22:00; 02:00 adds nothing"
    );
    assert_eq!(r.on_tick(at(21), &z), vec![], "05:00: the night goes on");
    assert_eq!(
        r.on_tick(at(22), &z),
        vec![Decision::Clear {
            rule: NIGHT,
            subject: Subject::Person(7),
            at: at(22),
            seen: false,
        }],
        "06:00: over"
    );
    assert_eq!(r.on_tick(at(23), &z), vec![]);
    // The next night counts afresh.
    let d = r.on_events(&[pass(10, 100, 7, at(38)), pass(10, 100, 7, at(39))], &z);
    assert_eq!(raises(&d).len(), 1);
}

#[test]
fn distinct_visitors_over_the_limit_raise_once_a_day_and_clear_the_next() {
    let z = zone();
    let mut r = Rules::new(6 * H, HashMap::from([(10, device(100, T0))]));
    r.add_visitors(VISITORS, 2, Some(HashSet::from([70])));
    let at = |m: i64| T0 + m * 60_000;
    let d = r.on_events(
        &[
            visit(10, 100, 70, "A", at(1)),
            visit(10, 100, 70, "B", at(2)),
            visit(10, 100, 70, "A", at(3)),
            visit(10, 100, 71, "C", at(4)),
            visit(10, 100, 71, "D", at(4)),
            visit(10, 100, 71, "E", at(4)),
        ],
        &z,
    );
    assert_eq!(d, vec![], "two distinct, a repeat, another household");
    let d = r.on_events(
        &[
            visit(10, 100, 70, "C", at(5)),
            visit(10, 100, 70, "D", at(6)),
        ],
        &z,
    );
    assert_eq!(
        d,
        vec![Decision::Raise(Raise::Visitors {
            rule: VISITORS,
            household: 70,
            building: 100,
            count: 3,
            at: at(5),
        })]
    );
    assert_eq!(r.on_tick(MIDNIGHT - 1, &z), vec![]);
    assert_eq!(
        r.on_tick(MIDNIGHT, &z),
        vec![Decision::Clear {
            rule: VISITORS,
            subject: Subject::Household(70),
            at: MIDNIGHT,
            seen: false,
        }]
    );
    let next: Vec<DoorEvent> = ["A", "B", "C"]
        .iter()
        .map(|c| visit(10, 100, 70, c, MIDNIGHT + H))
        .collect();
    assert_eq!(raises(&r.on_events(&next, &z)).len(), 1, "a new day");
}

#[test]
fn clears_come_before_raises_within_a_batch() {
    let z = zone();
    let mut r = one_elder(T0);
    r.add_night(NIGHT, 1, 5, 0, HashSet::from([7]));
    r.on_heard(10, T0 + 47 * H);
    assert_eq!(raises(&r.on_tick(T0 + 48 * H, &z)).len(), 1);
    // 03:00 on 2026-06-03: the pass raises a night alert and clears the
    // absence; the clear is carried out first.
    let d = r.on_events(&[pass(10, 100, 7, T0 + 43 * H)], &z);
    assert!(
        matches!(
            d.as_slice(),
            [
                Decision::Clear { rule: ABSENT, .. },
                Decision::Raise(Raise::Night { .. })
            ]
        ),
        "{d:?}"
    );
}

#[test]
fn a_rebuilt_state_keeps_the_blind_buildings_and_lists_its_rules() {
    let z = zone();
    let mut old = one_elder(T0);
    old.on_tick(T0 + 48 * H, &z);
    let mut fresh = one_elder(T0);
    fresh.set_silence(SILENCE, 6 * H, vec![]);
    fresh.keep_muted_buildings(&mut old);
    assert!(fresh.is_building_muted(100));
    assert!(!old.is_building_muted(100));
    let mut ids: Vec<i64> = fresh.rule_ids().collect();
    ids.sort_unstable();
    assert_eq!(ids, [ABSENT, SILENCE]);
    assert_eq!(fresh.watched_people(), 1);
    assert!(fresh.memory_bytes() > 0);
    assert!(fresh.building_sees(100, T0 + 6 * H - 1));
    assert!(!fresh.building_sees(100, T0 + 6 * H));
}

#[test]
fn subjects_print_as_the_store_keeps_them() {
    // `alerts.subject` holds these; a change would orphan every open alert.
    assert_eq!(Subject::Person(7).to_string(), "person:7");
    assert_eq!(Subject::Household(70).to_string(), "household:70");
    assert_eq!(Subject::Device(10).to_string(), "device:10");
    let r = Raise::Visitors {
        rule: VISITORS,
        household: 70,
        building: 100,
        count: 3,
        at: T0,
    };
    assert_eq!((r.rule(), r.subject()), (VISITORS, Subject::Household(70)));
}

// ---- properties ----

/// Buildings 100 and 101 have a door each (10, 11) and 101 a second (12);
/// 102 has only a disabled one (13). Persons 1..=9 live in 100 + p % 3.
fn street(windows: (i64, i64), silence: i64, night_max: u32, visitors_max: u32) -> Rules {
    let devices = HashMap::from([
        (10, device(100, T0)),
        (11, device(101, T0)),
        (12, device(101, T0 - 5 * H)),
        (
            13,
            Device {
                building: 102,
                last_heard: T0,
                enabled: false,
            },
        ),
    ]);
    let mut r = Rules::new(silence, devices);
    r.add_inactivity(
        ABSENT,
        windows.0,
        (1..=9).map(|p| entry(p, 100 + p % 3, T0)).collect(),
    );
    r.add_inactivity(
        5,
        windows.1,
        (1..=4).map(|p| entry(p, 100 + p % 3, T0)).collect(),
    );
    r.add_night(NIGHT, 1, 5, night_max, (1..=6).collect());
    r.add_visitors(VISITORS, visitors_max, None);
    r.set_silence(
        SILENCE,
        silence,
        vec![entry(10, 100, T0), entry(11, 101, T0), entry(12, 101, T0)],
    );
    r
}

fn building_of_device(d: i64) -> i64 {
    match d {
        10 => 100,
        11 | 12 => 101,
        _ => 102,
    }
}

/// (device, Some(person) or None for a visitor, household, code, offset ms)
type Ev = (i64, Option<i64>, i64, u8, i64);

fn ev_strategy(span: i64) -> impl Strategy<Value = Ev> {
    (
        10i64..14,
        prop_oneof![(1i64..=9).prop_map(Some), Just(None)],
        60i64..63,
        0u8..5,
        0..span,
    )
}

fn to_event((device, person, household, code, offset): Ev, base: i64) -> DoorEvent {
    let building = building_of_device(device);
    match person {
        Some(p) => pass(device, building, p, base + offset),
        None => visit(
            device,
            building,
            household,
            &format!("V{code}"),
            base + offset,
        ),
    }
}

fn street_strategy() -> impl Strategy<Value = Rules> {
    ((1..12i64), (1..12i64), (2..8i64), 0u32..3, 0u32..3)
        .prop_map(|(a, b, s, n, v)| street((a * H, b * H), s * H, n, v))
}

/// The kind, rule and subject of a decision: what the store acts on.
fn key(d: &Decision) -> (u8, i64, Subject) {
    match d {
        Decision::Raise(r) => (0, r.rule(), r.subject()),
        Decision::Clear { rule, subject, .. } => (1, *rule, *subject),
        Decision::Mute { rule, person, .. } => (2, *rule, Subject::Person(*person)),
    }
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// What the walk knows independently of the engine.
struct Model {
    now: i64,
    silence: i64,
    windows: (i64, i64),
    visitors_max: u32,
    last_pass: HashMap<i64, i64>,
    heard: HashMap<i64, i64>,
    /// Open absence and silence alerts.
    open: HashSet<(i64, Subject)>,
    /// Night and visitor alerts raised and not yet cleared, per rule and
    /// subject: one per period, so a batch that spans two nights may hold
    /// two (the store keeps the first open and clears it at the first
    /// night's end; the second's clear then finds nothing).
    periodic: HashMap<(i64, Subject), usize>,
    periods: HashSet<(i64, Subject, i32)>,
}

impl Model {
    fn window(&self, rule: i64) -> i64 {
        if rule == ABSENT {
            self.windows.0
        } else {
            self.windows.1
        }
    }

    fn live(&self, building: i64) -> bool {
        self.heard.iter().any(|(dev, at)| {
            *dev != 13 && building_of_device(*dev) == building && self.now - at < self.silence
        })
    }

    fn check(&mut self, d: &Decision) -> Result<(), TestCaseError> {
        let z = zone();
        let now = self.now;
        match d {
            Decision::Raise(
                raise @ Raise::Absent {
                    rule,
                    person,
                    building,
                    last_seen,
                    due_at,
                },
            ) => {
                prop_assert!(
                    self.open.insert((*rule, raise.subject())),
                    "a second open alert: {:?}",
                    raise
                );
                prop_assert!(
                    now - self.last_pass[person] >= self.window(*rule),
                    "seen within the window: {:?}",
                    raise
                );
                prop_assert!(*last_seen >= self.last_pass[person]);
                prop_assert!(*due_at == last_seen + self.window(*rule) && *due_at <= now);
                prop_assert!(
                    self.live(*building),
                    "raised behind a silent door: {:?}",
                    raise
                );
            }
            Decision::Mute {
                rule,
                person,
                building,
            } => {
                prop_assert!(now - self.last_pass[person] >= self.window(*rule));
                prop_assert!(!self.live(*building), "muted though a door is live");
            }
            Decision::Raise(raise @ Raise::Silent { device, due_at, .. }) => {
                prop_assert!(
                    self.open.insert((SILENCE, raise.subject())),
                    "a second open alert: {:?}",
                    raise
                );
                prop_assert!(now - self.heard[device] >= self.silence && *due_at <= now);
            }
            Decision::Raise(raise @ Raise::Night { at, .. }) => {
                let t = z.timestamp_millis_opt(*at).single().expect("time");
                let hour = u8::try_from(t.hour()).expect("hour");
                prop_assert!(in_hours(hour, 1, 5));
                let night = night_of(t.date_naive().num_days_from_ce(), hour, 1, 5);
                prop_assert!(
                    self.periods.insert((NIGHT, raise.subject(), night)),
                    "twice in a night: {:?}",
                    raise
                );
                *self.periodic.entry((NIGHT, raise.subject())).or_default() += 1;
            }
            Decision::Raise(raise @ Raise::Visitors { at, count, .. }) => {
                let day = z
                    .timestamp_millis_opt(*at)
                    .single()
                    .expect("time")
                    .date_naive()
                    .num_days_from_ce();
                prop_assert!(
                    self.periods.insert((VISITORS, raise.subject(), day)),
                    "twice in a day: {:?}",
                    raise
                );
                prop_assert_eq!(*count, self.visitors_max as usize + 1);
                *self
                    .periodic
                    .entry((VISITORS, raise.subject()))
                    .or_default() += 1;
            }
            Decision::Clear {
                rule,
                subject,
                seen,
                ..
            } => {
                let periodic = self.periodic.get_mut(&(*rule, *subject));
                if let Some(n) = periodic.filter(|n| **n > 0) {
                    prop_assert!(!seen, "a night or day ends, nobody is seen: {:?}", d);
                    *n -= 1;
                } else {
                    prop_assert!(
                        self.open.remove(&(*rule, *subject)),
                        "cleared what was not open: {:?}",
                        d
                    );
                    prop_assert!(*seen);
                }
            }
        }
        Ok(())
    }
}

proptest! {
    /// One batch or the same events in two: the same decisions (each call
    /// puts its clears first, so only their order differs) and the same
    /// state after (the next tick decides alike).
    #[test]
    fn a_batch_split_in_two_decides_the_same(
        rules in street_strategy(),
        warm in 0i64..60,
        events in proptest::collection::vec(ev_strategy(30 * H), 0..60),
        cut in 0usize..60,
        later in 0i64..60,
    ) {
        let z = zone();
        let mut one = rules;
        // Some alerts open and buildings muted before the batch.
        one.on_tick(T0 + warm * H, &z);
        let mut two = one.clone();
        let events: Vec<DoorEvent> = events.into_iter().map(|e| to_event(e, T0 + warm * H)).collect();
        let cut = cut.min(events.len());
        let whole = one.on_events(&events, &z);
        let mut parts = two.on_events(&events[..cut], &z);
        parts.extend(two.on_events(&events[cut..], &z));
        prop_assert_eq!(sorted(whole), sorted(parts));
        let now = T0 + (warm + 30 + later) * H;
        prop_assert_eq!(one.on_tick(now, &z), two.on_tick(now, &z));
    }

    /// Within one local day (the night window 01:00–05:00 inside it), the
    /// order of a batch's events changes which event carries an alert's
    /// evidence, never which alerts are raised or cleared.
    #[test]
    fn the_order_of_a_batch_changes_no_decision(
        rules in street_strategy(),
        warm in 0i64..16,
        (events, shuffled) in proptest::collection::vec(ev_strategy(24 * H), 0..40)
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
    ) {
        let z = zone();
        let mut a = rules;
        a.on_tick(T0 + warm * H, &z);
        let mut b = a.clone();
        let ea: Vec<DoorEvent> = events.into_iter().map(|e| to_event(e, MIDNIGHT)).collect();
        let eb: Vec<DoorEvent> = shuffled.into_iter().map(|e| to_event(e, MIDNIGHT)).collect();
        let da = a.on_events(&ea, &z);
        let db = b.on_events(&eb, &z);
        prop_assert_eq!(sorted(da.iter().map(key).collect()), sorted(db.iter().map(key).collect()));
    }

    /// A walk of batches, devices heard and ticks, events never older than
    /// the last tick (as doors report them): no second absence or silence
    /// alert while one is open; a night or visitor alert at most once per
    /// person or household and period; an absence only for someone unseen
    /// for the whole window, and only when a door of their building is
    /// live (else muted); a silence only for a device unheard for its
    /// window; nothing cleared that was not open.
    #[test]
    fn a_walk_never_alerts_twice_nor_alerts_anyone_seen(
        (w1, w2, silence, night_max, visitors_max) in ((1..12i64), (1..12i64), (2..8i64), 0u32..3, 0u32..3),
        steps in proptest::collection::vec(
            (proptest::collection::vec(ev_strategy(3 * H), 0..12), 0i64..(8 * H), any::<bool>()),
            1..40,
        ),
    ) {
        let z = zone();
        let (w1, w2, silence) = (w1 * H, w2 * H, silence * H);
        let mut r = street((w1, w2), silence, night_max, visitors_max);
        let mut m = Model {
            now: T0,
            silence,
            windows: (w1, w2),
            visitors_max,
            last_pass: (1..=9).map(|p| (p, T0)).collect(),
            heard: HashMap::from([(10, T0), (11, T0), (12, T0 - 5 * H), (13, T0)]),
            open: HashSet::new(),
            periodic: HashMap::new(),
            periods: HashSet::new(),
        };
        for (batch, dt, heard_op) in steps {
            let mut batch: Vec<DoorEvent> = batch.into_iter().map(|e| to_event(e, m.now)).collect();
            batch.sort_by_key(|e| e.at);
            for d in r.on_events(&batch, &z) {
                m.check(&d)?;
            }
            for e in &batch {
                if let Some(p) = e.person_id {
                    let l = m.last_pass.entry(p).or_insert(e.at);
                    *l = (*l).max(e.at);
                }
                let h = m.heard.entry(e.device_id).or_insert(e.at);
                *h = (*h).max(e.at);
            }
            m.now = batch.last().map_or(m.now, |e| e.at.max(m.now)) + dt;
            if heard_op {
                for d in r.on_heard(11, m.now) {
                    m.check(&d)?;
                }
                m.heard.insert(11, m.now);
            }
            for d in r.on_tick(m.now, &z) {
                m.check(&d)?;
            }
        }
        // The absences the walk holds open are exactly those the state does.
        let by_rule: BTreeMap<i64, usize> = m.open.iter().fold(BTreeMap::new(), |mut acc, (rule, _)| {
            *acc.entry(*rule).or_default() += 1;
            acc
        });
        for rule in [ABSENT, 5] {
            let w = r.inactivity_watch(rule).expect("rule");
            let alerted = (1..=9).filter(|p| w.is_alerted(*p)).count();
            prop_assert_eq!(alerted, by_rule.get(&rule).copied().unwrap_or(0));
        }
    }
}
