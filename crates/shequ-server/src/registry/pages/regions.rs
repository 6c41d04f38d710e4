//! The region tree of the user's scope, and one region: breadcrumbs,
//! outline, children, figures and places.

use axum::extract::{Path, State};
use maud::{Markup, html};
use shequ_domain::{CareTag, RegionPath};
use shequ_store::places::PlaceQuery;
use shequ_store::{Paging, Scope};

use crate::app::access::ClientAddr;
use crate::app::access::deny;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::layout::Nav;
use crate::app::page::layout::figures;
use crate::app::page::layout::page;
use crate::app::page::outline::Shape;
use crate::app::page::outline::outline;
use crate::app::state::Core;
use crate::registry::api::regions::RegionNode;
use crate::registry::api::regions::build_tree;

/// How many places a region page lists before linking to the full list.
const PLACES_SHOWN: u32 = 20;

fn node(ctx: &Ctx, n: &RegionNode, depth: usize) -> Markup {
    let line = html! {
        a href={ "/regions/" (n.code) } { (n.name) }
        " " span.tag { (ctx.label("region", &n.kind)) }
        @if !n.children.is_empty() {
            " " span.muted { "(" (n.children.len()) ")" }
        }
    };
    html! {
        li {
            @if n.children.is_empty() {
                span.leaf { (line) }
            } @else {
                details open[depth == 0] {
                    summary { (line) }
                    ul.tree { @for c in &n.children { (node(ctx, c, depth + 1)) } }
                }
            }
        }
    }
}

/// `GET /regions`
pub async fn tree(State(state): State<Core>, v: Viewer) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let forest = build_tree(state.store.regions_in(&v.user.scope).await?);
    let body = html! {
        p.muted { (ctx.t("regions-intro")) }
        @if forest.is_empty() {
            p.empty { (ctx.t("regions-none")) }
        } @else {
            ul.tree.tree-root { @for n in &forest { (node(ctx, n, 0)) } }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Regions,
        &ctx.t("regions-title"),
        body,
    ))
}

/// `GET /regions/{code}`; a region outside the scope is refused and logged.
pub async fn detail(
    State(state): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(code): Path<String>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let found = state
        .store
        .region_by_code(&code)
        .await?
        .ok_or(AppError::NotFound("region"))?;
    let path = RegionPath::parse(&found.region.path)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored region path: {e}")))?;
    if !v.user.scope.contains(path.as_str()) {
        let who = Principal::User(Box::new(v.user.clone()));
        return Err(
            deny(&state, &who, "region", code, Some(found.region.path), &addr)
                .await
                .into(),
        );
    }
    let sub = Scope::under(&path);
    let shapes = state.store.region_shapes_in(&sub).await?;
    let children: Vec<_> = shapes
        .iter()
        .filter(|r| r.region.parent_id == Some(found.region.id))
        .collect();
    let ancestors = state.store.region_ancestry(&path).await?;
    let places_by_kind = state.store.count_places_by_kind(&sub).await?;
    let places = state
        .store
        .places_in(
            &sub,
            &PlaceQuery::default(),
            Paging::new(Some(1), Some(PLACES_SHOWN)),
        )
        .await?;
    let people = if v.user.role.reads_residents() {
        Some(state.store.population_summary(&sub).await?)
    } else {
        None
    };
    let hrefs: Vec<String> = children
        .iter()
        .map(|c| format!("/regions/{}", c.region.code))
        .collect();
    let kid_shapes: Vec<Shape<'_>> = children
        .iter()
        .zip(&hrefs)
        .map(|(c, h)| Shape {
            href: h,
            name: &c.region.name,
            polygon: c.polygon.as_deref(),
        })
        .collect();
    let self_href = format!("/regions/{}", found.region.code);
    let map = outline(
        &ctx.t("regions-outline"),
        Shape {
            href: &self_href,
            name: &found.region.name,
            polygon: found.polygon.as_deref(),
        },
        &kid_shapes,
    );

    let mut figs = Vec::new();
    let q = format!("region={}", found.region.code);
    if let Some(p) = &people {
        let alone = p
            .tags
            .iter()
            .find(|(t, _)| t == CareTag::ELDERLY_LIVING_ALONE)
            .map_or(0, |(_, n)| *n);
        figs.push((
            ctx.t("home-residents"),
            p.residents.to_string(),
            Some(format!("/people?{q}")),
        ));
        figs.push((ctx.t("home-households"), p.households.to_string(), None));
        figs.push((ctx.t("home-migrants"), p.migrants.to_string(), None));
        if p.non_residents > 0 {
            figs.push((
                ctx.t("home-non-residents"),
                p.non_residents.to_string(),
                None,
            ));
        }
        figs.push((
            ctx.t("home-elderly-alone"),
            alone.to_string(),
            Some(format!("/people?{q}&tag={}", CareTag::ELDERLY_LIVING_ALONE)),
        ));
    }
    figs.push((
        ctx.t("home-places"),
        places.total.to_string(),
        Some(format!("/places?{q}")),
    ));

    let body = html! {
        nav.crumbs aria-label=(ctx.t("breadcrumbs")) {
            ol {
                @for a in &ancestors {
                    li {
                        @if a.id == found.region.id {
                            span aria-current="page" { (a.name) }
                        } @else if v.user.scope.contains(&a.path) {
                            a href={ "/regions/" (a.code) } { (a.name) }
                        } @else {
                            span { (a.name) }
                        }
                    }
                }
            }
        }
        p { span.tag { (ctx.label("region", &found.region.kind)) } " " span.muted { (ctx.t("regions-code")) " " (found.region.code) } }
        (figures(&figs))
        div.split {
            @if let Some(svg) = map {
                figure.map { (svg) figcaption.muted { (ctx.t("regions-outline-note")) } }
            }
            section {
                h2 { (ctx.t("regions-children")) }
                @if children.is_empty() {
                    p.empty { (ctx.t("regions-no-children")) }
                } @else {
                    ul.links {
                        @for c in &children {
                            li { a href={ "/regions/" (c.region.code) } { (c.region.name) } " " span.tag { (ctx.label("region", &c.region.kind)) } }
                        }
                    }
                }
                @if !places_by_kind.is_empty() {
                    h2 { (ctx.t("home-places-by-kind")) }
                    ul.counts {
                        @for (kind, n) in &places_by_kind {
                            li { a href={ "/places?" (q) "&kind=" (kind) } { (ctx.label("place", kind)) } span.count { (n) } }
                        }
                    }
                }
            }
        }
        section {
            h2 { (ctx.t("regions-places")) }
            @if places.items.is_empty() {
                p.empty { (ctx.t("places-none")) }
            } @else {
                ul.links.columns {
                    @for p in &places.items {
                        li { a href={ "/places/" (p.id) } { (p.name) } " " span.muted { (ctx.label("place", &p.kind)) } }
                    }
                }
                @if places.total > i64::from(PLACES_SHOWN) {
                    p { a href={ "/places?" (q) } { (ctx.t("regions-all-places")) " (" (places.total) ")" } }
                }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Regions,
        &found.region.name,
        body,
    ))
}
