//! The reporter's status page behind the private link `/r/{token}`: where
//! the report stands as a timeline, the resolution note and photos, and,
//! once resolved, the rating form (满意 / 基本满意 / 不满意, with "reopen"
//! offered once with 不满意). An unknown link is a 404 page.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::Code;
use shequ_domain::order::{Action, Rating};

use crate::app::access::ClientAddr;
use crate::app::error::AppError;
use crate::app::i18n::Lang;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageError;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::enc;
use crate::app::page::form::FormData;
use crate::app::page::layout::Nav;
use crate::app::page::layout::page;
use crate::orders::OrdersState;
use crate::orders::api::reports::ReportStatus;
use crate::orders::api::reports::order_for_link;
use crate::orders::api::reports::status_of;
use crate::orders::pages::short_time;
use crate::orders::pages::state_tag;
use crate::orders::service;
use crate::orders::service::Who;

const RATINGS: [&str; 3] = ["satisfied", "basically_satisfied", "unsatisfied"];

/// `?rated=1` after a rating.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Shown {
    pub rated: String,
}

fn timeline(ctx: &Ctx, s: &ReportStatus) -> Markup {
    html! {
        ol.timeline.public {
            @for step in &s.steps {
                li class={ "step step-" (step.action) } {
                    span.when { (short_time(ctx, step.at)) }
                    span.what { (ctx.label("order-step", &step.action)) }
                    " " (state_tag(ctx, &step.state))
                    @if !step.note.is_empty() {
                        p.note { (step.note) }
                    }
                }
            }
        }
    }
}

fn rating_form(ctx: &Ctx, token: &str, s: &ReportStatus, error: Option<&str>) -> Markup {
    html! {
        section.card.rate {
            h2 { (ctx.t("status-rate-title")) }
            @if let Some(code) = error {
                div.notice.notice-error role="alert" { p { (ctx.label("error", code)) } }
            }
            form.stack method="post" action={ "/r/" (token) } {
                fieldset.ratings {
                    legend { (ctx.t("status-rate-question")) }
                    @for r in RATINGS {
                        label.check.big-check {
                            input type="radio" name="rating" value=(r) required;
                            " " (ctx.label("rating", r))
                        }
                    }
                }
                @if s.can_reopen {
                    label.check {
                        input type="checkbox" name="reopen" value="1";
                        " " (ctx.t("status-reopen"))
                    }
                    p.muted.small { (ctx.t("status-reopen-note")) }
                }
                button.primary.big type="submit" { (ctx.t("status-rate-submit")) }
            }
        }
    }
}

async fn status_page(
    state: &OrdersState,
    ctx: &Ctx,
    token: &str,
    notice: Option<&str>,
    error: Option<&str>,
) -> PageResult<Markup> {
    let order = order_for_link(state, token).await?;
    let order_id = order.id;
    let region = state.store.region_by_id(order.region_id).await?;
    let s = status_of(state, order).await?;
    let photos = state.store.order_photos(order_id).await?;
    let category = match ctx.lang {
        Lang::Zh => &s.category,
        Lang::En => &s.category_en,
    };
    let resolution = s.steps.iter().rev().find(|st| st.action == "resolve");
    let body = html! {
        @if let Some(key) = notice {
            div.notice.notice-ok role="status" { p { (ctx.t(key)) } }
        }
        dl.facts {
            dt { (ctx.t("order-number")) } dd.num { (s.id) }
            dt { (ctx.t("order-category")) } dd { (category) }
            dt { (ctx.t("order-title-field")) } dd { (s.title) }
            dt { (ctx.t("order-address")) } dd {
                (s.address)
                @if let Some(r) = &region { " " span.muted { (r.name) } }
            }
            dt { (ctx.t("order-state")) } dd { (state_tag(ctx, &s.state)) }
            dt { (ctx.t("order-created")) } dd { (short_time(ctx, s.created_at)) }
            @if let Some(r) = &s.rating {
                dt { (ctx.t("order-rating")) } dd { (ctx.label("rating", r)) }
            }
        }
        @if let Some(res) = resolution {
            section.card {
                h2 { (ctx.t("status-resolution")) }
                p { (res.note) }
                @let shots: Vec<_> = photos.iter().filter(|p| p.stage == "resolution").collect();
                @if !shots.is_empty() {
                    div.photos {
                        @for p in shots {
                            a href={ "/photos/" (p.id) "?r=" (enc(token)) } {
                                img src={ "/photos/" (p.id) "?r=" (enc(token)) } alt=(ctx.t("order-photo-resolution")) loading="lazy";
                            }
                        }
                    }
                }
            }
        }
        @if s.can_rate {
            (rating_form(ctx, token, &s, error))
        }
        h2 { (ctx.t("status-progress")) }
        (timeline(ctx, &s))
        p.muted.small { (ctx.t("report-link-private")) }
    };
    let title = ctx.t_args("status-title", &[("id", s.id.into())]);
    Ok(page(ctx, None, Nav::None, &title, body))
}

