//! Creating a work order: the order, its first two trail events (created,
//! dispatched), its notifications and the counters, in one transaction.
//!
//! This module lays a batch out as rows, the same for both engines;
//! `sqlite` and `postgres` each write those rows the way their engine
//! takes them fastest.

use serde::Serialize;
use shequ_domain::order::trail::{GENESIS_HASH, TrailEntry, chain_hash};

use std::collections::{BTreeMap, HashMap};

use super::Notice;
use crate::bulk::Sql;
use crate::bulk::over_json_list;
use crate::db::Db;
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

/// An outbox row just written: the pop-up hub delivers these at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Queued {
    pub id: i64,
    pub order_id: Option<i64>,
    pub user_id: Option<i64>,
    pub channel: String,
}

/// The counter upserts' head and conflict clause, shared by the one-row
/// statements below, SQLite's multi-row batch and PostgreSQL's JSON batch.
macro_rules! counts_into {
    () => {
        "INSERT INTO order_counts (region_id, state, n)"
    };
}
macro_rules! counts_add {
    () => {
        "ON CONFLICT (region_id, state) DO UPDATE SET n = order_counts.n + excluded.n"
    };
}
macro_rules! loads_into {
    () => {
        "INSERT INTO user_loads (user_id, open_orders)"
    };
}
macro_rules! loads_add {
    () => {
        "ON CONFLICT (user_id) DO UPDATE SET open_orders = user_loads.open_orders + excluded.open_orders"
    };
}

/// Adds `delta` to the open-order counter of (region, state).
pub(crate) const COUNT_BUMP: &str = concat!(counts_into!(), " VALUES ($1, $2, $3) ", counts_add!());

/// Adds `delta` to the open orders a person holds.
pub(crate) const LOAD_BUMP: &str = concat!(loads_into!(), " VALUES ($1, $2) ", loads_add!());

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
        self.order_session().await?.create_order(o).await
    }

    /// Stores several orders in one transaction; see
    /// [`OrderSession::create_orders`].
    pub async fn create_orders(&self, orders: &[NewOrder]) -> Result<Vec<(Created, Vec<Queued>)>> {
        self.order_session().await?.create_orders(orders).await
    }

    /// Takes a write connection for a run of order batches. Every write
    /// waits for the connection while the session holds it, so hold it
    /// only while batches keep coming, and drop it between bursts.
    pub async fn order_session(&self) -> Result<OrderSession> {
        Ok(OrderSession {
            conn: Some(SessionConn::acquire(self).await?),
            store: self.clone(),
        })
    }
}

/// A write connection held across order batches. Taking a connection from
/// sqlx's pool and giving it back costs a round trip to the database each
/// way (sqlx pings a connection as it returns to the pool, and the next
/// taker waits for that): on SQLite's single writer that was a third of
/// each batch's time under load. The order writer keeps one session while
/// its queue is busy.
///
/// After a failed batch the session gives its connection back to the pool,
/// which checks it before anyone writes through it again (a transaction
/// SQLite rolled back by itself leaves sqlx miscounting it; see
/// `db::transaction_state_is_sound`), and takes a connection afresh for the
/// next batch.
#[derive(Debug)]
pub struct OrderSession {
    conn: Option<SessionConn>,
    store: Store,
}

#[derive(Debug)]
enum SessionConn {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl SessionConn {
    async fn acquire(store: &Store) -> Result<SessionConn> {
        Ok(match &store.db {
            Db::Sqlite(pools) => SessionConn::Sqlite(pools.write.acquire().await?),
            Db::Postgres(pool) => SessionConn::Postgres(pool.acquire().await?),
        })
    }
}

impl OrderSession {
    /// Stores one order; see [`OrderSession::create_orders`].
    pub async fn create_order(&mut self, o: &NewOrder) -> Result<(Created, Vec<Queued>)> {
        let mut all = self.create_orders(std::slice::from_ref(o)).await?;
        all.pop()
            .ok_or_else(|| StoreError::Corrupt("create_orders returned nothing".to_owned()))
    }

