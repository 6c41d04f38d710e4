//! One rule's page: what it watches, its latest alerts, its change log and
//! the form to edit it; and the edit and disable actions.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_store::Paging;
use shequ_store::alerts::{Alert, AlertQuery};

use crate::app::access::ClientAddr;
use crate::app::error::FieldError;
use crate::app::page::ctx::PageError;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::form::FormData;
use crate::app::page::layout::Nav;
use crate::app::page::layout::empty;
use crate::app::page::layout::page;
use crate::sensing::SensingState;
use crate::sensing::api::alerts as rules_api;

use super::form::{RuleForm, form_errors, rule_form, rule_regions};
use super::{region_names, status_tag, summary, targets_of};

/// Alerts shown on a rule's page.
const RECENT_ALERTS: u32 = 20;

/// `?done=` after a change.
#[derive(Debug, Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

fn subject_link(a: &Alert) -> Markup {
    let href = match a.subject.split_once(':') {
        Some(("person", id)) => format!("/people/{id}"),
        Some(("household", id)) => format!("/households/{id}"),
        Some(("device", _)) => "/ops/devices".to_owned(),
        _ => String::new(),
    };
    html! {
        @if href.is_empty() { (a.subject) } @else { a href=(href) { (a.subject) } }
    }
}

async fn rule_page(
    state: &SensingState,
    v: &Viewer,
    addr: &ClientAddr,
    id: i64,
    form: Option<(&RuleForm, &[FieldError])>,
    done: Option<&str>,
) -> PageResult<Markup> {
    let (ctx, u) = (&v.ctx, &v.user);
    let rule = rules_api::rule_in_scope(state, u, id).await?;
    let now = state.clock.now_ms();
    let names = region_names(state).await?;
    let regions = rule_regions(state, v).await?;
    let region_code = names
        .get(&rule.region_path)
        .map(|r| r.code.clone())
        .unwrap_or_default();
    let changes = state.store.alert_rule_changes(id).await?;
    let alerts = state
        .store
        .alerts_in(
            &u.scope,
            &AlertQuery {
                rule_id: Some(id),
                state: None,
            },
            Paging::new(Some(1), Some(RECENT_ALERTS)),
        )
        .await?;
    rules_api::log_targeted_views(state, u, addr, &alerts.items).await?;
    let filled;
    let (f, errors) = match form {
        Some(x) => x,
        None => {
            filled = RuleForm::of_rule(ctx, &rule, &region_code);
            (&filled, &[][..])
        }
    };
    let targets = targets_of(&rule);
    let body = html! {
        p { a href="/ops/alert-rules" { "‹ " (ctx.t("rules-title")) } }
        @if let Some(d) = done {
            div.notice.notice-ok role="status" { p { (ctx.label("rules-done", d)) } }
        }
        dl.facts {
            dt { (ctx.t("rules-status")) } dd { (status_tag(ctx, &rule, now)) }
            dt { (ctx.t("rules-code")) } dd { code { (rule.code) } }
            dt { (ctx.t("rules-kind")) } dd { (ctx.label("rule-kind", &rule.kind)) }
            dt { (ctx.t("rules-watches")) } dd { (summary(ctx, &rule)) }
            dt { (ctx.t("ops-region")) } dd { (names.get(&rule.region_path).map_or(rule.region_path.as_str(), |r| r.name.as_str())) }
            @if !targets.is_empty() {
                dt { (ctx.t("rules-f-targets")) } dd { (targets.join("、")) }
                dt { (ctx.t("rules-f-purpose")) } dd { (rule.purpose) }
            }
            dt { (ctx.t("rules-expires")) } dd {
                @match rule.expires_at { Some(at) => (ctx.time(at)), None => (ctx.t("rules-no-expiry")) }
            }
            dt { (ctx.t("rules-created")) } dd { (rule.created_by) " · " (ctx.time(rule.created_at)) }
        }
        @if rule.enabled {
            form method="post" action={ "/ops/alert-rules/" (id) "/disable" } {
                button.danger type="submit" { (ctx.t("rules-disable")) }
            }
        }
        section aria-labelledby="h-alerts" {
            h2 #h-alerts { (ctx.t("rules-alerts")) " " span.muted { "(" (alerts.total) ")" } }
            @if !targets.is_empty() { p.muted.small { (ctx.t("rules-views-logged")) } }
            @if alerts.items.is_empty() { (empty(ctx, "rules-alerts-none")) } @else {
                div.table-wrap { table.cards {
                    thead { tr {
                        th scope="col" { (ctx.t("rules-alert-raised")) }
                        th scope="col" { (ctx.t("rules-alert-subject")) }
                        th scope="col" { (ctx.t("rules-alert-last-seen")) }
                        th scope="col" { (ctx.t("rules-status")) }
                        th scope="col" { (ctx.t("rules-alert-order")) }
                    } }
                    tbody { @for a in &alerts.items { tr {
                        td data-label=(ctx.t("rules-alert-raised")) { (ctx.time(a.raised_at)) }
                        td data-label=(ctx.t("rules-alert-subject")) { (subject_link(a)) }
                        td data-label=(ctx.t("rules-alert-last-seen")) { @match a.last_seen_at { Some(t) => (ctx.time(t)), None => span.muted { "—" } } }
                        td data-label=(ctx.t("rules-status")) { (ctx.label("alert-state", &a.state)) }
                        td data-label=(ctx.t("rules-alert-order")) { @if let Some(o) = a.order_id { a href={ "/orders/" (o) } { "#" (o) } } }
                    } } }
                } }
            }
        }
        section aria-labelledby="h-edit" {
            h2 #h-edit { (ctx.t("rules-edit")) }
            (rule_form(ctx, &regions, f, errors, Some(id)))
        }
        section aria-labelledby="h-changes" {
            h2 #h-changes { (ctx.t("rules-changes")) }
            @if changes.is_empty() { (empty(ctx, "rules-changes-none")) } @else {
                ol.plain.changes {
                    @for c in changes.iter().rev() {
                        li {
                            strong { (ctx.label("rules-change", &c.action)) } " · " (c.actor) " · " (ctx.time(c.at))
                            @let diff = changed_fields(&c.before, &c.after);
                            @if !diff.is_empty() {
                                ul.plain.diff {
                                    @for (field, before, after) in &diff {
                                        li { code { (field) } " " del { (before) } " → " ins { (after) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(ctx, Some(u), Nav::Operations, &rule.name, body))
}

/// The fields a change altered, as `(field, before, after)`; the rule's
/// parameters (stored as a JSON text) are compared one by one.
fn changed_fields(before: &str, after: &str) -> Vec<(String, String, String)> {
    fn flat(text: &str) -> Vec<(String, serde_json::Value)> {
        let mut out = Vec::new();
        let serde_json::Value::Object(map) = serde_json::from_str(text).unwrap_or_default() else {
            return out;
        };
        for (k, v) in map {
            match (k.as_str(), &v) {
                ("updated_at" | "created_at" | "id", _) => {}
                ("params" | "targets", serde_json::Value::String(inner)) => {
                    match serde_json::from_str::<serde_json::Value>(inner) {
                        Ok(serde_json::Value::Object(p)) => {
                            out.extend(p);
                        }
                        Ok(other) => out.push((k, other)),
                        Err(_) => out.push((k, v)),
                    }
                }
                _ => out.push((k, v)),
            }
        }
        out
    }
    if before.is_empty() {
        return Vec::new();
    }
    let old = flat(before);
    let new = flat(after);
    let show = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    let mut keys: Vec<&String> = old.iter().chain(&new).map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let a = old.iter().find(|(x, _)| x == k).map(|(_, v)| v);
            let b = new.iter().find(|(x, _)| x == k).map(|(_, v)| v);
            (a != b).then(|| (k.clone(), show(a), show(b)))
        })
        .collect()
}

/// `GET /ops/alert-rules/{id}`
pub async fn show(
    State(state): State<SensingState>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> PageResult<Markup> {
    v.user.require_command_centre()?;
    rule_page(&state, &v, &addr, id, None, q.done.as_deref()).await
}

/// `POST /ops/alert-rules/{id}`
pub async fn update(
    State(state): State<SensingState>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult<Response> {
    v.user.require_command_centre()?;
    let f = RuleForm::from_form(&form);
    let outcome = match f.to_rule_in(&v.ctx) {
        Ok(r) => rules_api::update(&state, &v.user, &addr, id, &r)
            .await
            .map_err(|e| form_errors(&f.kind, e)),
        Err(errors) => Err(Ok(errors)),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/ops/alert-rules/{id}?done=updated")).into_response()),
        Err(Ok(errors)) => {
            let page = rule_page(&state, &v, &addr, id, Some((&f, &errors)), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(Err(e)) => Err(PageError(e)),
    }
}

/// `POST /ops/alert-rules/{id}/disable`
pub async fn disable(
    State(state): State<SensingState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Redirect> {
    rules_api::disable(&state, &v.user, id).await?;
    Ok(Redirect::to(&format!(
        "/ops/alert-rules/{id}?done=disabled"
    )))
}
