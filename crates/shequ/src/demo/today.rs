//! The last few days and this morning, lived through the server's own
//! machinery on a clock the generator moves: complaints filed through
//! intake (located, routed to the grid's worker, pop-ups and SMS queued),
//! accepted, started, resolved and summoned through the order service,
//! rated by their reporters, escalated (督办) by the SLA worker when late;
//! and door passes through ingest, so the rules engine raises today's
//! welfare alerts for elderly residents unseen for two days and files
//! their orders itself. What the command centre shows at the end is what
//! those paths wrote, counters included.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::Context;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use shequ_domain::RegionPath;
use shequ_domain::order::{Action, Rating};
use shequ_server::AppState;
use shequ_server::api::ClientAddr;
use shequ_server::auth::AuthUser;
use shequ_server::clock::ManualClock;
use shequ_server::orders::intake::{self, Report};
use shequ_server::orders::service::{self, Who};
use shequ_server::sensing::engine::Engine;
use shequ_server::sensing::ingest::Framing;
use shequ_server::sensing::metrics::Channel as IngestChannel;
use shequ_store::{Scope, Store};

use super::cast::Cast;
use super::history::{Filing, HOUR_MS, MINUTE_MS, day_start, within};
use super::stories::{self, Channel};

/// Elderly residents the door simulator keeps indoors while it runs (the
/// first of them by person id); today's alerts are about others.
pub const SIMULATED_HOUSEBOUND: usize = 3;
/// Elderly residents unseen for two days whose alerts fall due this morning.
const ALERTED_TODAY: usize = 3;
/// How often the SLA worker looks at the orders while the day is replayed.
const SLA_TICK_MS: i64 = 5 * MINUTE_MS;
/// The 48-hour absence rule's window.
const ABSENCE_MS: i64 = 48 * HOUR_MS;

/// What an order filed in the last days should have become by now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Waiting to be accepted (待受理), within its deadline.
    Fresh,
    /// Not accepted in time: escalated and handed to the supervisor.
    LateToAccept,
    Accepted,
    Working,
    /// In progress past its deadline: escalated (督办).
    Overdue,
    /// In progress with a department summoned (吹哨报到).
    Whistle,
    /// Resolved today, waiting for its rating.
    Resolved,
    /// Resolved and rated today.
    Closed,
}

/// Orders of each shape on a street of 100,000 residents (at least the
/// second figure on any street): about the 33 待受理 of the seed's 10 a.m.
const SHAPES: [(Shape, f64, usize); 8] = [
    (Shape::Fresh, 26.0, 3),
    (Shape::LateToAccept, 4.0, 1),
    (Shape::Accepted, 8.0, 1),
    (Shape::Working, 18.0, 3),
    (Shape::Overdue, 6.0, 1),
    (Shape::Whistle, 3.0, 1),
    (Shape::Resolved, 12.0, 1),
    (Shape::Closed, 8.0, 1),
];

/// Categories whose deadline to resolve is a day or less.
const QUICK: &[&str] = &[
    "sanitation",
    "noise",
    "street_vending",
    "illegal_advertising",
];

/// Something to do to an order, by whoever holds the role then.
#[derive(Debug, Clone)]
enum Planned {
    /// Done by the order's owner at that moment.
    Owner(Action),
    /// Done by the reporter.
    Reporter(Action),
    /// Done by this user.
    User(i64, Action),
}

#[derive(Debug)]
enum Beat {
    /// An alert falls due: let the rules engine raise it.
    Due,
    /// An SLA worker pass.
    Sla,
    File(usize),
    Act(usize, Planned),
    Doors(Vec<serde_json::Value>),
    /// The grid worker takes an alert's order: accept, then start.
    TakeAlert(i64, Action),
}

/// What the day left behind.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lived {
    pub filed: usize,
    pub alerts: usize,
    /// Planned actions the platform refused (an order that had changed
    /// hands meanwhile, say); they are left out.
    pub refused: usize,
}

struct Timeline {
    beats: Vec<(i64, u64, Beat)>,
}

impl Timeline {
    fn add(&mut self, at: i64, beat: Beat) {
        // Alerts first at equal times, so nothing else runs on a clock at
        // which the engine may be raising one.
        let rank = match beat {
            Beat::Due => 0,
            _ => 1 + self.beats.len() as u64,
        };
        self.beats.push((at, rank, beat));
    }
}

