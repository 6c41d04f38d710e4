//! The command centre (一屏知全域): `/command` shows the user's whole area
//! on one screen — live counters, the map with grids shaded by open
//! orders, a grid's panel, and the live feed of new orders and alerts.
//! `/command/counters` answers the counters as JSON for the page's script,
//! which refetches them when the live feed says something changed;
//! `/command/grid/{code}` answers a grid's panel alone, so a click on the
//! map opens it without redrawing the map. Without script every link
//! still works: a grid is `/command?grid=…`.

mod map;
mod panel;

/// What the command centre's pages hold: the shared core and this month's
/// quality figures, reused for a minute.
#[derive(Debug, Clone)]
pub struct CommandState {
    pub core: crate::app::state::Core,
    pub command: QualityCache,
}

crate::core_parts!(CommandState);

impl CommandState {
    pub fn new(core: crate::app::state::Core) -> Self {
        Self {
            core,
            command: QualityCache::default(),
        }
    }
}

/// The command centre's pages.
pub fn pages() -> axum::Router<CommandState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/command", get(show))
        .route("/command/counters", get(counters))
        .route("/command/grid/{code}", get(grid))
}

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{Datelike, NaiveDate};
use fluent_bundle::FluentValue;
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use shequ_domain::order::figures::Rate;
use shequ_store::Scope;
use shequ_store::command::{Counters, Quality};

use crate::app::access::ClientAddr;
use crate::app::auth::AuthUser;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::layout::Nav;
use crate::app::page::layout::page;
use crate::orders::pages::category_names;
use crate::orders::pages::region_path;
use crate::orders::pages::short_time;
use crate::orders::pages::state_tag;

/// Open orders drawn as markers at most (the newest).
const MAX_MARKERS: i64 = 1_000;
/// Entries in the feed when the page opens.
const FEED_SIZE: i64 = 15;
/// How long this month's on-time and satisfaction figures are reused:
/// they move slowly and cost a month of rows to compute.
const QUALITY_TTL: Duration = Duration::from_secs(60);

/// Figures by (scope, period start), with when they were computed.
type QualityByScope = HashMap<(String, i64), (Instant, Quality)>;

/// This month's figures per scope, recomputed at most once a minute.
#[derive(Debug, Clone, Default)]
pub struct QualityCache {
    inner: Arc<Mutex<QualityByScope>>,
}

impl QualityCache {
    async fn get(
        &self,
        state: &CommandState,
        scope: &Scope,
        (from, to): (i64, i64),
        fresh: bool,
    ) -> PageResult<Quality> {
        let key = (format!("{scope:?}"), from);
        if !fresh
            && let Ok(map) = self.inner.lock()
            && let Some((at, q)) = map.get(&key)
            && at.elapsed() < QUALITY_TTL
        {
            return Ok(*q);
        }
        let q = state.store.resolved_quality(scope, from, to).await?;
        if let Ok(mut map) = self.inner.lock() {
            map.retain(|_, (at, _)| at.elapsed() < QUALITY_TTL);
            map.insert(key, (Instant::now(), q));
        }
        Ok(q)
    }
}

/// Midnight of `day` in the street's zone, as epoch milliseconds.
fn midnight(tz: chrono_tz::Tz, day: NaiveDate) -> i64 {
    crate::app::state::midnight_ms(tz, day).unwrap_or(0)
}

/// The counters and this month's figures, as the page and its script show them.
#[derive(Debug, Clone, Serialize)]
pub struct Board {
    #[serde(flatten)]
    pub counters: Counters,
    /// Share of this month's resolved orders resolved on time, in percent
    /// (the figures' definition: `shequ_domain::order::figures`).
    pub on_time: Option<f64>,
    /// Share of this month's rated orders rated satisfied, in percent.
    pub satisfaction: Option<f64>,
}

/// `fresh`: recompute this month's figures now (the page asks after an
/// order it shows was resolved or rated).
async fn board(state: &CommandState, user: &AuthUser, fresh: bool) -> PageResult<Board> {
    let now = state.clock.now_ms();
    let today = state.today();
    let day_start = midnight(state.tz, today);
    let month_start = midnight(state.tz, today.with_day(1).unwrap_or(today));
    let counters = state
        .store
        .command_counters(&user.scope, now, day_start)
        .await?;
    let q = state
        .command
        .get(state, &user.scope, (month_start, i64::MAX), fresh)
        .await?;
    Ok(Board {
        counters,
        on_time: tenths_of_percent(q.on_time()),
        satisfaction: tenths_of_percent(q.satisfaction()),
    })
}

/// A rate in percent to one decimal, as the page shows it.
fn tenths_of_percent(rate: Rate) -> Option<f64> {
    rate.ratio().map(|r| (r * 1000.0).round() / 10.0)
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |p| format!("{p:.1}%"))
}