/// `GET /r/{token}`
pub async fn show(
    State(state): State<OrdersState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Query(q): Query<Shown>,
) -> PageResult<Markup> {
    let notice = (!q.rated.is_empty()).then_some("status-rated");
    status_page(&state, &ctx, &token, notice, None).await
}

/// `POST /r/{token}`: the rating.
pub async fn rate(
    State(state): State<OrdersState>,
    ctx: Ctx,
    addr: ClientAddr,
    Path(token): Path<String>,
    form: FormData,
) -> PageResult<Response> {
    let order = order_for_link(&state, &token).await?;
    let Some(rating) = Rating::parse(form.get("rating")) else {
        let page = status_page(
            &state,
            &ctx,
            &token,
            None,
            Some(Code::RatingMissing.as_str()),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let action = Action::Rate {
        rating,
        reopen: rating == Rating::Unsatisfied && form.has("reopen"),
    };
    match service::act(&state, order.id, &Who::Reporter, &action, &addr).await {
        Ok(_) => Ok(Redirect::to(&format!("/r/{}?rated=1", enc(&token))).into_response()),
        Err(AppError::Refused { code, .. }) => {
            let page = status_page(&state, &ctx, &token, None, Some(code.as_str())).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `?code=` of the lookup form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Lookup {
    pub code: String,
}

/// The follow code out of what a resident pastes: the code itself, or the
/// whole private link.
fn follow_code(input: &str) -> Option<&str> {
    let t = input.trim();
    let code = t.rsplit_once("/r/").map_or(t, |(_, c)| c);
    let code = code.split(['?', '#', '/']).next().unwrap_or("").trim();
    (!code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then_some(code)
}

/// `GET /r`: follow a report by its code (or pasted link); no login.
pub async fn lookup(ctx: Ctx, Query(q): Query<Lookup>) -> Response {
    if let Some(code) = follow_code(&q.code) {
        return Redirect::to(&format!("/r/{}", enc(code))).into_response();
    }
    let body = html! {
        @if !q.code.trim().is_empty() {
            div.notice.notice-error role="alert" { p { (ctx.t("status-lookup-invalid")) } }
        }
        form.stack method="get" action="/r" {
            label for="f-code" { (ctx.t("status-lookup-code")) }
            input #f-code type="text" name="code" value=(q.code) autocomplete="off" required
                aria-describedby="f-code-hint";
            p #f-code-hint .muted.small { (ctx.t("status-lookup-hint")) }
            button.primary.big type="submit" { (ctx.t("status-lookup-submit")) }
        }
        p { a href="/report" { (ctx.t("report-another")) } }
    };
    page(&ctx, None, Nav::None, &ctx.t("status-lookup-title"), body).into_response()
}

#[cfg(test)]
mod tests {
    use super::follow_code;

    #[test]
    fn a_code_or_a_pasted_link_gives_the_code() {
        assert_eq!(follow_code(" shequ_r_abc123 "), Some("shequ_r_abc123"));
        assert_eq!(
            follow_code("http://x.example/r/shequ_r_abc?rated=1"),
            Some("shequ_r_abc")
        );
        assert_eq!(follow_code("/r/shequ_r_abc/"), Some("shequ_r_abc"));
        assert_eq!(follow_code(""), None);
        assert_eq!(follow_code("../admin"), None);
    }
}
