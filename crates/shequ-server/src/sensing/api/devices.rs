//! Door controllers: their event ingest (`POST /api/v1/devices/events`,
//! authenticated by the device's own token) and the operators' registry of
//! devices with their health and the events they had refused.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use shequ_store::sensing::events::RejectedDoorEvent;
use shequ_store::sensing::{Device, DeviceHealth, NewDevice};

use crate::app::auth::AuthUser;
use crate::app::auth::new_token;
use crate::app::auth::token_hash;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::app::error::FieldError;
use crate::sensing::SensingState;
use crate::sensing::ingest::Framing;
use crate::sensing::ingest::IngestError;
use crate::sensing::ingest::IngestReply;
use crate::sensing::metrics::Channel;
use crate::sensing::metrics::MqttStatus;
use shequ_domain::Code;

/// Prefix of door controllers' ingest tokens.
pub const DEVICE_TOKEN_PREFIX: &str = "shequ_d_";

impl From<IngestError> for AppError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::TooMany { limit } => AppError::PayloadTooLarge {
                code: Code::TooManyEvents,
                message: format!("at most {limit} events per request; split the batch"),
            },
            IngestError::BadBody(detail) => AppError::Unprocessable(vec![FieldError::new(
                "body",
                Code::BadJson,
                format!(
                    "send a JSON array of events, or NDJSON with Content-Type application/x-ndjson: {detail}"
                ),
            )]),
            IngestError::Store(e) => AppError::from(e),
        }
    }
}

/// Report door events: a JSON array (or NDJSON with `Content-Type:
/// application/x-ndjson`) of up to 10,000 events
/// `{id, device, at, direction, credential, kind, household?}`, with the
/// device's token as `Authorization: Bearer`. Answered once the accepted
/// events are stored; re-sent events are counted once, as duplicates.
#[utoipa::path(post, path = "/api/v1/devices/events", tag = "devices",
    request_body(content = String, description = "JSON array or NDJSON of events"),
    responses((status = 200, body = IngestReply), (status = 401, body = crate::app::error::ErrorBody),
        (status = 413, body = crate::app::error::ErrorBody), (status = 422, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn post_events(
    State(state): State<SensingState>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<IngestReply>> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .ok_or(AppError::Unauthorized(Code::DeviceTokenRequired))?;
    let device = state
        .ingest
        .registry
        .device_for_token(&state.store, &token_hash(token))
        .await?
        .filter(|d| d.enabled)
        .ok_or(AppError::Unauthorized(Code::InvalidDeviceToken))?;
    let framing = match headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(ct) if ct.starts_with("application/x-ndjson") => Framing::Ndjson,
        _ => Framing::Json,
    };
    let reply = state
        .ingest
        .submit(&state, Channel::Http, Some(&device.code), &body, framing)
        .await?;
    Ok(Json(reply))
}

/// Door controllers in your scope, with when each was last heard and how
/// many events it reported today (street time).
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices",
    responses((status = 200, body = Vec<DeviceHealth>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<SensingState>,
    user: AuthUser,
) -> AppResult<Json<Vec<DeviceHealth>>> {
    user.require_command_centre()?;
    Ok(Json(
        state
            .store
            .device_health(&user.scope, state.today_start_ms())
            .await?,
    ))
}

/// A door controller to register.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateDevice {
    /// Unique code, e.g. the building code and the entrance: `B00012-1`.
    pub code: String,
    #[serde(default)]
    pub name: String,
    /// The residential building it stands at (a place id in your scope).
    pub building_id: i64,
    #[serde(default)]
    pub entrance: String,
}

/// The device and its ingest token, shown only this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedDevice {
    pub device: Device,
    pub token: String,
}

/// Register a door controller; the answer holds its ingest token, which
/// is not shown again.
#[utoipa::path(post, path = "/api/v1/devices", tag = "devices",
    request_body = CreateDevice,
    responses((status = 201, body = CreatedDevice), (status = 409, body = crate::app::error::ErrorBody),
        (status = 422, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<SensingState>,
    user: AuthUser,
    Json(req): Json<CreateDevice>,
) -> AppResult<(StatusCode, Json<CreatedDevice>)> {
    user.require_command_centre()?;
    let code = req.code.trim();
    if code.is_empty()
        || code.len() > 64
        || !code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return Err(AppError::unprocessable(
            "code",
            Code::DeviceCodeInvalid,
            "use 1 to 64 letters, digits, '-', '_' or '.' (it is part of the MQTT topic)",
        ));
    }
    match state.store.place_in(&user.scope, req.building_id).await? {
        Some(p) if p.kind == "residential_building" => {}
        Some(_) => {
            return Err(AppError::unprocessable(
                "building_id",
                Code::NotABuilding,
                "door controllers stand at residential buildings",
            ));
        }
        None => return Err(AppError::NotFound("building")),
    }
    let token = new_token(DEVICE_TOKEN_PREFIX);
    let device = state
        .store
        .create_device(
            &NewDevice {
                code: code.to_owned(),
                name: req.name.trim().to_owned(),
                kind: "door_controller".to_owned(),
                building_id: req.building_id,
                entrance: req.entrance.trim().to_owned(),
                token_hash: Some(token_hash(&token)),
            },
            state.clock.now_ms(),
        )
        .await?;
    state.ingest.registry.reload_devices(&state.store).await?;
    tracing::info!(user = %user.user.username, device.code = %device.code, "door controller registered");
    Ok((StatusCode::CREATED, Json(CreatedDevice { device, token })))
}

/// `?limit=` on the rejected events.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RejectedParams {
    /// Rows, 1–1000 (default 100).
    pub limit: Option<i64>,
}

/// The most recent refused events, newest first (administrators and
/// street operators), to see what a device sends.
#[utoipa::path(get, path = "/api/v1/devices/rejected", tag = "devices",
    params(RejectedParams),
    responses((status = 200, body = Vec<RejectedDoorEvent>)), security(("bearer" = [])))]
pub async fn rejected(
    State(state): State<SensingState>,
    user: AuthUser,
    Query(q): Query<RejectedParams>,
) -> AppResult<Json<Vec<RejectedDoorEvent>>> {
    user.require_command_centre()?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(state.store.recent_rejected_door_events(limit).await?))
}

/// The state of door event ingest, for operators and probes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IngestHealth {
    pub mqtt: MqttStatus,
    pub accepted_http: u64,
    pub accepted_mqtt: u64,
}

/// Ingest health: the MQTT connection and what was accepted since start.
#[utoipa::path(get, path = "/api/v1/devices/ingest-health", tag = "devices",
    responses((status = 200, body = IngestHealth)))]
pub async fn ingest_health(State(state): State<SensingState>) -> Json<IngestHealth> {
    let m = &state.ingest.metrics;
    Json(IngestHealth {
        mqtt: m.mqtt(),
        accepted_http: m.accepted(Channel::Http),
        accepted_mqtt: m.accepted(Channel::Mqtt),
    })
}

/// `GET /metrics`: ingest counters in the Prometheus text format.
pub async fn metrics(
    State(state): State<SensingState>,
) -> ([(header::HeaderName, &'static str); 1], String) {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        {
            let mut text = state.ingest.metrics.render();
            state.sensing.render_metrics(&mut text);
            text
        },
    )
}
