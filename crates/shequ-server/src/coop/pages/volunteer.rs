//! `/v/{person}/{tag}`: a volunteer's own page, on a phone, behind the
//! signed link their team leader sends them (no login: the link opens
//! that volunteer's page and no other). The activities of their teams
//! for the month ahead, signing up, checking in at the activity, and the
//! hours credited this year — on their double registration (双报到) too
//! when they are a registered party member.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::teams::hours;
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult};
use crate::app::page::layout::{Nav, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::coop::CoopState;
use crate::coop::phone::{self, VolunteerView};
use crate::coop::volunteers;

/// `GET /v/{person}/{tag}`
pub async fn show(
    State(core): State<CoopState>,
    ctx: Ctx,
    Path((person, tag)): Path<(i64, String)>,
) -> PageResult<Markup> {
    let view = phone::volunteer(&core, person, &tag).await?;
    Ok(render(&ctx, &view, &tag, None))
}

fn render(ctx: &Ctx, v: &VolunteerView, tag: &str, refused: Option<&AppError>) -> Markup {
    let base = format!("/v/{}/{tag}", v.person_id);
    let body = html! {
        div.phone-form #volunteer {
            p { (ctx.t_args("coop-volunteer-hello", &[("name", v.name.clone().into())])) }
            p #my-hours { (ctx.t_args("coop-volunteer-hours", &[("hours", hours(v.hours_tenths).into())])) }
            @if v.registered { p.muted { (ctx.t("coop-volunteer-registered")) } }
            @if let Some(e) = refused { (refusal(ctx, e)) }
            @for d in &v.duty {
                section.card.duty {
                    h2 { span.tag.warn { (ctx.t("coop-callup")) } " " (d.post.name) }
                    p { (d.callup_title) }
                    p { (ctx.time(d.post.starts_at).get(..16).unwrap_or("")) " ~ " (ctx.time(d.post.ends_at).get(11..16).unwrap_or("")) }
                    p.muted { @if let Some(pl) = &d.post.place_name { (pl) " · " } (d.post.answered) "/" (d.post.needed) }
                    @match &d.mine {
                        None if d.post.answered >= d.post.needed => {
                            p.muted { (ctx.t("coop-post-full")) }
                        }
                        None => {
                            form method="post" action={ (base) "/answer/" (d.post.id) } {
                                button.primary type="submit" { (ctx.t("coop-answer")) }
                            }
                        }
                        Some(a) if a.checked_in_at.is_some() => {
                            p.done { (ctx.t_args("coop-checked-in-hours", &[("hours", hours(a.hours_tenths.unwrap_or(0)).into())])) }
                        }
                        Some(_) if d.post.starts_at - crate::coop::volunteers::CHECK_IN_EARLY_MS <= v.now && v.now <= d.post.ends_at => {
                            p { (ctx.t("coop-answered-post")) }
                            form method="post" action={ (base) "/duty/" (d.post.id) } {
                                button.primary type="submit" { (ctx.t("coop-on-duty")) }
                            }
                        }
                        Some(_) => { p { (ctx.t("coop-answered-post")) " · " (ctx.t("coop-check-in-later")) } }
                    }
                }
            }
            @if v.activities.is_empty() && v.duty.is_empty() {
                p.empty { (ctx.t("coop-activities-none")) }
            }
            @for (a, mine) in &v.activities {
                section.card.activity {
                    h2 { (a.title) }
                    p { (ctx.time(a.starts_at).get(..16).unwrap_or("")) " ~ " (ctx.time(a.ends_at).get(11..16).unwrap_or("")) }
                    p.muted { (a.team_name) " · " (a.place_name) " · " (a.signed) "/" (a.capacity) }
                    @match mine {
                        None => {
                            form method="post" action={ (base) "/signup/" (a.id) } {
                                button.primary type="submit" { (ctx.t("coop-sign-up")) }
                            }
                        }
                        Some(s) if s.checked_in_at.is_some() => {
                            p.done { (ctx.t_args("coop-checked-in-hours", &[("hours", hours(s.hours_tenths.unwrap_or(0)).into())])) }
                        }
                        Some(_) if v.check_in_open(a) => {
                            p { (ctx.t("coop-signed-up")) }
                            form method="post" action={ (base) "/checkin/" (a.id) } {
                                button.primary type="submit" { (ctx.t("coop-check-in")) }
                            }
                        }
                        Some(_) => { p { (ctx.t("coop-signed-up")) " · " (ctx.t("coop-check-in-later")) } }
                    }
                }
            }
        }
    };
    page(ctx, None, Nav::None, &ctx.t("coop-title-volunteer"), body)
}

async fn after(
    core: &CoopState,
    ctx: &Ctx,
    person: i64,
    tag: &str,
    r: Result<(), AppError>,
) -> PageResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/v/{person}/{tag}")).into_response()),
        Err(e) if shown_on_form(&e) => {
            let view = phone::volunteer(core, person, tag).await?;
            Ok((e.status(), render(ctx, &view, tag, Some(&e))).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `POST /v/{person}/{tag}/signup/{activity}`
pub async fn sign_up(
    State(core): State<CoopState>,
    ctx: Ctx,
    Path((person, tag, activity)): Path<(i64, String, i64)>,
) -> PageResult<Response> {
    let r = volunteers::sign_up(&core, person, &tag, activity).await;
    after(&core, &ctx, person, &tag, r).await
}

/// `POST /v/{person}/{tag}/checkin/{activity}`
pub async fn check_in(
    State(core): State<CoopState>,
    ctx: Ctx,
    Path((person, tag, activity)): Path<(i64, String, i64)>,
) -> PageResult<Response> {
    let r = volunteers::check_in(&core, person, &tag, activity).await;
    after(&core, &ctx, person, &tag, r).await
}

/// `POST /v/{person}/{tag}/answer/{post}`
pub async fn answer(
    State(core): State<CoopState>,
    ctx: Ctx,
    Path((person, tag, post)): Path<(i64, String, i64)>,
) -> PageResult<Response> {
    let r = crate::coop::callups::answer(&core, person, &tag, post).await;
    after(&core, &ctx, person, &tag, r).await
}

/// `POST /v/{person}/{tag}/duty/{post}`
pub async fn duty(
    State(core): State<CoopState>,
    ctx: Ctx,
    Path((person, tag, post)): Path<(i64, String, i64)>,
) -> PageResult<Response> {
    let r = crate::coop::callups::check_in(&core, person, &tag, post).await;
    after(&core, &ctx, person, &tag, r).await
}
