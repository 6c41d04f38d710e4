//! Creating a work order: the order, its first two trail events (created,
//! dispatched), its notifications and the counters, in one transaction.

use serde::Serialize;
use shequ_domain::order::trail::{GENESIS_HASH, TrailEntry, chain_hash};

use super::Notice;
use crate::bulk::{Sql, pick};
use crate::db::on_db;
use crate::{Result, Store, StoreError};

/// A new order with its routing already decided.
#[derive(Debug, Clone, Serialize)]
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
    /// Written to the outbox, not to the order row.
    #[serde(skip)]
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

/// Adds `delta` to the open orders a person holds.
pub(crate) const LOAD_BUMP: &str = "INSERT INTO user_loads (user_id, open_orders) VALUES ($1, $2)
     ON CONFLICT (user_id) DO UPDATE SET open_orders = user_loads.open_orders + excluded.open_orders";

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
    /// once per order, and each kind of row goes in with one statement per
    /// batch. All or none are stored; results are in input order.
    pub async fn create_orders(&self, orders: &[NewOrder]) -> Result<Vec<(Created, Vec<Queued>)>> {
        let state = "pending";
        let ext_keys: Vec<&str> = orders
            .iter()
            .filter_map(|o| o.external_id.as_deref())
            .collect();
        let ext_json = json(&ext_keys)?;
        let result = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            // Orders whose external id was stored before come back as they are.
            let mut known: std::collections::HashMap<String, i64> = if ext_keys.is_empty() {
                std::collections::HashMap::new()
            } else {
                sqlx::query_as::<_, (String, i64)>(pick(&self.db, &EXTERNAL_LOOKUP))
                    .bind(&ext_json)
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .collect()
            };
            let fresh = orders
                .iter()
                .filter(|o| {
                    o.external_id
                        .as_ref()
                        .is_none_or(|e| !known.contains_key(e))
                })
                .count();
            let mut ids = if fresh == 0 {
                Vec::new()
            } else {
                sqlx::query_scalar::<_, i64>(pick(&self.db, &RESERVE_IDS))
                    .bind(fresh as i64)
                    .fetch_all(&mut *tx)
                    .await?
            }
            .into_iter();

            let mut results = Vec::with_capacity(orders.len());
            let mut rows = Vec::with_capacity(fresh);
            let mut links = Vec::new();
            let mut events: Vec<serde_json::Value> = Vec::with_capacity(fresh * 2);
            let mut outbox: Vec<OutboxIn<'_>> = Vec::new();
            let mut counts: std::collections::BTreeMap<i64, i64> =
                std::collections::BTreeMap::new();
            let mut loads: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
            for o in orders {
                if let Some(id) = o.external_id.as_ref().and_then(|e| known.get(e)) {
                    results.push(Created {
                        id: *id,
                        new: false,
                    });
                    continue;
                }
                let id = ids.next().ok_or_else(|| {
                    StoreError::Corrupt("fewer order ids reserved than needed".to_owned())
                })?;
                if let Some(e) = &o.external_id {
                    // A second report with the same id in this batch gets this order.
                    known.insert(e.clone(), id);
                }
                rows.push(OrderRow { id, state, o });
                if let Some(hash) = &o.reporter_token_hash {
                    links.push(serde_json::json!({ "token_hash": hash, "order_id": id, "created_at": o.now }));
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
                if let Some(owner) = o.owner_user_id {
                    *loads.entry(owner).or_default() += 1;
                }
                results.push(Created { id, new: true });
            }
            if !rows.is_empty() {
                sqlx::query(pick(&self.db, &ORDERS_INSERT))
                    .bind(json(&rows)?)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(pick(&self.db, &EVENTS_INSERT))
                    .bind(json(&events)?)
                    .execute(&mut *tx)
                    .await?;
                let counts: Vec<_> = counts
                    .iter()
                    .map(|(r, n)| serde_json::json!({ "region_id": r, "state": state, "n": n }))
                    .collect();
                sqlx::query(pick(&self.db, &COUNTS_BUMP))
                    .bind(json(&counts)?)
                    .execute(&mut *tx)
                    .await?;
            }
            if !links.is_empty() {
                sqlx::query(pick(&self.db, &LINKS_INSERT))
                    .bind(json(&links)?)
                    .execute(&mut *tx)
                    .await?;
            }
            if !loads.is_empty() {
                let loads: Vec<_> = loads
                    .iter()
                    .map(|(u, n)| serde_json::json!({ "user_id": u, "n": n }))
                    .collect();
                sqlx::query(pick(&self.db, &LOADS_BUMP))
                    .bind(json(&loads)?)
                    .execute(&mut *tx)
                    .await?;
            }
            let queued: Vec<Queued> = if outbox.is_empty() {
                Vec::new()
            } else {
                let now = orders.iter().map(|o| o.now).max().unwrap_or_default();
                sqlx::query_as(pick(&self.db, &OUTBOX_INSERT))
                    .bind(json(&outbox)?)
                    .bind(now)
                    .fetch_all(&mut *tx)
                    .await?
            };
            tx.commit().await?;
            results
                .into_iter()
                .map(|c| {
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

/// One order row as the batch insert takes it.
#[derive(Serialize)]
struct OrderRow<'a> {
    id: i64,
    state: &'static str,
    #[serde(flatten)]
    o: &'a NewOrder,
}

/// Reserves `$1` ids for new orders inside the transaction. SQLite has one
/// writer, so the ids after the largest are free until it commits;
/// PostgreSQL draws them from the identity sequence.
const RESERVE_IDS: Sql = Sql {
    sqlite: "WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < $1)
             SELECT (SELECT COALESCE(MAX(id), 0) FROM work_orders) + k FROM s ORDER BY k",
    postgres: "SELECT nextval(pg_get_serial_sequence('work_orders', 'id')) FROM generate_series(1, CAST($1 AS INTEGER))",
};

const EXTERNAL_LOOKUP: Sql = Sql {
    sqlite: "SELECT external_id, id FROM work_orders WHERE external_id IN (SELECT value FROM json_each($1))",
    postgres: "SELECT external_id, id FROM work_orders WHERE external_id IN (SELECT jsonb_array_elements_text($1::jsonb))",
};

const ORDERS_INSERT: Sql = Sql {
    sqlite: "INSERT INTO work_orders (id, category_id, category_code, source, state, priority, title, description,
                address, lon, lat, region_id, region_path, place_id, subject_person_id, reporter_name,
                reporter_phone, reporter_email, external_id, attributes, owner_user_id,
                accept_due_at, resolve_due_at, created_at, updated_at)
             SELECT j.value ->> 'id', j.value ->> 'category_id', j.value ->> 'category_code', j.value ->> 'source',
                j.value ->> 'state', j.value ->> 'priority', j.value ->> 'title', j.value ->> 'description',
                j.value ->> 'address', j.value ->> '$.point[0]', j.value ->> '$.point[1]', j.value ->> 'region_id',
                j.value ->> 'region_path', j.value ->> 'place_id', j.value ->> 'subject_person_id',
                j.value ->> 'reporter_name', j.value ->> 'reporter_phone', j.value ->> 'reporter_email',
                j.value ->> 'external_id', j.value ->> 'attributes', j.value ->> 'owner_user_id',
                j.value ->> 'accept_due_at', j.value ->> 'resolve_due_at', j.value ->> 'now', j.value ->> 'now'
             FROM json_each($1) AS j",
    postgres: "INSERT INTO work_orders (id, category_id, category_code, source, state, priority, title, description,
                address, lon, lat, region_id, region_path, place_id, subject_person_id, reporter_name,
                reporter_phone, reporter_email, external_id, attributes, owner_user_id,
                accept_due_at, resolve_due_at, created_at, updated_at)
             SELECT x.id, x.category_id, x.category_code, x.source, x.state, x.priority, x.title, x.description,
                x.address, (x.point ->> 0)::float8, (x.point ->> 1)::float8, x.region_id, x.region_path, x.place_id,
                x.subject_person_id, x.reporter_name, x.reporter_phone, x.reporter_email, x.external_id,
                x.attributes, x.owner_user_id, x.accept_due_at, x.resolve_due_at, x.now, x.now
             FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, category_id bigint, category_code text, source text,
                state text, priority text, title text, description text, address text, point jsonb, region_id bigint,
                region_path text, place_id bigint, subject_person_id bigint, reporter_name text, reporter_phone text,
                reporter_email text, external_id text, attributes text, owner_user_id bigint, accept_due_at bigint,
                resolve_due_at bigint, now bigint)",
};

