//! PostgreSQL's order writer: each kind of row as one JSON array.

use super::{OUTBOX_INSERT, PENDING, Queued, Rows, json};
use crate::Result;

/// PostgreSQL takes each kind of row as one JSON array: one round trip
/// per kind, static statement text.
pub(super) async fn write(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    rows: &Rows<'_>,
    now: i64,
) -> Result<Vec<Queued>> {
    if !rows.orders.is_empty() {
        sqlx::query(ORDERS_INSERT_PG)
            .bind(json(&rows.orders)?)
            .execute(&mut **tx)
            .await?;
        sqlx::query(EVENTS_INSERT_PG)
            .bind(json(&rows.events)?)
            .execute(&mut **tx)
            .await?;
        let counts: Vec<_> = rows
            .counts
            .iter()
            .map(|(r, n)| serde_json::json!({ "region_id": r, "state": PENDING, "n": n }))
            .collect();
        sqlx::query(COUNTS_BUMP_PG)
            .bind(json(&counts)?)
            .execute(&mut **tx)
            .await?;
    }
    if !rows.links.is_empty() {
        sqlx::query(LINKS_INSERT_PG)
            .bind(json(&rows.links)?)
            .execute(&mut **tx)
            .await?;
    }
    if !rows.loads.is_empty() {
        let loads: Vec<_> = rows
            .loads
            .iter()
            .map(|(u, n)| serde_json::json!({ "user_id": u, "n": n }))
            .collect();
        sqlx::query(LOADS_BUMP_PG)
            .bind(json(&loads)?)
            .execute(&mut **tx)
            .await?;
    }
    if rows.outbox.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as(OUTBOX_INSERT.postgres)
        .bind(json(&rows.outbox)?)
        .bind(now)
        .fetch_all(&mut **tx)
        .await?)
}

const ORDERS_INSERT_PG: &str = "INSERT INTO work_orders (id, category_id, category_code, source, state, priority, title, description,
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
        resolve_due_at bigint, now bigint)";

pub(crate) const EVENTS_INSERT_PG: &str = "INSERT INTO order_events (order_id, seq, at, actor, actor_user_id, action, from_state, to_state, note, data, prev_hash, hash)
     SELECT x.order_id, x.seq, x.at, x.actor, x.actor_user_id, x.action, x.from_state, x.to_state, x.note,
            x.data, x.prev_hash, x.hash
     FROM jsonb_to_recordset($1::jsonb) AS x(order_id bigint, seq bigint, at bigint, actor text,
          actor_user_id bigint, action text, from_state text, to_state text, note text, data text,
          prev_hash text, hash text)";

const LINKS_INSERT_PG: &str = "INSERT INTO order_links (token_hash, order_id, created_at)
     SELECT x.token_hash, x.order_id, x.created_at
     FROM jsonb_to_recordset($1::jsonb) AS x(token_hash text, order_id bigint, created_at bigint)";

const COUNTS_BUMP_PG: &str = concat!(
    counts_into!(),
    " SELECT x.region_id, x.state, x.n FROM jsonb_to_recordset($1::jsonb) AS x(region_id bigint, state text, n bigint) ",
    counts_add!()
);

const LOADS_BUMP_PG: &str = concat!(
    loads_into!(),
    " SELECT x.user_id, x.n FROM jsonb_to_recordset($1::jsonb) AS x(user_id bigint, n bigint) ",
    loads_add!()
);