/// Lives the last days up to `now` on `store`. The orders and the door
/// passes draw from streams of their own: how many draws the orders take
/// depends on the hour, and the elderly alerted today should not.
pub async fn live(
    store: &Store,
    cast: &Cast,
    residents: usize,
    now: i64,
    (orders_rng, doors_rng): (&mut ChaCha8Rng, &mut ChaCha8Rng),
) -> anyhow::Result<Lived> {
    let mut plan = Timeline { beats: Vec::new() };
    let filings = plan_orders(cast, residents, now, orders_rng, &mut plan);
    let alerted = plan_doors(store, now, doors_rng, &mut plan).await?;
    plan.beats.sort_by_key(|(at, rank, _)| (*at, *rank));
    // The door passes of a batch come up to an hour before it is sent,
    // and the rules must exist before the first of them.
    let first = plan.beats.first().map_or(now, |b| b.0) - 2 * HOUR_MS;
    let mut t = first - first.rem_euclid(SLA_TICK_MS) + SLA_TICK_MS;
    while t < now {
        plan.add(t, Beat::Sla);
        t += SLA_TICK_MS;
    }
    plan.add(now, Beat::Sla);
    plan.beats.sort_by_key(|(at, rank, _)| (*at, *rank));

    // The server's state on a clock of our own. The engine gets its own
    // ingest pipeline: the one that feeds it must not be owned by it, or
    // neither would ever stop.
    let clock = Arc::new(ManualClock::new(first));
    let state =
        AppState::new(shequ_server::Settings::default(), store.clone())?.with_clock(clock.clone());
    let mut engine_state = state.clone();
    engine_state.ingest = Arc::default();
    let engine = Engine::spawn(engine_state);
    let state = state.with_sensing(engine.clone());
    engine.settle().await;

    let mut lived = Lived {
        alerts: alerted,
        ..Lived::default()
    };
    let mut ids: Vec<Option<i64>> = vec![None; filings.len()];
    let mut users: HashMap<i64, AuthUser> = HashMap::new();
    for (at, _, beat) in plan.beats {
        clock.set_ms(at);
        match beat {
            Beat::Due => engine.settle().await,
            Beat::Sla => {
                shequ_server::workers::sla::run_once(&state)
                    .await
                    .context("while escalating the day's late orders")?;
            }
            Beat::File(k) => {
                let report = report(&filings[k], &cast.street_path)?;
                let submitted = intake::submit(&state, report)
                    .await
                    .map_err(|e| anyhow::anyhow!("filing a demo order: {e}"))?;
                ids[k] = Some(submitted.id);
                lived.filed += 1;
            }
            Beat::Act(k, planned) => {
                let Some(id) = ids[k] else { continue };
                if !act(&state, &mut users, id, planned).await? {
                    lived.refused += 1;
                }
            }
            Beat::Doors(events) => {
                let body = serde_json::Value::Array(events).to_string();
                state
                    .ingest
                    .submit(
                        &state,
                        IngestChannel::Local,
                        None,
                        body.as_bytes(),
                        Framing::Json,
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("storing the day's door passes: {e}"))?;
                engine.settle().await;
            }
            Beat::TakeAlert(person, action) => {
                let subject = format!("person:{person}");
                let order = store
                    .open_alerts()
                    .await?
                    .into_iter()
                    .find(|a| a.subject == subject)
                    .and_then(|a| a.order_id);
                if let Some(id) = order
                    && !act(&state, &mut users, id, Planned::Owner(action)).await?
                {
                    lived.refused += 1;
                }
            }
        }
    }
    clock.set_ms(now);
    engine.settle().await;
    if lived.refused > 0 {
        tracing::warn!(
            refused = lived.refused,
            "some of the demo day's planned actions were refused"
        );
    }
    Ok(lived)
}

/// Does `planned` to order `id`; false when the platform refused it.
async fn act(
    state: &AppState,
    users: &mut HashMap<i64, AuthUser>,
    id: i64,
    planned: Planned,
) -> anyhow::Result<bool> {
    let (who, action) = match planned {
        Planned::Reporter(a) => (Who::Reporter, a),
        Planned::Owner(a) => {
            let owner = state
                .store
                .order_by_id(id)
                .await?
                .and_then(|o| o.owner_user_id);
            let Some(owner) = owner else {
                return Ok(false);
            };
            (
                Who::User(Box::new(auth_user(state, users, owner).await?)),
                a,
            )
        }
        Planned::User(u, a) => (Who::User(Box::new(auth_user(state, users, u).await?)), a),
    };
    match service::act(state, id, &who, &action, &ClientAddr::default()).await {
        Ok(_) => Ok(true),
        Err(e) => {
            tracing::debug!(order.id = id, action = action.name(), error = %e, "demo action refused");
            Ok(false)
        }
    }
}