const LINKS_INSERT: Sql = Sql {
    sqlite: "INSERT INTO order_links (token_hash, order_id, created_at)
             SELECT j.value ->> 'token_hash', j.value ->> 'order_id', j.value ->> 'created_at' FROM json_each($1) AS j",
    postgres: "INSERT INTO order_links (token_hash, order_id, created_at)
             SELECT x.token_hash, x.order_id, x.created_at
             FROM jsonb_to_recordset($1::jsonb) AS x(token_hash text, order_id bigint, created_at bigint)",
};

const COUNTS_BUMP: Sql = Sql {
    sqlite: "INSERT INTO order_counts (region_id, state, n)
             SELECT j.value ->> 'region_id', j.value ->> 'state', j.value ->> 'n' FROM json_each($1) AS j WHERE true
             ON CONFLICT (region_id, state) DO UPDATE SET n = order_counts.n + excluded.n",
    postgres: "INSERT INTO order_counts (region_id, state, n)
             SELECT x.region_id, x.state, x.n FROM jsonb_to_recordset($1::jsonb) AS x(region_id bigint, state text, n bigint)
             ON CONFLICT (region_id, state) DO UPDATE SET n = order_counts.n + excluded.n",
};

const LOADS_BUMP: Sql = Sql {
    sqlite: "INSERT INTO user_loads (user_id, open_orders)
             SELECT j.value ->> 'user_id', j.value ->> 'n' FROM json_each($1) AS j WHERE true
             ON CONFLICT (user_id) DO UPDATE SET open_orders = user_loads.open_orders + excluded.open_orders",
    postgres: "INSERT INTO user_loads (user_id, open_orders)
             SELECT x.user_id, x.n FROM jsonb_to_recordset($1::jsonb) AS x(user_id bigint, n bigint)
             ON CONFLICT (user_id) DO UPDATE SET open_orders = user_loads.open_orders + excluded.open_orders",
};
