//! `/party/members/{id}`: one member — standing (with an overdue
//! conversion flagged), unit, where they have been, their transfers — and
//! the form that requests a transfer. The read is logged. Numbers stay
//! masked on the registry's person page, where the logged reveal is.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::{principal, refusal, tabs};
use crate::app::access::ClientAddr;
use crate::app::error::AppError;
use crate::app::page::ctx::{PageError, PageResult, Viewer, enc};
use crate::app::page::layout::{Nav, page};
use crate::app::state::Core;
use crate::party::api::{TransferBody, member_out, request};
use crate::party::service;

/// `GET /party/members/{id}`
pub async fn show(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    render(&core, &v, &addr, id, None).await
}

async fn render(
    core: &Core,
    v: &Viewer,
    addr: &ClientAddr,
    id: i64,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let row = service::member_in_view(core, &who, id, addr).await?;
    let m = member_out(&row, core.today())?;
    let path = core.store.party_member_path(id).await?;
    let transfers = core.store.transfers_of(id).await?;
    let open = transfers
        .iter()
        .any(|t| t.state == "requested" || t.state == "accepted");
    // The member's double registration in the viewer's area, this year.
    let registration = core
        .store
        .registrations_in(&v.user.scope, chrono::Datelike::year(&core.today()))
        .await?
        .into_iter()
        .find(|r| r.person_id == Some(id));
    // The neighbourhood the member lives in, where they register.
    let home = core
        .store
        .regions_in(&v.user.scope)
        .await?
        .into_iter()
        .find(|r| r.kind == "neighbourhood" && row.region_path.starts_with(&r.path));
    let body = html! {
        (tabs(ctx, &v.user, ""))
        @if let Some(e) = refused { (refusal(ctx, e)) }
        dl.facts {
            dt { (ctx.t("party-org")) } dd { a href={ "/party/orgs/" (enc(&m.org_code)) } { (m.org_name) } }
            dt { (ctx.t("party-standing")) } dd {
                (ctx.label("party-standing", &m.standing))
                @if let Some(end) = &m.probation_end { " · " (ctx.t("party-probation-end")) " " (end) }
                @if m.conversion_overdue { " " span.tag.tag-overdue { (ctx.t("party-conversion-overdue")) } }
            }
            dt { (ctx.t("party-joined")) } dd { (m.joined_on) }
            @if let Some(c) = &m.converted_on { dt { (ctx.t("party-converted")) } dd { (c) } }
            dt { (ctx.t("party-unit")) } dd { @if m.unit.is_empty() { "–" } @else { (m.unit) } }
            @if m.mobile { dt { (ctx.t("party-mobile")) } dd { (ctx.t("party-yes")) } }
            @if v.user.role.reads_residents() {
                dt { (ctx.t("party-registry")) } dd { a href={ "/people/" (id) } { (ctx.t("party-registry-link")) } }
            }
        }
        section aria-labelledby="h-path" {
            h2 #h-path { (ctx.t("party-path")) }
            ol.changes { @for s in &path {
                li {
                    a href={ "/party/orgs/" (enc(&s.org_code)) } { (s.org_name) } " · " (s.from_day) " – "
                    @match &s.to_day { Some(t) => (t), None => (ctx.t("party-now")) }
                }
            } }
        }
        @if let Some(r) = &registration {
            section aria-labelledby="h-services" {
                h2 #h-services { (ctx.t("party-member-services")) }
                p {
                    (r.region_name) " · " (r.registered_on) " · "
                    @for p in r.posts.split(',').filter(|p| !p.is_empty()) { span.tag { (p) } " " }
                }
                p {
                    (ctx.t("party-reg-hours")) " " strong { (shequ_domain::party::registration::Hours::from_tenths(r.hours_tenths.max(0) as u32)) }
                    " · " (ctx.t("party-reg-last")) " " (r.last_served.as_deref().unwrap_or("–"))
                    " · " a href={ "/party/registrations/" (r.id) } { (ctx.t("party-eval-open")) }
                }
            }
        }
        @if !transfers.is_empty() {
            section aria-labelledby="h-transfers" {
                h2 #h-transfers { (ctx.t("party-transfers")) }
                ul { @for t in &transfers {
                    li {
                        (t.requested_on) " · "
                        (t.from_name.as_deref().or(t.from_outside.as_deref()).unwrap_or("–")) " → "
                        (t.to_name.as_deref().or(t.to_outside.as_deref()).unwrap_or("–")) " · "
                        span.tag { (ctx.label("party-transfer-state", &t.state)) }
                    }
                } }
            }
        }
        @if v.user.role.manages_party() && registration.is_none() {
            @if let Some(home) = &home {
                section aria-labelledby="h-register" {
                    h2 #h-register { (ctx.t("party-reg-new")) }
                    p.muted { (ctx.t("party-reg-new-hint")) }
                    (super::registrations::register_form(ctx, &format!("/party/members/{id}/register"), &[(home.code.clone(), home.name.clone())], &core.today().to_string()))
                }
            }
        }
        @if v.user.role.manages_party() && !open {
            section aria-labelledby="h-transfer" {
                h2 #h-transfer { (ctx.t("party-transfer-request")) }
                form.stack method="post" action={ "/party/members/" (id) "/transfer" } {
                    div.field { label for="f-to" { (ctx.t("party-transfer-to")) }
                        input #f-to name="to" maxlength="40";
                        span.hint { (ctx.t("party-transfer-to-hint")) } }
                    div.field { label for="f-to_outside" { (ctx.t("party-transfer-outside")) }
                        input #f-to_outside name="to_outside" maxlength="200"; }
                    div.field { label for="f-letter_no" { (ctx.t("party-letter")) }
                        input #f-letter_no name="letter_no" maxlength="60"; }
                    button.primary type="submit" { (ctx.t("party-transfer-request")) }
                }
            }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Party, &m.name, body))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TransferForm {
    pub to: String,
    pub to_outside: String,
    pub letter_no: String,
}

/// `POST /party/members/{id}/transfer`
pub async fn transfer(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Form(f): Form<TransferForm>,
) -> PageResult<Response> {
    let body = TransferBody {
        person_id: id,
        to: Some(f.to),
        to_outside: Some(f.to_outside),
        letter_no: Some(f.letter_no),
        note: None,
    };
    match request(&core, &principal(&v.user), &body, &addr).await {
        Ok(_) => Ok(Redirect::to("/party/transfers").into_response()),
        Err(e @ (AppError::Unprocessable(_) | AppError::Refused { .. })) => {
            let status = e.status();
            Ok((status, render(&core, &v, &addr, id, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `POST /party/members/{id}/register`
pub async fn register(
    State(core): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    form: crate::app::page::form::FormData,
) -> PageResult<Response> {
    let who = principal(&v.user);
    let registrant = service::Registrant::Member(id);
    match service::register(
        &core,
        &who,
        &registrant,
        form.get("region"),
        form.get("posts"),
        form.get("registered_on"),
        &addr,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/party/members/{id}#h-services")).into_response()),
        Err(e) if super::shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render(&core, &v, &addr, id, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}
