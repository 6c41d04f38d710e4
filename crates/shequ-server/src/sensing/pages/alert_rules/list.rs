//! The list of alert rules in the viewer's area.

use std::collections::HashMap;

use axum::extract::State;
use maud::{Markup, html};
use shequ_store::Paging;
use shequ_store::alerts::{AlertQuery, AlertRule};

use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::layout::Nav;
use crate::app::page::layout::empty;
use crate::app::page::layout::page;
use crate::sensing::SensingState;

use super::{region_names, status_tag, summary, targets_of};

/// `GET /ops/alert-rules`
pub async fn list(State(state): State<SensingState>, v: Viewer) -> PageResult<Markup> {
    v.user.require_command_centre()?;
    let (ctx, u) = (&v.ctx, &v.user);
    let now = state.clock.now_ms();
    let mine = u.region_path.as_str();
    let rules: Vec<AlertRule> = state
        .store
        .alert_rules()
        .await?
        .into_iter()
        .filter(|r| u.scope.contains(&r.region_path) || mine.starts_with(&r.region_path))
        .collect();
    let regions = region_names(&state).await?;
    let mut open = HashMap::new();
    for r in &rules {
        let p = state
            .store
            .alerts_in(
                &u.scope,
                &AlertQuery {
                    rule_id: Some(r.id),
                    state: Some("open".to_owned()),
                },
                Paging::new(Some(1), Some(1)),
            )
            .await?;
        open.insert(r.id, p.total);
    }
    let body = html! {
        p.lead { (ctx.t("rules-intro")) }
        p { a.button.primary href="/ops/alert-rules/new" { (ctx.t("rules-new")) } }
        @if rules.is_empty() { (empty(ctx, "rules-none")) } @else {
            div.table-wrap { table.cards {
                thead { tr {
                    th scope="col" { (ctx.t("rules-name")) }
                    th scope="col" { (ctx.t("rules-kind")) }
                    th scope="col" { (ctx.t("rules-watches")) }
                    th scope="col" { (ctx.t("ops-region")) }
                    th scope="col" { (ctx.t("rules-expires")) }
                    th scope="col" { (ctx.t("rules-open-alerts")) }
                    th scope="col" { (ctx.t("rules-status")) }
                } }
                tbody { @for r in &rules { tr {
                    td data-label=(ctx.t("rules-name")) {
                        a href={ "/ops/alert-rules/" (r.id) } { (r.name) }
                        " " code.muted { (r.code) }
                        @if !targets_of(r).is_empty() {
                            " " span.tag.tag-warn title=(r.purpose) { (ctx.t("rules-targeted")) }
                        }
                    }
                    td data-label=(ctx.t("rules-kind")) { (ctx.label("rule-kind", &r.kind)) }
                    td data-label=(ctx.t("rules-watches")) { (summary(ctx, r)) }
                    td data-label=(ctx.t("ops-region")) { (regions.get(&r.region_path).map_or(r.region_path.as_str(), |g| g.name.as_str())) }
                    td data-label=(ctx.t("rules-expires")) {
                        @match r.expires_at { Some(at) => (ctx.time(at)), None => span.muted { (ctx.t("rules-no-expiry")) } }
                    }
                    td.num data-label=(ctx.t("rules-open-alerts")) { (open.get(&r.id).copied().unwrap_or(0)) }
                    td data-label=(ctx.t("rules-status")) { (status_tag(ctx, r, now)) }
                } } }
            } }
        }
        p.muted.small { (ctx.t("rules-api-note")) }
    };
    Ok(page(
        ctx,
        Some(u),
        Nav::Operations,
        &ctx.t("rules-title"),
        body,
    ))
}
