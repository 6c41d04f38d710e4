//! A year of the street's work orders, planned in memory and stored in
//! bulk with [`shequ_store::Store::load_order_history`], which plays each
//! story through the state machine, so trails verify and counters agree.
//!
//! About 100 orders a day per 100,000 residents (Shanghai's 12345 hotline
//! takes about 20,000 a day for 24 million people; grid patrols add their
//! own finds). Each is accepted by its grid worker, mostly in time; some
//! are late and escalated (督办) to the neighbourhood's secretary when
//! their deadline passes, as the SLA worker does; a few summon a
//! department to report in (吹哨报到); most reporters rate the result,
//! mostly satisfied, and an unsatisfied one sometimes reopens it once;
//! unrated ones close themselves after seven days. The last few days are
//! left to [`super::today`], which files them through the server's intake.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use shequ_domain::Role;
use shequ_domain::order::history::{Step, Who};
use shequ_domain::order::routing::Target;
use shequ_domain::order::sla::{Overdue, deadlines};
use shequ_domain::order::{Action, Rating};
use shequ_store::bench::PastOrder;
use shequ_store::orders::catalogue::Category;
use shequ_store::orders::create::NewOrder;

use super::cast::{Cast, GridCast, Spot};
use super::stories::{self, Channel, Kind};

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Orders a day for every 100,000 residents.
pub const ORDERS_PER_DAY_PER_100K: f64 = 100.0;
/// History ends this many days before today; the days since are filed
/// through the server's intake.
pub const RECENT_DAYS: i64 = 3;
/// How long a resolved order waits for its rating (the server's default
/// `auto_close_days`).
const AUTO_CLOSE_MS: i64 = 7 * DAY_MS;

/// The street's time zone.
pub const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Local midnight at the start of the day holding `at`.
pub fn day_start(at: i64) -> i64 {
    use chrono::TimeZone;
    let day = chrono::DateTime::from_timestamp_millis(at)
        .unwrap_or_default()
        .with_timezone(&TZ)
        .date_naive();
    TZ.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or(at - at.rem_euclid(DAY_MS), |t| t.timestamp_millis())
}