/// The row of live counters; each links to the orders behind it. Below
/// it, one line of what the street must not miss: supervised orders, and
/// the departments' consultations waiting past their deadline
/// (`consult_overdue`, the street's alone).
fn counters_row(ctx: &Ctx, b: &Board, consult_overdue: usize) -> Markup {
    let c = &b.counters;
    let items: [(&str, &str, String, Option<&str>); 7] = [
        (
            "pending",
            "cmd-pending",
            c.pending.to_string(),
            Some("/orders?state=pending"),
        ),
        (
            "in_progress",
            "cmd-in-progress",
            c.in_progress.to_string(),
            Some("/orders?state=open"),
        ),
        (
            "overdue",
            "cmd-overdue",
            c.overdue.to_string(),
            Some("/orders?overdue=1"),
        ),
        (
            "resolved_today",
            "cmd-resolved-today",
            c.resolved_today.to_string(),
            Some("/orders?state=resolved"),
        ),
        (
            "alerts_today",
            "cmd-alerts-today",
            c.alerts_today.to_string(),
            None,
        ),
        ("on_time", "cmd-on-time", percent(b.on_time), None),
        (
            "satisfaction",
            "cmd-satisfaction",
            percent(b.satisfaction),
            None,
        ),
    ];
    html! {
        ul.figures.counters #counters aria-live="polite" {
            @for (key, label, value, href) in items {
                li class={ "counter counter-" (key) } {
                    @if let Some(h) = href {
                        a href=(h) {
                            span.fig-value data-counter=(key) { (value) }
                            span.fig-label { (ctx.t(label)) }
                        }
                    } @else {
                        div {
                            span.fig-value data-counter=(key) { (value) }
                            span.fig-label { (ctx.t(label)) }
                        }
                    }
                }
            }
        }
        @if c.supervised > 0 || consult_overdue > 0 {
            p.supervised-line {
                @if c.supervised > 0 {
                    a href="/orders?supervised=1" {
                        (ctx.t_args("cmd-supervised", &[("n", FluentValue::from(c.supervised))]))
                    }
                }
                @if c.supervised > 0 && consult_overdue > 0 { " · " }
                @if consult_overdue > 0 {
                    a.consult-overdue href="/consult" {
                        (ctx.t_args("cmd-consult-overdue", &[("n", FluentValue::from(consult_overdue))]))
                    }
                }
            }
        }
    }
}

/// `?fresh=1` on the counters.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Fresh {
    pub fresh: String,
}

/// `GET /command/counters`
pub async fn counters(
    State(state): State<CommandState>,
    v: Viewer,
    Query(f): Query<Fresh>,
) -> PageResult<Json<Board>> {
    Ok(Json(board(&state, &v.user, !f.fresh.is_empty()).await?))
}

/// `?grid=` opens a grid's panel.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Shown {
    pub grid: String,
}

/// The region the map is drawn for: the user's own; the street for those
/// bound above it (a district draws this deployment's street); the
/// neighbourhood around a grid worker's grid, so the neighbours show.
async fn map_root(state: &CommandState, user: &AuthUser) -> PageResult<shequ_domain::RegionPath> {
    let here = region_path(&user.user.region_path)?;
    let kind = state
        .store
        .region_by_code(&user.user.region_code)
        .await?
        .map(|r| r.region.kind)
        .unwrap_or_default();
    Ok(match kind.as_str() {
        "grid" => here.parent().unwrap_or(here),
        "street" | "neighbourhood" => here,
        _ => {
            let street = crate::registry::service::deployment_street(state).await?;
            let path = region_path(&street.path)?;
            if user.scope.contains(path.as_str()) {
                path
            } else {
                here
            }
        }
    })
}

