//! Creating a work order: the order, its first two trail events (created,
//! dispatched), its notifications and the counters, in one transaction.

use serde::Serialize;
use shequ_domain::order::trail::{GENESIS_HASH, TrailEntry, chain_hash};

use super::Notice;
use crate::bulk::{Sql, pick};
use crate::db::on_db;
use crate::{Result, Store, StoreError};

/// A new order with its routing already decided.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub category_id: i64,
    pub category_code: String,
    /// `public`, `hotline`, `open311`, `api`, `sensor`, `meeting`, `inspection`.
    pub source: String,
    pub priority: String,
    pub title: String,
    pub description: String,
    pub address: String,
    pub point: Option<(f64, f64)>,
    pub region_id: i64,
    pub region_path: String,
    pub place_id: Option<i64>,
    pub subject_person_id: Option<i64>,
    pub reporter_name: String,
    pub reporter_phone: Option<String>,
    pub reporter_email: Option<String>,
    /// Hash of the reporter's private link token.
    pub reporter_token_hash: Option<String>,
    /// A caller's own id for the report; a second create with the same id
    /// returns the first order instead of making another.
    pub external_id: Option<String>,
    /// Answers to the category's attributes, a JSON object.
    pub attributes: String,
    /// The one person responsible.
    pub owner_user_id: Option<i64>,
    pub accept_due_at: i64,
    pub resolve_due_at: i64,
    /// Who created it, for the trail: `user:12`, `reporter`, `system`, `token:…`.
    pub actor: String,
    pub actor_user_id: Option<i64>,
    /// Why the owner was chosen (rule, duplicate suspicion…), JSON object.
    pub dispatch_data: String,
    pub dispatch_note: String,
    pub notices: Vec<Notice>,
    pub now: i64,
}

/// The result of a create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    pub id: i64,
    /// False when an order with the same external id already existed.
    pub new: bool,
}

/// Stands for the order's id in a notice's payload written before the id
/// exists; the store replaces it when it writes the outbox row.
pub const ORDER_ID_PLACEHOLDER: &str = "{order_id}";

/// Writes notices; `$1` is a JSON array of [`OutboxRow`]s to insert.
pub(crate) const OUTBOX_INSERT: Sql = Sql {
    sqlite: "INSERT INTO outbox (order_id, user_id, channel, recipient, payload, state, attempts, next_attempt_at, created_at)
             SELECT j.value ->> 'order_id', j.value ->> 'user_id', j.value ->> 'channel',
                    CASE WHEN j.value ->> 'channel' = 'sms' AND j.value ->> 'recipient' = ''
                         THEN COALESCE((SELECT u.phone FROM users u WHERE u.id = j.value ->> 'user_id'), '')
                         ELSE j.value ->> 'recipient' END,
                    replace(j.value ->> 'payload', '{order_id}', COALESCE(CAST(j.value ->> 'order_id' AS TEXT), '')),
                    'pending', 0, $2, $2
             FROM json_each($1) AS j
             RETURNING id, order_id, user_id, channel",
    postgres: "INSERT INTO outbox (order_id, user_id, channel, recipient, payload, state, attempts, next_attempt_at, created_at)
             SELECT x.order_id, x.user_id, x.channel,
                    CASE WHEN x.channel = 'sms' AND x.recipient = ''
                         THEN COALESCE((SELECT u.phone FROM users u WHERE u.id = x.user_id), '')
                         ELSE x.recipient END,
                    replace(x.payload, '{order_id}', COALESCE(CAST(x.order_id AS TEXT), '')),
                    'pending', 0, $2, $2
             FROM jsonb_to_recordset($1::jsonb) AS x(order_id bigint, user_id bigint, channel text, recipient text, payload text)
             RETURNING id, order_id, user_id, channel",
};

/// A notice bound to its order, as the outbox statement takes it.
#[derive(Debug, Serialize)]
pub(crate) struct OutboxIn<'a> {
    pub(crate) order_id: Option<i64>,
    #[serde(flatten)]
    pub(crate) notice: &'a Notice,
}

