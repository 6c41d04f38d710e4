//! `/party/coverage`: coverage of the new sectors in the user's area (or a
//! region of it) — counts and rates by place kind and by region below, the
//! gaps (空白点) listed and drawn on the street map — and, for one gap, the
//! organisations within a distance that could form a joint branch with it
//! and the members whose in-service unit is there.

use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::party::Counts;
use shequ_domain::region::RegionKind;

use super::{kind_label, principal, tabs};
use crate::app::access::{ClientAddr, scope_for_region};
use crate::app::page::ctx::{Ctx, PageResult, Viewer, enc};
use crate::app::page::layout::{Nav, figures, page};
use crate::app::page::map::{Area, Marker, Mode, draw};
use crate::app::state::Core;
use crate::party::service;

/// How far to look for organisations that could take a gap in (metres).
pub const JOINT_RADIUS_M: f64 = 800.0;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CoverageFilter {
    pub region: String,
    /// A gap's place id: show its candidates.
    pub gap: String,
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn row(ctx: &Ctx, label: Markup, c: &Counts) -> Markup {
    html! {
        tr {
            td data-label=(ctx.t("party-cover-what")) { (label) }
            td.num data-label=(ctx.t("party-cover-places")) { (c.places) }
            td.num data-label=(ctx.t("party-cover-own")) { (c.own) }
            td.num data-label=(ctx.t("party-cover-joint")) { (c.joint) }
            td.num data-label=(ctx.t("party-cover-instructor")) { (c.instructor) }
            td.num data-label=(ctx.t("party-cover-gap")) { (c.gap) }
            td.num data-label=(ctx.t("party-cover-rate")) { (pct(c.organised_rate())) }
        }
    }
}

fn head(ctx: &Ctx) -> Markup {
    html! {
        thead { tr {
            th { (ctx.t("party-cover-what")) } th { (ctx.t("party-cover-places")) }
            th { (ctx.t("party-cover-own")) } th { (ctx.t("party-cover-joint")) }
            th { (ctx.t("party-cover-instructor")) } th { (ctx.t("party-cover-gap")) }
            th { (ctx.t("party-cover-rate")) }
        } }
    }
}

/// `GET /party/coverage`
pub async fn show(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Query(q): Query<CoverageFilter>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let region = Some(q.region.trim()).filter(|r| !r.is_empty());
    let scope = scope_for_region(&core, &who, region, &addr).await?;
    let report = service::coverage(&core, &scope).await?;
    let shapes = core.store.region_shapes_in(&scope).await?;
    let areas: Vec<Area<'_>> = shapes
        .iter()
        .filter(|r| r.region.kind != RegionKind::Grid.as_str())
        .map(|r| Area {
            code: &r.region.code,
            name: &r.region.name,
            polygon: r.polygon.as_deref(),
            href: None,
            class: if r.region.kind == RegionKind::Street.as_str() {
                "street"
            } else {
                "neighbourhood"
            },
            label: r.region.kind != RegionKind::Street.as_str(),
        })
        .collect();
    let markers: Vec<Marker> = report
        .gaps
        .iter()
        .map(|p| Marker {
            lon: p.lon,
            lat: p.lat,
            title: p.name.clone(),
            class: "dot",
            href: Some(format!("/party/coverage?gap={}#h-gap", p.place_id)),
        })
        .collect();
    let map = draw(&ctx.t("party-gaps-map"), &areas, &markers, Mode::Show);
    let gap: Option<&shequ_store::party::PlaceCover> = q
        .gap
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| report.gaps.iter().find(|p| p.place_id == id));
    let candidates = match gap {
        Some(g) => Some((
            core.store.orgs_near(g.lon, g.lat, JOINT_RADIUS_M).await?,
            if service::reads_members(&who) {
                core.store.members_working_at(&g.name).await?
            } else {
                Vec::new()
            },
        )),
        None => None,
    };
    let t = &report.total;
    let figs = vec![
        (ctx.t("party-cover-places"), t.places.to_string(), None),
        (ctx.t("party-cover-rate"), pct(t.organised_rate()), None),
        (ctx.t("party-cover-worked-rate"), pct(t.worked_rate()), None),
        (ctx.t("party-cover-gap"), t.gap.to_string(), None),
    ];
    let body = html! {
        (tabs(ctx, &v.user, "/party/coverage"))
        p.muted { (ctx.t("party-coverage-intro")) }
        (figures(&figs))
        section aria-labelledby="h-by-kind" {
            h2 #h-by-kind { (ctx.t("party-cover-by-kind")) }
            div.table-wrap { table.cards {
                (head(ctx))
                tbody {
                    @for (kind, c) in &report.by_kind {
                        (row(ctx, html! { (ctx.label("place", kind)) }, c))
                    }
                    (row(ctx, html! { strong { (ctx.t("party-cover-total")) } }, t))
                }
            } }
        }
        @if !report.by_region.is_empty() {
            section aria-labelledby="h-by-region" {
                h2 #h-by-region { (ctx.t("party-cover-by-region")) }
                div.table-wrap { table.cards {
                    (head(ctx))
                    tbody { @for (code, name, c) in &report.by_region {
                        (row(ctx, html! { a href={ "/party/coverage?region=" (enc(code)) } { (name) } }, c))
                    } }
                } }
            }
        }
        section aria-labelledby="h-gaps" {
            h2 #h-gaps { (ctx.t("party-gaps")) " " span.muted { "(" (report.gaps.len()) ")" } }
            @if let Some(m) = map { figure.map { (m) figcaption { (ctx.t("party-gaps-map")) } } }
            @if report.gaps.is_empty() {
                p.empty { (ctx.t("party-gaps-none")) }
            } @else {
                ul { @for g in &report.gaps {
                    li {
                        a href={ "/party/coverage?gap=" (g.place_id) "#h-gap" } { (g.name) }
                        " " span.tag { (ctx.label("place", g.kind.as_str())) }
                    }
                } }
            }
        }
        @if let (Some(g), Some((orgs, members))) = (gap, &candidates) {
            section aria-labelledby="h-gap" {
                h2 #h-gap { (g.name) }
                p { (ctx.t_args("party-gap-near", &[("m", (JOINT_RADIUS_M as i64).into())])) }
                @if orgs.is_empty() {
                    p.empty { (ctx.t("party-gap-near-none")) }
                } @else {
                    ul { @for (code, name, kind, d) in orgs {
                        li {
                            a href={ "/party/orgs/" (enc(code)) } { (name) } " " span.tag { (kind_label(ctx, kind)) }
                            " " span.muted { (format!("{:.0} m", d)) }
                        }
                    } }
                }
                @if service::reads_members(&who) {
                    h3 { (ctx.t("party-gap-members")) }
                    @if members.is_empty() {
                        p.empty { (ctx.t("party-gap-members-none")) }
                    } @else {
                        ul { @for (id, name, unit) in members {
                            li { a href={ "/party/members/" (id) } { (name) } " " span.muted { (unit) } }
                        } }
                    }
                }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Party,
        &ctx.t("party-coverage"),
        body,
    ))
}
