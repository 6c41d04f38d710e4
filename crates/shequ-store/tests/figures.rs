//! The figures' SQL and their definitions in the domain
//! (`shequ_domain::order::figures`) agree, order by order, on SQLite and
//! (when configured) PostgreSQL: the command centre's overdue counter, the
//! lists' overdue filter, this month's quality and the figures all count
//! what the domain's predicates say, over orders covering the edge cases —
//! a paused clock (in time, late, resumed, resolved while paused), resolved
//! on time, at the deadline and late, reopened (open again and resolved
//! again), cancelled (pending and after acceptance), returned, a deadline
//! met to the millisecond and a deadline that never comes.

mod common;

use common::*;
use shequ_domain::order::figures::{self, Counts, Facts};
use shequ_domain::order::{Action, CancelReason, Rating};
use shequ_domain::{RegionPath, Role};
use shequ_store::accounts::NewUser;
use shequ_store::orders::Effects;
use shequ_store::orders::act::Actor;
use shequ_store::orders::catalogue::NewCategory;
use shequ_store::orders::create::NewOrder;
use shequ_store::orders::figures::GroupBy;
use shequ_store::orders::read::OrderFilter;
use shequ_store::{Paging, Scope, Store};

const T0: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
/// The time the figures are judged at, after every action below.
const NOW: i64 = T0 + 100 * HOUR;

fn scope(path: &str) -> Scope {
    Scope::under(&RegionPath::parse(path).expect("path"))
}

/// The street, a category (30 min to accept, 24 h to resolve: the fresh
/// deadlines of a reopen) and a grid worker; `(worker, category, grid path)`.
async fn setup(s: &Store) -> (i64, i64, String) {
    seed_street(s).await;
    s.upsert_categories(&[NewCategory {
        code: "sanitation".into(),
        name_zh: "环境卫生".into(),
        name_en: "Sanitation".into(),
        group_zh: "市容环境".into(),
        group_en: "City appearance".into(),
        description_zh: String::new(),
        description_en: String::new(),
        keywords: String::new(),
        accept_within_minutes: 30,
        resolve_within_minutes: 24 * 60,
        default_priority: "normal".into(),
        attributes: "[]".into(),
        active: true,
    }])
    .await
    .expect("category");
    let grid = s
        .region_by_code("31010401100101")
        .await
        .expect("q")
        .expect("grid")
        .region;
    let worker = s
        .create_user(&NewUser {
            username: "grid_a1".into(),
            display_name: "赵网格员".into(),
            password_hash: "x".into(),
            role: Role::GridWorker,
            region_id: grid.id,
            phone: Some("13800000001".into()),
        })
        .await
        .expect("user");
    let cat = s
        .category_by_code("sanitation")
        .await
        .expect("q")
        .expect("cat");
    (worker, cat.id, grid.path)
}

/// What happens to one order after it is filed, at minutes after filing
/// (`…At`: at an absolute time).
enum Step {
    Accept(i64),
    Start(i64),
    Resolve(i64),
    /// Resolve at this absolute time.
    ResolveAt(i64),
    Return(i64),
    Pause(i64),
    /// Resume at this absolute time.
    ResumeAt(i64),
    Rate(i64, Rating, bool),
    Cancel(i64),
}

/// One order of the set: its name, its deadlines and what happens to it.
struct Case {
    name: &'static str,
    accept: Due,
    resolve: Due,
    steps: Vec<Step>,
}

/// A deadline: minutes after filing, or an absolute time.
#[derive(Clone, Copy)]
enum Due {
    After(i64),
    At(i64),
}

