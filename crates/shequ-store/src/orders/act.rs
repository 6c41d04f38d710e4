//! Acting on a work order: the state machine decides, and one transaction
//! updates the order, appends the chained trail event, writes the
//! notifications and moves the counters.

use shequ_domain::Role;
use shequ_domain::order::sla::SlaPolicy;
use shequ_domain::order::trail::{TrailEntry, chain_hash};
use shequ_domain::order::{
    Action, ActorKind, CancelReason, Progress, Rating, Transition, TransitionError, actor_kinds,
    transition_as_any,
};

use super::create::{COUNT_BUMP, EVENT_INSERT, LOAD_BUMP, OUTBOX_INSERT, OutboxIn, Queued};
use super::{Effects, Order, OrderEvent, order_columns};
use crate::bulk::pick;
use crate::db::on_db;
use crate::{Scope, Store, StoreError};

/// Who acts on an order.
#[derive(Debug, Clone)]
pub enum Actor {
    /// A logged-in user with their role and scope.
    User { id: i64, role: Role, scope: Scope },
    /// The reporter, already authenticated by their private link.
    Reporter,
    /// The platform (SLA worker, auto-close).
    System,
}

impl Actor {
    fn label(&self) -> String {
        match self {
            Actor::User { id, .. } => format!("user:{id}"),
            Actor::Reporter => "reporter".to_owned(),
            Actor::System => "system".to_owned(),
        }
    }

    fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }
}

/// Why an action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error("no such order")]
    NotFound,
    /// The order lies outside the actor's scope; `path` is where it is, for
    /// the access log.
    #[error("the order lies outside your area")]
    OutOfScope { path: String },
    #[error(transparent)]
    Refused(#[from] TransitionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ActError {
    fn from(e: sqlx::Error) -> Self {
        ActError::Store(StoreError::Database(e))
    }
}

/// What an action did.
#[derive(Debug, Clone)]
pub struct Acted {
    pub before: Order,
    pub after: Order,
    pub transition: Transition,
    pub actor_kind: ActorKind,
    pub event: OrderEvent,
    pub queued: Vec<Queued>,
}

#[derive(sqlx::FromRow)]
struct Head {
    seq: i64,
    hash: String,
    accept_within_minutes: i64,
    resolve_within_minutes: i64,
    co_owner: bool,
}

impl Head {
    fn sla(&self) -> SlaPolicy {
        sla_of(self.accept_within_minutes, self.resolve_within_minutes)
    }
}

/// A category's stored deadlines (minutes, written from `u32`s).
pub(crate) fn sla_of(accept_minutes: i64, resolve_minutes: i64) -> SlaPolicy {
    let minutes = |m: i64| u32::try_from(m.max(0)).unwrap_or(u32::MAX);
    SlaPolicy {
        accept_within_minutes: minutes(accept_minutes),
        resolve_within_minutes: minutes(resolve_minutes),
    }
}

/// The fields of a stored order that actions change.
fn progress_of(o: &Order) -> Progress {
    Progress {
        state: o.state(),
        owner: o.owner_user_id,
        supervisor: o.supervisor_user_id,
        supervised: o.supervised,
        escalated_accept: o.escalated_accept,
        escalated_resolve: o.escalated_resolve,
        accept_due_at: o.accept_due_at,
        resolve_due_at: o.resolve_due_at,
        clock_paused_at: o.clock_paused_at,
        duplicate_of: o.duplicate_of,
        rating: o.rating.as_deref().and_then(Rating::parse),
        reopened: u32::try_from(o.reopened).unwrap_or(u32::MAX),
        accepted_at: o.accepted_at,
        resolved_at: o.resolved_at,
        closed_at: o.closed_at,
        updated_at: o.updated_at,
    }
}

