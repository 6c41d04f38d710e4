//! A past loaded in bulk (`load_order_history`, for the demo and the
//! benchmarks) against the same story acted step by step through
//! `act_on_order`, on SQLite and (when configured) PostgreSQL: the order
//! rows, trails and summons come out the same, the trail verifies, and the
//! counters equal a recount of the orders.

mod common;

use common::*;
use shequ_domain::order::history::{Step, Who};
use shequ_domain::order::sla::Overdue;
use shequ_domain::order::{Action, Rating};
use shequ_domain::{RegionPath, Role};
use shequ_store::accounts::NewUser;
use shequ_store::bench::PastOrder;
use shequ_store::orders::act::Actor;
use shequ_store::orders::catalogue::NewCategory;
use shequ_store::orders::create::NewOrder;
use shequ_store::orders::{Effects, Order, OrderEvent};
use shequ_store::{Scope, Store};

const T0: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;

/// The people of the story: (id, role, region path).
struct Cast {
    category: i64,
    grid: (i64, String),
    worker: (i64, String),
    secretary: (i64, String),
    operator: (i64, String),
    cadre: (i64, String),
    team: i64,
}

async fn cast(s: &Store) -> Cast {
    seed_street(s).await;
    s.upsert_categories(&[NewCategory {
        code: "street_vending".into(),
        name_zh: "占道经营".into(),
        name_en: "Street vending".into(),
        group_zh: String::new(),
        group_en: String::new(),
        description_zh: String::new(),
        description_en: String::new(),
        keywords: String::new(),
        accept_within_minutes: 30,
        resolve_within_minutes: 8 * 60,
        default_priority: "normal".into(),
        attributes: "[]".into(),
        active: true,
    }])
    .await
    .expect("category");
    let region = |code: &'static str| async move {
        s.region_by_code(code)
            .await
            .expect("q")
            .expect("region")
            .region
    };
    let grid = region("31010401100101").await;
    let neighbourhood = region("310104011001").await;
    let street = region("310104011").await;
    let user = |name: &'static str, role: Role, region: i64| async move {
        s.create_user(&NewUser {
            username: name.into(),
            display_name: name.into(),
            password_hash: "x".into(),
            role,
            region_id: region,
            phone: Some("13800000009".into()),
        })
        .await
        .expect("user")
    };
    let worker = user("grid_a1", Role::GridWorker, grid.id).await;
    let secretary = user("sec_a", Role::NeighbourhoodSecretary, neighbourhood.id).await;
    let operator = user("operator1", Role::StreetOperator, street.id).await;
    let cadre = user("cadre1", Role::Cadre, street.id).await;
    let team = s
        .create_team("dept-chengguan", "城管执法中队", "department", street.id)
        .await
        .expect("team");
    s.add_team_member(team, cadre).await.expect("member");
    let category = s
        .category_by_code("street_vending")
        .await
        .expect("q")
        .expect("category")
        .id;
    Cast {
        category,
        grid: (grid.id, grid.path),
        worker: (worker, PATH_A1.into()),
        secretary: (secretary, PATH_A.into()),
        operator: (operator, street.path.clone()),
        cadre: (cadre, street.path),
        team,
    }
}

fn filed(c: &Cast, at: i64) -> NewOrder {
    NewOrder {
        category_id: c.category,
        category_code: "street_vending".into(),
        source: "public".into(),
        priority: "normal".into(),
        title: "占道摆摊".into(),
        description: "路口有流动摊贩占道经营".into(),
        address: "田林路1号".into(),
        point: Some((121.43, 31.17)),
        region_id: c.grid.0,
        region_path: c.grid.1.clone(),
        place_id: None,
        subject_person_id: None,
        reporter_name: "陈女士".into(),
        reporter_phone: Some("13912345678".into()),
        reporter_email: None,
        reporter_token_hash: None,
        external_id: None,
        attributes: "{}".into(),
        owner_user_id: Some(c.worker.0),
        accept_due_at: at + 30 * MIN,
        resolve_due_at: at + 8 * 60 * MIN,
        actor: "reporter".into(),
        actor_user_id: None,
        dispatch_data: r#"{"rule":0}"#.into(),
        dispatch_note: String::new(),
        notices: Vec::new(),
        now: at,
    }
}

/// Who acts, as the history names them and as the store does.
#[derive(Clone, Copy)]
enum By {
    Worker,
    Secretary,
    Operator,
    Cadre,
    Reporter,
    System,
}