fn cases() -> Vec<Case> {
    use Due::{After, At};
    use Step::*;
    let case = |name, accept, resolve, steps| Case {
        name,
        accept,
        resolve,
        steps,
    };
    vec![
        case("not yet due", At(NOW + HOUR), At(NOW + 2 * HOUR), vec![]),
        case("no deadline", At(i64::MAX), At(i64::MAX), vec![]),
        case(
            "no deadline, in progress",
            At(i64::MAX),
            At(i64::MAX),
            vec![Accept(5), Start(6)],
        ),
        case("late to accept", After(30), At(NOW + 10 * HOUR), vec![]),
        case("due this millisecond", At(NOW), At(NOW + 10 * HOUR), vec![]),
        case(
            "accepted late, not yet due",
            After(30),
            At(NOW + HOUR),
            vec![Accept(60)],
        ),
        case(
            "in progress, late to resolve",
            After(30),
            After(120),
            vec![Accept(10), Start(11)],
        ),
        case("returned, late", After(30), After(120), vec![Return(1)]),
        case(
            "paused in time, its deadlines passed since",
            After(30),
            After(120),
            vec![Accept(5), Pause(10)],
        ),
        case(
            "paused when already late to accept",
            After(30),
            After(120),
            vec![Pause(40)],
        ),
        case(
            "paused and resumed, in time again",
            After(30),
            After(120),
            vec![Pause(10), ResumeAt(NOW - 10 * MIN)],
        ),
        case(
            "paused, then resolved on its moved deadline",
            After(30),
            After(120),
            vec![Accept(5), Pause(10), ResolveAt(NOW - HOUR)],
        ),
        case(
            "resolved on time, satisfied",
            After(30),
            After(120),
            vec![Accept(5), Resolve(60), Rate(61, Rating::Satisfied, false)],
        ),
        case(
            "resolved at its deadline, basically satisfied",
            After(30),
            After(120),
            vec![
                Accept(30),
                Resolve(120),
                Rate(121, Rating::BasicallySatisfied, false),
            ],
        ),
        case(
            "resolved late, unsatisfied",
            After(30),
            After(120),
            vec![
                Accept(31),
                Resolve(180),
                Rate(181, Rating::Unsatisfied, false),
            ],
        ),
        case(
            "resolved late, not rated",
            After(30),
            After(120),
            vec![Accept(5), Start(6), Resolve(121)],
        ),
        case(
            "reopened, open again and late",
            After(30),
            After(120),
            vec![Accept(5), Resolve(60), Rate(120, Rating::Unsatisfied, true)],
        ),
        case(
            "reopened and resolved again, late",
            After(30),
            After(120),
            vec![
                Accept(5),
                Resolve(60),
                Rate(120, Rating::Unsatisfied, true),
                Accept(125),
                Resolve(120 + 25 * 60),
                Rate(120 + 25 * 60 + 1, Rating::Satisfied, false),
            ],
        ),
        case(
            "cancelled after acceptance, late",
            After(30),
            After(120),
            vec![Accept(5), Cancel(180)],
        ),
        case(
            "cancelled while pending",
            After(30),
            After(120),
            vec![Cancel(1)],
        ),
    ]
}

