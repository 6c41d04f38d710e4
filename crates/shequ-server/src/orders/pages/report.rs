//! The public report page (接诉): no login. A resident picks a category,
//! says what is wrong, clicks the spot on the street's map (or types an
//! address), may add a photo and a way to reach them, and gets the order
//! number and a private link to follow and rate it. Reports per client
//! address are capped per hour (429 with Retry-After).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fluent_bundle::FluentValue;
use maud::{Markup, html};
use shequ_store::orders::catalogue::Category;

use crate::app::access::ClientAddr;
use crate::app::error::FieldError;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageResult;
use crate::app::page::form::FormData;
use crate::app::page::layout::Nav;
use crate::app::page::layout::page;
use crate::app::page::map::Mode;
use crate::orders::OrdersState;
use crate::orders::intake;
use crate::orders::intake::IntakeError;
use crate::orders::intake::Report;
use crate::orders::pages::area_map;
use crate::orders::pages::deployment_street;
use crate::orders::pages::fields;
use crate::orders::pages::fields::INTERNAL_CATEGORIES;
use crate::orders::pages::parse;
use crate::orders::pages::parse::Parsed;
use crate::orders::pages::region_path;
use crate::orders::photos;

/// Categories offered to the public.
pub fn public_categories(all: &[Category]) -> Vec<&Category> {
    all.iter()
        .filter(|c| c.active && !INTERNAL_CATEGORIES.contains(&c.code.as_str()))
        .collect()
}

async fn form_page(
    state: &OrdersState,
    ctx: &Ctx,
    form: &FormData,
    errors: &[FieldError],
) -> PageResult<Markup> {
    let street = deployment_street(state).await?;
    let cats = state.store.categories().await?;
    let cats = public_categories(&cats);
    let map = area_map(
        state,
        ctx,
        &region_path(&street.path)?,
        None,
        &[],
        Mode::Pick,
    )
    .await?;
    let body = html! {
        p.lead { (ctx.t_args("report-intro", &[("street", FluentValue::from(street.name.as_str()))])) }
        (fields::error_summary(ctx, errors))
        form.report-form.stack-wide method="post" action="/report" enctype="multipart/form-data" novalidate {
            (fields::category_fields(ctx, &cats, form, errors))
            (fields::problem_fields(ctx, form, errors, map))
            (fields::contact_fields(ctx, form, errors, &ctx.t("report-contact")))
            p.muted.small { (ctx.t("report-contact-note")) }
            (fields::photo_field(ctx, errors))
            button.primary.big type="submit" { (ctx.t("report-submit")) }
        }
        p.follow-line { a href="/r" { (ctx.t("status-lookup-link")) } }
    };
    Ok(page(ctx, None, Nav::None, &ctx.t("report-title"), body))
}

/// `GET /report`
pub async fn form(State(state): State<OrdersState>, ctx: Ctx) -> PageResult<Markup> {
    form_page(&state, &ctx, &FormData::default(), &[]).await
}

fn too_many(ctx: &Ctx, retry_after: u64) -> Response {
    let minutes = retry_after.div_ceil(60);
    let body = html! {
        div.notice.notice-error role="alert" {
            p { (ctx.t_args("report-too-many", &[("minutes", FluentValue::from(minutes))])) }
        }
        p { (ctx.t("report-too-many-hotline")) }
    };
    let mut resp = (
        StatusCode::TOO_MANY_REQUESTS,
        page(ctx, None, Nav::None, &ctx.t("error-title-too-many"), body),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// An intake refusal as a form error when it is the reporter's to fix:
/// intake's own code and field, on the input the form has for that field
/// (one description, one location).
pub fn intake_field_error(e: IntakeError) -> Result<FieldError, crate::app::error::AppError> {
    let (Some(code), Some(field)) = (e.code(), e.field()) else {
        return Err(e.into());
    };
    let input = match field {
        "category" | "description" | "phone" | "location" => field,
        "title" => "description",
        _ => "location",
    };
    Ok(FieldError::new(input, code, e.to_string()))
}

/// The report handed to intake.
fn report_of(p: &Parsed, street: shequ_domain::RegionPath) -> Report {
    Report {
        category: p.category.clone(),
        source: "public",
        title: String::new(),
        description: p.description.clone(),
        address: p.address.clone(),
        point: p.point,
        place_id: None,
        subject_person_id: None,
        reporter_name: p.name.clone(),
        reporter_phone: p.phone.clone(),
        reporter_email: None,
        external_id: None,
        attributes: p.attributes.clone(),
        priority: None,
        scope_root: street,
        actor: "reporter".to_owned(),
        actor_user_id: None,
        reporter_link: true,
        resolve_by: None,
    }
}

/// `POST /report`
pub async fn submit(
    State(state): State<OrdersState>,
    ctx: Ctx,
    addr: ClientAddr,
    form: FormData,
) -> PageResult<Response> {
    let key = addr.0.clone().unwrap_or_else(|| "unknown".to_owned());
    if let Err(retry_after) = state.report_limiter.hit(&key, state.clock.now_ms()) {
        tracing::warn!(client = %key, "public reports refused: hourly cap reached");
        return Ok(too_many(&ctx, retry_after));
    }
    let cats = state.store.categories().await?;
    let parsed = parse::parse(
        &form,
        &public_categories(&cats),
        state.settings.max_photo_bytes,
    );
    let parsed = match parsed {
        Ok(p) => p,
        Err(errors) => return rejected(&state, &ctx, &form, &errors).await,
    };
    let street = deployment_street(&state).await?;
    let submitted =
        match intake::submit(&state, report_of(&parsed, region_path(&street.path)?)).await {
            Ok(s) => s,
            Err(e) => {
                let errors = vec![intake_field_error(e)?];
                return rejected(&state, &ctx, &form, &errors).await;
            }
        };
    if let Some(bytes) = &parsed.photo {
        photos::save(&state, submitted.id, "intake", bytes, "reporter").await?;
    }
    let token = submitted.reporter_token.unwrap_or_default();
    Ok(confirmation(&state, &ctx, submitted.id, &token).into_response())
}

async fn rejected(
    state: &OrdersState,
    ctx: &Ctx,
    form: &FormData,
    errors: &[FieldError],
) -> PageResult<Response> {
    let page = form_page(state, ctx, form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

fn confirmation(state: &OrdersState, ctx: &Ctx, id: i64, token: &str) -> Markup {
    let path = format!("/r/{token}");
    let full = format!("{}{path}", state.settings.public_url.trim_end_matches('/'));
    let body = html! {
        div.notice.notice-ok role="status" {
            p.big-line { (ctx.t_args("report-received", &[("id", FluentValue::from(id))])) }
        }
        section.card.keep-link {
            h2 { (ctx.t("report-link-title")) }
            p { (ctx.t("report-link-keep")) }
            p.link-box { a href=(path) { (full) } }
            p.muted.small { (ctx.t("report-link-private")) }
        }
        p.actions { a.button href=(path) { (ctx.t("report-follow")) } " " a.button href="/report" { (ctx.t("report-another")) } }
    };
    page(ctx, None, Nav::None, &ctx.t("report-thanks-title"), body)
}
