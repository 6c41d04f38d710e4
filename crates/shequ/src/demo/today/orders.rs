//! The orders of the last days, planned by what each should have become
//! by now: waiting, late and handed up, accepted, in progress, overdue and
//! escalated, summoned, resolved, rated.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use shequ_domain::order::{Action, Rating};

use super::super::cast::Cast;
use super::super::history::{Filing, HOUR_MS, MINUTE_MS, day_start, within};
use super::super::stories::{self, Channel};
use super::{Beat, Planned, Timeline};

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

/// Plans the orders of the last days by the shapes they should have now.
pub(super) fn plan<'a>(
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