/// `before` with the fields `p` holds.
fn with_progress(before: &Order, p: &Progress) -> Order {
    Order {
        state: p.state.as_str().to_owned(),
        owner_user_id: p.owner,
        supervisor_user_id: p.supervisor,
        supervised: p.supervised,
        escalated_accept: p.escalated_accept,
        escalated_resolve: p.escalated_resolve,
        accept_due_at: p.accept_due_at,
        resolve_due_at: p.resolve_due_at,
        clock_paused_at: p.clock_paused_at,
        duplicate_of: p.duplicate_of,
        // A stored rating this version cannot read is kept as it was.
        rating: p
            .rating
            .map(|r| r.as_str().to_owned())
            .or_else(|| before.rating.clone()),
        reopened: i64::from(p.reopened),
        accepted_at: p.accepted_at,
        resolved_at: p.resolved_at,
        closed_at: p.closed_at,
        updated_at: p.updated_at,
        ..before.clone()
    }
}

/// Statements to lock and read the order: PostgreSQL takes a row lock;
/// SQLite has one writer already.
const LOCK_ORDER: crate::bulk::Sql = crate::bulk::Sql {
    sqlite: concat!(
        "SELECT ",
        order_columns!(),
        "FROM work_orders WHERE id = $1"
    ),
    postgres: concat!(
        "SELECT ",
        order_columns!(),
        "FROM work_orders WHERE id = $1 FOR UPDATE"
    ),
};