    /// Stores several orders in one transaction (group commit): on SQLite
    /// the pages every order touches are written once per batch instead of
    /// once per order, and each kind of row goes in with one statement per
    /// batch. All or none are stored; results are in input order.
    pub async fn create_orders(
        &mut self,
        orders: &[NewOrder],
    ) -> Result<Vec<(Created, Vec<Queued>)>> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self.conn.insert(SessionConn::acquire(&self.store).await?),
        };
        let written = write_batch(conn, orders).await;
        if written.is_err() {
            self.conn = None;
        }
        written
    }
}

/// Writes one batch of orders in one transaction on the session's
/// connection; see [`OrderSession::create_orders`].
async fn write_batch(
    conn: &mut SessionConn,
    orders: &[NewOrder],
) -> Result<Vec<(Created, Vec<Queued>)>> {
    use sqlx::Connection;
    let ext_keys: Vec<&str> = orders
        .iter()
        .filter_map(|o| o.external_id.as_deref())
        .collect();
    let ext_json = json(&ext_keys)?;
    let now = orders.iter().map(|o| o.now).max().unwrap_or_default();
    let (results, queued) = match conn {
        SessionConn::Sqlite(conn) => {
            let mut tx = conn.begin().await?;
            let known =
                known_external_ids(&mut tx, EXTERNAL_LOOKUP.sqlite, &ext_keys, &ext_json).await?;
            // SQLite has one writer: the ids after the largest are free
            // until this transaction commits.
            let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM work_orders")
                .fetch_one(&mut *tx)
                .await?;
            let rows = lay_out(orders, known, last + 1..)?;
            let queued = sqlite::write(&mut tx, &rows, now).await?;
            tx.commit().await?;
            (rows.results, queued)
        }
        SessionConn::Postgres(conn) => {
            let mut tx = conn.begin().await?;
            let known =
                known_external_ids(&mut tx, EXTERNAL_LOOKUP.postgres, &ext_keys, &ext_json).await?;
            let fresh = orders
                .iter()
                .filter(|o| {
                    o.external_id
                        .as_ref()
                        .is_none_or(|e| !known.contains_key(e))
                })
                .count();
            let ids: Vec<i64> = if fresh == 0 {
                Vec::new()
            } else {
                sqlx::query_scalar(
                        "SELECT nextval(pg_get_serial_sequence('work_orders', 'id')) FROM generate_series(1, CAST($1 AS INTEGER))",
                    )
                    .bind(fresh as i64)
                    .fetch_all(&mut *tx)
                    .await?
            };
            let rows = lay_out(orders, known, ids)?;
            let queued = postgres::write(&mut tx, &rows, now).await?;
            tx.commit().await?;
            (rows.results, queued)
        }
    };
    Ok(results
        .into_iter()
        .map(|c| {
            let mine = queued
                .iter()
                .filter(|q| c.new && q.order_id == Some(c.id))
                .cloned()
                .collect();
            (c, mine)
        })
        .collect())
}

/// The orders already stored under these external ids, by external id.
async fn known_external_ids<DB: sqlx::Database>(
    tx: &mut sqlx::Transaction<'_, DB>,
    sql: &'static str,
    keys: &[&str],
    keys_json: &str,
) -> Result<HashMap<String, i64>>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'q> sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'q> DB::Arguments: sqlx::IntoArguments<DB>,
    (String, i64): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, i64)> = sqlx::query_as(sql)
        .bind(keys_json)
        .fetch_all(&mut **tx)
        .await?;
    Ok(rows.into_iter().collect())
}

/// A batch laid out as the rows to write, each new order with its id.
struct Rows<'a> {
    /// One per input order, in input order.
    results: Vec<Created>,
    orders: Vec<OrderRow<'a>>,
    links: Vec<LinkRow<'a>>,
    events: Vec<EventRow<'a>>,
    outbox: Vec<OutboxIn<'a>>,
    /// New pending orders per region.
    counts: BTreeMap<i64, i64>,
    /// New open orders per owner.
    loads: BTreeMap<i64, i64>,
}

