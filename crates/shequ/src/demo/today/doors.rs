//! The door passes of the last two days, sent through ingest so the rules
//! engine sees them: every elderly resident living alone passes a door,
//! but for a few last seen two days before a moment of this morning, whose
//! absence alerts then fall due; and every door is heard in the last hour.

use std::collections::{HashMap, HashSet};

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use shequ_domain::order::Action;
use shequ_store::{Scope, Store};

use super::super::history::{HOUR_MS, MINUTE_MS, day_start};
use super::super::stories;
use super::{Beat, Timeline};

/// Elderly residents the door simulator keeps indoors while it runs (the
/// first of them by person id); today's alerts are about others.
pub const SIMULATED_HOUSEBOUND: usize = 3;
/// Elderly residents unseen for two days whose alerts fall due this morning.
const ALERTED_TODAY: usize = 3;
/// The 48-hour absence rule's window.
const ABSENCE_MS: i64 = 48 * HOUR_MS;

/// Plans the door passes of the last two days: every elderly resident
/// living alone passes a door, except a few whose last pass was two days
/// before a moment of this morning, when their absence alert falls due;
/// and every door is heard in the last hour. Returns how many alerts fall
/// due.
pub(super) async fn plan(
    store: &Store,
    now: i64,
    rng: &mut ChaCha8Rng,
    plan: &mut Timeline,
) -> anyhow::Result<usize> {
    let elderly = store
        .cards_of_tagged_residents("elderly_living_alone")
        .await?;
    let credentials = store.door_credentials().await?;
    let home: HashMap<&str, (i64, Option<i64>)> = credentials
        .iter()
        .map(|c| (c.credential.as_str(), (c.person_id, c.building_id)))
        .collect();
    let devices = store.devices_in(&Scope::everything()).await?;
    let mut doors_of: HashMap<i64, Vec<&str>> = HashMap::new();
    for d in &devices {
        doors_of
            .entry(d.building_id)
            .or_default()
            .push(d.code.as_str());
    }
    let mut passes: Vec<(i64, &str, &str)> = Vec::new();
    // Today's alerts: the elderly after the simulator's own housebound.
    let candidates: Vec<&String> = elderly.iter().skip(SIMULATED_HOUSEBOUND).collect();
    let mut alerted: HashSet<&str> = HashSet::new();
    let wanted = ALERTED_TODAY.min(candidates.len());
    while alerted.len() < wanted {
        alerted.insert(candidates[rng.random_range(0..candidates.len())].as_str());
    }
    let today = day_start(now);
    let (lo, hi) = if now - 5 * MINUTE_MS > today.max(now - 8 * HOUR_MS) {
        (today.max(now - 8 * HOUR_MS), now - 5 * MINUTE_MS)
    } else {
        (today, now)
    };
    let mut alerted: Vec<&str> = alerted.into_iter().collect();
    alerted.sort_unstable();
    let n = alerted.len() as i64;
    let door_for = |card: &str, rng: &mut ChaCha8Rng| -> Option<&str> {
        let (_, building) = home.get(card)?;
        let doors = doors_of.get(&(*building)?)?;
        Some(doors[rng.random_range(0..doors.len())])
    };
    for (i, card) in alerted.iter().enumerate() {
        let due = lo + (hi - lo) * (i as i64 + 1) / (n + 1);
        if let Some(door) = door_for(card, rng) {
            passes.push((due - ABSENCE_MS, door, card));
            plan.add(due, Beat::Due);
            // The grid worker goes to see them within the quarter hour
            // the category allows, unless the alert is only minutes old.
            let take = due + rng.random_range(3 * MINUTE_MS..12 * MINUTE_MS);
            if take < now - MINUTE_MS {
                let (person, _) = home.get(card).copied().unwrap_or_default();
                plan.add(take, Beat::TakeAlert(person, Action::Accept));
                plan.add(take + 2 * MINUTE_MS, Beat::TakeAlert(person, Action::Start));
                // A visit paid hours ago is reported within the four hours
                // the category allows; later ones are still under way.
                let visited = take + rng.random_range(HOUR_MS..3 * HOUR_MS);
                if visited < now - 10 * MINUTE_MS {
                    let note = stories::resolution("elderly_care").to_owned();
                    plan.add(visited, Beat::TakeAlert(person, Action::Resolve { note }));
                }
            }
        }
    }
    let alerted_set: HashSet<&str> = alerted.iter().copied().collect();
    for card in elderly.iter().filter(|c| !alerted_set.contains(c.as_str())) {
        if let Some(door) = door_for(card, rng) {
            passes.push((
                now - rng.random_range(26 * HOUR_MS..40 * HOUR_MS),
                door,
                card,
            ));
        }
        if let Some(door) = door_for(card, rng) {
            passes.push((now - rng.random_range(HOUR_MS..11 * HOUR_MS), door, card));
        }
    }
    // Every door heard in the last hour, by someone who is not elderly.
    let elderly_set: HashSet<&str> = elderly.iter().map(String::as_str).collect();
    let mut residents_of: HashMap<i64, Vec<&str>> = HashMap::new();
    for c in &credentials {
        if let Some(b) = c.building_id
            && !elderly_set.contains(c.credential.as_str())
        {
            residents_of
                .entry(b)
                .or_default()
                .push(c.credential.as_str());
        }
    }
    for d in &devices {
        if let Some(cards) = residents_of.get(&d.building_id) {
            let card = cards[rng.random_range(0..cards.len())];
            passes.push((
                now - rng.random_range(MINUTE_MS..40 * MINUTE_MS),
                d.code.as_str(),
                card,
            ));
        }
    }
    // One message per hour of passes, sent at the hour's end.
    passes.sort_unstable();
    let mut batch: Vec<serde_json::Value> = Vec::new();
    let mut batch_end = i64::MIN;
    for (n, (at, door, card)) in passes.iter().enumerate() {
        if *at > batch_end || batch.len() >= shequ_server::sensing::ingest::MAX_EVENTS {
            if !batch.is_empty() {
                plan.add(batch_end.min(now), Beat::Doors(std::mem::take(&mut batch)));
            }
            batch_end = at - at.rem_euclid(HOUR_MS) + HOUR_MS;
        }
        let when = chrono::DateTime::from_timestamp_millis(*at).unwrap_or_default();
        batch.push(serde_json::json!({
            "id": format!("demo-{n}"),
            "device": door,
            "at": when.to_rfc3339(),
            "direction": if n % 2 == 0 { "out" } else { "in" },
            "credential": card,
            "kind": "resident",
        }));
    }
    if !batch.is_empty() {
        plan.add(batch_end.min(now), Beat::Doors(batch));
    }
    Ok(alerted.len())
}