/// The user as a logged-in session would see them.
async fn auth_user(
    state: &AppState,
    users: &mut HashMap<i64, AuthUser>,
    id: i64,
) -> anyhow::Result<AuthUser> {
    if let Some(u) = users.get(&id) {
        return Ok(u.clone());
    }
    let user = state
        .store
        .user_by_id(id)
        .await?
        .with_context(|| format!("user {id} is missing"))?;
    let role = user.role()?;
    let region_path = RegionPath::parse(&user.region_path)?;
    let auth = AuthUser {
        scope: Scope::under(&region_path),
        region_path,
        role,
        user,
        via_cookie: false,
    };
    users.insert(id, auth.clone());
    Ok(auth)
}

/// The report intake gets for a planned filing, as its channel sends it.
fn report(f: &Filing<'_>, street_path: &str) -> anyhow::Result<Report> {
    let (reporter_name, reporter_phone) = f
        .reporter
        .clone()
        .map_or((String::new(), None), |(n, p)| (n, Some(p)));
    Ok(Report {
        category: f.category.code.clone(),
        source: f.channel.source(),
        title: f.title(),
        description: f.description(),
        address: f.spot.address.clone(),
        point: Some(f.spot.point),
        place_id: None,
        subject_person_id: None,
        reporter_name,
        reporter_phone,
        reporter_email: None,
        external_id: None,
        attributes: serde_json::from_str(f.kind.attributes)?,
        priority: None,
        scope_root: RegionPath::parse(street_path)?,
        actor: f.actor.0.clone(),
        actor_user_id: f.actor.1,
        reporter_link: f.channel == Channel::Public,
    })
}

/// Plans the orders of the last days by the shapes they should have now.
fn plan_orders<'a>(
    cast: &'a Cast,
    residents: usize,
    now: i64,
    rng: &mut ChaCha8Rng,
    plan: &mut Timeline,
) -> Vec<Filing<'a>> {
    let scale = residents as f64 / 100_000.0;
    let today = day_start(now);
    let mut filings = Vec::new();
    for (shape, per_100k, least) in SHAPES {
        let n = ((per_100k * scale).round() as usize).max(least);
        for i in 0..n {
            // The grid worker the demo prints gets one of the first of
            // each main shape, so their phone page has something to show.
            let grid = if i == 0 && matches!(shape, Shape::Fresh | Shape::Working | Shape::Overdue)
            {
                &cast.grids[0]
            } else {
                &cast.grids[rng.random_range(0..cast.grids.len())]
            };
            let channel = match shape {
                Shape::Closed | Shape::Resolved | Shape::Overdue => {
                    if rng.random_bool(0.5) {
                        Channel::Public
                    } else {
                        Channel::Hotline
                    }
                }
                _ => stories::channel(rng),
            };
            let kind = match shape {
                Shape::Overdue => Some(stories::kind_of(
                    QUICK[rng.random_range(0..QUICK.len())],
                    rng,
                )),
                Shape::Whistle => {
                    let cats: Vec<&str> = cast
                        .departments
                        .iter()
                        .flat_map(|d| d.categories.iter().copied())
                        .collect();
                    cats.get(rng.random_range(0..cats.len().max(1)))
                        .map(|c| stories::kind_of(c, rng))
                }
                _ if channel == Channel::Patrol => None,
                _ => Some(stories::pick_kind(channel, rng)),
            };
            let Some(filing) = Filing::draw(cast, grid, channel, kind, rng) else {
                continue;
            };
            let k = filings.len();
            shape_life(shape, k, i, &filing, cast, now, today, rng, plan);
            filings.push(filing);
        }
    }
    filings
}