/// Lays out the batch: orders whose external id is `known` come back as
/// they are; each other takes the next of `ids` and gets its first two
/// chained trail events (created, dispatched).
fn lay_out<'a>(
    orders: &'a [NewOrder],
    mut known: HashMap<String, i64>,
    ids: impl IntoIterator<Item = i64>,
) -> Result<Rows<'a>> {
    let mut ids = ids.into_iter();
    let mut rows = Rows {
        results: Vec::with_capacity(orders.len()),
        orders: Vec::with_capacity(orders.len()),
        links: Vec::new(),
        events: Vec::with_capacity(orders.len() * 2),
        outbox: Vec::new(),
        counts: BTreeMap::new(),
        loads: BTreeMap::new(),
    };
    for o in orders {
        if let Some(id) = o.external_id.as_ref().and_then(|e| known.get(e)) {
            rows.results.push(Created {
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
        rows.orders.push(OrderRow {
            id,
            state: PENDING,
            o,
        });
        if let Some(hash) = &o.reporter_token_hash {
            rows.links.push(LinkRow {
                token_hash: hash,
                order_id: id,
                created_at: o.now,
            });
        }
        let created = TrailEntry {
            order_id: id,
            seq: 1,
            at: o.now,
            actor: &o.actor,
            action: "create",
            from_state: "",
            to_state: PENDING,
            note: &o.title,
            data: "{}",
        };
        let created_hash = chain_hash(GENESIS_HASH, &created);
        let dispatched = TrailEntry {
            seq: 2,
            actor: "system",
            action: "dispatch",
            from_state: PENDING,
            note: &o.dispatch_note,
            data: &o.dispatch_data,
            ..created
        };
        let dispatched_hash = chain_hash(&created_hash, &dispatched);
        rows.events.push(EventRow::of(
            &created,
            o.actor_user_id,
            GENESIS_HASH.to_owned(),
            created_hash.clone(),
        ));
        rows.events.push(EventRow::of(
            &dispatched,
            None,
            created_hash,
            dispatched_hash,
        ));
        rows.outbox.extend(o.notices.iter().map(|notice| OutboxIn {
            order_id: Some(id),
            notice,
        }));
        *rows.counts.entry(o.region_id).or_default() += 1;
        if let Some(owner) = o.owner_user_id {
            *rows.loads.entry(owner).or_default() += 1;
        }
        rows.results.push(Created { id, new: true });
    }
    Ok(rows)
}

/// A reporter's private link as the batch insert takes it.
#[derive(Serialize)]
struct LinkRow<'a> {
    token_hash: &'a str,
    order_id: i64,
    created_at: i64,
}

/// A trail event as the batch insert takes it.
#[derive(Serialize)]
struct EventRow<'a> {
    order_id: i64,
    seq: i64,
    at: i64,
    actor: &'a str,
    actor_user_id: Option<i64>,
    action: &'a str,
    from_state: &'a str,
    to_state: &'a str,
    note: &'a str,
    data: &'a str,
    prev_hash: String,
    hash: String,
}

impl<'a> EventRow<'a> {
    fn of(e: &TrailEntry<'a>, actor_user_id: Option<i64>, prev_hash: String, hash: String) -> Self {
        Self {
            order_id: e.order_id,
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            actor_user_id,
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            note: e.note,
            data: e.data,
            prev_hash,
            hash,
        }
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

const PENDING: &str = "pending";

const EXTERNAL_LOOKUP: Sql = over_json_list!(
    "SELECT external_id, id FROM work_orders WHERE external_id IN (",
    text "$1",
    ")"
);

mod postgres;
mod sqlite;

pub(crate) use postgres::EVENTS_INSERT_PG;
pub(crate) use sqlite::{EVENTS_HEAD, ORDER_ROWS_PER_STATEMENT};
