//! Work-order pages: the public report form and the reporter's status
//! page (no login), the operator's form, lists, the order page with its
//! trail and actions, the phone page, and photos.
//!
//! The street a deployment serves is the first region of kind `street`
//! (in path order); public reports must lie inside it.

pub mod act;
pub mod detail;
pub mod fields;
pub mod file;
pub mod list;
pub mod offers;
pub mod ops;
pub mod parse;
pub mod photo;
pub mod report;
pub mod status;
pub mod trail;

use std::collections::HashMap;

use maud::{Markup, html};
use shequ_domain::RegionPath;
use shequ_domain::order::OrderState;
use shequ_domain::order::figures;
use shequ_store::Scope;
use shequ_store::orders::Order;
use shequ_store::orders::catalogue::Category;
use shequ_store::regions::Region;

use crate::app::error::AppError;
use crate::app::i18n::Lang;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageResult;
use crate::app::page::map;
use crate::app::page::map::Area;
use crate::app::page::map::Marker;
use crate::app::page::map::Mode;
use crate::orders::OrdersState;

/// Open states, for the "open" filter and the phone page.
pub const OPEN_STATES: [&str; 4] = ["pending", "accepted", "in_progress", "returned"];

/// The street this deployment serves (see the registry's service).
pub async fn deployment_street(state: &OrdersState) -> PageResult<Region> {
    Ok(crate::registry::service::deployment_street(state).await?)
}

/// A region path, parsed.
pub fn region_path(path: &str) -> PageResult<RegionPath> {
    RegionPath::parse(path)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored region path: {e}")).into())
}

/// A category's name in the page's language.
pub fn category_name(ctx: &Ctx, c: &Category) -> String {
    match ctx.lang {
        Lang::Zh => c.name_zh.clone(),
        Lang::En => c.name_en.clone(),
    }
}

/// Names of categories by code, in the page's language.
pub fn category_names(ctx: &Ctx, cats: &[Category]) -> HashMap<String, String> {
    cats.iter()
        .map(|c| (c.code.clone(), category_name(ctx, c)))
        .collect()
}

/// Picks the part of a bilingual catalogue text `中文 / English`.
pub fn bilingual(ctx: &Ctx, text: &str) -> String {
    match (text.split_once(" / "), ctx.lang) {
        (Some((zh, _)), Lang::Zh) => zh.trim().to_owned(),
        (Some((_, en)), Lang::En) => en.trim().to_owned(),
        (None, _) => text.to_owned(),
    }
}

/// The state as a coloured tag.
pub fn state_tag(ctx: &Ctx, state: &str) -> Markup {
    html! { span class={ "tag state state-" (state) } { (ctx.label("order-state", state)) } }
}

/// Which deadline an open order has missed at `now`, if any: `accept` or
/// `resolve`, as the figures define overdue (a paused clock is judged at
/// the moment it was paused).
pub fn overdue(o: &Order, now: i64) -> Option<&'static str> {
    figures::overdue(&o.figure_facts(), now).map(|late| late.as_str())
}

/// The badges after an order's state: overdue and 督办.
pub fn badges(ctx: &Ctx, o: &Order, now: i64) -> Markup {
    html! {
        @if let Some(which) = overdue(o, now) {
            " " span.tag.tag-overdue { (ctx.t(&format!("order-overdue-{which}"))) }
        }
        @if o.supervised {
            " " span.tag.tag-supervised { (ctx.t("order-supervised")) }
        }
        @if o.clock_paused_at.is_some() && o.state().is_open() {
            " " span.tag { (ctx.t("order-clock-paused")) }
        }
    }
}

/// The deadline that matters now: to accept while pending, else to resolve.
pub fn due_of(o: &Order) -> Option<i64> {
    match o.state() {
        OrderState::Pending => Some(o.accept_due_at),
        s if s.is_open() => Some(o.resolve_due_at),
        _ => None,
    }
}

/// The way to an order's spot: a `geo:` link, which a phone hands to its
/// own map or navigation app (no map service is reached from our pages).
pub fn way_href(o: &Order) -> Option<String> {
    let (lon, lat) = o.lon.zip(o.lat)?;
    let label = if o.address.is_empty() {
        o.title.as_str()
    } else {
        o.address.as_str()
    };
    Some(format!(
        "geo:{lat:.6},{lon:.6}?q={lat:.6},{lon:.6}({})",
        crate::app::page::ctx::enc(label)
    ))
}

/// A time without seconds, in the street's zone.
pub fn short_time(ctx: &Ctx, ms: i64) -> String {
    let full = ctx.time(ms);
    full.get(..16).map_or(full.clone(), str::to_owned)
}

/// The map of a region and what lies under it: neighbourhoods named,
/// grids drawn (and named when few), the region's outline on top, the
/// region `here` (by code) highlighted, and markers.
pub async fn area_map(
    state: &OrdersState,
    ctx: &Ctx,
    root: &RegionPath,
    here: Option<&str>,
    markers: &[Marker],
    mode: Mode,
) -> PageResult<Option<Markup>> {
    let shapes = state.store.region_shapes_in(&Scope::under(root)).await?;
    let grids = shapes.iter().filter(|s| s.region.kind == "grid").count();
    let nbhds = shapes
        .iter()
        .filter(|s| s.region.kind == "neighbourhood")
        .count();
    let mut areas: Vec<Area<'_>> = Vec::new();
    // Neighbourhoods under their grids (which take the clicks), and the
    // outline of the whole area last, unfilled, so its edge shows.
    for kind in ["neighbourhood", "grid", "street"] {
        for s in shapes.iter().filter(|s| s.region.kind == kind) {
            let is_here = kind != "street" && here == Some(s.region.code.as_str());
            areas.push(Area {
                code: &s.region.code,
                name: &s.region.name,
                polygon: s.polygon.as_deref(),
                href: None,
                class: match (kind, is_here) {
                    (_, true) => "here",
                    ("street", _) => "street",
                    ("neighbourhood", _) => "neighbourhood",
                    _ => "grid",
                },
                label: match kind {
                    "neighbourhood" => nbhds <= 40 && grids > 12,
                    "grid" => grids <= 12 || is_here,
                    _ => false,
                },
            });
        }
    }
    Ok(map::draw(&ctx.t("order-map-label"), &areas, markers, mode))
}
