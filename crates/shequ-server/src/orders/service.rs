//! Acting on an order on someone's behalf: the store applies the state
//! machine in one transaction; this decides who is told what, and pushes
//! the pop-ups once the change is committed.

use shequ_domain::Role;
use shequ_domain::order::{Action, ActorKind};
use shequ_store::orders::act::{ActError, Acted, Actor};
use shequ_store::orders::{Effects, Order};

use crate::app::access::ClientAddr;
use crate::app::access::deny;
use crate::app::auth::AuthUser;
use crate::app::auth::Principal;
use crate::app::auth::new_token;
use crate::app::auth::token_hash;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::app::live::LiveEvent;
use crate::orders::OrdersState;
use crate::orders::intake::REPORTER_TOKEN_PREFIX;
use crate::orders::notices;
use crate::orders::notices::Brief;
use shequ_domain::Code;

/// Who acts, as the service sees them.
#[derive(Debug, Clone)]
pub enum Who {
    User(Box<AuthUser>),
    /// The reporter, through their private link.
    Reporter,
    System,
}

impl Who {
    fn store_actor(&self) -> Actor {
        match self {
            Who::User(u) => Actor::User {
                id: u.user.id,
                role: u.role,
                scope: u.scope.clone(),
            },
            Who::Reporter => Actor::Reporter,
            Who::System => Actor::System,
        }
    }
}

/// People to tell beyond the order's own fields, looked up before the
/// change so the transaction does only writes.
struct Audience {
    category_zh: String,
    summoned_members: Vec<i64>,
    dispatchers: Vec<i64>,
    follower_phones: Vec<String>,
}

async fn audience(state: &OrdersState, order: &Order, action: &Action) -> AppResult<Audience> {
    let category_zh = state
        .config
        .get(&state.store)
        .await?
        .categories
        .get(&order.category_code)
        .map_or_else(|| order.category_code.clone(), |c| c.name_zh.clone());
    let mut summoned_members = Vec::new();
    if let Action::Summon { teams, .. } = action {
        for team in teams {
            for c in state
                .store
                .team_candidates(*team, state.clock.now_ms())
                .await?
            {
                summoned_members.push(c.user_id);
            }
        }
    }
    let dispatchers = if matches!(action, Action::Return { .. }) {
        state
            .store
            .role_candidates(Role::StreetOperator, &order.region_path)
            .await?
            .into_iter()
            .map(|c| c.user_id)
            .collect()
    } else {
        Vec::new()
    };
    let follower_phones = if matches!(action, Action::Resolve { .. }) {
        state
            .store
            .order_followers(order.id)
            .await?
            .into_iter()
            .filter_map(|f| f.reporter_phone)
            .collect()
    } else {
        Vec::new()
    };
    Ok(Audience {
        category_zh,
        summoned_members,
        dispatchers,
        follower_phones,
    })
}

fn effects(state: &OrdersState, action: &Action, after: &Order, who: &Audience) -> Effects {
    let brief = Brief::of(after);
    let worker =
        |user: i64, kind: &str| notices::to_worker(state, &brief, &who.category_zh, user, kind);
    let mut e = Effects::default();
    match action {
        Action::Reassign { to_user } => e.notices = worker(*to_user, "reassigned"),
        Action::Escalate { to_user, .. } => e.notices = worker(*to_user, "escalated"),
        Action::Rate { .. } if after.state == "pending" => {
            if let Some(owner) = after.owner_user_id {
                e.notices = worker(owner, "reopened");
            }
        }
        Action::Summon { .. } => {
            e.notices = who
                .summoned_members
                .iter()
                .flat_map(|u| worker(*u, "summoned"))
                .collect();
        }
        Action::Return { .. } => {
            e.notices = who
                .dispatchers
                .iter()
                .flat_map(|u| worker(*u, "returned"))
                .filter(|n| n.channel == "popup")
                .collect();
        }
        Action::Resolve { .. } => {
            let token = after
                .reporter_phone
                .is_some()
                .then(|| new_token(REPORTER_TOKEN_PREFIX));
            if let Some(n) = notices::to_reporter_resolved(state, after, token.as_deref()) {
                e.notices.push(n);
                e.reporter_link_hash = token.as_deref().map(token_hash);
            }
            for phone in &who.follower_phones {
                let mut copy = after.clone();
                copy.reporter_phone = Some(phone.clone());
                e.notices
                    .extend(notices::to_reporter_resolved(state, &copy, None));
            }
        }
        _ => {}
    }
    e
}

/// Applies `action` to order `id` as `who`, at the platform's clock.
pub async fn act(
    state: &OrdersState,
    id: i64,
    who: &Who,
    action: &Action,
    addr: &ClientAddr,
) -> AppResult<Acted> {
    let order = state
        .store
        .order_by_id(id)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    let aud = audience(state, &order, action).await?;
    let now = state.clock.now_ms();
    let result = state
        .store
        .act_on_order(id, &who.store_actor(), action, now, |_, after, _| {
            effects(state, action, after, &aud)
        })
        .await;
    let acted = match result {
        Ok(a) => a,
        Err(ActError::NotFound) => return Err(AppError::NotFound("order")),
        Err(ActError::OutOfScope { path }) => {
            let principal = match who {
                Who::User(u) => Principal::User(u.clone()),
                _ => return Err(AppError::Forbidden(Code::OutOfScope)),
            };
            return Err(deny(state, &principal, "order", id.to_string(), Some(path), addr).await);
        }
        Err(ActError::Refused(e)) => {
            return Err(AppError::Refused {
                code: e.code(),
                message: e.to_string(),
            });
        }
        Err(ActError::Store(e)) => return Err(e.into()),
    };
    publish(state, &acted);
    remember(state, &acted).await;
    Ok(acted)
}

