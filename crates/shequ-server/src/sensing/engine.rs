//! The rules engine: one task owns the in-memory state of every rule,
//! fed by a queue (ingest never waits for it), rebuilt from the database
//! at start and whenever the rules change, and woken by a timer so alerts
//! fire within a second of their deadline on the platform's clock.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{Datelike, NaiveDate, Timelike};
use shequ_domain::sensing::counters::{NightCounter, VisitorCounter};
use shequ_domain::sensing::rules::{HOUR_MS, RuleKind, RuleSpec, Target, default_rules, night_of};
use shequ_domain::sensing::watch::{Entry, Seen, Watch};
use shequ_domain::sensing::{DoorEvent, PassKind};
use shequ_store::alerts::{AlertRule, NewAlertRule};
use tokio::sync::{mpsc, oneshot};

use crate::sensing::EventSink;
use crate::sensing::SensingState;
use crate::sensing::alerting;
use crate::sensing::alerting::Raise;

/// How often the engine looks at the clock when nothing else wakes it.
/// Bounds alert latency after a deadline (and lets a manual clock in
/// tests be seen to move).
const TICK: Duration = Duration::from_millis(200);
/// How often the rules are re-read from the database (changes through the
/// API or another process).
const RULES_POLL_MS: i64 = 5_000;
/// The population is re-read daily: people turn 80, move, get tags.
const POPULATION_REFRESH_MS: i64 = 24 * HOUR_MS;
/// A door controller silent this long cannot vouch for anyone's absence
/// (the device-silence rule's window when it is configured).
const DEFAULT_SILENCE_MS: i64 = 6 * HOUR_MS;

enum Msg {
    Events(Vec<DoorEvent>),
    Heard(i64, i64),
    /// Replies once everything queued before it is processed, the rules
    /// re-read and every due alert raised.
    Settle(oneshot::Sender<()>),
}

/// Counters for `/metrics` and the bench.
#[derive(Debug, Default)]
pub struct EngineStats {
    pub events: AtomicU64,
    pub alerts_raised: AtomicU64,
    pub alerts_cleared: AtomicU64,
    /// Absence alerts withheld because the person's doors are silent.
    pub muted: AtomicU64,
    /// Bytes of rule state (after the last rebuild or tick).
    pub state_bytes: AtomicU64,
    pub watched_people: AtomicU64,
}

/// The handle ingest and the server hold: a queue into the engine task.
#[derive(Debug)]
pub struct Engine {
    tx: mpsc::UnboundedSender<Msg>,
    pub stats: Arc<EngineStats>,
}

impl EventSink for Engine {
    fn accept(&self, events: &[DoorEvent]) {
        // An unbounded queue: ingest has already stored the events, and the
        // engine catches up; dropping them would lose last-seen times.
        let _ = self.tx.send(Msg::Events(events.to_vec()));
    }

    fn device_heard(&self, device_id: i64, at: i64) {
        let _ = self.tx.send(Msg::Heard(device_id, at));
    }