/// When order `k` of `shape` is filed and what is done to it by now.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the parts of one plan"
)]
fn shape_life(
    shape: Shape,
    k: usize,
    nth: usize,
    f: &Filing<'_>,
    cast: &Cast,
    now: i64,
    today: i64,
    rng: &mut ChaCha8Rng,
    plan: &mut Timeline,
) {
    let sla = f.category.sla();
    let aw = i64::from(sla.accept_within_minutes) * MINUTE_MS;
    let rw = i64::from(sla.resolve_within_minutes) * MINUTE_MS;
    let owner = |a: Action| Beat::Act(k, Planned::Owner(a));
    let created = match shape {
        Shape::Fresh => now - within(rng, aw, 0.05, 0.85),
        Shape::LateToAccept => now - aw - within(rng, aw, 0.15, 0.85),
        Shape::Accepted => now - within(rng, rw.min(8 * HOUR_MS), 0.3, 0.9),
        Shape::Working | Shape::Whistle => now - within(rng, rw.min(60 * HOUR_MS), 0.3, 0.9),
        Shape::Overdue => now - rw - rng.random_range(30 * MINUTE_MS..12 * HOUR_MS),
        Shape::Resolved | Shape::Closed => {
            now - rng
                .random_range(2 * HOUR_MS..20 * HOUR_MS)
                .min(rw - 30 * MINUTE_MS)
        }
    };
    plan.add(created, Beat::File(k));
    if matches!(shape, Shape::Fresh | Shape::LateToAccept) {
        return;
    }
    let accepted = created + within(rng, aw, 0.1, 0.8);
    plan.add(accepted, owner(Action::Accept));
    if shape == Shape::Accepted {
        return;
    }
    let started = accepted + rng.random_range(2 * MINUTE_MS..20 * MINUTE_MS);
    plan.add(started, owner(Action::Start));
    match shape {
        Shape::Working | Shape::Overdue if rng.random_bool(0.5) => {
            let note = stories::PROGRESS_NOTES[rng.random_range(0..stories::PROGRESS_NOTES.len())];
            let at = started + within(rng, now - started, 0.2, 0.8);
            plan.add(at, owner(Action::Note { text: note.into() }));
        }
        Shape::Whistle => {
            let summoned = started + rng.random_range(10 * MINUTE_MS..60 * MINUTE_MS);
            let dept = cast.departments.iter().find(|d| {
                d.categories.contains(&f.category.code.as_str()) && !d.members.is_empty()
            });
            if let (Some(dept), Some(&op), true) = (dept, cast.operators.first(), summoned < now) {
                let within_minutes = 240;
                plan.add(
                    summoned,
                    Beat::Act(
                        k,
                        Planned::User(
                            op,
                            Action::Summon {
                                teams: vec![dept.id],
                                within_minutes,
                            },
                        ),
                    ),
                );
                let reported =
                    summoned + within(rng, i64::from(within_minutes) * MINUTE_MS, 0.2, 0.9);
                if reported < now && nth.is_multiple_of(2) {
                    let member = dept.members[rng.random_range(0..dept.members.len())];
                    plan.add(
                        reported,
                        Beat::Act(
                            k,
                            Planned::User(
                                member,
                                Action::ReportIn {
                                    team: dept.id,
                                    note: stories::REPORT_IN.to_owned(),
                                },
                            ),
                        ),
                    );
                }
            }
        }
        Shape::Resolved | Shape::Closed => {
            // Resolved in time, today when the day has begun.
            let lo = (started + 10 * MINUTE_MS).max(today.min(now - 30 * MINUTE_MS));
            let hi = (now - 2 * MINUTE_MS).min(created + rw - MINUTE_MS);
            if lo >= hi {
                return;
            }
            let resolved = rng.random_range(lo..hi);
            let note = stories::resolution(&f.category.code).to_owned();
            plan.add(resolved, owner(Action::Resolve { note }));
            if shape == Shape::Closed && f.channel.has_reporter() {
                let rated =
                    resolved + rng.random_range(MINUTE_MS..(now - resolved).max(MINUTE_MS + 1));
                // One reporter of a big street's morning is not satisfied
                // and sends it back once.
                let (rating, reopen) = match (nth, rng.random_range(0..100)) {
                    (3, _) => (Rating::Unsatisfied, true),
                    (_, 0..70) => (Rating::Satisfied, false),
                    (_, 70..90) => (Rating::BasicallySatisfied, false),
                    _ => (Rating::Unsatisfied, false),
                };
                let rated = rated.min(now - MINUTE_MS);
                plan.add(
                    rated,
                    Beat::Act(k, Planned::Reporter(Action::Rate { rating, reopen })),
                );
                // A reopened order goes back to its owner, who takes it up
                // again in time (or it is still waiting, if just reopened).
                let again = rated + within(rng, aw, 0.1, 0.8);
                if reopen && again < now {
                    plan.add(again, owner(Action::Accept));
                }
            }
        }
        _ => {}
    }
}

/// Plans the door passes of the last two days: every elderly resident
/// living alone passes a door, except a few whose last pass was two days
/// before a moment of this morning, when their absence alert falls due;
/// and every door is heard in the last hour. Returns how many alerts fall
/// due.
async fn plan_doors(
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
