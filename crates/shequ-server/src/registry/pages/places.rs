//! Places: the list with kind and name filters, and one place with its
//! households when it is a residential building.

use axum::extract::{Path, Query, State};
use fluent_bundle::FluentValue;
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::PlaceKind;
use shequ_store::Paging;
use shequ_store::places::PlaceQuery;

use crate::app::access::ClientAddr;
use crate::app::access::scope_for_region;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::error::FieldError;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::layout::Nav;
use crate::app::page::layout::empty;
use crate::app::page::layout::page;
use crate::app::page::layout::pager;
use crate::app::state::Core;
use crate::registry::api::places::place_for;

const PAGE_SIZE: u32 = 50;

/// Filters of the place list, as text (hand-edited URLs never fail).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlaceFilter {
    pub kind: String,
    pub q: String,
    pub region: String,
    pub page: String,
}

/// `GET /places?kind=&q=&region=&page=`
pub async fn list(
    State(state): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Query(f): Query<PlaceFilter>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let kind = Some(f.kind.trim())
        .filter(|k| !k.is_empty())
        .map(PlaceKind::parse)
        .transpose()
        .map_err(|e| AppError::Unprocessable(vec![FieldError::from_invalid("kind", &e)]))?;
    let who = Principal::User(Box::new(v.user.clone()));
    let region = Some(f.region.trim()).filter(|r| !r.is_empty());
    let scope = scope_for_region(&state, &who, region, &addr).await?;
    let q = Some(f.q.trim().to_owned()).filter(|q| !q.is_empty());
    let found = state
        .store
        .places_in(
            &scope,
            &PlaceQuery {
                kind,
                name_prefix: q,
            },
            Paging::new(f.page.trim().parse().ok(), Some(PAGE_SIZE)),
        )
        .await?;
    let params = [
        ("kind", f.kind.clone()),
        ("q", f.q.trim().to_owned()),
        ("region", f.region.clone()),
    ];
    let body = html! {
        form.filters method="get" action="/places" role="search" {
            @if region.is_some() {
                input type="hidden" name="region" value=(f.region);
            }
            div.field {
                label for="f-q" { (ctx.t("places-filter-name")) }
                input #f-q type="search" name="q" value=(f.q) autocomplete="off";
            }
            div.field {
                label for="f-kind" { (ctx.t("places-filter-kind")) }
                select #f-kind name="kind" {
                    option value="" { (ctx.t("filter-any")) }
                    @for k in PlaceKind::ALL {
                        option value=(k.as_str()) selected[kind == Some(*k)] { (ctx.label("place", k.as_str())) }
                    }
                }
            }
            div.field.field-button { button.primary type="submit" { (ctx.t("filter-apply")) } }
        }
        p.result-count { (ctx.t_args("places-total", &[("count", FluentValue::from(found.total))])) }
        @if found.items.is_empty() {
            (empty(ctx, "places-none"))
        } @else {
            div.table-wrap {
                table.cards {
                    thead { tr {
                        th scope="col" { (ctx.t("places-name")) }
                        th scope="col" { (ctx.t("places-kind")) }
                        th scope="col" { (ctx.t("person-address")) }
                        th scope="col" { (ctx.t("person-grid")) }
                    } }
                    tbody {
                        @for p in &found.items {
                            tr {
                                td data-label=(ctx.t("places-name")) { a href={ "/places/" (p.id) } { (p.name) } }
                                td data-label=(ctx.t("places-kind")) {
                                    (ctx.label("place", &p.kind))
                                    @if let Some(ft) = &p.facility_type { " · " (ctx.label("facility", ft)) }
                                }
                                td data-label=(ctx.t("person-address")) { (p.address) }
                                td data-label=(ctx.t("person-grid")) { (p.region_name) }
                            }
                        }
                    }
                }
            }
            (pager(ctx, "/places", &params, found.page, found.page_size, found.total))
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Places,
        &ctx.t("places-title"),
        body,
    ))
}

/// `GET /places/{id}`
pub async fn detail(
    State(state): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = Principal::User(Box::new(v.user.clone()));
    let p = place_for(&state, &who, id, &addr).await?;
    let residential = p.kind == PlaceKind::ResidentialBuilding.as_str();
    let households = if residential && v.user.role.reads_residents() {
        Some(
            state
                .store
                .households_in(
                    &v.user.scope,
                    Some(p.id),
                    Paging::new(Some(1), Some(Paging::MAX_PAGE_SIZE)),
                )
                .await?,
        )
    } else {
        None
    };
    let grid_code = p
        .region_path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let body = html! {
        dl.facts {
            dt { (ctx.t("places-kind")) }
            dd {
                (ctx.label("place", &p.kind))
                @if let Some(ft) = &p.facility_type { " · " (ctx.label("facility", ft)) }
            }
            dt { (ctx.t("person-address")) } dd { (p.address) }
            dt { (ctx.t("person-grid")) } dd { a href={ "/regions/" (grid_code) } { (p.region_name) } }
            dt { (ctx.t("places-location")) } dd.num { (format!("{:.5}, {:.5}", p.lon, p.lat)) }
            @if let Some(y) = p.built_year { dt { (ctx.t("places-built-year")) } dd { (y) } }
            @if let Some(n) = p.floors { dt { (ctx.t("places-floors")) } dd { (n) } }
            dt { (ctx.t("places-code")) } dd.num { (p.code) }
        }
        @if let Some(hs) = &households {
            section {
                h2 { (ctx.t("places-households")) " (" (hs.total) ")" }
                @if hs.items.is_empty() {
                    (empty(ctx, "places-no-households"))
                } @else {
                    ul.links.columns {
                        @for h in &hs.items {
                            li { a href={ "/households/" (h.id) } { (ctx.t_args("household-room-label", &[("room", FluentValue::from(h.room.as_str()))])) } }
                        }
                    }
                }
            }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Places, &p.name, body))
}
