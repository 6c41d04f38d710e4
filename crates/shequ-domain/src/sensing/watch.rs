//! The compact in-memory state of a silence rule (inactivity of people,
//! silence of devices): for each watched id its last-seen time, a group
//! (the building), two flags, and one entry in a deadline heap.
//!
//! Ids are kept in a sorted vector beside parallel columns (about 25 bytes
//! per id) instead of a hash map of structs; the heap holds at most one
//! entry per id, re-armed lazily: a pass only moves `last_seen`, and when
//! an entry comes due its real deadline is checked and the entry pushed
//! back if the id was seen since. Pushing an entry per pass would grow the
//! heap with every event.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The id has an open alert: no second one until it is seen again.
const ALERTED: u8 = 1;
/// The id cannot be observed (its door controllers are silent or absent):
/// no alert until a device of its group is heard again.
const MUTED: u8 = 2;

/// What a pass did to a watched id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The id is not watched by this rule.
    NotWatched,
    /// The last-seen time moved (or the pass was older than it).
    Updated,
    /// The id had an open alert, which the pass ends.
    Cleared,
}

/// One id to watch when the state is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    /// The building the id is seen in (for muting by silent devices).
    pub group: i64,
    /// When it was last seen (epoch ms), or when watching began.
    pub last_seen: i64,
    /// An alert is already open for it.
    pub alerted: bool,
    /// It cannot be observed now (its doors are silent).
    pub muted: bool,
}

/// The state of one silence rule.
#[derive(Debug, Clone)]
pub struct Watch {
    window_ms: i64,
    ids: Vec<i64>,
    groups: Vec<i64>,
    last_seen: Vec<i64>,
    flags: Vec<u8>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
}

impl Watch {
    /// Watches `entries` with a silence window of `window_ms`. Duplicate
    /// ids keep the latest last-seen time.
    pub fn new(window_ms: i64, mut entries: Vec<Entry>) -> Self {
        entries.sort_unstable_by_key(|e| (e.id, Reverse(e.last_seen)));
        entries.dedup_by_key(|e| e.id);
        let n = entries.len();
        let mut w = Watch {
            window_ms,
            ids: Vec::with_capacity(n),
            groups: Vec::with_capacity(n),
            last_seen: Vec::with_capacity(n),
            flags: Vec::with_capacity(n),
            heap: BinaryHeap::new(),
        };
        let mut armed = Vec::with_capacity(n);
        for (slot, e) in entries.into_iter().enumerate() {
            w.ids.push(e.id);
            w.groups.push(e.group);
            w.last_seen.push(e.last_seen);
            let flags = if e.alerted {
                ALERTED
            } else if e.muted {
                MUTED
            } else {
                0
            };
            w.flags.push(flags);
            if flags == 0 {
                armed.push(Reverse((e.last_seen + window_ms, slot_u32(slot))));
            }
        }
        w.heap = BinaryHeap::from(armed);
        w
    }

    /// The silence window.
    pub fn window_ms(&self) -> i64 {
        self.window_ms
    }

    /// How many ids are watched.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn slot(&self, id: i64) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    /// Whether `id` is watched.
    pub fn contains(&self, id: i64) -> bool {
        self.slot(id).is_some()
    }

    /// When `id` was last seen.
    pub fn last_seen(&self, id: i64) -> Option<i64> {
        self.slot(id).map(|s| self.last_seen[s])
    }

    /// The building `id` is seen in.
    pub fn group(&self, id: i64) -> Option<i64> {
        self.slot(id).map(|s| self.groups[s])
    }

    /// Whether `id` has an open alert.
    pub fn is_alerted(&self, id: i64) -> bool {
        self.slot(id).is_some_and(|s| self.flags[s] & ALERTED != 0)
    }

    /// Whether `id` is muted (its doors cannot see it).
    pub fn is_muted(&self, id: i64) -> bool {
        self.slot(id).is_some_and(|s| self.flags[s] & MUTED != 0)
    }

    /// Records a pass of `id` at `at`. A pass ends an open alert and
    /// re-arms the id.
    pub fn seen(&mut self, id: i64, at: i64) -> Seen {
        let Some(s) = self.slot(id) else {
            return Seen::NotWatched;
        };
        if at > self.last_seen[s] {
            self.last_seen[s] = at;
        }
        let was = self.flags[s];
        if was & (ALERTED | MUTED) == 0 {
            // Armed already: the heap entry is re-armed when it comes due.
            return Seen::Updated;
        }
        self.flags[s] = 0;
        self.heap
            .push(Reverse((self.last_seen[s] + self.window_ms, slot_u32(s))));
        if was & ALERTED != 0 {
            Seen::Cleared
        } else {
            Seen::Updated
        }
    }

