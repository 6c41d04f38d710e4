//! `shequ audit verify`: recompute every order's hash chain from the
//! stored events and name the first break.

use shequ_domain::order::trail::{BrokenChain, StoredEvent, TrailEntry, verify_chain};

use super::OrderEvent;
use crate::db::on_db;
use crate::{Result, Store};

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub orders: u64,
    pub events: u64,
    /// The first broken chain, if any.
    pub broken: Option<BrokenChain>,
}

/// Events read per query; keyset paging keeps memory flat at any size.
const BATCH: i64 = 20_000;

fn check(events: &[OrderEvent]) -> Result<usize, BrokenChain> {
    verify_chain(events.iter().map(|e| StoredEvent {
        entry: TrailEntry {
            order_id: e.order_id,
            seq: e.seq,
            at: e.at,
            actor: &e.actor,
            action: &e.action,
            from_state: &e.from_state,
            to_state: &e.to_state,
            note: &e.note,
            data: &e.data,
        },
        prev_hash: &e.prev_hash,
        hash: &e.hash,
    }))
}

impl Store {
    /// Verifies the trail of one order, or of all orders when `order` is
    /// `None`. Orders with no events at all are reported as broken too.
    pub async fn verify_trails(&self, order: Option<i64>) -> Result<AuditReport> {
        let mut report = AuditReport {
            orders: 0,
            events: 0,
            broken: None,
        };
        let mut current: Vec<OrderEvent> = Vec::new();
        let (mut after_order, mut after_seq) = (order.map_or(i64::MIN, |o| o - 1), i64::MAX);
        loop {
            // The row-value comparison is what lets PostgreSQL seek the
            // primary key to where the last page ended; spelled out with OR
            // it scanned from the first event for every page, so each page
            // cost more than the last (80-100 ms a page by two million
            // events).
            let batch: Vec<OrderEvent> = on_db!(self, read, |pool| {
                sqlx::query_as::<_, OrderEvent>(
                    "SELECT order_id, seq, at, actor, actor_user_id, action, from_state, to_state, note, data, prev_hash, hash
                     FROM order_events
                     WHERE (order_id, seq) > ($1, $2) AND ($3 IS NULL OR order_id = $3)
                     ORDER BY order_id, seq LIMIT $4",
                )
                .bind(after_order)
                .bind(after_seq)
                .bind(order)
                .bind(BATCH)
                .fetch_all(pool)
                .await?
            });
            let done = (batch.len() as i64) < BATCH;
            if let Some(last) = batch.last() {
                (after_order, after_seq) = (last.order_id, last.seq);
            }
            for ev in batch {
                if current.first().is_some_and(|c| c.order_id != ev.order_id) {
                    if let Err(b) = check(&current) {
                        report.broken = Some(b);
                        return Ok(report);
                    }
                    report.orders += 1;
                    current.clear();
                }
                report.events += 1;
                current.push(ev);
            }
            if done {
                break;
            }
        }
        if !current.is_empty() {
            if let Err(b) = check(&current) {
                report.broken = Some(b);
                return Ok(report);
            }
            report.orders += 1;
        }
        // An order whose events were all deleted leaves no chain to check.
        let orphan: Option<i64> = on_db!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT o.id FROM work_orders o WHERE ($1 IS NULL OR o.id = $1)
                   AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id) ORDER BY o.id LIMIT 1",
            )
            .bind(order)
            .fetch_optional(pool)
            .await?
        });
        if let Some(id) = orphan {
            report.broken = Some(BrokenChain {
                order_id: id,
                seq: 1,
                problem: "is missing: the order has no trail at all".to_owned(),
            });
        }
        Ok(report)
    }
}