/// Writes the trail events; `$1` is a JSON array of events.
const EVENTS_INSERT: Sql = Sql {
    sqlite: "INSERT INTO order_events (order_id, seq, at, actor, actor_user_id, action, from_state, to_state, note, data, prev_hash, hash)
             SELECT j.value ->> 'order_id', j.value ->> 'seq', j.value ->> 'at', j.value ->> 'actor',
                    j.value ->> 'actor_user_id', j.value ->> 'action', j.value ->> 'from_state', j.value ->> 'to_state',
                    j.value ->> 'note', j.value ->> 'data', j.value ->> 'prev_hash', j.value ->> 'hash'
             FROM json_each($1) AS j",
    postgres: "INSERT INTO order_events (order_id, seq, at, actor, actor_user_id, action, from_state, to_state, note, data, prev_hash, hash)
             SELECT x.order_id, x.seq, x.at, x.actor, x.actor_user_id, x.action, x.from_state, x.to_state, x.note,
                    x.data, x.prev_hash, x.hash
             FROM jsonb_to_recordset($1::jsonb) AS x(order_id bigint, seq bigint, at bigint, actor text,
                  actor_user_id bigint, action text, from_state text, to_state text, note text, data text,
                  prev_hash text, hash text)",
};

/// An outbox row just written: the pop-up hub delivers these at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Queued {
    pub id: i64,
    pub order_id: Option<i64>,
    pub user_id: Option<i64>,
    pub channel: String,
}

/// Adds `delta` to the open-order counter of (region, state).
pub(crate) const COUNT_BUMP: &str =
    "INSERT INTO order_counts (region_id, state, n) VALUES ($1, $2, $3)
     ON CONFLICT (region_id, state) DO UPDATE SET n = order_counts.n + excluded.n";

pub(crate) const EVENT_INSERT: &str = "INSERT INTO order_events (order_id, seq, at, actor, actor_user_id, action, from_state, to_state, note, data, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