/// `GET /command`
pub async fn show(
    State(state): State<CommandState>,
    v: Viewer,
    addr: ClientAddr,
    Query(q): Query<Shown>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let u = &v.user;
    let b = board(&state, u, false).await?;
    let who = crate::app::auth::Principal::User(Box::new(u.clone()));
    let consult_overdue =
        crate::consult::service::overdue(&state.store, &who, state.clock.now_ms())
            .await?
            .len();
    let root = map_root(&state, u).await?;
    // The map's data: what lies under the drawn region and in the user's area.
    let map_scope = if u.scope.contains(root.as_str()) {
        Scope::under(&root)
    } else {
        u.scope.clone()
    };
    let shapes = state.store.region_shapes_in(&map_scope).await?;
    let open: HashMap<i64, i64> = state
        .store
        .open_orders_by_region(&map_scope)
        .await?
        .into_iter()
        .collect();
    let places = state.store.map_places(&map_scope).await?;
    let points = state
        .store
        .open_order_points(&map_scope, MAX_MARKERS)
        .await?;
    let grid_title = |name: &str, n: i64| {
        ctx.t_args(
            "cmd-grid-title",
            &[
                ("name", FluentValue::from(name)),
                ("n", FluentValue::from(n)),
            ],
        )
    };
    let selected = Some(q.grid.as_str()).filter(|g| !g.is_empty());
    let svg = map::draw(&map::MapInput {
        label: &ctx.t("cmd-map-label"),
        shapes: &shapes,
        open: &open,
        selected,
        places: &places,
        orders: &points,
        grid_title: &grid_title,
    });
    let since = state.clock.now_ms() - 7 * 86_400_000;
    let recent = state
        .store
        .recent_orders(&u.scope, since, FEED_SIZE)
        .await?;
    let alerts = state
        .store
        .recent_alerts(&u.scope, since, false, FEED_SIZE)
        .await?;
    let cats = category_names(ctx, &state.store.categories().await?);
    let grid_panel = match selected {
        Some(code) => Some(panel::panel(&state, &v, &addr, code).await?),
        None => None,
    };
    let body = html! {
        (counters_row(ctx, &b, consult_overdue))
        div.command-grid {
            section.command-map-box aria-labelledby="h-map" {
                h2 #h-map.visually-hidden { (ctx.t("cmd-map-label")) }
                @if let Some(svg) = svg {
                    figure.map { (svg) }
                    ul.legend aria-label=(ctx.t("cmd-legend")) {
                        li { span.swatch.heat-0 {} (ctx.t("cmd-legend-none")) }
                        li { span.swatch.heat-2 {} (ctx.t("cmd-legend-some")) }
                        li { span.swatch.heat-4 {} (ctx.t("cmd-legend-many")) }
                        li { span.swatch.dot-order {} (ctx.t("cmd-legend-order")) }
                        li { span.swatch.dot-facility {} (ctx.t("cmd-legend-facility")) }
                    }
                } @else {
                    p.empty { (ctx.t("cmd-no-map")) }
                }
            }
            div.command-side {
                section #grid-panel.card.grid-panel aria-live="polite" aria-labelledby="h-panel" {
                    @if let Some(p) = grid_panel { (p) } @else {
                        h2 #h-panel { (ctx.t("cmd-panel-title")) }
                        p.muted { (ctx.t("cmd-panel-hint")) }
                    }
                }
                section.card.feed-box aria-labelledby="h-feed" {
                    h2 #h-feed { (ctx.t("cmd-feed")) }
                    ol #feed.feed data-new-order=(ctx.t("cmd-feed-new-order"))
                        data-changed=(ctx.t("cmd-feed-changed")) data-alert=(ctx.t("cmd-feed-alert"))
                        data-states=(state_labels(ctx)) {
                        @for a in &alerts {
                            li.feed-alert {
                                span.feed-time { (short_time(ctx, a.raised_at)) }
                                " " span.tag.tag-overdue { (ctx.t("cmd-feed-alert")) }
                                " " (ctx.label("alert-kind", &a.kind))
                                @if !a.rule_name.is_empty() { " · " (a.rule_name) }
                                @if let Some(o) = a.order_id { " " a href={ "/orders/" (o) } { "#" (o) } }
                            }
                        }
                        @for o in &recent {
                            li.feed-order {
                                span.feed-time { (short_time(ctx, o.created_at)) }
                                " " (state_tag(ctx, &o.state)) " "
                                a href={ "/orders/" (o.id) } { "#" (o.id) " " (o.title) }
                                " " span.muted { (cats.get(&o.category_code).unwrap_or(&o.category_code)) }
                            }
                        }
                        @if alerts.is_empty() && recent.is_empty() {
                            li.feed-empty.muted { (ctx.t("cmd-feed-empty")) }
                        }
                    }
                }
                section.card aria-labelledby="h-lists" {
                    h2 #h-lists { (ctx.t("cmd-lists")) }
                    ul.links {
                        li { a href="/orders?state=pending" { (ctx.t("cmd-pending")) } }
                        li { a href="/orders?overdue=1" { (ctx.t("cmd-overdue")) } }
                        li { a href="/orders?supervised=1" { (ctx.t("orders-filter-supervised")) } }
                        li { a href="/orders?state=open&source=sensor" { (ctx.t("cmd-alert-orders")) } }
                        li { a href="/orders?owner=me&state=open" { (ctx.t("orders-filter-mine")) } }
                    }
                }
            }
        }
    };
    Ok(page(ctx, Some(u), Nav::Command, &ctx.t("cmd-title"), body))
}

/// Labels of order states by code, for the feed's script.
fn state_labels(ctx: &Ctx) -> String {
    let m: serde_json::Map<String, serde_json::Value> = shequ_domain::order::OrderState::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_owned(),
                ctx.label("order-state", s.as_str()).into(),
            )
        })
        .collect();
    serde_json::Value::Object(m).to_string()
}

/// `GET /command/grid/{code}`: the panel alone.
pub async fn grid(
    State(state): State<CommandState>,
    v: Viewer,
    addr: ClientAddr,
    Path(code): Path<String>,
) -> PageResult<Markup> {
    panel::panel(&state, &v, &addr, &code).await
}
