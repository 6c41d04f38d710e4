//! Double registration (双报到) under `/api/v1/party/registrations`: the
//! registrations of your area with this year's service, and registering
//! a member (with the neighbourhood where they live) or a unit
//! organisation (with the street or a neighbourhood).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shequ_store::party::RegistrationRow;

use super::meetings::Created;
use super::{READ, WRITE};
use crate::app::access::ClientAddr;
use crate::app::auth::Principal;
use crate::app::error::{AppError, AppResult, FieldError};
use crate::app::state::Core;
use crate::party::service::{self, Registrant};

/// A registration with whether it has gone six months without service.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegistrationOut {
    #[serde(flatten)]
    pub registration: RegistrationRow,
    pub lapsed: bool,
}

/// The registrations of your area, with this year's records and hours.
#[utoipa::path(get, path = "/api/v1/party/registrations", tag = "party",
    responses((status = 200, body = Vec<RegistrationOut>)),
    security(("bearer" = [])))]
pub async fn list(
    State(core): State<Core>,
    who: Principal,
) -> AppResult<Json<Vec<RegistrationOut>>> {
    who.require_token_scope(READ)?;
    Ok(Json(
        service::registrations(&core, &who)
            .await?
            .into_iter()
            .map(|(registration, lapsed)| RegistrationOut {
                registration,
                lapsed,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegistrationIn {
    /// The member (registry person id)…
    #[serde(default)]
    pub person_id: Option<i64>,
    /// …or the unit organisation's code.
    #[serde(default)]
    pub org: Option<String>,
    /// The code of the neighbourhood (or, for a unit, the street).
    pub region: String,
    /// Service posts, e.g. ["安全巡逻", "敬老探访"].
    pub posts: Vec<String>,
    /// YYYY-MM-DD, not after today; today when absent.
    #[serde(default)]
    pub registered_on: Option<String>,
}

/// Registers a member or a unit organisation for double registration.
#[utoipa::path(post, path = "/api/v1/party/registrations", tag = "party",
    request_body = RegistrationIn,
    responses((status = 201, body = Created), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn create(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Json(r): Json<RegistrationIn>,
) -> AppResult<(StatusCode, Json<Created>)> {
    who.require_token_scope(WRITE)?;
    let registrant = match (r.person_id, r.org) {
        (Some(p), None) => Registrant::Member(p),
        (None, Some(code)) => Registrant::Unit(code),
        _ => {
            return Err(AppError::Unprocessable(vec![FieldError::new(
                "person_id",
                shequ_domain::Code::Required,
                "give either person_id (a member) or org (a unit organisation)",
            )]));
        }
    };
    let id = service::register(
        &core,
        &who,
        &registrant,
        &r.region,
        &r.posts.join(","),
        r.registered_on.as_deref().unwrap_or(""),
        &addr,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
