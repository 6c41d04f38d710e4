//! The last few days and this morning, lived through the server's own
//! machinery on a clock the generator moves: complaints filed through
//! intake (located, routed to the grid's worker, pop-ups and SMS queued),
//! accepted, started, resolved and summoned through the order service,
//! rated by their reporters, escalated (督办) by the SLA worker when late;
//! and door passes through ingest, so the rules engine raises today's
//! welfare alerts for elderly residents unseen for two days and files
//! their orders itself; and two joint meetings whose decisions became
//! orders at every stage. What the command centre shows at the end is what
//! those paths wrote, counters included.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use rand_chacha::ChaCha8Rng;
use shequ_domain::RegionPath;
use shequ_domain::order::Action;
use shequ_server::AppState;
use shequ_server::app::access::ClientAddr;
use shequ_server::app::auth::AuthUser;
use shequ_server::app::clock::ManualClock;
use shequ_server::orders::intake;
use shequ_server::orders::intake::Report;
use shequ_server::orders::service;
use shequ_server::orders::service::Who;
use shequ_server::sensing::engine::Engine;
use shequ_server::sensing::ingest::Framing;
use shequ_server::sensing::metrics::Channel as IngestChannel;
use shequ_store::{Scope, Store};

use super::cast::Cast;
use super::history::{Filing, HOUR_MS, MINUTE_MS};
use super::stories::Channel;

mod doors;
mod meetings;
mod orders;

pub use doors::SIMULATED_HOUSEBOUND;
pub use meetings::MeetingFigures;

/// How often the SLA worker looks at the orders while the day is replayed.
const SLA_TICK_MS: i64 = 5 * MINUTE_MS;

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
    /// The joint meetings held and their decisions' stages.
    pub meetings: MeetingFigures,
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
    let filings = orders::plan(cast, residents, now, orders_rng, &mut plan);
    let alerted = doors::plan(store, now, doors_rng, &mut plan).await?;
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
    engine_state.sensing.ingest = Arc::default();
    let engine = Engine::spawn(engine_state.sensing);
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
                shequ_server::orders::workers::sla::run_once(&state.orders)
                    .await
                    .context("while escalating the day's late orders")?;
            }
            Beat::File(k) => {
                let report = report(&filings[k], &cast.street_path)?;
                let submitted = intake::submit(&state.orders, report)
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
                    .sensing
                    .ingest
                    .submit(
                        &state.sensing,
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
    lived.meetings = meetings::hold(&state, &clock, &mut users, now)
        .await
        .context("while holding the demo's joint meetings")?;
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
    match service::act(&state.orders, id, &who, &action, &ClientAddr::default()).await {
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
        resolve_by: None,
    })
}