/// A deadline as the SLA worker writes it in its reason (`05-31 14:20`).
pub fn short_time(at: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at)
        .map(|t| t.with_timezone(&TZ).format("%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// A uniform draw of `[lo, hi)` of a span, in milliseconds.
pub fn within(rng: &mut ChaCha8Rng, span: i64, lo: f64, hi: f64) -> i64 {
    (span as f64 * rng.random_range(lo..hi)) as i64
}

/// Orders of the year for a street of `residents`.
pub fn volume(residents: usize) -> usize {
    let per_day = ORDERS_PER_DAY_PER_100K * residents as f64 / 100_000.0;
    (per_day * (365 - RECENT_DAYS) as f64).round() as usize
}

/// Who files an order and how it reads, ready for intake or the store.
pub struct Filing<'a> {
    pub kind: &'static Kind,
    pub channel: Channel,
    pub category: &'a Category,
    pub grid: &'a GridCast,
    pub spot: &'a Spot,
    /// (name, phone) of a public or hotline reporter.
    pub reporter: Option<(String, String)>,
    /// The trail's filer: the operator who took the call, the patrolling
    /// worker, or the reporter.
    pub actor: (String, Option<i64>),
}

impl<'a> Filing<'a> {
    /// A complaint of `kind` (drawn when `None`) by `channel` at a random
    /// building of `grid`.
    pub fn draw(
        cast: &'a Cast,
        grid: &'a GridCast,
        channel: Channel,
        kind: Option<&'static Kind>,
        rng: &mut ChaCha8Rng,
    ) -> Option<Self> {
        let kind = kind.unwrap_or_else(|| stories::pick_kind(channel, rng));
        let category = cast.categories.get(kind.category)?;
        let spot = grid
            .spots
            .get(rng.random_range(0..grid.spots.len().max(1)))?;
        let reporter = channel.has_reporter().then(|| stories::reporter(rng));
        let actor = match channel {
            Channel::Public => ("reporter".to_owned(), None),
            Channel::Hotline => {
                let op = cast
                    .operators
                    .get(rng.random_range(0..cast.operators.len().max(1)));
                match op {
                    Some(id) => (format!("user:{id}"), Some(*id)),
                    None => ("reporter".to_owned(), None),
                }
            }
            Channel::Patrol => match grid.worker {
                Some(id) => (format!("user:{id}"), Some(id)),
                None => ("system".to_owned(), None),
            },
        };
        Some(Self {
            kind,
            channel,
            category,
            grid,
            spot,
            reporter,
            actor,
        })
    }

    pub fn description(&self) -> String {
        stories::fill(self.kind.text, &self.spot.address)
    }

    /// The title as filed: the public page asks for none, and intake
    /// titles such an order with the start of its description.
    pub fn title(&self) -> String {
        match self.channel {
            Channel::Public => String::new(),
            _ => self.kind.title.to_owned(),
        }
    }

    /// The order as intake would have stored it at `at`, dispatched to
    /// the grid's worker by the default rule.
    pub fn new_order(&self, at: i64) -> NewOrder {
        let (accept_due_at, resolve_due_at) = deadlines(self.category.sla(), at);
        let (reporter_name, reporter_phone) = self
            .reporter
            .clone()
            .map_or((String::new(), None), |(n, p)| (n, Some(p)));
        NewOrder {
            category_id: self.category.id,
            category_code: self.category.code.clone(),
            source: self.channel.source().to_owned(),
            priority: self.category.default_priority.clone(),
            title: match self.channel {
                Channel::Public => self.description().chars().take(40).collect(),
                _ => self.title(),
            },
            description: self.description(),
            address: self.spot.address.clone(),
            point: Some(self.spot.point),
            region_id: self.grid.region_id,
            region_path: self.grid.path.clone(),
            place_id: None,
            subject_person_id: None,
            reporter_name,
            reporter_phone,
            reporter_email: None,
            reporter_token_hash: None,
            external_id: None,
            attributes: self.kind.attributes.to_owned(),
            owner_user_id: self.grid.worker,
            accept_due_at,
            resolve_due_at,
            actor: self.actor.0.clone(),
            actor_user_id: self.actor.1,
            dispatch_data: serde_json::json!({
                "rule": 0,
                "target": Target::Role(Role::GridWorker),
            })
            .to_string(),
            dispatch_note: String::new(),
            notices: Vec::new(),
            now: at,
        }
    }
}

/// The year before the last [`RECENT_DAYS`], oldest first.
pub fn plan(cast: &Cast, residents: usize, now: i64, rng: &mut ChaCha8Rng) -> Vec<PastOrder> {
    let today = day_start(now);
    let n = volume(residents);
    let mut created: Vec<i64> = (0..n)
        .map(|_| {
            let days_ago = rng.random_range(RECENT_DAYS..365);
            today - days_ago * DAY_MS
                + i64::from(stories::hour(rng)) * HOUR_MS
                + rng.random_range(0..HOUR_MS)
        })
        .collect();
    created.sort_unstable();
    let mut out = Vec::with_capacity(n);
    for at in created {
        let grid = &cast.grids[rng.random_range(0..cast.grids.len())];
        let channel = stories::channel(rng);
        let Some(filing) = Filing::draw(cast, grid, channel, None, rng) else {
            continue;
        };
        let order = filing.new_order(at);
        let mut steps = life(&filing, &order, cast, rng);
        // What would happen after now has not happened yet: the order is
        // still open, or resolved and waiting for its rating.
        steps.retain(|s| s.at <= now);
        out.push(PastOrder { order, steps });
    }
    out
}

fn user(id: i64, role: Role) -> Who {
    Who::User {
        id,
        role,
        teams: Vec::new(),
    }
}

/// The life of one order from its filing to its close, in time order.
fn life(f: &Filing<'_>, o: &NewOrder, cast: &Cast, rng: &mut ChaCha8Rng) -> Vec<Step> {
    let mut steps = Vec::new();
    let Some(worker) = o.owner_user_id else {
        return steps;
    };
    let sla = f.category.sla();
    let accept_ms = i64::from(sla.accept_within_minutes) * MINUTE_MS;
    let resolve_ms = i64::from(sla.resolve_within_minutes) * MINUTE_MS;
    let mut holder = user(worker, Role::GridWorker);
    let supervisor = f.grid.supervisor;
    let roll = rng.random_range(0..100);
    let (late_accept, late_resolve) = match supervisor {
        Some(_) => (roll < 5, (5..17).contains(&roll)),
        None => (false, false),
    };

    // Acceptance: mostly within the deadline; otherwise the SLA worker
    // escalates at the deadline and hands the order to the supervisor.
    let accepted = if let (true, Some(sup)) = (late_accept, supervisor) {
        let at = o.accept_due_at + rng.random_range(0..MINUTE_MS);
        steps.push(Step {
            at,
            who: Who::System,
            action: Action::Escalate {
                to_user: sup,
                reason: format!("超时未受理：应于{}前受理", short_time(o.accept_due_at)),
                overdue: Some(Overdue::Accept),
            },
        });
        steps.push(Step {
            at,
            who: Who::System,
            action: Action::Reassign { to_user: sup },
        });
        holder = user(sup, Role::NeighbourhoodSecretary);
        at + within(rng, accept_ms, 0.05, 0.9)
    } else {
        o.now + within(rng, accept_ms, 0.05, 0.9)
    };
    steps.push(Step {
        at: accepted,
        who: holder.clone(),
        action: Action::Accept,
    });
    let mut t = accepted;
    if rng.random_bool(0.75) {
        t += rng.random_range(MINUTE_MS..30 * MINUTE_MS);
        steps.push(Step {
            at: t,
            who: holder.clone(),
            action: Action::Start,
        });
    }

    // 吹哨报到: the command centre summons a department, which reports in.
    let departments: Vec<_> = cast
        .departments
        .iter()
        .filter(|d| d.categories.contains(&o.category_code.as_str()) && !d.members.is_empty())
        .collect();
    if !departments.is_empty() && !cast.operators.is_empty() && rng.random_bool(0.08) {
        let dept = departments[rng.random_range(0..departments.len())];
        let op = cast.operators[rng.random_range(0..cast.operators.len())];
        let member = dept.members[rng.random_range(0..dept.members.len())];
        t += rng.random_range(10 * MINUTE_MS..2 * HOUR_MS);
        let within_minutes = 240;
        steps.push(Step {
            at: t,
            who: user(op, Role::StreetOperator),
            action: Action::Summon {
                teams: vec![dept.id],
                within_minutes,
            },
        });
        let window = i64::from(within_minutes) * MINUTE_MS;
        t += if rng.random_bool(0.9) {
            within(rng, window, 0.1, 0.9)
        } else {
            within(rng, window, 1.05, 2.0)
        };
        steps.push(Step {
            at: t,
            who: Who::User {
                id: member,
                role: Role::Cadre,
                teams: vec![dept.id],
            },
            action: Action::ReportIn {
                team: dept.id,
                note: stories::REPORT_IN.to_owned(),
            },
        });
    }
    if rng.random_bool(0.25) {
        t += rng.random_range(5 * MINUTE_MS..2 * HOUR_MS);
        let note = stories::PROGRESS_NOTES[rng.random_range(0..stories::PROGRESS_NOTES.len())];
        steps.push(Step {
            at: t,
            who: holder.clone(),
            action: Action::Note { text: note.into() },
        });
    }

    // Resolution: in time, or late and escalated when the deadline passed.
    let on_time = accepted + within(rng, o.resolve_due_at - accepted, 0.1, 0.9);
    let mut resolved = if late_resolve {
        o.resolve_due_at + within(rng, resolve_ms, 0.05, 0.6)
    } else {
        on_time
    }
    .max(t + MINUTE_MS);
    if resolved > o.resolve_due_at
        && let Some(sup) = supervisor
    {
        steps.push(Step {
            at: o.resolve_due_at + rng.random_range(0..MINUTE_MS),
            who: Who::System,
            action: Action::Escalate {
                to_user: sup,
                reason: format!("超时未办结：应于{}前办结", short_time(o.resolve_due_at)),
                overdue: Some(Overdue::Resolve),
            },
        });
        resolved = resolved.max(o.resolve_due_at + MINUTE_MS);
    }
    let resolve = |at: i64, who: &Who| Step {
        at,
        who: who.clone(),
        action: Action::Resolve {
            note: stories::resolution(&o.category_code).into(),
        },
    };
    steps.push(resolve(resolved, &holder));

    // The reporter rates most; the rest close after the waiting period.
    let auto_close = |at: i64, rng: &mut ChaCha8Rng| Step {
        at: at + AUTO_CLOSE_MS + rng.random_range(0..MINUTE_MS),
        who: Who::System,
        action: Action::AutoClose,
    };
    if !f.channel.has_reporter() || !rng.random_bool(0.8) {
        steps.push(auto_close(resolved, rng));
    } else {
        let rated = resolved + rng.random_range(30 * MINUTE_MS..48 * HOUR_MS);
        let rating = match rng.random_range(0..100) {
            0..72 => Rating::Satisfied,
            72..89 => Rating::BasicallySatisfied,
            _ => Rating::Unsatisfied,
        };
        let reopen = rating == Rating::Unsatisfied && rng.random_bool(0.6);
        steps.push(Step {
            at: rated,
            who: Who::Reporter,
            action: Action::Rate { rating, reopen },
        });
        if reopen {
            // Back to the same owner with fresh deadlines, done again in time.
            let (due_accept, due_resolve) = deadlines(sla, rated);
            let again = rated + within(rng, due_accept - rated, 0.05, 0.9);
            steps.push(Step {
                at: again,
                who: holder.clone(),
                action: Action::Accept,
            });
            let fixed = again + within(rng, due_resolve - again, 0.1, 0.8);
            steps.push(resolve(fixed, &holder));
            if rng.random_bool(0.75) {
                let rating = match rng.random_range(0..100) {
                    0..50 => Rating::Satisfied,
                    50..85 => Rating::BasicallySatisfied,
                    _ => Rating::Unsatisfied,
                };
                steps.push(Step {
                    at: fixed + rng.random_range(30 * MINUTE_MS..48 * HOUR_MS),
                    who: Who::Reporter,
                    action: Action::Rate {
                        rating,
                        reopen: false,
                    },
                });
            } else {
                steps.push(auto_close(fixed, rng));
            }
        }
    }
    // The escalations were placed at their deadlines; everything else in
    // the order it was planned (a stable sort keeps escalate → reassign).
    steps.sort_by_key(|s| s.at);
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_day_starts_at_shanghai_midnight() {
        // 2026-06-01 08:00 in Shanghai is 00:00 UTC.
        let t0 = 1_780_272_000_000;
        assert_eq!(day_start(t0), t0 - 8 * HOUR_MS);
        assert_eq!(day_start(t0 - 8 * HOUR_MS), t0 - 8 * HOUR_MS);
        assert_eq!(day_start(t0 - 8 * HOUR_MS - 1), t0 - 32 * HOUR_MS);
        assert_eq!(short_time(t0), "06-01 08:00");
    }

    #[test]
    fn the_volume_scales_with_the_residents() {
        assert_eq!(volume(100_000), 36_200);
        assert_eq!(volume(20_000), 7_240);
    }
}