fn json<T: Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// Stores a new, already routed order with its trail, notifications and
    /// counters in one transaction. Returns the order id and the outbox rows
    /// written (for immediate pop-up delivery after commit).
    pub async fn create_order(&self, o: &NewOrder) -> Result<(Created, Vec<Queued>)> {
        let mut all = self.create_orders(std::slice::from_ref(o)).await?;
        all.pop()
            .ok_or_else(|| StoreError::Corrupt("create_orders returned nothing".to_owned()))
    }

    /// Stores several orders in one transaction (group commit): on SQLite
    /// the pages every order touches are written once per batch instead of
    /// once per order. All or none are stored; results are in input order.
    pub async fn create_orders(&self, orders: &[NewOrder]) -> Result<Vec<(Created, Vec<Queued>)>> {
        let outbox_sql = pick(&self.db, &OUTBOX_INSERT);
        let events_sql = pick(&self.db, &EVENTS_INSERT);
        let state = "pending";
        let result = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let mut results: Vec<Option<Created>> = Vec::with_capacity(orders.len());
            let mut events: Vec<serde_json::Value> = Vec::with_capacity(orders.len() * 2);
            let mut outbox: Vec<OutboxIn<'_>> = Vec::new();
            let mut counts: std::collections::BTreeMap<i64, i64> =
                std::collections::BTreeMap::new();
            for (i, o) in orders.iter().enumerate() {
                if let Some(ext) = &o.external_id {
                    let earlier = orders[..i]
                        .iter()
                        .zip(&results)
                        .find(|(p, _)| p.external_id.as_ref() == Some(ext))
                        .and_then(|(_, r)| *r);
                    let existing = match earlier {
                        Some(c) => Some(c.id),
                        None => {
                            sqlx::query_scalar::<_, i64>(
                                "SELECT id FROM work_orders WHERE external_id = $1",
                            )
                            .bind(ext)
                            .fetch_optional(&mut *tx)
                            .await?
                        }
                    };
                    if let Some(id) = existing {
                        results.push(Some(Created { id, new: false }));
                        continue;
                    }
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO work_orders (category_id, category_code, source, state, priority, title, description,
                        address, lon, lat, region_id, region_path, place_id, subject_person_id, reporter_name,
                        reporter_phone, reporter_email, external_id, attributes, owner_user_id,
                        accept_due_at, resolve_due_at, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                        $21, $22, $23, $23)
                     RETURNING id",
                )
                .bind(o.category_id)
                .bind(&o.category_code)
                .bind(&o.source)
                .bind(state)
                .bind(&o.priority)
                .bind(&o.title)
                .bind(&o.description)
                .bind(&o.address)
                .bind(o.point.map(|p| p.0))
                .bind(o.point.map(|p| p.1))
                .bind(o.region_id)
                .bind(&o.region_path)
                .bind(o.place_id)
                .bind(o.subject_person_id)
                .bind(&o.reporter_name)
                .bind(&o.reporter_phone)
                .bind(&o.reporter_email)
                .bind(&o.external_id)
                .bind(&o.attributes)
                .bind(o.owner_user_id)
                .bind(o.accept_due_at)
                .bind(o.resolve_due_at)
                .bind(o.now)
                .fetch_one(&mut *tx)
                .await?;
                if let Some(hash) = &o.reporter_token_hash {
                    sqlx::query("INSERT INTO order_links (token_hash, order_id, created_at) VALUES ($1, $2, $3)")
                        .bind(hash)
                        .bind(id)
                        .bind(o.now)
                        .execute(&mut *tx)
                        .await?;
                }
                let created = TrailEntry {
                    order_id: id,
                    seq: 1,
                    at: o.now,
                    actor: &o.actor,
                    action: "create",
                    from_state: "",
                    to_state: state,
                    note: &o.title,
                    data: "{}",
                };
                let created_hash = chain_hash(GENESIS_HASH, &created);
                let dispatched = TrailEntry {
                    seq: 2,
                    actor: "system",
                    action: "dispatch",
                    from_state: state,
                    note: &o.dispatch_note,
                    data: &o.dispatch_data,
                    ..created
                };
                let dispatched_hash = chain_hash(&created_hash, &dispatched);
                for (e, prev, hash, user) in [
                    (
                        &created,
                        GENESIS_HASH,
                        created_hash.as_str(),
                        o.actor_user_id,
                    ),
                    (
                        &dispatched,
                        created_hash.as_str(),
                        dispatched_hash.as_str(),
                        None,
                    ),
                ] {
                    events.push(serde_json::json!({
                        "order_id": e.order_id, "seq": e.seq, "at": e.at, "actor": e.actor,
                        "actor_user_id": user, "action": e.action, "from_state": e.from_state,
                        "to_state": e.to_state, "note": e.note, "data": e.data, "prev_hash": prev, "hash": hash,
                    }));
                }
                outbox.extend(o.notices.iter().map(|notice| OutboxIn {
                    order_id: Some(id),
                    notice,
                }));
                *counts.entry(o.region_id).or_default() += 1;
                results.push(Some(Created { id, new: true }));
            }
            if !events.is_empty() {
                sqlx::query(events_sql)
                    .bind(json(&events)?)
                    .execute(&mut *tx)
                    .await?;
            }
            let queued: Vec<Queued> = if outbox.is_empty() {
                Vec::new()
            } else {
                let now = orders.iter().map(|o| o.now).max().unwrap_or_default();
                sqlx::query_as(outbox_sql)
                    .bind(json(&outbox)?)
                    .bind(now)
                    .fetch_all(&mut *tx)
                    .await?
            };
            for (region, n) in &counts {
                sqlx::query(COUNT_BUMP)
                    .bind(region)
                    .bind(state)
                    .bind(n)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            results
                .into_iter()
                .map(|c| {
                    let c = c.unwrap_or(Created { id: 0, new: false });
                    let mine = queued
                        .iter()
                        .filter(|q| c.new && q.order_id == Some(c.id))
                        .cloned()
                        .collect();
                    (c, mine)
                })
                .collect::<Vec<_>>()
        });
        Ok(result)
    }
}
