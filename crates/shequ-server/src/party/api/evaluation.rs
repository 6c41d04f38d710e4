//! A double registration's year for the democratic evaluation (民主评议):
//! as JSON (the read is logged), and as the XLSX file the branch keeps
//! (logged as an export with its reason).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::{READ, WRITE};
use crate::app::access::ClientAddr;
use crate::app::auth::Principal;
use crate::app::error::AppResult;
use crate::app::state::Core;
use crate::party::evaluation::{self, Evaluation};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    /// The year (this year when absent).
    pub year: Option<i32>,
}

/// One registration of your area with its services in a year.
#[utoipa::path(get, path = "/api/v1/party/registrations/{id}", tag = "party",
    params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = Evaluation), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn show(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> AppResult<Json<Evaluation>> {
    who.require_token_scope(READ)?;
    Ok(Json(
        evaluation::view(&core, &who, id, q.year, &addr).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ExportIn {
    /// Why the file is taken (2–200 characters); the access log keeps it.
    pub reason: String,
}

/// The year as an XLSX workbook for the democratic evaluation.
#[utoipa::path(post, path = "/api/v1/party/registrations/{id}/evaluation.xlsx", tag = "party",
    params(("id" = i64, Path), YearQuery), request_body = ExportIn,
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn export(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
    Json(body): Json<ExportIn>,
) -> AppResult<Response> {
    // Personal records leave the system: the token must be one that may
    // change party records, not only read them.
    who.require_token_scope(WRITE)?;
    let (e, bytes) = evaluation::export(&core, &who, id, q.year, &body.reason, &addr).await?;
    Ok(evaluation::download(&e, bytes))
}
