//! Reading the engine's state from the database: the default rules, the
//! rules parsed, the watched population, last passes, devices and open
//! alerts, built into the domain's [`Rules`] at start, whenever the rules
//! change and once a day.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use shequ_domain::sensing::engine::{Device, Rules};
use shequ_domain::sensing::rules::{HOUR_MS, RuleKind, RuleSpec, Target, default_rules};
use shequ_domain::sensing::watch::Entry;
use shequ_store::alerts::{AlertRule, NewAlertRule};

use super::state::EngineState;
use crate::sensing::SensingState;

/// How often the rules are re-read from the database (changes through the
/// API or another process).
const RULES_POLL_MS: i64 = 5_000;
/// The population is re-read daily: people turn 80, move, get tags.
const POPULATION_REFRESH_MS: i64 = 24 * HOUR_MS;
/// A door controller silent this long cannot vouch for anyone's absence
/// (the device-silence rule's window when it is configured).
const DEFAULT_SILENCE_MS: i64 = 6 * HOUR_MS;

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
struct Loaded {
    row: AlertRule,
    spec: RuleSpec,
}

/// Parses a stored rule; a rule that no longer parses is skipped with a
/// warning rather than stopping every other rule.
fn parse_rule(row: &AlertRule) -> Option<Loaded> {
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

/// Reads the rules, the watched population, last passes, devices and open
/// alerts, and builds the state from them.
/// `prev`, the state being replaced, contributes what only memory knows:
/// devices heard and people seen since the database was last written.
pub(crate) async fn build(
    state: &SensingState,
    prev: Option<&EngineState>,
) -> shequ_store::Result<EngineState> {
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
                        prev.and_then(|p| p.rules.device(d.id))
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
    // The silence rule watches the devices as read now.
    let device_entries = |rule: &Loaded| -> Vec<Entry> {
        let alerted = open_subjects(rule.row.id);
        devices
            .iter()
            .filter(|(_, d)| d.enabled)
            .map(|(id, d)| Entry {
                id: *id,
                group: d.building,
                last_seen: d.last_heard.max(rule.row.created_at),
                alerted: alerted.contains(&format!("device:{id}")),
                muted: false,
            })
            .collect()
    };
    let mut rules = Rules::new(silence_ms, HashMap::new());
    for r in &active {
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
                let before = prev.and_then(|p| p.rules.inactivity_watch(r.row.id));
                let entries: Vec<Entry> =
                    matching()
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
                                    before.and_then(|b| b.last_seen(p.id)).unwrap_or(i64::MIN),
                                ),
                                alerted: alerted.contains(&format!("person:{}", p.id)),
                                muted: before.is_some_and(|b| b.is_muted(p.id)),
                            })
                        })
                        .collect();
                rules.add_inactivity(r.row.id, window, entries);
            }
            RuleKind::NightActivity {
                start_hour,
                end_hour,
                max_passes,
                ..
            } => rules.add_night(
                r.row.id,
                *start_hour,
                *end_hour,
                *max_passes,
                matching().map(|p| p.id).collect(),
            ),
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
                rules.add_visitors(r.row.id, *max_visitors, households);
            }
            RuleKind::DeviceSilence { .. } => {
                let window = r.spec.kind.window_ms().unwrap_or(DEFAULT_SILENCE_MS);
                rules.set_silence(r.row.id, window, device_entries(r));
            }
        }
    }
    for (id, d) in devices {
        rules.add_device(id, d);
    }
    Ok(EngineState {
        rules,
        running: active.into_iter().map(|r| r.row).collect(),
        loaded: rows,
        root_path: store.root_region_path().await?,
        built_at: now,
        rules_read_at: now,
        stale: false,
    })
}

/// Re-reads the rules when due (or `force`d) and rebuilds when they, or
/// the set of unexpired rules, changed; rebuilds daily for the population.
pub(crate) async fn refresh(state: &SensingState, engine: &mut EngineState, now: i64, force: bool) {
    if !force && now - engine.rules_read_at < RULES_POLL_MS {
        return;
    }
    engine.rules_read_at = now;
    let rows = match state.store.alert_rules().await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "rules engine: reading the rules failed");
            return;
        }
    };
    let mut want: Vec<i64> = rows
        .iter()
        .filter_map(parse_rule)
        .filter(|r| r.spec.is_active(now))
        .map(|r| r.row.id)
        .collect();
    let mut have: Vec<i64> = engine.rules.rule_ids().collect();
    want.sort_unstable();
    have.sort_unstable();
    if !engine.stale
        && rows == engine.loaded
        && want == have
        && now - engine.built_at < POPULATION_REFRESH_MS
    {
        return;
    }
    match build(state, Some(engine)).await {
        Ok(mut fresh) => {
            // Buildings already known to be blind stay so until heard.
            fresh.rules.keep_muted_buildings(&mut engine.rules);
            *engine = fresh;
            tracing::info!(
                people = engine.rules.watched_people(),
                "rules engine rebuilt"
            );
        }
        Err(e) => tracing::warn!(error = %e, "rules engine: rebuild failed; keeping the old state"),
    }
}