    fn render_metrics(&self, out: &mut String) {
        use std::fmt::Write;
        let s = &self.stats;
        let rows: [(&str, &str, &str, &AtomicU64); 6] = [
            (
                "shequ_rules_events_total",
                "counter",
                "Door events the rules engine has taken in.",
                &s.events,
            ),
            (
                "shequ_rules_alerts_raised_total",
                "counter",
                "Welfare and device alerts raised.",
                &s.alerts_raised,
            ),
            (
                "shequ_rules_alerts_cleared_total",
                "counter",
                "Alerts cleared by a later pass.",
                &s.alerts_cleared,
            ),
            (
                "shequ_rules_absence_muted_total",
                "counter",
                "Absence alerts withheld because the person's doors are silent.",
                &s.muted,
            ),
            (
                "shequ_rules_state_bytes",
                "gauge",
                "Bytes of rule state in memory.",
                &s.state_bytes,
            ),
            (
                "shequ_rules_watched_people",
                "gauge",
                "People the rules watch.",
                &s.watched_people,
            ),
        ];
        for (name, kind, help, value) in rows {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
    }
}

impl Engine {
    /// Starts the engine task for `state` (on the current runtime).
    pub fn spawn(state: SensingState) -> Arc<Engine> {
        let (tx, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(EngineStats::default());
        tokio::spawn(run(state, rx, stats.clone()));
        Arc::new(Engine { tx, stats })
    }

    /// Waits until everything queued so far is processed and every alert
    /// due on the clock is raised (tests, the bench, shutdown).
    pub async fn settle(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Settle(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

/// Builds the engine and installs it as the state's event sink.
pub fn install(mut state: SensingState) -> SensingState {
    state.sensing = Engine::spawn(state.clone());
    state
}

/// The default rules, placed at the top of the region tree.
pub async fn ensure_default_rules(state: &SensingState) -> shequ_store::Result<bool> {
    let root = state.store.root_region_path().await?;
    let rules: Vec<NewAlertRule> = default_rules()
        .into_iter()
        .map(|(code, name, kind)| NewAlertRule {
            code: code.to_owned(),
            name: name.to_owned(),
            kind: kind.name().to_owned(),
            region_path: root.clone(),
            params: kind.params().to_string(),
            targets: "[]".to_owned(),
            purpose: String::new(),
            expires_at: None,
            enabled: true,
        })
        .collect();
    state
        .store
        .ensure_default_alert_rules(&rules, state.clock.now_ms())
        .await
}

/// A stored rule, parsed.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub row: AlertRule,
    pub spec: RuleSpec,
}

/// Parses a stored rule; a rule that no longer parses is skipped with a
/// warning rather than stopping every other rule.
pub(crate) fn parse_rule(row: &AlertRule) -> Option<Loaded> {
    let params: serde_json::Value = serde_json::from_str(&row.params).unwrap_or_default();
    let kind = match RuleKind::from_parts(&row.kind, &params) {
        Ok(k) => k,
        Err(e) => {
            tracing::warn!(rule.code = %row.code, error = %e, "alert rule skipped: its parameters do not parse");
            return None;
        }
    };
    let targets: Vec<String> = serde_json::from_str(&row.targets).unwrap_or_default();
    let targets = targets
        .iter()
        .filter_map(|t| Target::parse(t).ok())
        .collect();
    Some(Loaded {
        row: row.clone(),
        spec: RuleSpec {
            kind,
            targets,
            purpose: row.purpose.clone(),
            expires_at: row.expires_at,
            enabled: row.enabled,
        },
    })
}

pub(crate) struct Inactivity {
    pub rule: Loaded,
    pub watch: Watch,
}

struct Night {
    rule: Loaded,
    start: u8,
    end: u8,
    members: HashSet<i64>,
    counter: NightCounter,
    /// Alerts of past nights to clear when their night is over.
    open: Vec<(i64, i32)>,
}

struct Visitors {
    rule: Loaded,
    /// Households watched (`None`: every household in the rule's region,
    /// decided by the event's building).
    households: Option<HashSet<i64>>,
    counter: VisitorCounter,
    open: Vec<(i64, i32)>,
}

pub(crate) struct Silence {
    pub rule: Loaded,
    pub watch: Watch,
}

/// A door controller: its building and when it was last heard.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Device {
    pub building: i64,
    pub last_heard: i64,
    pub enabled: bool,
}

/// Everything the engine holds.
pub(crate) struct Rules {
    pub loaded: Vec<AlertRule>,
    pub inactivity: Vec<Inactivity>,
    night: Vec<Night>,
    visitors: Vec<Visitors>,
    pub silence: Option<Silence>,
    pub devices: HashMap<i64, Device>,
    /// Buildings with muted people, so a device heard elsewhere costs nothing.
    pub muted_buildings: HashSet<i64>,
    pub silence_ms: i64,
    pub root_path: String,
    built_at: i64,
    rules_read_at: i64,
}

impl Rules {
    /// Bytes held by the per-person and per-device state.
    pub fn memory_bytes(&self) -> usize {
        self.inactivity
            .iter()
            .map(|i| i.watch.memory_bytes())
            .sum::<usize>()
            + self.silence.as_ref().map_or(0, |s| s.watch.memory_bytes())
    }

    fn watched_people(&self) -> usize {
        self.inactivity.iter().map(|i| i.watch.len()).sum()
    }

    /// Whether a device of `building` can see people now.
    pub fn building_sees(&self, building: i64, now: i64) -> bool {
        self.devices
            .values()
            .any(|d| d.building == building && d.enabled && now - d.last_heard < self.silence_ms)
    }
}

fn local(state: &SensingState, at: i64) -> (i32, u8) {
    let t = chrono::DateTime::from_timestamp_millis(at)
        .unwrap_or_default()
        .with_timezone(&state.tz);
    (
        t.date_naive().num_days_from_ce(),
        u8::try_from(t.hour()).unwrap_or(0),
    )
}

/// Reads the rules, the watched population, last passes, devices and open
/// alerts, and builds the state from them.
/// `prev`, the state being replaced, contributes what only memory knows:
/// devices heard and people seen since the database was last written.
pub(crate) async fn build(
    state: &SensingState,
    prev: Option<&Rules>,
) -> shequ_store::Result<Rules> {
    let store = &state.store;
    let now = state.clock.now_ms();
    let today = state.today();
    let rows = store.alert_rules().await?;
    let active: Vec<Loaded> = rows
        .iter()
        .filter_map(parse_rule)
        .filter(|r| r.spec.is_active(now))
        .collect();
    let open = store.open_alerts().await?;
    let open_subjects = |rule_id: i64| -> HashSet<String> {
        open.iter()
            .filter(|a| a.rule_id == rule_id)
            .map(|a| a.subject.clone())
            .collect()
    };
    let silence_ms = active
        .iter()
        .find_map(|r| match r.spec.kind {
            RuleKind::DeviceSilence { .. } => r.spec.kind.window_ms(),
            _ => None,
        })
        .unwrap_or(DEFAULT_SILENCE_MS);

    let devices: HashMap<i64, Device> = store
        .watched_devices()
        .await?
        .into_iter()
        .map(|d| {
            (
                d.id,
                Device {
                    building: d.building_id,
                    last_heard: d.last_heard_at.unwrap_or(d.created_at).max(
                        prev.and_then(|p| p.devices.get(&d.id))
                            .map_or(i64::MIN, |p| p.last_heard),
                    ),
                    enabled: d.enabled,
                },
            )
        })
        .collect();

    let needs_people = active.iter().any(|r| {
        r.spec.kind.filter().is_some() || matches!(r.spec.kind, RuleKind::VisitorThreshold { .. })
    });
    let mut people_cache: HashMap<Option<String>, Vec<shequ_store::alerts::MonitoredPerson>> =
        HashMap::new();
    let max_window = active
        .iter()
        .filter(|r| matches!(r.spec.kind, RuleKind::Inactivity { .. }))
        .filter_map(|r| r.spec.kind.window_ms())
        .max()
        .unwrap_or(0);
    let last_pass: HashMap<i64, i64> = if max_window > 0 {
        store
            .last_passes_since(now - max_window)
            .await?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };

    let doored: HashSet<i64> = devices
        .values()
        .filter(|d| d.enabled)
        .map(|d| d.building)
        .collect();
    let mut rules = Rules {
        loaded: rows.clone(),
        inactivity: Vec::new(),
        night: Vec::new(),
        visitors: Vec::new(),
        silence: None,
        devices,
        muted_buildings: HashSet::new(),
        silence_ms,
        root_path: store.root_region_path().await?,
        built_at: now,
        rules_read_at: now,
    };
    for r in active {
        let in_region = |path: &str| path.starts_with(r.row.region_path.as_str());
        let people = if needs_people && r.spec.kind.filter().is_some()
            || matches!(r.spec.kind, RuleKind::VisitorThreshold { .. })
        {
            let tag = r.spec.kind.filter().and_then(|f| f.tags.first().cloned());
            if !people_cache.contains_key(&tag) {
                let loaded = store.monitored_people(tag.as_deref()).await?;
                people_cache.insert(tag.clone(), loaded);
            }
            people_cache
                .get(&tag)
                .map(Vec::as_slice)
                .unwrap_or_default()
        } else {
            &[]
        };
        let matching = || {
            people.iter().filter(|p| {
                in_region(&p.region_path)
                    && r.spec.targets_person(p.id, p.household_id)
                    && r.spec.kind.filter().is_none_or(|f| {
                        f.matches(
                            &p.care_tags,
                            NaiveDate::parse_from_str(&p.birth_date, "%Y-%m-%d").ok(),
                            today,
                        )
                    })
            })
        };
        match &r.spec.kind {
            RuleKind::Inactivity { .. } => {
                let window = r.spec.kind.window_ms().unwrap_or(48 * HOUR_MS);
                let alerted = open_subjects(r.row.id);
                // Watching began when the rule was made: nobody is absent
                // for longer than the rule has existed.
                let baseline = (now - window).max(r.row.created_at);
                let before =
                    prev.and_then(|p| p.inactivity.iter().find(|i| i.rule.row.id == r.row.id));
                let entries: Vec<Entry> = matching()
                    .filter_map(|p| {
                        let building = p.building_id?;
                        // Only a building with a door controller can see
                        // someone pass: elsewhere "no pass" means "no
                        // sensor", never "absent".
                        if !doored.contains(&building) {
                            return None;
                        }
                        Some(Entry {
                            id: p.id,
                            group: building,
                            last_seen: last_pass.get(&p.id).copied().unwrap_or(baseline).max(
                                before
                                    .and_then(|b| b.watch.last_seen(p.id))
                                    .unwrap_or(i64::MIN),
                            ),
                            alerted: alerted.contains(&format!("person:{}", p.id)),
                            muted: before.is_some_and(|b| b.watch.is_muted(p.id)),
                        })
                    })
                    .collect();
                rules.inactivity.push(Inactivity {
                    watch: Watch::new(window, entries),
                    rule: r.clone(),
                });
            }
            RuleKind::NightActivity {
                start_hour,
                end_hour,
                max_passes,
                ..
            } => rules.night.push(Night {
                start: *start_hour,
                end: *end_hour,
                members: matching().map(|p| p.id).collect(),
                counter: NightCounter::new(*max_passes),
                open: Vec::new(),
                rule: r.clone(),
            }),
            RuleKind::VisitorThreshold { max_visitors } => {
                let households = if r.spec.is_targeted() || r.row.region_path.len() > 1 {
                    let mut set: HashSet<i64> = matching().filter_map(|p| p.household_id).collect();
                    for t in &r.spec.targets {
                        if let Target::Household(h) = t {
                            set.insert(*h);
                        }
                    }
                    Some(set)
                } else {
                    None
                };
                rules.visitors.push(Visitors {
                    households,
                    counter: VisitorCounter::new(*max_visitors),
                    open: Vec::new(),
                    rule: r.clone(),
                });
            }
            RuleKind::DeviceSilence { .. } => {
                let window = r.spec.kind.window_ms().unwrap_or(DEFAULT_SILENCE_MS);
                let alerted = open_subjects(r.row.id);
                let entries = rules
                    .devices
                    .iter()
                    .filter(|(_, d)| d.enabled)
                    .map(|(id, d)| Entry {
                        id: *id,
                        group: d.building,
                        last_seen: d.last_heard.max(r.row.created_at),
                        alerted: alerted.contains(&format!("device:{id}")),
                        muted: false,
                    })
                    .collect();
                rules.silence = Some(Silence {
                    watch: Watch::new(window, entries),
                    rule: r.clone(),
                });
            }
        }
    }
    Ok(rules)
}

async fn run(state: SensingState, mut rx: mpsc::UnboundedReceiver<Msg>, stats: Arc<EngineStats>) {
    if let Err(e) = ensure_default_rules(&state).await {
        tracing::error!(error = %e, "could not install the default alert rules");
    }
    let mut rules = loop {
        match build(&state, None).await {
            Ok(r) => break r,
            Err(e) => {
                tracing::error!(error = %e, "rules engine: reading its state failed; retrying in 5 s");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    };
    publish_stats(&rules, &stats);
    tracing::info!(
        people = rules.watched_people(),
        bytes = rules.memory_bytes(),
        "rules engine started"
    );
    loop {
        let msg = tokio::select! {
            m = rx.recv() => match m {
                Some(m) => Some(m),
                None => return,
            },
            () = tokio::time::sleep(TICK) => None,
        };
        let now = state.clock.now_ms();
        match msg {
            Some(Msg::Events(events)) => {
                stats
                    .events
                    .fetch_add(events.len() as u64, Ordering::Relaxed);
                on_events(&state, &mut rules, &events, &stats).await;
            }
            Some(Msg::Heard(device, at)) => on_heard(&state, &mut rules, device, at, &stats).await,
            Some(Msg::Settle(reply)) => {
                refresh(&state, &mut rules, now, true).await;
                fire_due(&state, &mut rules, now, &stats).await;
                publish_stats(&rules, &stats);
                let _ = reply.send(());
                continue;
            }
            None => {}
        }
        // Under a steady stream of events the timer branch may never win,
        // so deadlines are checked after every message too.
        refresh(&state, &mut rules, now, false).await;
        fire_due(&state, &mut rules, now, &stats).await;
    }
}

fn publish_stats(rules: &Rules, stats: &EngineStats) {
    stats
        .state_bytes
        .store(rules.memory_bytes() as u64, Ordering::Relaxed);
    stats
        .watched_people
        .store(rules.watched_people() as u64, Ordering::Relaxed);
}

/// Re-reads the rules when due (or `force`d) and rebuilds when they, or
/// the set of unexpired rules, changed; rebuilds daily for the population.
async fn refresh(state: &SensingState, rules: &mut Rules, now: i64, force: bool) {
    if !force && now - rules.rules_read_at < RULES_POLL_MS {
        return;
    }
    rules.rules_read_at = now;
    let rows = match state.store.alert_rules().await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "rules engine: reading the rules failed");
            return;
        }
    };
    let active = |rows: &[AlertRule]| -> Vec<i64> {
        rows.iter()
            .filter_map(parse_rule)
            .filter(|r| r.spec.is_active(now))
            .map(|r| r.row.id)
            .collect()
    };
    let loaded_active: Vec<i64> = rules
        .inactivity
        .iter()
        .map(|i| i.rule.row.id)
        .chain(rules.night.iter().map(|n| n.rule.row.id))
        .chain(rules.visitors.iter().map(|v| v.rule.row.id))
        .chain(rules.silence.iter().map(|s| s.rule.row.id))
        .collect();
    let mut want = active(&rows);
    let mut have = loaded_active;
    want.sort_unstable();
    have.sort_unstable();
    if rows == rules.loaded && want == have && now - rules.built_at < POPULATION_REFRESH_MS {
        return;
    }
    match build(state, Some(rules)).await {
        Ok(mut fresh) => {
            // Buildings already known to be blind stay so until heard.
            fresh.muted_buildings = std::mem::take(&mut rules.muted_buildings);
            *rules = fresh;
            tracing::info!(people = rules.watched_people(), "rules engine rebuilt");
        }
        Err(e) => tracing::warn!(error = %e, "rules engine: rebuild failed; keeping the old state"),
    }
}

async fn on_events(
    state: &SensingState,
    rules: &mut Rules,
    events: &[DoorEvent],
    stats: &EngineStats,
) {
    let mut raise = Vec::new();
    let mut clear = Vec::new();
    for ev in events {
        if let Some(d) = rules.devices.get(&ev.device_id).copied()
            && ev.at > d.last_heard
        {
            note_heard(state, rules, ev.device_id, ev.at, &mut clear);
        }
        if let Some(person) = ev.person_id {
            for i in &mut rules.inactivity {
                if i.watch.seen(person, ev.at) == Seen::Cleared {
                    clear.push((i.rule.row.id, format!("person:{person}"), ev.at, true));
                }
            }
            if !rules.night.is_empty() {
                let (day, hour) = local(state, ev.at);
                for n in &mut rules.night {
                    if n.members.contains(&person)
                        && shequ_domain::sensing::rules::in_hours(hour, n.start, n.end)
                    {
                        let night = night_of(day, hour, n.start, n.end);
                        if n.counter.pass(person, night) {
                            n.open.push((person, night));
                            raise.push(Raise::Night {
                                rule: n.rule.clone(),
                                person,
                                household: ev.household_id,
                                building: ev.building_id,
                                at: ev.at,
                            });
                        }
                    }
                }
            }
        }
        if ev.kind == PassKind::Visitor
            && let Some(household) = ev.household_id
        {
            let (day, _) = local(state, ev.at);
            for v in &mut rules.visitors {
                if v.households
                    .as_ref()
                    .is_some_and(|h| !h.contains(&household))
                {
                    continue;
                }
                if v.counter.visit(household, day, hash(&ev.credential)) {
                    v.open.push((household, day));
                    raise.push(Raise::Visitors {
                        rule: v.rule.clone(),
                        household,
                        building: ev.building_id,
                        count: v.counter.count(household, day),
                        at: ev.at,
                    });
                }
            }
        }
    }
    for (rule_id, subject, at, note) in clear {
        stats.alerts_cleared.fetch_add(1, Ordering::Relaxed);
        alerting::clear(state, rule_id, &subject, at, note).await;
    }
    for r in raise {
        if alerting::raise(state, rules, r).await {
            stats.alerts_raised.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn hash(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// Records that a device was heard; a device back from silence clears its
/// alert and lets its building's muted people be watched again.
fn note_heard(
    _state: &SensingState,
    rules: &mut Rules,
    device: i64,
    at: i64,
    clear: &mut Vec<(i64, String, i64, bool)>,
) {
    let silence_ms = rules.silence_ms;
    let Some(d) = rules.devices.get_mut(&device) else {
        return;
    };
    let was_silent = at - d.last_heard >= silence_ms;
    d.last_heard = d.last_heard.max(at);
    let building = d.building;
    if let Some(s) = &mut rules.silence
        && s.watch.seen(device, at) == Seen::Cleared
    {
        clear.push((s.rule.row.id, format!("device:{device}"), at, true));
    }
    if (was_silent || rules.muted_buildings.contains(&building))
        && rules.muted_buildings.remove(&building)
    {
        for i in &mut rules.inactivity {
            i.watch.unmute_group(building, at);
        }
    }
}

async fn on_heard(
    state: &SensingState,
    rules: &mut Rules,
    device: i64,
    at: i64,
    stats: &EngineStats,
) {
    if !rules.devices.contains_key(&device) {
        // A device registered after the engine started.
        match state.store.watched_devices().await {
            Ok(all) => {
                for d in all.into_iter().filter(|d| d.id == device) {
                    rules.devices.insert(
                        d.id,
                        Device {
                            building: d.building_id,
                            last_heard: d.last_heard_at.unwrap_or(d.created_at).min(at),
                            enabled: d.enabled,
                        },
                    );
                }
            }
            Err(e) => tracing::warn!(error = %e, "rules engine: reading devices failed"),
        }
        if rules.devices.contains_key(&device) {
            // Start watching it for silence at the next rebuild; until then
            // it counts as a live door for its building.
            rules.rules_read_at = i64::MIN / 2;
            rules.loaded.clear();
        }
    }
    let mut clear = Vec::new();
    note_heard(state, rules, device, at, &mut clear);
    for (rule_id, subject, at, note) in clear {
        stats.alerts_cleared.fetch_add(1, Ordering::Relaxed);
        alerting::clear(state, rule_id, &subject, at, note).await;
    }
}

/// Raises every alert whose deadline has passed, and clears the
/// period-bound alerts whose night or day is over.
async fn fire_due(state: &SensingState, rules: &mut Rules, now: i64, stats: &EngineStats) {
    let mut raise = Vec::new();
    for i in &mut rules.inactivity {
        for (person, last_seen) in i.watch.due(now) {
            raise.push(Raise::Absent {
                rule: i.rule.clone(),
                person,
                household: None,
                building: i.watch.group(person).unwrap_or_default(),
                last_seen,
                due_at: last_seen + i.watch.window_ms(),
            });
        }
    }
    if let Some(s) = &mut rules.silence {
        for (device, last_seen) in s.watch.due(now) {
            raise.push(Raise::Silent {
                rule: s.rule.clone(),
                device,
                building: s.watch.group(device).unwrap_or_default(),
                last_seen,
                due_at: last_seen + s.watch.window_ms(),
            });
        }
    }
    for r in raise {
        if alerting::raise(state, rules, r).await {
            stats.alerts_raised.fetch_add(1, Ordering::Relaxed);
        }
    }
    let (day, hour) = local(state, now);
    for n in &mut rules.night {
        let current = night_of(day, hour, n.start, n.end);
        let ended: Vec<(i64, i32)> = n
            .open
            .iter()
            .copied()
            .filter(|(_, night)| *night < current)
            .collect();
        if ended.is_empty() {
            continue;
        }
        n.open.retain(|(_, night)| *night >= current);
        n.counter.forget_before(current);
        for (person, _) in ended {
            alerting::clear(
                state,
                n.rule.row.id,
                &format!("person:{person}"),
                now,
                false,
            )
            .await;
        }
    }
    for v in &mut rules.visitors {
        let ended: Vec<(i64, i32)> = v.open.iter().copied().filter(|(_, d)| *d < day).collect();
        if ended.is_empty() {
            continue;
        }
        v.open.retain(|(_, d)| *d >= day);
        v.counter.forget_before(day);
        for (household, _) in ended {
            alerting::clear(
                state,
                v.rule.row.id,
                &format!("household:{household}"),
                now,
                false,
            )
            .await;
        }
    }
}