/// Files and plays every case; the orders' ids with their names.
async fn play(s: &Store) -> Vec<(i64, &'static str)> {
    let (worker, category_id, grid_path) = setup(s).await;
    let grid = s
        .region_by_code("31010401100101")
        .await
        .expect("q")
        .expect("grid")
        .region;
    let w = Actor::User {
        id: worker,
        role: Role::GridWorker,
        scope: scope(&grid_path),
    };
    let mut out = Vec::new();
    for (k, c) in cases().into_iter().enumerate() {
        // Filed a minute apart, so a one-millisecond window holds one order.
        let at = T0 + k as i64 * MIN;
        let due = |d: Due| match d {
            Due::After(m) => at + m * MIN,
            Due::At(t) => t,
        };
        let (created, _) = s
            .create_order(&NewOrder {
                category_id,
                category_code: "sanitation".into(),
                source: "public".into(),
                priority: "normal".into(),
                title: c.name.into(),
                description: c.name.into(),
                address: "田林路1号".into(),
                point: Some((121.43, 31.17)),
                region_id: grid.id,
                region_path: grid.path.clone(),
                place_id: None,
                subject_person_id: None,
                reporter_name: String::new(),
                reporter_phone: None,
                reporter_email: None,
                reporter_token_hash: None,
                external_id: None,
                attributes: "{}".into(),
                owner_user_id: Some(worker),
                accept_due_at: due(c.accept),
                resolve_due_at: due(c.resolve),
                actor: "reporter".into(),
                actor_user_id: None,
                dispatch_data: "{}".into(),
                dispatch_note: String::new(),
                notices: Vec::new(),
                now: at,
            })
            .await
            .expect("create");
        let id = created.id;
        for step in c.steps {
            let m = |minutes: i64| at + minutes * MIN;
            let (actor, action, when) = match step {
                Step::Accept(t) => (&w, Action::Accept, m(t)),
                Step::Start(t) => (&w, Action::Start, m(t)),
                Step::Resolve(t) => (&w, resolve(), m(t)),
                Step::ResolveAt(t) => (&w, resolve(), t),
                Step::Return(t) => (
                    &w,
                    Action::Return {
                        reason: "不属本网格".into(),
                    },
                    m(t),
                ),
                Step::Pause(t) => (
                    &w,
                    Action::PauseClock {
                        reason: "等居民回电".into(),
                    },
                    m(t),
                ),
                Step::ResumeAt(t) => (&w, Action::ResumeClock, t),
                Step::Rate(t, rating, reopen) => {
                    (&Actor::Reporter, Action::Rate { rating, reopen }, m(t))
                }
                Step::Cancel(t) => (
                    &Actor::System,
                    Action::Cancel {
                        reason: CancelReason::Invalid {
                            note: "无效".into(),
                        },
                    },
                    m(t),
                ),
            };
            s.act_on_order(id, actor, &action, when, |_, _, _| Effects::default())
                .await
                .unwrap_or_else(|e| panic!("{}: {action:?}: {e}", c.name));
        }
        out.push((id, c.name));
    }
    out
}

fn resolve() -> Action {
    Action::Resolve {
        note: "已处理".into(),
    }
}

/// Times to judge at: before and at the deadlines, and long after.
fn judged_at() -> [i64; 5] {
    [T0, T0 + 45 * MIN, T0 + 3 * HOUR, NOW, NOW + 30 * HOUR]
}

