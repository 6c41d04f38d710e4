//! `/coop/teams`: the volunteer teams (志愿服务队) of the user's area with
//! the form that starts one; `/coop/teams/{id}`: a team's members with
//! each one's own phone link (to send by SMS), its activities, and the
//! forms that add a member or an activity; `/coop/activities/{id}`: who
//! signed up, who checked in, and the hours credited.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::{category, category_options, principal, tabs};
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, empty, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::coop::CoopState;
use crate::coop::service;
use crate::coop::volunteers::{self, ActivityInput, TeamInput};

/// Hours from tenths, as pages print them.
pub(crate) fn hours(tenths: i64) -> String {
    format!("{:.1}", tenths as f64 / 10.0)
}

/// `GET /coop/teams`
pub async fn list(State(core): State<CoopState>, v: Viewer) -> PageResult<Markup> {
    render_list(&core, &v, &TeamInput::default(), None).await
}

async fn render_list(
    core: &CoopState,
    v: &Viewer,
    f: &TeamInput,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let teams = volunteers::teams(core, &who).await?;
    let body = html! {
        (tabs(ctx, "/coop/teams"))
        p.muted { (ctx.t("coop-teams-intro")) }
        @if teams.is_empty() {
            (empty(ctx, "coop-teams-none"))
        } @else {
            div.table-wrap { table.cards {
                thead { tr {
                    th { (ctx.t("coop-team")) } th { (ctx.t("coop-category")) }
                    th { (ctx.t("coop-unit")) } th { (ctx.t("coop-members")) }
                    th { (ctx.t("coop-hours")) }
                } }
                tbody { @for t in &teams { tr {
                    td data-label=(ctx.t("coop-team")) { a href={ "/coop/teams/" (t.id) } { (t.name) } }
                    td data-label=(ctx.t("coop-category")) { (category(ctx, &t.category)) }
                    td data-label=(ctx.t("coop-unit")) { (t.unit_name.as_deref().unwrap_or("—")) }
                    td data-label=(ctx.t("coop-members")) { (t.members) }
                    td data-label=(ctx.t("coop-hours")) { (hours(t.hours_tenths)) }
                } } }
            } }
        }
        @if service::may_write(&who) {
            h2 #new-team { (ctx.t("coop-team-new")) }
            @if let Some(e) = refused { (refusal(ctx, e)) }
            form.stack method="post" action="/coop/teams" {
                div.field { label for="t-name" { (ctx.t("coop-team-name")) } input #t-name name="name" value=(f.name) required; }
                div.field { label for="t-category" { (ctx.t("coop-category")) }
                    select #t-category name="category" { (category_options(ctx, &f.category)) } }
                div.field { label for="t-unit" { (ctx.t("coop-team-unit")) } input #t-unit name="unit" value=(f.unit); }
                div.field { label for="t-leader" { (ctx.t("coop-leader")) } input #t-leader name="leader" value=(f.leader); }
                button.primary type="submit" { (ctx.t("coop-team-submit")) }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Coop,
        &ctx.t("coop-title-teams"),
        body,
    ))
}

/// `POST /coop/teams`
pub async fn create(
    State(core): State<CoopState>,
    v: Viewer,
    Form(f): Form<TeamInput>,
) -> PageResult<Response> {
    match volunteers::create_team(&core, &principal(&v.user), &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/coop/teams/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render_list(&core, &v, &f, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /coop/teams/{id}`
pub async fn show(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    render(&core, &v, id, None, &ActivityInput::default()).await
}

fn when(ctx: &Ctx, a: i64, b: i64) -> String {
    let (a, b) = (ctx.time(a), ctx.time(b));
    // The same day: the end's time only.
    match (a.get(..10), b.get(11..16)) {
        (Some(day), Some(t)) if b.starts_with(day) => {
            format!("{} ~ {t}", a.get(..16).unwrap_or(&a))
        }
        _ => format!(
            "{} ~ {}",
            a.get(..16).unwrap_or(&a),
            b.get(..16).unwrap_or(&b)
        ),
    }
}

async fn render(
    core: &CoopState,
    v: &Viewer,
    id: i64,
    refused: Option<&AppError>,
    f: &ActivityInput,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let d = volunteers::team(core, &who, id).await?;
    let t = &d.team;
    let writes = service::may_write(&who);
    let (start, end) = super::times_or_next_hour(core, &f.starts_at, &f.ends_at, 2);
    let body = html! {
        (tabs(ctx, "/coop/teams"))
        @if let Some(e) = refused { (refusal(ctx, e)) }
        dl.facts {
            dt { (ctx.t("coop-category")) } dd { (category(ctx, &t.category)) }
            dt { (ctx.t("coop-unit")) } dd { (t.unit_name.as_deref().unwrap_or("—")) }
            dt { (ctx.t("coop-leader")) } dd { (t.leader) }
            dt { (ctx.t("coop-hours")) } dd { (hours(t.hours_tenths)) }
        }
        h2 { (ctx.t("coop-activities")) }
        @if d.activities.is_empty() {
            (empty(ctx, "coop-activities-none"))
        } @else {
            ul #activities { @for a in &d.activities {
                li { a href={ "/coop/activities/" (a.id) } { (a.title) } " · " (when(ctx, a.starts_at, a.ends_at))
                     " · " (a.place_name) " · " (a.signed) "/" (a.capacity) }
            } }
        }
        @if writes {
            h3 { (ctx.t("coop-activity-new")) }
            form.stack method="post" action={ "/coop/teams/" (t.id) "/activities" } {
                div.field { label for="a-title" { (ctx.t("coop-activity-title")) } input #a-title name="title" value=(f.title) required; }
                div.field { label for="a-place" { (ctx.t("coop-place")) }
                    p.muted #a-place-hint { (ctx.t("coop-place-hint")) }
                    input #a-place name="place" value=(f.place) aria-describedby="a-place-hint" required; }
                div.field { label for="a-start" { (ctx.t("coop-starts-at")) } input #a-start name="starts_at" type="datetime-local" value=(start) required; }
                div.field { label for="a-end" { (ctx.t("coop-ends-at")) } input #a-end name="ends_at" type="datetime-local" value=(end) required; }
                div.field { label for="a-cap" { (ctx.t("coop-places")) } input #a-cap name="capacity" inputmode="numeric" value=(f.capacity) required; }
                button.primary type="submit" { (ctx.t("coop-activity-submit")) }
            }
        }
        h2 { (ctx.t("coop-members")) }
        p.muted { (ctx.t("coop-links-intro")) }
        @if d.members.is_empty() {
            (empty(ctx, "coop-members-none"))
        } @else {
            ul #members { @for (m, link) in &d.members {
                li { (m.name) " · " a.volunteer-link href=(link) { (ctx.t("coop-own-link")) } }
            } }
        }
        @if writes {
            form.inline method="post" action={ "/coop/teams/" (t.id) "/members" } {
                label { (ctx.t("coop-member-add")) " " input name="person" size="20" placeholder=(ctx.t("coop-member-hint")); }
                button type="submit" { (ctx.t("coop-member-submit")) }
            }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Coop, &t.name, body))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberForm {
    pub person: String,
}

/// `POST /coop/teams/{id}/members`
pub async fn add_member(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<MemberForm>,
) -> PageResult<Response> {
    match volunteers::add_member(&core, &principal(&v.user), id, &f.person).await {
        Ok(_) => Ok(Redirect::to(&format!("/coop/teams/{id}#members")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((
                status,
                render(&core, &v, id, Some(&e), &ActivityInput::default()).await?,
            )
                .into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `POST /coop/teams/{id}/activities`
pub async fn create_activity(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<ActivityInput>,
) -> PageResult<Response> {
    match volunteers::create_activity(&core, &principal(&v.user), id, &f).await {
        Ok(a) => Ok(Redirect::to(&format!("/coop/activities/{a}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render(&core, &v, id, Some(&e), &f).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /coop/activities/{id}`
pub async fn activity(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let (a, signups) = volunteers::activity(&core, &who, id).await?;
    let body = html! {
        (tabs(ctx, "/coop/teams"))
        dl.facts {
            dt { (ctx.t("coop-team")) } dd { a href={ "/coop/teams/" (a.team_id) } { (a.team_name) } }
            dt { (ctx.t("coop-window")) } dd { (when(ctx, a.starts_at, a.ends_at)) }
            dt { (ctx.t("coop-place")) } dd { (a.place_name) }
            dt { (ctx.t("coop-places")) } dd { (a.signed) " / " (a.capacity) }
            dt { (ctx.t("coop-checked-in")) } dd { (a.checked_in) }
        }
        @if signups.is_empty() {
            (empty(ctx, "coop-signups-none"))
        } @else {
            div.table-wrap { table.cards #signups {
                thead { tr { th { (ctx.t("coop-volunteer")) } th { (ctx.t("coop-checked-in")) } th { (ctx.t("coop-hours")) } th { (ctx.t("coop-on-record")) } } }
                tbody { @for s in &signups { tr {
                    td data-label=(ctx.t("coop-volunteer")) { (s.name) }
                    td data-label=(ctx.t("coop-checked-in")) { @if let Some(at) = s.checked_in_at { (ctx.time(at)) } @else { "—" } }
                    td data-label=(ctx.t("coop-hours")) { @if let Some(h) = s.hours_tenths { (hours(h)) } @else { "—" } }
                    td data-label=(ctx.t("coop-on-record")) { @if s.service_record.is_some() { (ctx.t("coop-yes")) } @else { "—" } }
                } } }
            } }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Coop, &a.title, body))
}
