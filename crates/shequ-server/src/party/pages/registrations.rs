//! `/party/registrations`: double registration (双报到) in the user's area —
//! who registered, the posts they took, hours this year, who has not
//! served for six months — and the form that records a service, confirmed
//! by the neighbourhood user who enters it.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::party::registration::Hours;

use super::{principal, refusal, tabs};
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, figures, page};
use crate::app::state::Core;
use crate::party::service;

/// `GET /party/registrations`
pub async fn show(State(core): State<Core>, v: Viewer) -> PageResult<Markup> {
    render(&core, &v, None).await
}

async fn render(core: &Core, v: &Viewer, refused: Option<&AppError>) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let rows = service::registrations(core, &principal(&v.user)).await?;
    let hours: u32 = rows.iter().map(|(r, _)| r.hours_tenths.max(0) as u32).sum();
    let lapsed = rows.iter().filter(|(_, l)| *l).count();
    let figs = vec![
        (ctx.t("party-reg-count"), rows.len().to_string(), None),
        (
            ctx.t("party-reg-hours"),
            Hours::from_tenths(hours).to_string(),
            None,
        ),
        (ctx.t("party-reg-lapsed"), lapsed.to_string(), None),
    ];
    let today = core.today().to_string();
    let body = html! {
        (tabs(ctx, &v.user, "/party/registrations"))
        @if let Some(e) = refused { (refusal(ctx, e)) }
        p.muted { (ctx.t("party-reg-intro")) }
        (figures(&figs))
        @if v.user.role.manages_party() && !rows.is_empty() {
            form.stack method="post" action="/party/registrations/record" {
                h2 { (ctx.t("party-reg-record")) }
                div.field { label for="f-registration" { (ctx.t("party-reg-who")) }
                    select #f-registration name="registration" { @for (r, _) in &rows { option value=(r.id) { (r.name) } } } }
                div.field { label for="f-day" { (ctx.t("party-reg-day")) }
                    input #f-day name="day" type="date" required value=(today); }
                div.field { label for="f-hours" { (ctx.t("party-reg-hours-one")) }
                    input #f-hours name="hours" inputmode="decimal" required placeholder="2"; }
                div.field { label for="f-what" { (ctx.t("party-reg-what")) }
                    input #f-what name="what" required maxlength="200"; }
                button.primary type="submit" { (ctx.t("party-reg-record")) }
            }
        }
        @if rows.is_empty() {
            p.empty { (ctx.t("party-reg-none")) }
        } @else {
            div.table-wrap { table.cards {
                thead { tr {
                    th { (ctx.t("party-reg-who")) } th { (ctx.t("party-reg-posts")) }
                    th { (ctx.t("party-reg-where")) } th { (ctx.t("party-reg-hours")) }
                    th { (ctx.t("party-reg-last")) }
                } }
                tbody { @for (r, late) in &rows {
                    tr.overdue[*late] {
                        td data-label=(ctx.t("party-reg-who")) {
                            @if let Some(p) = r.person_id { a href={ "/party/members/" (p) } { (r.name) } } @else { (r.name) " " span.tag { (ctx.t("party-reg-unit")) } }
                        }
                        td data-label=(ctx.t("party-reg-posts")) { @for p in r.posts.split(',').filter(|p| !p.is_empty()) { span.tag { (p) } " " } }
                        td data-label=(ctx.t("party-reg-where")) { (r.region_name) }
                        td.num data-label=(ctx.t("party-reg-hours")) { (Hours::from_tenths(r.hours_tenths.max(0) as u32)) }
                        td data-label=(ctx.t("party-reg-last")) {
                            (r.last_served.as_deref().unwrap_or("–"))
                            @if *late { " " span.tag.tag-overdue { (ctx.t("party-reg-lapsed-tag")) } }
                            " · " a href={ "/party/registrations/" (r.id) } { (ctx.t("party-eval-open")) }
                        }
                    }
                } }
            } }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Party,
        &ctx.t("party-registrations"),
        body,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RecordForm {
    pub registration: String,
    pub day: String,
    pub hours: String,
    pub what: String,
}

/// `POST /party/registrations/record`
pub async fn record(
    State(core): State<Core>,
    v: Viewer,
    Form(f): Form<RecordForm>,
) -> PageResult<Response> {
    let id = f.registration.trim().parse::<i64>().unwrap_or(0);
    match service::record_service(&core, &principal(&v.user), id, &f.day, &f.hours, &f.what).await {
        Ok(_) => Ok(Redirect::to("/party/registrations").into_response()),
        Err(e @ AppError::Unprocessable(_)) => {
            let status = e.status();
            Ok((status, render(&core, &v, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// The form that registers a member or a unit organisation: the region
/// (from `regions`, code and name), the posts, the day.
pub(crate) fn register_form(
    ctx: &Ctx,
    action: &str,
    regions: &[(String, String)],
    today: &str,
) -> Markup {
    use shequ_domain::party::registration::SERVICE_POSTS;
    html! {
        form.stack method="post" action=(action) {
            div.field { label for="r-region" { (ctx.t("party-reg-where")) }
                select #r-region name="region" { @for (code, name) in regions { option value=(code) { (name) } } } }
            div.field { label for="r-posts" { (ctx.t("party-reg-posts")) }
                input #r-posts name="posts" required maxlength="200" list="r-posts-list" placeholder=(ctx.t("party-reg-posts-hint"));
                datalist #r-posts-list { @for p in SERVICE_POSTS { option value=(p) {} } }
                span.hint { (ctx.t("party-reg-posts-hint")) " · " (SERVICE_POSTS.join("、")) } }
            div.field { label for="r-on" { (ctx.t("party-reg-on")) }
                input #r-on name="registered_on" type="date" max=(today) value=(today); }
            button.primary type="submit" { (ctx.t("party-reg-submit")) }
        }
    }
}