#[tokio::test]
async fn the_sql_counts_what_the_domain_defines() {
    for db in backends().await {
        let s = &db.store;
        let label = db.label;
        let played = play(s).await;
        let street = scope("/310000/310104/310104011/");
        let mut facts: Vec<(i64, &str, Facts)> = Vec::new();
        for (id, name) in &played {
            let o = s.order_by_id(*id).await.expect("q").expect("order");
            facts.push((*id, name, o.figure_facts()));
        }

        // The cases cover what they say (so the agreement below means
        // something): overdue and not, on time and not, paused, reopened.
        let at_now = |name: &str| {
            facts
                .iter()
                .find(|(_, n, _)| *n == name)
                .map(|(_, _, f)| *f)
                .expect(name)
        };
        assert!(!figures::is_overdue(
            &at_now("paused in time, its deadlines passed since"),
            NOW
        ));
        assert!(figures::is_overdue(
            &at_now("paused when already late to accept"),
            NOW
        ));
        assert!(figures::is_overdue(&at_now("due this millisecond"), NOW));
        let reopened = at_now("reopened, open again and late");
        assert!(figures::is_overdue(&reopened, NOW));
        assert!(
            !figures::rated(&reopened),
            "its rating went with its resolution"
        );
        assert!(figures::resolved_on_time(&at_now(
            "paused, then resolved on its moved deadline"
        )));
        assert!(figures::resolved_on_time(&at_now(
            "resolved at its deadline, basically satisfied"
        )));
        let again = at_now("reopened and resolved again, late");
        assert!(figures::resolved(&again) && !figures::resolved_on_time(&again));
        assert!(figures::satisfied(&again), "rated again, satisfied");
        assert!(!figures::counted(&at_now(
            "cancelled after acceptance, late"
        )));

        let day = T0 - HOUR;
        for now in judged_at() {
            // The lists' overdue filter: the same orders, one by one.
            let listed = s
                .orders_in(
                    &street,
                    &OrderFilter {
                        overdue_at: Some(now),
                        ..OrderFilter::default()
                    },
                    Paging::new(Some(1), Some(500)),
                )
                .await
                .expect("list");
            let mut listed: Vec<i64> = listed.items.iter().map(|o| o.id).collect();
            listed.sort_unstable();
            let mut overdue: Vec<i64> = facts
                .iter()
                .filter(|(_, _, f)| figures::is_overdue(f, now))
                .map(|(id, _, _)| *id)
                .collect();
            overdue.sort_unstable();
            let names = |ids: &[i64]| -> Vec<&str> {
                ids.iter()
                    .map(|id| facts.iter().find(|(i, _, _)| i == id).expect("id").1)
                    .collect()
            };
            assert_eq!(
                names(&listed),
                names(&overdue),
                "{label}: overdue list at {now}"
            );

            // The command centre's counter.
            let c = s
                .command_counters(&street, now, day)
                .await
                .expect("counters");
            assert_eq!(
                c.overdue,
                overdue.len() as i64,
                "{label}: overdue counter at {now}"
            );

            // The figures, order by order (each alone in its filing
            // millisecond), and of all of them.
            for (id, name, f) in &facts {
                let rows = s
                    .order_figures(
                        &street,
                        (f.created_at, f.created_at + 1),
                        now,
                        GroupBy::Category,
                    )
                    .await
                    .expect("figures");
                let expected = Counts::of([f], now);
                let got = rows.first().map(|r| r.counts()).unwrap_or_default();
                assert_eq!(got, expected, "{label}: figures of {name} (#{id}) at {now}");
                if let Some(r) = rows.first() {
                    let minutes = |ms: Option<i64>| ms.map(|ms| ms as f64 / 60_000.0);
                    assert_eq!(
                        r.avg_accept_minutes,
                        minutes(figures::response_ms(f)),
                        "{label}: response of {name}"
                    );
                    assert_eq!(
                        r.avg_resolve_minutes,
                        minutes(figures::resolution_ms(f)),
                        "{label}: resolution time of {name}"
                    );
                }
            }
            let all = s
                .order_figures(&street, (0, i64::MAX), now, GroupBy::Grid)
                .await
                .expect("figures");
            let all_facts: Vec<Facts> = facts.iter().map(|(_, _, f)| *f).collect();
            assert_eq!(all.len(), 1, "{label}: one grid");
            assert_eq!(
                all[0].counts(),
                Counts::of(&all_facts, now),
                "{label}: figures of all at {now}"
            );
        }

        // This month's quality: the orders resolved in a window, one by
        // one (each resolution in its own millisecond) and all together.
        let resolved_in = |from: i64, to: i64| {
            let of: Vec<Facts> = facts
                .iter()
                .map(|(_, _, f)| *f)
                .filter(|f| f.resolved_at.is_some_and(|t| from <= t && t < to))
                .collect();
            Counts::of(&of, NOW)
        };
        let quality = |q: shequ_store::command::Quality| {
            (q.resolved, q.resolved_on_time, q.rated, q.satisfied)
        };
        let expected = |c: Counts| (c.resolved, c.resolved_on_time, c.rated, c.satisfied);
        for (_, name, f) in &facts {
            let Some(t) = f.resolved_at else { continue };
            let q = s
                .resolved_quality(&street, t, t + 1)
                .await
                .expect("quality");
            assert_eq!(
                quality(q),
                expected(resolved_in(t, t + 1)),
                "{label}: quality of {name}"
            );
        }
        let q = s
            .resolved_quality(&street, 0, i64::MAX)
            .await
            .expect("quality");
        let c = resolved_in(0, i64::MAX);
        assert_eq!(quality(q), expected(c), "{label}: quality of all");
        assert_eq!(q.on_time(), c.on_time_resolution(), "{label}");
        assert_eq!(q.satisfaction(), c.satisfaction(), "{label}");
        // The figures of the same orders give the same rates: both divide
        // by the orders they judge.
        let all = s
            .order_figures(&street, (0, i64::MAX), NOW, GroupBy::Grid)
            .await
            .expect("figures");
        assert_eq!(all[0].on_time_resolution(), q.on_time(), "{label}");
        assert_eq!(
            (q.resolved, q.resolved_on_time),
            (6, 3),
            "{label}: six resolutions stand, three on time"
        );
        db.cleanup().await;
    }
}