    /// The earliest time something may come due.
    pub fn next_deadline(&self) -> Option<i64> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Ids silent for the whole window at `now`, each marked alerted and
    /// returned once with its last-seen time.
    pub fn due(&mut self, now: i64) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        while let Some(&Reverse((at, slot))) = self.heap.peek() {
            if at > now {
                break;
            }
            self.heap.pop();
            let s = slot as usize;
            if self.flags[s] & (ALERTED | MUTED) != 0 {
                continue;
            }
            let real = self.last_seen[s] + self.window_ms;
            if real > now {
                self.heap.push(Reverse((real, slot)));
                continue;
            }
            self.flags[s] = ALERTED;
            out.push((self.ids[s], self.last_seen[s]));
        }
        out
    }

    /// Turns a just-raised alert into a mute: the id could not have been
    /// seen, so nothing is raised until its group is heard again.
    pub fn mute(&mut self, id: i64) {
        if let Some(s) = self.slot(id) {
            self.flags[s] = MUTED;
        }
    }

    /// Marks `id` alerted (an alert raised elsewhere or before a restart).
    pub fn mark_alerted(&mut self, id: i64) {
        if let Some(s) = self.slot(id) {
            self.flags[s] = ALERTED;
        }
    }

    /// A device of `group` was heard at `at`: its muted ids are watched
    /// again, counting their silence from `at` (they could not be seen
    /// before). Returns how many were unmuted.
    pub fn unmute_group(&mut self, group: i64, at: i64) -> usize {
        let mut n = 0;
        for s in 0..self.ids.len() {
            if self.groups[s] == group && self.flags[s] & MUTED != 0 {
                self.flags[s] = 0;
                self.last_seen[s] = self.last_seen[s].max(at);
                self.heap
                    .push(Reverse((self.last_seen[s] + self.window_ms, slot_u32(s))));
                n += 1;
            }
        }
        n
    }

    /// Bytes held by the state (capacity, not just length).
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        self.ids.capacity() * size_of::<i64>()
            + self.groups.capacity() * size_of::<i64>()
            + self.last_seen.capacity() * size_of::<i64>()
            + self.flags.capacity()
            + self.heap.capacity() * size_of::<Reverse<(i64, u32)>>()
            + size_of::<Self>()
    }

    /// Heap entries (at most one per id that is neither alerted nor muted).
    pub fn armed(&self) -> usize {
        self.heap.len()
    }
}

fn slot_u32(slot: usize) -> u32 {
    // More than four thousand million watched ids per rule would need a
    // wider slot; the registry stays far below.
    u32::try_from(slot).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    const H: i64 = 3_600_000;

    fn entry(id: i64, last_seen: i64) -> Entry {
        Entry {
            id,
            group: id % 3,
            last_seen,
            alerted: false,
            muted: false,
        }
    }

    #[test]
    fn fires_at_the_deadline_not_before_and_once() {
        let mut w = Watch::new(48 * H, vec![entry(1, 0), entry(2, 10 * H)]);
        assert!(w.due(47 * H).is_empty());
        assert_eq!(w.due(48 * H), vec![(1, 0)]);
        assert!(
            w.due(100 * H).iter().all(|(id, _)| *id != 1),
            "no second alert"
        );
        assert_eq!(w.seen(1, 101 * H), Seen::Cleared);
        assert_eq!(w.seen(1, 102 * H), Seen::Updated);
        assert_eq!(w.due(149 * H), vec![]);
        assert_eq!(w.due(150 * H), vec![(1, 102 * H)]);
        assert_eq!(w.seen(9, 0), Seen::NotWatched);
    }

    #[test]
    fn a_muted_id_waits_for_its_group() {
        let mut w = Watch::new(H, vec![entry(3, 0)]);
        assert_eq!(w.due(H), vec![(3, 0)]);
        w.mute(3);
        assert!(w.due(10 * H).is_empty());
        assert_eq!(w.unmute_group(1, 5 * H), 0, "another group");
        assert_eq!(w.unmute_group(0, 5 * H), 1);
        assert!(w.due(6 * H - 1).is_empty());
        assert_eq!(w.due(6 * H), vec![(3, 5 * H)]);
    }

    #[test]
    fn the_state_stays_under_64_bytes_per_id() {
        let n = 100_000;
        let mut w = Watch::new(48 * H, (0..n).map(|id| entry(id * 7, id)).collect());
        for id in 0..n {
            w.seen(id * 7, 50 * H + id);
        }
        w.due(49 * H);
        let per_id = w.memory_bytes() / usize::try_from(n).expect("fits");
        assert!(per_id < 64, "{per_id} bytes per watched id");
    }

    #[derive(Debug, Clone)]
    enum Op {
        Seen(i64, i64),
        Advance(i64),
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        proptest::collection::vec(
            prop_oneof![
                (0i64..20, 0i64..10 * H).prop_map(|(id, dt)| Op::Seen(id, dt)),
                (0i64..5 * H).prop_map(Op::Advance),
            ],
            0..200,
        )
    }

    proptest! {
        /// Against a plain map of last-seen times: an alert comes exactly
        /// when an id has been silent for the window, never twice while
        /// open, and the heap never holds more than one entry per id.
        #[test]
        fn matches_a_plain_model(n in 1i64..15, window in 1i64..(8 * H), ops in ops()) {
            let mut w = Watch::new(window, (0..n).map(|id| entry(id, 0)).collect());
            let mut last: HashMap<i64, i64> = (0..n).map(|id| (id, 0)).collect();
            let mut open: HashMap<i64, bool> = HashMap::new();
            let mut now = 0i64;
            for op in ops {
                match op {
                    Op::Seen(id, back) => {
                        let at = (now - back).max(0);
                        let r = w.seen(id, at);
                        match last.get_mut(&id) {
                            None => prop_assert_eq!(r, Seen::NotWatched),
                            Some(l) => {
                                *l = (*l).max(at);
                                let was_open = open.remove(&id).unwrap_or(false);
                                prop_assert_eq!(r == Seen::Cleared, was_open);
                            }
                        }
                    }
                    Op::Advance(dt) => {
                        now += dt;
                        let fired = w.due(now);
                        for (id, seen) in &fired {
                            prop_assert!(!open.get(id).copied().unwrap_or(false), "second alert while open");
                            prop_assert_eq!(*seen, last[id]);
                            prop_assert!(now >= seen + window, "alert before the deadline");
                            open.insert(*id, true);
                        }
                        for (id, l) in &last {
                            if !open.get(id).copied().unwrap_or(false) {
                                prop_assert!(now < l + window, "missed alert for {}", id);
                            }
                        }
                    }
                }
                prop_assert!(w.armed() <= w.len());
            }
        }
    }
}
