//! `/coop/units`: the units resident in the user's area (驻区单位) —
//! kind, place, party organisation, contact, and how much each takes
//! part — with the form that registers one; `/coop/units/{id}`: one unit
//! with its resources.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use shequ_domain::coop::UnitKind;

use super::{amount, category, principal, tabs};
use crate::app::error::AppError;
use crate::app::page::ctx::{PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, empty, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::coop::CoopState;
use crate::coop::service::{self, UnitInput};

/// `GET /coop/units`
pub async fn list(State(core): State<CoopState>, v: Viewer) -> PageResult<Markup> {
    render_list(&core, &v, &UnitInput::default(), None).await
}

async fn render_list(
    core: &CoopState,
    v: &Viewer,
    f: &UnitInput,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let units = service::units(core, &who).await?;
    let body = html! {
        (tabs(ctx, "/coop/units"))
        p.muted { (ctx.t("coop-units-intro")) }
        @if units.is_empty() {
            (empty(ctx, "coop-units-none"))
        } @else {
            div.table-wrap { table.cards {
                thead { tr {
                    th { (ctx.t("coop-unit")) } th { (ctx.t("coop-unit-kind")) }
                    th { (ctx.t("coop-neighbourhood")) } th { (ctx.t("coop-party-org")) }
                    th { (ctx.t("coop-resources")) } th { (ctx.t("coop-projects")) }
                } }
                tbody { @for u in &units { tr {
                    td data-label=(ctx.t("coop-unit")) { a href={ "/coop/units/" (u.id) } { (u.name) } br; small.muted { (u.code) } }
                    td data-label=(ctx.t("coop-unit-kind")) { (ctx.label("coop-unit-kind", &u.kind)) }
                    td data-label=(ctx.t("coop-neighbourhood")) { (u.neighbourhood.as_deref().unwrap_or(&u.region_name)) }
                    td data-label=(ctx.t("coop-party-org")) { (u.party_org_name.as_deref().unwrap_or("—")) }
                    td data-label=(ctx.t("coop-resources")) { (u.resources) }
                    td data-label=(ctx.t("coop-projects")) { (u.projects) }
                } } }
            } }
        }
        @if service::may_write(&who) {
            h2 #register { (ctx.t("coop-register")) }
            @if let Some(e) = refused { (refusal(ctx, e)) }
            form.stack method="post" action="/coop/units" {
                div.field { label for="u-name" { (ctx.t("coop-unit-name")) }
                    input #u-name name="name" value=(f.name) required; }
                div.field { label for="u-kind" { (ctx.t("coop-unit-kind")) }
                    select #u-kind name="kind" { @for k in UnitKind::ALL {
                        option value=(k.as_str()) selected[k.as_str() == f.kind] { (ctx.label("coop-unit-kind", k.as_str())) }
                    } } }
                div.field { label for="u-place" { (ctx.t("coop-place")) }
                    p.muted #u-place-hint { (ctx.t("coop-place-hint")) }
                    input #u-place name="place" value=(f.place) aria-describedby="u-place-hint" required; }
                div.field { label for="u-org" { (ctx.t("coop-party-org-code")) }
                    input #u-org name="party_org" value=(f.party_org); }
                div.field { label for="u-contact" { (ctx.t("coop-contact")) }
                    input #u-contact name="contact_name" value=(f.contact_name); }
                div.field { label for="u-phone" { (ctx.t("coop-phone")) }
                    input #u-phone name="contact_phone" type="tel" value=(f.contact_phone); }
                div.field { label for="u-staff" { (ctx.t("coop-staff")) }
                    input #u-staff name="staff" inputmode="numeric" value=(f.staff); }
                div.field { label for="u-offers" { (ctx.t("coop-offers")) }
                    textarea #u-offers name="offers" rows="2" { (f.offers) } }
                button.primary type="submit" { (ctx.t("coop-register-submit")) }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Coop,
        &ctx.t("coop-title-units"),
        body,
    ))
}

/// `POST /coop/units`
pub async fn save(
    State(core): State<CoopState>,
    v: Viewer,
    Form(f): Form<UnitInput>,
) -> PageResult<Response> {
    match service::save_unit(&core, &principal(&v.user), &f).await {
        Ok((id, _)) => Ok(Redirect::to(&format!("/coop/units/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render_list(&core, &v, &f, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /coop/units/{id}`
pub async fn show(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let d = service::unit(&core, &who, id).await?;
    let u = &d.unit;
    let body = html! {
        (tabs(ctx, "/coop/units"))
        dl.facts {
            dt { (ctx.t("coop-code")) } dd { (u.code) }
            dt { (ctx.t("coop-unit-kind")) } dd { (ctx.label("coop-unit-kind", &u.kind)) }
            dt { (ctx.t("coop-place")) } dd { (u.place_name) " · " (u.region_name) }
            dt { (ctx.t("coop-party-org")) } dd { (u.party_org_name.as_deref().unwrap_or("—")) }
            dt { (ctx.t("coop-contact")) } dd { (u.contact_name) " " (u.contact_phone) }
            dt { (ctx.t("coop-staff")) } dd { (u.staff) }
            @if !u.offers.is_empty() { dt { (ctx.t("coop-offers")) } dd { (u.offers) } }
            dt { (ctx.t("coop-projects")) } dd { (u.projects) }
        }
        h2 { (ctx.t("coop-resources")) }
        @if d.resources.is_empty() {
            (empty(ctx, "coop-resources-none"))
        } @else {
            ul { @for r in &d.resources {
                li { a href={ "/coop/resources/" (r.id) } { (r.title) } " · " (category(ctx, &r.category))
                     " · " (amount(ctx, r.capacity, &r.capacity_unit)) }
            } }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Coop, &u.name, body))
}
