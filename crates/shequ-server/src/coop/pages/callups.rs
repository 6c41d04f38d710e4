//! `/coop/callups`: the call-ups (应急响应) of the user's area and the
//! form that issues one; `/coop/callups/{id}`: its duty posts — each
//! shift with who answered, who is on duty now, the posts still short of
//! people flagged — the form that opens a post, the registered members'
//! own links to send the call to, and closing it.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::teams::hours;
use super::{principal, tabs};
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, empty, figures, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::coop::CoopState;
use crate::coop::callups::{self, PostInput};
use crate::coop::service;

fn shift(ctx: &Ctx, a: i64, b: i64) -> String {
    let (a, b) = (ctx.time(a), ctx.time(b));
    format!(
        "{} ~ {}",
        a.get(..16).unwrap_or(&a),
        b.get(11..16).unwrap_or(&b)
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IssueForm {
    pub title: String,
}

/// `GET /coop/callups`
pub async fn list(State(core): State<CoopState>, v: Viewer) -> PageResult<Markup> {
    render_list(&core, &v, None).await
}

async fn render_list(
    core: &CoopState,
    v: &Viewer,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let rows = callups::callups(core, &who).await?;
    let body = html! {
        (tabs(ctx, "/coop/callups"))
        p.muted { (ctx.t("coop-callups-intro")) }
        @if rows.is_empty() {
            (empty(ctx, "coop-callups-none"))
        } @else {
            div.table-wrap { table.cards #callups {
                thead { tr {
                    th { (ctx.t("coop-callup")) } th { (ctx.t("coop-area")) } th { (ctx.t("coop-posts")) }
                    th { (ctx.t("coop-answered")) } th { (ctx.t("coop-status")) }
                } }
                tbody { @for c in &rows { tr {
                    td data-label=(ctx.t("coop-callup")) { a href={ "/coop/callups/" (c.id) } { (c.title) } }
                    td data-label=(ctx.t("coop-area")) { (c.region_name) }
                    td data-label=(ctx.t("coop-posts")) { (c.posts) }
                    td data-label=(ctx.t("coop-answered")) { (c.answered) " / " (c.needed) }
                    td data-label=(ctx.t("coop-status")) {
                        @if c.closed_at.is_some() { span.tag { (ctx.t("coop-callup-closed")) } } @else { span.tag.warn { (ctx.t("coop-callup-open")) } }
                    }
                } } }
            } }
        }
        @if service::may_write(&who) {
            h2 #issue { (ctx.t("coop-callup-issue")) }
            @if let Some(e) = refused { (refusal(ctx, e)) }
            form.inline method="post" action="/coop/callups" {
                label { (ctx.t("coop-callup-title")) " " input name="title" size="30" required; }
                button.primary type="submit" { (ctx.t("coop-callup-submit")) }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Coop,
        &ctx.t("coop-title-callups"),
        body,
    ))
}

/// `POST /coop/callups`
pub async fn issue(
    State(core): State<CoopState>,
    v: Viewer,
    Form(f): Form<IssueForm>,
) -> PageResult<Response> {
    match callups::issue(&core, &principal(&v.user), &f.title).await {
        Ok(id) => Ok(Redirect::to(&format!("/coop/callups/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render_list(&core, &v, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /coop/callups/{id}`
pub async fn show(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    render(&core, &v, id, None, &PostInput::default()).await
}

async fn render(
    core: &CoopState,
    v: &Viewer,
    id: i64,
    refused: Option<&AppError>,
    f: &PostInput,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let d = callups::callup(core, &who, id).await?;
    let c = &d.callup;
    let open = c.closed_at.is_none();
    let writes = service::may_write(&who) && open;
    let short = d.posts.iter().filter(|p| p.short).count();
    let (start, end) = super::times_or_next_hour(core, &f.starts_at, &f.ends_at, 4);
    let on_duty: usize = d.posts.iter().map(|p| p.on_duty).sum();
    let body = html! {
        (tabs(ctx, "/coop/callups"))
        (figures(&[
            (ctx.t("coop-answered"), format!("{} / {}", c.answered, c.needed), None),
            (ctx.t("coop-on-duty-now"), on_duty.to_string(), None),
            (ctx.t("coop-posts-short"), short.to_string(), None),
        ]))
        @if let Some(e) = refused { (refusal(ctx, e)) }
        @if !open { p.notice { (ctx.t("coop-callup-closed")) " · " (ctx.time(c.closed_at.unwrap_or(0))) } }
        @if d.posts.is_empty() {
            (empty(ctx, "coop-posts-none"))
        } @else {
            div.table-wrap { table.cards #posts {
                thead { tr {
                    th { (ctx.t("coop-post")) } th { (ctx.t("coop-shift")) } th { (ctx.t("coop-answered")) }
                    th { (ctx.t("coop-on-duty-now")) } th { (ctx.t("coop-who")) }
                } }
                tbody { @for p in &d.posts { tr.overdue[p.short] {
                    td data-label=(ctx.t("coop-post")) { (p.post.name) @if let Some(pl) = &p.post.place_name { br; small.muted { (pl) } } }
                    td data-label=(ctx.t("coop-shift")) { (shift(ctx, p.post.starts_at, p.post.ends_at)) }
                    td data-label=(ctx.t("coop-answered")) {
                        (p.post.answered) " / " (p.post.needed)
                        @if p.short { " " span.tag.warn { (ctx.t("coop-short")) } }
                    }
                    td data-label=(ctx.t("coop-on-duty-now")) { (p.on_duty) }
                    td data-label=(ctx.t("coop-who")) {
                        @for a in &p.answers {
                            span.tag { (a.name) @if let Some(h) = a.hours_tenths { " ✓" (hours(h)) } } " "
                        }
                    }
                } } }
            } }
        }
        @if writes {
            h2 { (ctx.t("coop-post-new")) }
            form.stack method="post" action={ "/coop/callups/" (c.id) "/posts" } {
                div.field { label for="c-name" { (ctx.t("coop-post-name")) } input #c-name name="name" value=(f.name) required placeholder=(ctx.t("coop-post-hint")); }
                div.field { label for="c-place" { (ctx.t("coop-place")) } input #c-place name="place" value=(f.place); }
                div.field { label for="c-start" { (ctx.t("coop-starts-at")) } input #c-start name="starts_at" type="datetime-local" value=(start) required; }
                div.field { label for="c-end" { (ctx.t("coop-ends-at")) } input #c-end name="ends_at" type="datetime-local" value=(end) required; }
                div.field { label for="c-needed" { (ctx.t("coop-needed")) } input #c-needed name="needed" inputmode="numeric" value=(f.needed) required; }
                button.primary type="submit" { (ctx.t("coop-post-submit")) }
            }
            form method="post" action={ "/coop/callups/" (c.id) "/close" } {
                button type="submit" { (ctx.t("coop-callup-close")) }
            }
        }
        @if open && !d.members.is_empty() {
            h2 { (ctx.t("coop-call-members")) }
            p.muted { (ctx.t("coop-call-members-intro")) }
            ul #call-links { @for (name, link) in &d.members { li { (name) " · " a.volunteer-link href=(link) { (ctx.t("coop-own-link")) } } } }
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::Coop, &c.title, body))
}

/// `POST /coop/callups/{id}/posts`
pub async fn add_post(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<PostInput>,
) -> PageResult<Response> {
    match callups::add_post(&core, &principal(&v.user), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/coop/callups/{id}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            Ok((status, render(&core, &v, id, Some(&e), &f).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `POST /coop/callups/{id}/close`
pub async fn close(
    State(core): State<CoopState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    callups::close(&core, &principal(&v.user), id)
        .await
        .map_err(PageError)?;
    Ok(Redirect::to(&format!("/coop/callups/{id}")).into_response())
}