/// Keeps intake's in-memory view in step with a change: loads of the
/// people who gained or lost an open order, and the open orders of the
/// near-duplicate check.
async fn remember(state: &OrdersState, acted: &Acted) {
    let (before, after) = (&acted.before, &acted.after);
    let held = |o: &Order| o.owner_user_id.filter(|_| o.state().is_open());
    if held(before) != held(after) {
        if let Some(u) = held(before) {
            state.people.bump(u, -1);
        }
        if let Some(u) = held(after) {
            state.people.bump(u, 1);
        }
    }
    match (before.state().is_open(), after.state().is_open()) {
        (true, false) => state.recent.forget(after.id, &after.category_code).await,
        (false, true) => {
            if let (Some(lon), Some(lat)) = (after.lon, after.lat) {
                state
                    .recent
                    .add(after.id, &after.category_code, (lon, lat), after.created_at)
                    .await;
            }
        }
        _ => {}
    }
}

/// Pushes the pop-ups written by a change and a feed event for the
/// command centre.
pub fn publish(state: &OrdersState, acted: &Acted) {
    let o = &acted.after;
    let payload = serde_json::json!({
        "order_id": o.id,
        "title": o.title,
        "address": o.address,
        "action": acted.event.action,
        "from": acted.before.state,
        "state": o.state,
        "supervised": o.supervised,
        "owner_user_id": o.owner_user_id,
        "url": format!("/orders/{}", o.id),
    })
    .to_string();
    for q in acted.queued.iter().filter(|q| q.channel == "popup") {
        state.hub.publish(LiveEvent {
            id: q.id,
            user_id: q.user_id,
            kind: "popup",
            order_id: Some(o.id),
            region_path: o.region_path.clone(),
            payload: payload.clone(),
        });
    }
    state.hub.publish(LiveEvent {
        id: 0,
        user_id: None,
        kind: "order_changed",
        order_id: Some(o.id),
        region_path: o.region_path.clone(),
        payload,
    });
    crate::orders::workers::sms::wake_if_queued(state, &acted.queued);
}

/// Whether the actor kind may see everything about the order (the reporter
/// sees only the public part).
pub fn sees_internal(kind: ActorKind) -> bool {
    !matches!(kind, ActorKind::Reporter)
}

/// Tells routing that who holds which role where has changed (a user was
/// added, disabled or moved): the next order reads the roster afresh.
pub fn roster_changed(state: &OrdersState) {
    state.people.clear();
}

/// Where an order stands, for a capability that filed it and follows it
/// (a joint meeting's decisions): its state, owner, deadline and whether
/// it is overdue, as the figures define overdue.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Standing {
    pub id: i64,
    pub state: String,
    pub owner_user_id: Option<i64>,
    pub owner_name: Option<String>,
    pub resolve_due_at: i64,
    /// `accept` or `resolve` when past that deadline.
    pub overdue: Option<&'static str>,
    pub resolved_at: Option<i64>,
}

/// The standing of the orders `ids` (those that exist), read in one query.
pub async fn standing(state: &OrdersState, ids: &[i64]) -> AppResult<Vec<Standing>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let now = state.clock.now_ms();
    let orders = state
        .store
        .orders_by_ids(&shequ_store::Scope::everything(), ids)
        .await?;
    let mut names: std::collections::HashMap<i64, Option<String>> = Default::default();
    let mut out = Vec::with_capacity(orders.len());
    for o in orders {
        let owner_name = match o.owner_user_id {
            Some(u) => match names.get(&u) {
                Some(n) => n.clone(),
                None => {
                    let n = state.store.user_by_id(u).await?.map(|u| u.display_name);
                    names.insert(u, n.clone());
                    n
                }
            },
            None => None,
        };
        out.push(Standing {
            id: o.id,
            overdue: shequ_domain::order::figures::overdue(&o.figure_facts(), now)
                .map(|late| late.as_str()),
            state: o.state.clone(),
            owner_user_id: o.owner_user_id,
            owner_name,
            resolve_due_at: o.resolve_due_at,
            resolved_at: o.resolved_at,
        });
    }
    Ok(out)
}

/// The orders filed in `scope` at or after `since` (epoch ms), oldest
/// first, as `(id, region_path, category_code, filed_at)`: what another
/// capability looks for recurring complaints in (cooperation proposes a
/// need from them).
pub async fn filed_since(
    state: &OrdersState,
    scope: &shequ_store::Scope,
    since: i64,
) -> AppResult<Vec<(i64, String, String, i64)>> {
    Ok(state.store.orders_filed_since(scope, since).await?)
}

/// The name of each active category by code, in Chinese and English.
pub async fn category_names(
    state: &OrdersState,
) -> AppResult<std::collections::HashMap<String, (String, String)>> {
    Ok(state
        .store
        .categories()
        .await?
        .into_iter()
        .map(|c| (c.code, (c.name_zh, c.name_en)))
        .collect())
}

/// The active categories, by code: what another capability may file an
/// order under (a meeting decision's form offers them).
pub async fn active_categories(
    state: &OrdersState,
) -> AppResult<Vec<shequ_store::orders::catalogue::Category>> {
    let config = state.config.get(&state.store).await?;
    let mut cats: Vec<_> = config
        .categories
        .values()
        .filter(|c| c.active)
        .cloned()
        .collect();
    cats.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(cats)
}
