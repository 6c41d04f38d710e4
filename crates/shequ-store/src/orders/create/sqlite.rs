//! SQLite's order writer: multi-row `INSERT … VALUES` of bound values.

use super::{ORDER_ID_PLACEHOLDER, PENDING, Queued, Rows};
use crate::bulk::{rows_sql, statement_chunks, values_sql};
use crate::{Result, StoreError};

/// SQLite takes multi-row `INSERT … VALUES` of plain bound values. Its
/// JSON functions re-read an array element's whole text for every field
/// taken from it, which made the JSON form of this batch cost most of the
/// writer's time; and rows coming back from `RETURNING` each cross from
/// sqlx's worker thread, so the outbox's new ids are inferred instead.
pub(super) async fn write(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    rows: &Rows<'_>,
    now: i64,
) -> Result<Vec<Queued>> {
    for part in statement_chunks(&rows.orders, 25, ORDER_ROWS_PER_STATEMENT) {
        let size = part.len();
        let sql = values_sql(ORDERS_HEAD, 25, size, "");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in part {
            let o = r.o;
            q = q
                .bind(r.id)
                .bind(o.category_id)
                .bind(o.category_code.as_str())
                .bind(o.source.as_str())
                .bind(r.state)
                .bind(o.priority.as_str())
                .bind(o.title.as_str())
                .bind(o.description.as_str())
                .bind(o.address.as_str())
                .bind(o.point.map(|p| p.0))
                .bind(o.point.map(|p| p.1))
                .bind(o.region_id)
                .bind(o.region_path.as_str())
                .bind(o.place_id)
                .bind(o.subject_person_id)
                .bind(o.reporter_name.as_str())
                .bind(o.reporter_phone.as_deref())
                .bind(o.reporter_email.as_deref())
                .bind(o.external_id.as_deref())
                .bind(o.attributes.as_str())
                .bind(o.owner_user_id)
                .bind(o.accept_due_at)
                .bind(o.resolve_due_at)
                .bind(o.now)
                .bind(o.now);
        }
        q.execute(&mut **tx).await?;
    }
    for part in statement_chunks(&rows.events, 12, ORDER_ROWS_PER_STATEMENT) {
        let size = part.len();
        let sql = values_sql(EVENTS_HEAD, 12, size, "");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in part {
            q = q
                .bind(e.order_id)
                .bind(e.seq)
                .bind(e.at)
                .bind(e.actor)
                .bind(e.actor_user_id)
                .bind(e.action)
                .bind(e.from_state)
                .bind(e.to_state)
                .bind(e.note)
                .bind(e.data)
                .bind(e.prev_hash.as_str())
                .bind(e.hash.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    // Counters: one statement each (a batch names few regions and owners).
    if !rows.counts.is_empty() {
        let sql = values_sql(
            concat!(counts_into!(), " VALUES"),
            3,
            rows.counts.len(),
            counts_add!(),
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (region, n) in &rows.counts {
            q = q.bind(region).bind(PENDING).bind(n);
        }
        q.execute(&mut **tx).await?;
    }
    if !rows.loads.is_empty() {
        let sql = values_sql(
            concat!(loads_into!(), " VALUES"),
            2,
            rows.loads.len(),
            loads_add!(),
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (user, n) in &rows.loads {
            q = q.bind(user).bind(n);
        }
        q.execute(&mut **tx).await?;
    }
    for link in &rows.links {
        sqlx::query(
            "INSERT INTO order_links (token_hash, order_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(link.token_hash)
        .bind(link.order_id)
        .bind(link.created_at)
        .execute(&mut **tx)
        .await?;
    }
    let mut queued = Vec::with_capacity(rows.outbox.len());
    for part in statement_chunks(&rows.outbox, OUTBOX_COLUMNS, ORDER_ROWS_PER_STATEMENT) {
        let size = part.len();
        let sql = rows_sql(OUTBOX_HEAD, OUTBOX_ROW, size, "");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in part {
            let n = r.notice;
            let payload = match r.order_id {
                Some(id) => n.payload.replace(ORDER_ID_PLACEHOLDER, &id.to_string()),
                None => n.payload.replace(ORDER_ID_PLACEHOLDER, ""),
            };
            q = q
                .bind(r.order_id)
                .bind(n.user_id)
                .bind(n.channel)
                .bind(n.channel)
                .bind(n.recipient.as_str())
                .bind(n.user_id)
                .bind(n.recipient.as_str())
                .bind(payload)
                .bind(now)
                .bind(now);
        }
        let done = q.execute(&mut **tx).await?;
        // One statement's rows take consecutive ids ending at the last
        // insert rowid: this connection is the only writer.
        let last = done.last_insert_rowid();
        if done.rows_affected() != size as u64 {
            return Err(StoreError::Corrupt(format!(
                "wrote {} of {size} notices",
                done.rows_affected()
            )));
        }
        queued.extend(
            part.iter()
                .zip(last - size as i64 + 1..)
                .map(|(r, id)| Queued {
                    id,
                    order_id: r.order_id,
                    user_id: r.notice.user_id,
                    channel: r.notice.channel.to_owned(),
                }),
        );
    }
    Ok(queued)
}

/// Rows per SQLite statement of the order writer: a batch is cut by
/// [`statement_chunks`] into statements of this many rows and powers of two
/// below it.
pub(crate) const ORDER_ROWS_PER_STATEMENT: usize = 256;

const ORDERS_HEAD: &str = "INSERT INTO work_orders (id, category_id, category_code, source, state, priority, title,
    description, address, lon, lat, region_id, region_path, place_id, subject_person_id, reporter_name,
    reporter_phone, reporter_email, external_id, attributes, owner_user_id, accept_due_at, resolve_due_at,
    created_at, updated_at) VALUES";

pub(crate) const EVENTS_HEAD: &str =
    "INSERT INTO order_events (order_id, seq, at, actor, actor_user_id, action,
    from_state, to_state, note, data, prev_hash, hash) VALUES";

/// A notice's row: an SMS to a user without a number given is sent to the
/// user's phone.
const OUTBOX_HEAD: &str =
    "INSERT INTO outbox (order_id, user_id, channel, recipient, payload, state,
    attempts, next_attempt_at, created_at) VALUES";
/// The parameters of one [`OUTBOX_ROW`].
const OUTBOX_COLUMNS: usize = 10;
const OUTBOX_ROW: &str = "(?, ?, ?, CASE WHEN ? = 'sms' AND ? = '' THEN COALESCE((SELECT u.phone FROM users u WHERE u.id = ?), '') ELSE ? END,
    ?, 'pending', 0, ?, ?)";

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(n: usize) -> Vec<usize> {
        let rows = vec![(); n];
        statement_chunks(&rows, 25, ORDER_ROWS_PER_STATEMENT)
            .map(<[()]>::len)
            .collect()
    }

    #[test]
    fn order_batches_cover_every_row_in_powers_of_two() {
        assert_eq!(sizes(0), Vec::<usize>::new());
        assert_eq!(sizes(16), vec![16]);
        assert_eq!(sizes(21), vec![16, 4, 1]);
        assert_eq!(sizes(600), vec![256, 256, 64, 16, 8]);
        for n in 0..700 {
            let chunks = sizes(n);
            assert_eq!(chunks.iter().sum::<usize>(), n);
            assert!(chunks.iter().all(|c| c.is_power_of_two() && *c <= 256));
        }
    }
}