impl By {
    fn history(self, c: &Cast) -> Who {
        let user = |(id, _): &(i64, String), role, teams: Vec<i64>| Who::User {
            id: *id,
            role,
            teams,
        };
        match self {
            By::Worker => user(&c.worker, Role::GridWorker, vec![]),
            By::Secretary => user(&c.secretary, Role::NeighbourhoodSecretary, vec![]),
            By::Operator => user(&c.operator, Role::StreetOperator, vec![]),
            By::Cadre => user(&c.cadre, Role::Cadre, vec![c.team]),
            By::Reporter => Who::Reporter,
            By::System => Who::System,
        }
    }

    fn store(self, c: &Cast) -> Actor {
        let user = |(id, path): &(i64, String), role| Actor::User {
            id: *id,
            role,
            scope: Scope::under(&RegionPath::parse(path).expect("path")),
        };
        match self {
            By::Worker => user(&c.worker, Role::GridWorker),
            By::Secretary => user(&c.secretary, Role::NeighbourhoodSecretary),
            By::Operator => user(&c.operator, Role::StreetOperator),
            By::Cadre => user(&c.cadre, Role::Cadre),
            By::Reporter => Actor::Reporter,
            By::System => Actor::System,
        }
    }
}

/// Three lives: late, summoned and reopened before it closed; late to
/// accept, handed to the secretary and closed unrated; still pending.
fn stories(c: &Cast) -> Vec<Vec<(i64, By, Action)>> {
    let vending = vec![
        (5 * MIN, By::Worker, Action::Accept),
        (7 * MIN, By::Worker, Action::Start),
        (
            30 * MIN,
            By::Operator,
            Action::Summon {
                teams: vec![c.team],
                within_minutes: 240,
            },
        ),
        (
            90 * MIN,
            By::Cadre,
            Action::ReportIn {
                team: c.team,
                note: "已到场".into(),
            },
        ),
        (
            100 * MIN,
            By::Worker,
            Action::Note {
                text: "已联系摊主".into(),
            },
        ),
        (
            480 * MIN,
            By::System,
            Action::Escalate {
                to_user: c.secretary.0,
                reason: "超时未办结".into(),
                overdue: Some(Overdue::Resolve),
            },
        ),
        (
            500 * MIN,
            By::Worker,
            Action::Resolve {
                note: "已劝离".into(),
            },
        ),
        (
            600 * MIN,
            By::Reporter,
            Action::Rate {
                rating: Rating::Unsatisfied,
                reopen: true,
            },
        ),
        (610 * MIN, By::Worker, Action::Accept),
        (
            700 * MIN,
            By::Worker,
            Action::Resolve {
                note: "已复查".into(),
            },
        ),
        (
            800 * MIN,
            By::Reporter,
            Action::Rate {
                rating: Rating::BasicallySatisfied,
                reopen: false,
            },
        ),
    ];
    let late = vec![
        (
            31 * MIN,
            By::System,
            Action::Escalate {
                to_user: c.secretary.0,
                reason: "超时未受理".into(),
                overdue: Some(Overdue::Accept),
            },
        ),
        (
            31 * MIN,
            By::System,
            Action::Reassign {
                to_user: c.secretary.0,
            },
        ),
        (40 * MIN, By::Secretary, Action::Accept),
        (
            120 * MIN,
            By::Secretary,
            Action::Resolve {
                note: "已处理".into(),
            },
        ),
        (120 * MIN + 7 * 24 * 60 * MIN, By::System, Action::AutoClose),
    ];
    vec![vending, late, Vec::new()]
}

/// What an order and its trail say, less the id (and the hashes, which
/// cover it).
fn comparable(o: &Order, events: &[OrderEvent]) -> (String, Vec<String>) {
    let mut o = o.clone();
    o.id = 0;
    let row = serde_json::to_string(&o).expect("json");
    let trail = events
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {} {} {}>{} {} {}",
                e.seq,
                e.at,
                e.actor,
                e.actor_user_id.unwrap_or(0),
                e.action,
                e.from_state,
                e.to_state,
                e.note,
                e.data
            )
        })
        .collect();
    (
        format!(
            "{row} supervisor={:?} paused={:?}",
            o.supervisor_user_id, o.clock_paused_at
        ),
        trail,
    )
}

