//! The operator's form `/orders/new`: street operators, cadres,
//! secretaries and administrators file an order on behalf of a caller
//! (hotline), from an inspection or from a meeting, with the same fields
//! as the public form. The order lands in the user's own region.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use shequ_domain::{RegionPath, Role};

use crate::app::auth::AuthUser;
use crate::app::error::FieldError;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::form::FormData;
use crate::app::page::layout::Nav;
use crate::app::page::layout::page;
use crate::app::page::map::Mode;
use crate::orders::OrdersState;
use crate::orders::intake;
use crate::orders::intake::Report;
use crate::orders::pages::area_map;
use crate::orders::pages::deployment_street;
use crate::orders::pages::fields;
use crate::orders::pages::parse;
use crate::orders::pages::parse::Parsed;
use crate::orders::pages::region_path;
use crate::orders::pages::report::intake_field_error;
use crate::orders::photos;
use shequ_domain::Code;

/// Sources an operator may file from.
pub const SOURCES: [&str; 3] = ["hotline", "inspection", "meeting"];

/// Who may file orders on this form.
pub fn may_file(role: Role) -> bool {
    matches!(
        role,
        Role::StreetOperator | Role::Cadre | Role::Admin | Role::NeighbourhoodSecretary
    )
}

/// The region whose map the form shows: the user's own, or the street
/// when the user sits above street level.
async fn map_root(state: &OrdersState, user: &AuthUser) -> PageResult<RegionPath> {
    if user.region_path.depth() >= 2 {
        return Ok(user.region_path.clone());
    }
    region_path(&deployment_street(state).await?.path)
}

async fn form_page(
    state: &OrdersState,
    v: &Viewer,
    form: &FormData,
    errors: &[FieldError],
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let all = state.store.categories().await?;
    let cats: Vec<_> = all.iter().filter(|c| c.active).collect();
    let root = map_root(state, &v.user).await?;
    let map = area_map(state, ctx, &root, None, &[], Mode::Pick).await?;
    let source = form.get("source");
    let body = html! {
        p.lead { (ctx.t("file-intro")) }
        (fields::error_summary(ctx, errors))
        form.report-form method="post" action="/orders/new" enctype="multipart/form-data" novalidate {
            div.field {
                label for="f-source" { (ctx.t("file-source")) }
                select #f-source name="source" {
                    @for s in SOURCES {
                        option value=(s) selected[source == s] { (ctx.label("order-source", s)) }
                    }
                }
                @if let Some(e) = fields::field_error(ctx, errors, "source") { (e) }
            }
            (fields::category_fields(ctx, &cats, form, errors))
            (fields::problem_fields(ctx, form, errors, map))
            (fields::contact_fields(ctx, form, errors, &ctx.t("file-caller")))
            (fields::photo_field(ctx, errors))
            button.primary.big type="submit" { (ctx.t("file-submit")) }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Orders,
        &ctx.t("file-title"),
        body,
    ))
}

/// `GET /orders/new`
pub async fn form(State(state): State<OrdersState>, v: Viewer) -> PageResult<Markup> {
    v.user.require_role(may_file)?;
    form_page(&state, &v, &FormData::default(), &[]).await
}

fn report_of(p: &Parsed, source: &'static str, user: &AuthUser) -> Report {
    Report {
        category: p.category.clone(),
        source,
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
        scope_root: user.region_path.clone(),
        actor: format!("user:{}", user.user.id),
        actor_user_id: Some(user.user.id),
        reporter_link: false,
        resolve_by: None,
    }
}

/// `POST /orders/new`: files the order and opens its page.
pub async fn submit(
    State(state): State<OrdersState>,
    v: Viewer,
    form: FormData,
) -> PageResult<Response> {
    v.user.require_role(may_file)?;
    let all = state.store.categories().await?;
    let cats: Vec<_> = all.iter().filter(|c| c.active).collect();
    let source = SOURCES.iter().find(|s| **s == form.get("source")).copied();
    let parsed = parse::parse(&form, &cats, state.settings.max_photo_bytes);
    let (parsed, source) = match (parsed, source) {
        (Ok(p), Some(s)) => (p, s),
        (parsed, source) => {
            let mut errors = parsed.err().unwrap_or_default();
            if source.is_none() {
                errors.insert(0, FieldError::new("source", Code::SourceInvalid, "source"));
            }
            return rejected(&state, &v, &form, &errors).await;
        }
    };
    let submitted = match intake::submit(&state, report_of(&parsed, source, &v.user)).await {
        Ok(s) => s,
        Err(e) => {
            let errors = vec![intake_field_error(e)?];
            return rejected(&state, &v, &form, &errors).await;
        }
    };
    if let Some(bytes) = &parsed.photo {
        let by = format!("user:{}", v.user.user.id);
        photos::save(&state, submitted.id, "intake", bytes, &by).await?;
    }
    Ok(Redirect::to(&format!("/orders/{}?done=file", submitted.id)).into_response())
}

async fn rejected(
    state: &OrdersState,
    v: &Viewer,
    form: &FormData,
    errors: &[FieldError],
) -> PageResult<Response> {
    let page = form_page(state, v, form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