impl Store {
    /// Applies `action` by `actor` to order `id` at `now`. `effects` sees
    /// the order before and after and the transition, and returns the
    /// notifications (and any new reporter link) to write in the same
    /// transaction.
    pub async fn act_on_order(
        &self,
        id: i64,
        actor: &Actor,
        action: &Action,
        now: i64,
        effects: impl FnOnce(&Order, &Order, &Transition) -> Effects,
    ) -> Result<Acted, ActError> {
        let label = actor.label();
        let data = serde_json::to_string(action).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let note = action.trail_note();
        let outbox_sql = pick(&self.db, &OUTBOX_INSERT);
        let lock_sql = pick(&self.db, &LOCK_ORDER);
        let acted = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let before: Order = sqlx::query_as(lock_sql)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(ActError::NotFound)?;
            let head: Head = sqlx::query_as(
                "SELECT e.seq, e.hash, c.accept_within_minutes, c.resolve_within_minutes,
                        EXISTS (SELECT 1 FROM order_participants p
                                LEFT JOIN team_members m ON m.team_id = p.team_id
                                WHERE p.order_id = $1 AND (p.user_id = $2 OR m.user_id = $2)) AS co_owner
                 FROM order_events e JOIN categories c ON c.id = $3
                 WHERE e.order_id = $1 ORDER BY e.seq DESC LIMIT 1",
            )
            .bind(id)
            .bind(actor.user_id().unwrap_or(-1))
            .bind(before.category_id)
            .fetch_one(&mut *tx)
            .await?;
            let kinds = match actor {
                Actor::System => vec![ActorKind::System],
                Actor::Reporter => vec![ActorKind::Reporter],
                Actor::User {
                    id: uid,
                    role,
                    scope,
                } => actor_kinds(
                    *uid,
                    *role,
                    scope.contains(&before.region_path),
                    before.owner_user_id,
                    before.supervisor_user_id,
                    head.co_owner,
                ),
            };
            if kinds.is_empty() {
                return Err(ActError::OutOfScope {
                    path: before.region_path.clone(),
                });
            }
            let mut progress = progress_of(&before);
            let (t, kind) = transition_as_any(progress.facts(), action, &kinds)?;

            // The fields the action changes, decided by the same pure code
            // that plays a bulk-loaded history (shequ_domain::order::history).
            progress.apply(&t, action, now, head.sla());
            let after = with_progress(&before, &progress);

            sqlx::query(
                "UPDATE work_orders SET state = $2, updated_at = $3, supervised = $4, accepted_at = $5,
                    resolved_at = $6, closed_at = $7, owner_user_id = $8, supervisor_user_id = $9,
                    accept_due_at = $10, resolve_due_at = $11, escalated_accept = $12, escalated_resolve = $13,
                    clock_paused_at = $14, duplicate_of = $15, rating = $16, reopened = $17
                 WHERE id = $1",
            )
            .bind(id)
            .bind(&after.state)
            .bind(now)
            .bind(after.supervised)
            .bind(after.accepted_at)
            .bind(after.resolved_at)
            .bind(after.closed_at)
            .bind(after.owner_user_id)
            .bind(after.supervisor_user_id)
            .bind(after.accept_due_at)
            .bind(after.resolve_due_at)
            .bind(after.escalated_accept)
            .bind(after.escalated_resolve)
            .bind(after.clock_paused_at)
            .bind(after.duplicate_of)
            .bind(&after.rating)
            .bind(after.reopened)
            .execute(&mut *tx)
            .await?;

            let entry = TrailEntry {
                order_id: id,
                seq: head.seq + 1,
                at: now,
                actor: &label,
                action: action.name(),
                from_state: &before.state,
                to_state: &after.state,
                note,
                data: &data,
            };
            let hash = chain_hash(&head.hash, &entry);
            sqlx::query(EVENT_INSERT)
                .bind(id)
                .bind(entry.seq)
                .bind(now)
                .bind(&label)
                .bind(actor.user_id())
                .bind(entry.action)
                .bind(entry.from_state)
                .bind(entry.to_state)
                .bind(note)
                .bind(&data)
                .bind(&head.hash)
                .bind(&hash)
                .execute(&mut *tx)
                .await?;

            match action {
                Action::Summon {
                    teams,
                    within_minutes,
                } => {
                    for team in teams {
                        sqlx::query(
                            "INSERT INTO order_participants (order_id, kind, team_id, due_at, created_at)
                             VALUES ($1, 'summoned', $2, $3, $4)",
                        )
                        .bind(id)
                        .bind(team)
                        .bind(now + i64::from(*within_minutes) * 60_000)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                Action::ReportIn { team, .. } => {
                    sqlx::query(
                        "UPDATE order_participants SET reported_at = $3
                         WHERE order_id = $1 AND team_id = $2 AND kind = 'summoned' AND reported_at IS NULL",
                    )
                    .bind(id)
                    .bind(team)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                Action::Cancel {
                    reason: CancelReason::Duplicate { of },
                } => {
                    sqlx::query(
                        "INSERT INTO order_followers (order_id, follower_order_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    )
                    .bind(of)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                _ => {}
            }

            let held = |o: &Order| o.owner_user_id.filter(|_| o.state().is_open());
            if held(&before) != held(&after) {
                for (user, delta) in [(held(&before), -1i64), (held(&after), 1)] {
                    if let Some(user) = user {
                        sqlx::query(LOAD_BUMP)
                            .bind(user)
                            .bind(delta)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            if before.state != after.state || before.region_id != after.region_id {
                for (region, state, delta) in [
                    (before.region_id, &before.state, -1i64),
                    (after.region_id, &after.state, 1),
                ] {
                    sqlx::query(COUNT_BUMP)
                        .bind(region)
                        .bind(state)
                        .bind(delta)
                        .execute(&mut *tx)
                        .await?;
                }
            }

            let Effects {
                notices,
                reporter_link_hash,
            } = effects(&before, &after, &t);
            if let Some(hash) = &reporter_link_hash {
                sqlx::query("INSERT INTO order_links (token_hash, order_id, created_at) VALUES ($1, $2, $3)")
                    .bind(hash)
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            let queued: Vec<Queued> = if notices.is_empty() {
                Vec::new()
            } else {
                let rows: Vec<OutboxIn<'_>> = notices
                    .iter()
                    .map(|notice| OutboxIn {
                        order_id: Some(id),
                        notice,
                    })
                    .collect();
                let json =
                    serde_json::to_string(&rows).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                sqlx::query_as(outbox_sql)
                    .bind(&json)
                    .bind(now)
                    .fetch_all(&mut *tx)
                    .await?
            };
            tx.commit().await?;
            Acted {
                event: OrderEvent {
                    order_id: id,
                    seq: entry.seq,
                    at: now,
                    actor: label.clone(),
                    actor_user_id: actor.user_id(),
                    action: entry.action.to_owned(),
                    from_state: before.state.clone(),
                    to_state: after.state.clone(),
                    note: note.to_owned(),
                    data: data.clone(),
                    prev_hash: head.hash.clone(),
                    hash,
                },
                before,
                after,
                transition: t,
                actor_kind: kind,
                queued,
            }
        });
        Ok(acted)
    }
}
