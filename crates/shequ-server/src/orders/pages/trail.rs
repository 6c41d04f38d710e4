//! The trail of an order as a timeline: when, who, what, from which state
//! to which, the note, and what the event did beyond that (whom it went
//! to, what it was linked to, how it was rated). The hash chain is checked
//! again on every view with the domain's `verify_chain`, and the page says
//! whether it holds.

use std::collections::HashMap;

use fluent_bundle::FluentValue;
use maud::{Markup, html};
use shequ_domain::order::trail::{StoredEvent, TrailEntry, verify_chain};
use shequ_store::orders::OrderEvent;

use crate::app::page::ctx::Ctx;
use crate::orders::pages::state_tag;

/// Names and phones of people, by user id.
pub type Names = HashMap<i64, (String, Option<String>)>;

fn actor_name(ctx: &Ctx, actor: &str, names: &Names) -> String {
    match actor.split_once(':') {
        Some(("user", id)) => id
            .parse()
            .ok()
            .and_then(|id: i64| names.get(&id))
            .map_or_else(|| actor.to_owned(), |(n, _)| n.clone()),
        Some(("token", name)) => name.to_owned(),
        _ => ctx.label("order-actor", actor),
    }
}

/// Re-checks the trail's hash chain: `Ok(events)` or the broken event.
fn verify(events: &[OrderEvent]) -> Result<usize, (i64, String)> {
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
    .map_err(|b| (b.seq, b.problem))
}

/// The ids of people named in events' data (reassigned or escalated to).
pub fn named_in(events: &[OrderEvent]) -> Vec<i64> {
    events
        .iter()
        .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.data).ok())
        .filter_map(|d| d.get("to_user")?.as_i64())
        .collect()
}

/// What an event did beyond its action and states: who it went to, what
/// it was linked to, how it was rated.
fn event_detail(
    ctx: &Ctx,
    e: &OrderEvent,
    names: &Names,
    dispatched_to: Option<i64>,
) -> Option<String> {
    let d: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
    let name = |id: Option<i64>| {
        id.and_then(|id| names.get(&id))
            .map(|(n, _)| ctx.t_args("trail-to", &[("name", FluentValue::from(n.as_str()))]))
    };
    match e.action.as_str() {
        "dispatch" => {
            let mut parts = Vec::new();
            if d.get("fallback").and_then(|f| f.as_str()) == Some("command_centre") {
                parts.push(ctx.t("trail-to-command-centre"));
            }
            parts.extend(name(dispatched_to));
            if let Some(of) = d
                .get("likely_duplicate_of")
                .and_then(serde_json::Value::as_i64)
            {
                parts.push(ctx.t_args("trail-likely-duplicate", &[("id", FluentValue::from(of))]));
            }
            (!parts.is_empty()).then(|| parts.join(" · "))
        }
        "reassign" | "escalate" => name(d.get("to_user").and_then(serde_json::Value::as_i64)),
        "cancel" => d
            .pointer("/reason/of")
            .and_then(serde_json::Value::as_i64)
            .map(|of| ctx.t_args("trail-duplicate-of", &[("id", FluentValue::from(of))])),
        "summon" => {
            let teams = d
                .get("teams")
                .and_then(|t| t.as_array())
                .map_or(0, Vec::len);
            let minutes = d
                .get("within_minutes")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0);
            Some(ctx.t_args(
                "trail-summoned",
                &[
                    ("count", FluentValue::from(teams)),
                    ("minutes", FluentValue::from(minutes)),
                ],
            ))
        }
        "rate" => {
            let rating = d.get("rating").and_then(|r| r.as_str()).unwrap_or("");
            let mut s = ctx.label("rating", rating);
            if d.get("reopen").and_then(serde_json::Value::as_bool) == Some(true)
                && e.to_state == "pending"
            {
                s = format!("{s} · {}", ctx.t("trail-reopened"));
            }
            Some(s)
        }
        _ => None,
    }
}

pub fn timeline(ctx: &Ctx, events: &[OrderEvent], names: &Names, owner: Option<i64>) -> Markup {
    let checked = verify(events);
    // Owners change only by reassignment: without one, today's owner is
    // whom the dispatch chose.
    let dispatched_to = owner.filter(|_| !events.iter().any(|e| e.action == "reassign"));
    html! {
        @match &checked {
            Ok(n) => p.verified { "✓ " (ctx.t_args("trail-verified", &[("count", FluentValue::from(*n))])) },
            Err((seq, problem)) => div.notice.notice-error role="alert" {
                p { "⚠ " (ctx.t_args("trail-broken", &[("seq", FluentValue::from(*seq))])) }
                p.small.muted { (problem) }
            },
        }
        ol.timeline {
            @for e in events {
                li class={ "step step-" (e.action) } {
                    span.when { (ctx.time(e.at)) }
                    span.what { (ctx.label("order-step", &e.action)) }
                    span.who { (actor_name(ctx, &e.actor, names)) }
                    @if e.from_state != e.to_state {
                        span.moves {
                            @if !e.from_state.is_empty() { (state_tag(ctx, &e.from_state)) " " }
                            "→ " (state_tag(ctx, &e.to_state))
                        }
                    }
                    @if let Some(detail) = event_detail(ctx, e, names, dispatched_to) {
                        span.detail { (detail) }
                    }
                    @if !e.note.is_empty() && e.action != "create" { p.note { (e.note) } }
                    span.hash title=(e.hash) { "#" (e.seq) " " (e.hash.get(..10).unwrap_or("")) }
                }
            }
        }
    }
}
