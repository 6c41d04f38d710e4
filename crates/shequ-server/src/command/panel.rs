//! A grid's panel on the command centre: who works there (name, phone),
//! its open orders, open alerts, residents under care (numbers masked; the
//! person page reveals them with a logged reason) and its facilities.
//! A grid outside the viewer's area is refused and the attempt logged.

use maud::{Markup, html};
use shequ_store::orders::read::OrderFilter;
use shequ_store::{Paging, Scope};

use crate::app::access::ClientAddr;
use crate::app::access::deny;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::layout::empty;
use crate::command::CommandState;
use crate::orders::pages::OPEN_STATES;
use crate::orders::pages::badges;
use crate::orders::pages::region_path;
use crate::orders::pages::short_time;
use crate::orders::pages::state_tag;

/// Rows per list in the panel.
const ROWS: i64 = 12;

/// The panel of the grid `code`.
pub async fn panel(
    state: &CommandState,
    v: &Viewer,
    addr: &ClientAddr,
    code: &str,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let u = &v.user;
    let region = state
        .store
        .region_by_code(code)
        .await?
        .ok_or(AppError::NotFound("region"))?
        .region;
    if !u.scope.contains(&region.path) {
        let who = Principal::User(Box::new(u.clone()));
        return Err(deny(
            state,
            &who,
            "region",
            region.code.clone(),
            Some(region.path.clone()),
            addr,
        )
        .await
        .into());
    }
    let scope = Scope::under(&region_path(&region.path)?);
    let now = state.clock.now_ms();
    let workers = state.store.users_bound_to(region.id).await?;
    let orders = state
        .store
        .orders_in(
            &scope,
            &OrderFilter {
                states: OPEN_STATES.iter().map(|s| (*s).to_owned()).collect(),
                ..OrderFilter::default()
            },
            Paging::new(None, Some(ROWS as u32)),
        )
        .await?;
    let alerts = state.store.recent_alerts(&scope, 0, true, ROWS).await?;
    let care = if u.role.reads_residents() {
        Some(state.store.care_residents(&scope, ROWS).await?)
    } else {
        None
    };
    let facilities: Vec<_> = state
        .store
        .map_places(&scope)
        .await?
        .into_iter()
        .filter(|p| p.kind != "residential_building")
        .collect();
    let homes = state
        .store
        .count_places_by_kind(&scope)
        .await?
        .into_iter()
        .find(|(k, _)| k == "residential_building")
        .map_or(0, |(_, n)| n);
    Ok(html! {
        h2 #h-panel {
            a href={ "/regions/" (region.code) } { (region.name) }
            " " span.tag { (ctx.label("region", &region.kind)) }
        }
        h3 { (ctx.t("cmd-panel-workers")) }
        @if workers.is_empty() { (empty(ctx, "cmd-panel-no-workers")) } @else {
            ul.plain.workers {
                @for w in &workers {
                    li {
                        strong { (w.display_name) } " " span.muted { (ctx.label("role", &w.role)) }
                        @if let Some(p) = &w.phone { " " a.num.tel href={ "tel:" (p) } { (p) } }
                    }
                }
            }
        }
        h3 { (ctx.t("cmd-panel-orders")) " " span.count { (orders.items.len()) } }
        @if orders.items.is_empty() { (empty(ctx, "cmd-panel-no-orders")) } @else {
            ul.plain.panel-orders {
                @for o in &orders.items {
                    li {
                        (state_tag(ctx, &o.state)) (badges(ctx, o, now)) " "
                        a href={ "/orders/" (o.id) } { "#" (o.id) " " (o.title) }
                        " " span.muted { (short_time(ctx, o.created_at)) }
                    }
                }
            }
            p { a href={ "/orders?state=open&region=" (region.code) } { (ctx.t("cmd-panel-all-orders")) } }
        }
        h3 { (ctx.t("cmd-panel-alerts")) }
        @if alerts.is_empty() { (empty(ctx, "cmd-panel-no-alerts")) } @else {
            ul.plain {
                @for a in &alerts {
                    li {
                        span.tag.tag-overdue { (ctx.label("alert-kind", &a.kind)) }
                        " " (a.rule_name) " " span.muted { (short_time(ctx, a.raised_at)) }
                        @if let Some(o) = a.order_id { " " a href={ "/orders/" (o) } { "#" (o) } }
                    }
                }
            }
        }
        @if let Some(care) = &care {
            h3 { (ctx.t("cmd-panel-care")) }
            @if care.is_empty() { (empty(ctx, "cmd-panel-no-care")) } @else {
                ul.plain.care {
                    @for p in care {
                        li {
                            a href={ "/people/" (p.id) } { (p.name) } " "
                            @for t in p.care_tags.split(',').filter(|t| !t.is_empty()) {
                                span.tag { (ctx.label("tag", t)) } " "
                            }
                            span.num.muted { (p.phone.masked()) }
                            @if !p.address.is_empty() { " · " (p.address) " " (p.room) }
                        }
                    }
                }
                p.muted.small { (ctx.t("people-masked-note")) }
            }
        }
        h3 { (ctx.t("cmd-panel-facilities")) }
        p.muted { (ctx.t("cmd-panel-homes")) " " (homes) }
        @if !facilities.is_empty() {
            ul.plain {
                @for f in &facilities {
                    li { a href={ "/places/" (f.id) } { (f.name) } " " span.muted { (ctx.label("place", &f.kind)) } }
                }
            }
        }
    })
}