async fn recount(s: &Store) -> (Vec<(String, i64)>, Vec<(String, i64)>) {
    let counted = s
        .order_counts_in(&Scope::everything())
        .await
        .expect("counts");
    let mut by_state: std::collections::BTreeMap<String, i64> = Default::default();
    for o in s
        .orders_in(
            &Scope::everything(),
            &Default::default(),
            shequ_store::Paging::new(None, Some(500)),
        )
        .await
        .expect("orders")
        .items
    {
        *by_state.entry(o.state).or_default() += 1;
    }
    (counted, by_state.into_iter().collect())
}

#[tokio::test]
async fn a_past_loaded_in_bulk_is_the_past_acted_step_by_step() {
    for db in backends().await {
        let s = &db.store;
        let c = cast(s).await;
        let none = |_: &_, _: &_, _: &_| Effects::default();
        let mut acted = Vec::new();
        let mut pasts = Vec::new();
        for (k, story) in stories(&c).into_iter().enumerate() {
            let at = T0 + k as i64 * 1_000;
            let (created, _) = s.create_order(&filed(&c, at)).await.expect("create");
            for (dt, by, action) in &story {
                s.act_on_order(created.id, &by.store(&c), action, at + dt, none)
                    .await
                    .unwrap_or_else(|e| panic!("{}: story {k}, {}: {e}", db.label, action.name()));
            }
            acted.push(created.id);
            pasts.push(PastOrder {
                order: filed(&c, at),
                steps: story
                    .iter()
                    .map(|(dt, by, action)| Step {
                        at: at + dt,
                        who: by.history(&c),
                        action: action.clone(),
                    })
                    .collect(),
            });
        }
        let loaded = s.load_order_history(&pasts).await.expect("load");
        assert_eq!(loaded.len(), 3, "{}", db.label);
        for (a, l) in acted.iter().zip(&loaded) {
            let read = |id: i64| async move {
                let o = s.order_by_id(id).await.expect("q").expect("order");
                let events = s.order_events(id).await.expect("events");
                let participants: Vec<String> = s
                    .order_participants(id)
                    .await
                    .expect("participants")
                    .iter()
                    .map(|p| {
                        format!(
                            "{:?} {:?} {:?} {:?}",
                            p.kind, p.team_id, p.due_at, p.reported_at
                        )
                    })
                    .collect();
                (comparable(&o, &events), participants, o.state)
            };
            let (one, two) = (read(*a).await, read(*l).await);
            assert_eq!(one, two, "{}: order {l} loaded vs {a} acted", db.label);
            let verified = s.verify_trails(Some(*l)).await.expect("verify");
            assert_eq!(verified.broken, None, "{}", db.label);
        }
        let states: Vec<String> = futures_states(s, &loaded).await;
        assert_eq!(states, ["closed", "closed", "pending"], "{}", db.label);

        let (counted, recounted) = recount(s).await;
        assert_eq!(
            counted, recounted,
            "{}: counters against a recount",
            db.label
        );
        let loads = s
            .user_loads(&[c.worker.0, c.secretary.0])
            .await
            .expect("loads");
        assert_eq!(
            loads.get(&c.worker.0).copied().unwrap_or(0),
            2,
            "{}: the two pending orders",
            db.label
        );
        assert_eq!(
            loads.get(&c.secretary.0).copied().unwrap_or(0),
            0,
            "{}",
            db.label
        );
        db.cleanup().await;
    }
}

async fn futures_states(s: &Store, ids: &[i64]) -> Vec<String> {
    let mut out = Vec::new();
    for id in ids {
        out.push(s.order_by_id(*id).await.expect("q").expect("order").state);
    }
    out
}

#[tokio::test]
async fn a_story_the_state_machine_refuses_stores_nothing() {
    for db in backends().await {
        let s = &db.store;
        let c = cast(s).await;
        let good = PastOrder {
            order: filed(&c, T0),
            steps: vec![Step {
                at: T0 + MIN,
                who: By::Worker.history(&c),
                action: Action::Accept,
            }],
        };
        let bad = PastOrder {
            order: filed(&c, T0),
            // Nobody resolves an order before it is accepted.
            steps: vec![Step {
                at: T0 + MIN,
                who: By::Worker.history(&c),
                action: Action::Resolve { note: "x".into() },
            }],
        };
        let err = s.load_order_history(&[good, bad]).await;
        assert!(err.is_err(), "{}", db.label);
        assert!(
            s.order_counts_in(&Scope::everything())
                .await
                .expect("counts")
                .is_empty(),
            "{}",
            db.label
        );
        let (_, recounted) = recount(s).await;
        assert!(recounted.is_empty(), "{}: nothing stored", db.label);
        db.cleanup().await;
    }
}
