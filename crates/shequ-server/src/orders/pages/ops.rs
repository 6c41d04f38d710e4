//! Operations (运行管理): the work-order catalogue with its deadlines, the
//! routing rules, and the duty roster (who of each team is on duty now and
//! how many open orders each holds). Changes go through the JSON API
//! (`/api/v1/categories`, `/routing-rules`, `/teams`), which checks and
//! logs them; this page shows the state for the people who run the street.
//! Alert rules and devices have their own pages, linked from here.

use std::collections::HashMap;

use axum::extract::State;
use maud::{Markup, html};

use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::layout::Nav;
use crate::app::page::layout::empty;
use crate::app::page::layout::page;
use crate::orders::OrdersState;
use crate::orders::pages::category_name;
use crate::orders::pages::list::user_names;

fn minutes(ctx: &crate::app::page::ctx::Ctx, m: i64) -> String {
    if m % 1440 == 0 {
        format!("{} {}", m / 1440, ctx.t("unit-days"))
    } else if m % 60 == 0 {
        format!("{} {}", m / 60, ctx.t("unit-hours"))
    } else {
        format!("{m} {}", ctx.t("unit-minutes"))
    }
}

/// `GET /ops`
pub async fn show(State(state): State<OrdersState>, v: Viewer) -> PageResult<Markup> {
    let u = &v.user;
    u.require_command_centre()?;
    let ctx = &v.ctx;
    let now = state.clock.now_ms();
    let cats = state.store.categories().await?;
    let by_code: HashMap<&str, String> = cats
        .iter()
        .map(|c| (c.code.as_str(), category_name(ctx, c)))
        .collect();
    let rules: Vec<_> = state
        .store
        .routing_rules()
        .await?
        .into_iter()
        .filter(|r| {
            u.scope.contains(&r.region_path) || r.region_path.len() < u.user.region_path.len()
        })
        .collect();
    let regions: HashMap<i64, String> = state
        .store
        .regions_in(&shequ_store::Scope::everything())
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let teams = state.store.teams_in(&u.scope).await?;
    let team_names: HashMap<String, String> = teams
        .iter()
        .map(|t| (t.id.to_string(), t.name.clone()))
        .collect();
    let mut roster = Vec::new();
    for t in &teams {
        roster.push((t, state.store.team_candidates(t.id, now).await?));
    }
    let ids: Vec<i64> = roster
        .iter()
        .flat_map(|(_, c)| c.iter().map(|m| m.user_id))
        .collect();
    let names = user_names(&state, ids.into_iter()).await?;
    let body = html! {
        nav.subnav aria-label=(ctx.t("ops-sections")) {
            ul.links.inline {
                li { a href="#h-categories" { (ctx.t("ops-categories")) } }
                li { a href="#h-rules" { (ctx.t("ops-rules")) } }
                li { a href="#h-roster" { (ctx.t("ops-roster")) } }
                @if u.role.manages_accounts() {
                    li { a href="/admin/users" { (ctx.t("nav-users")) } }
                    li { a href="/admin/access-log" { (ctx.t("nav-access-log")) } }
                }
                li { a href="/ops/alert-rules" { (ctx.t("ops-alert-rules")) } }
                li { a href="/ops/devices" { (ctx.t("ops-devices")) } }
            }
        }
        section aria-labelledby="h-categories" {
            h2 #h-categories { (ctx.t("ops-categories")) }
            div.table-wrap { table.cards {
                thead { tr {
                    th scope="col" { (ctx.t("ops-category")) }
                    th scope="col" { (ctx.t("ops-group")) }
                    th scope="col" { (ctx.t("ops-accept-within")) }
                    th scope="col" { (ctx.t("ops-resolve-within")) }
                    th scope="col" { (ctx.t("ops-priority")) }
                    th scope="col" { (ctx.t("ops-active")) }
                } }
                tbody { @for c in &cats { tr {
                    td data-label=(ctx.t("ops-category")) { (category_name(ctx, c)) " " code.muted { (c.code) } }
                    td data-label=(ctx.t("ops-group")) { @if ctx.lang == crate::app::i18n::Lang::Zh { (c.group_zh) } @else { (c.group_en) } }
                    td.num data-label=(ctx.t("ops-accept-within")) { (minutes(ctx, c.accept_within_minutes)) }
                    td.num data-label=(ctx.t("ops-resolve-within")) { (minutes(ctx, c.resolve_within_minutes)) }
                    td data-label=(ctx.t("ops-priority")) { (ctx.label("order-priority", &c.default_priority)) }
                    td data-label=(ctx.t("ops-active")) { @if c.active { (ctx.t("ops-yes")) } @else { span.tag.tag-warn { (ctx.t("ops-no")) } } }
                } } }
            } }
        }
        section aria-labelledby="h-rules" {
            h2 #h-rules { (ctx.t("ops-rules")) }
            p.muted { (ctx.t("ops-rules-note")) }
            @if rules.is_empty() { (empty(ctx, "ops-rules-none")) } @else {
                div.table-wrap { table.cards {
                    thead { tr {
                        th scope="col" { (ctx.t("ops-category")) }
                        th scope="col" { (ctx.t("ops-region")) }
                        th scope="col" { (ctx.t("ops-target")) }
                    } }
                    tbody { @for r in &rules { tr {
                        td data-label=(ctx.t("ops-category")) {
                            @match &r.category_code {
                                Some(c) => (by_code.get(c.as_str()).cloned().unwrap_or_else(|| c.clone())),
                                None => span.muted { (ctx.t("ops-any-category")) },
                            }
                        }
                        td data-label=(ctx.t("ops-region")) { (regions.get(&r.region_id).map_or("", String::as_str)) }
                        td data-label=(ctx.t("ops-target")) {
                            @match r.target_kind.as_str() {
                                "role" => (ctx.label("role", &r.target_value)),
                                "team" => (team_names.get(&r.target_value).cloned().unwrap_or_else(|| format!("#{}", r.target_value))),
                                _ => (format!("#{}", r.target_value)),
                            }
                        }
                    } } }
                } }
            }
        }
        section aria-labelledby="h-roster" {
            h2 #h-roster { (ctx.t("ops-roster")) }
            @if roster.is_empty() { (empty(ctx, "ops-roster-none")) }
            @for (t, members) in &roster {
                h3 { (t.name) " " span.tag { (ctx.label("team-kind", &t.kind)) } }
                @if members.is_empty() { (empty(ctx, "ops-roster-empty")) } @else {
                    ul.plain.roster {
                        @for m in members {
                            li {
                                @match names.get(&m.user_id) {
                                    Some((n, phone)) => {
                                        strong { (n) }
                                        @if let Some(p) = phone { " " a.num href={ "tel:" (p) } { (p) } }
                                    },
                                    None => { "#" (m.user_id) },
                                }
                                " "
                                @if m.on_duty { span.tag.tag-ok { (ctx.t("ops-on-duty")) } }
                                @else { span.tag { (ctx.t("ops-off-duty")) } }
                                " " span.muted { (ctx.t("ops-open-load")) " " (m.open_orders) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(
        ctx,
        Some(u),
        Nav::Operations,
        &ctx.t("ops-title"),
        body,
    ))
}
