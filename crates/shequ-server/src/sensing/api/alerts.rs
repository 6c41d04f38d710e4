//! Welfare-alert rules (the command centre configures them; every change
//! is logged with before and after) and the alerts they raised, listed in
//! the caller's scope. Alerts of a rule that names people are personal
//! data: each view is written to the access log.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shequ_domain::sensing::rules::{RuleKind, RuleSpec, Target};
use shequ_store::access_log::{AccessAction, NewAccess};
use shequ_store::alerts::{Alert, AlertQuery, AlertRule, NewAlertRule};
use shequ_store::{Page, Paging};

use crate::app::access::ClientAddr;
use crate::app::access::scope_for_region;
use crate::app::auth::AuthUser;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::app::error::FieldError;
use crate::sensing::SensingState;
use shequ_domain::Code;

/// A rule as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RuleOut {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// inactivity | night_activity | visitor_threshold | device_silence
    pub kind: String,
    pub region_path: String,
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    /// `person:<id>` / `household:<id>`.
    pub targets: Vec<String>,
    pub purpose: String,
    pub expires_at: Option<i64>,
    pub enabled: bool,
    /// Enabled and not expired.
    pub active: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn out(r: AlertRule, now: i64) -> RuleOut {
    let active = r.enabled && r.expires_at.is_none_or(|at| now < at);
    RuleOut {
        params: serde_json::from_str(&r.params).unwrap_or_default(),
        targets: serde_json::from_str(&r.targets).unwrap_or_default(),
        id: r.id,
        code: r.code,
        name: r.name,
        kind: r.kind,
        region_path: r.region_path,
        purpose: r.purpose,
        expires_at: r.expires_at,
        enabled: r.enabled,
        active,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// A rule to create or the new content of one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RuleIn {
    /// Stable code (1–40 of a–z, 0–9, `_`); ignored on update.
    #[serde(default)]
    pub code: String,
    pub name: String,
    /// inactivity | night_activity | visitor_threshold | device_silence
    pub kind: String,
    /// The kind's parameters, e.g. `{"filter":{"tags":["elderly_living_alone"],"min_age":80},"window_hours":48}`.
    #[schema(value_type = Object)]
    #[serde(default)]
    pub params: serde_json::Value,
    /// Named people or households (`person:<id>`, `household:<id>`); a
    /// rule with targets needs a purpose and an expiry.
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub purpose: String,
    /// Epoch milliseconds; the rule stops by itself then.
    pub expires_at: Option<i64>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Region code the rule watches (default: your own region).
    pub region: Option<String>,
}

fn yes() -> bool {
    true
}

fn invalid(field: &str, e: &shequ_domain::InvalidValue) -> AppError {
    AppError::Unprocessable(vec![FieldError::from_invalid(field, e)])
}

/// Checks a rule and resolves its region within the caller's scope (the
/// API and the rule pages share it).
pub(crate) async fn checked(
    state: &SensingState,
    user: &AuthUser,
    addr: &ClientAddr,
    r: &RuleIn,
    code: &str,
) -> AppResult<NewAlertRule> {
    if code.is_empty()
        || code.len() > 40
        || !code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(AppError::Unprocessable(vec![FieldError::new(
            "code",
            Code::CodeInvalid,
            "use 1–40 lower-case letters, digits or '_'",
        )]));
    }
    if r.name.trim().is_empty() {
        return Err(AppError::Unprocessable(vec![FieldError::new(
            "name",
            Code::NameMissing,
            "give the rule a name",
        )]));
    }
    let kind = RuleKind::from_parts(&r.kind, &r.params).map_err(|e| invalid("params", &e))?;
    let targets = r
        .targets
        .iter()
        .map(|t| Target::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid("targets", &e))?;
    let spec = RuleSpec {
        kind: kind.clone(),
        targets: targets.clone(),
        purpose: r.purpose.trim().to_owned(),
        expires_at: r.expires_at,
        enabled: r.enabled,
    };
    spec.validate(state.clock.now_ms()).map_err(|e| {
        // The rule's own fields are the body's; the kind's are in `params`.
        let field = e
            .field()
            .filter(|f| matches!(*f, "purpose" | "expires_at" | "targets"))
            .unwrap_or("params");
        invalid(field, &e)
    })?;
    let who = Principal::User(Box::new(user.clone()));
    let region_path = match r.region.as_deref() {
        Some(code) => {
            let scope = scope_for_region(state, &who, Some(code), addr).await?;
            state
                .store
                .region_by_code(code)
                .await?
                .map(|r| r.region.path)
                .filter(|p| scope.contains(p))
                .ok_or(AppError::NotFound("region"))?
        }
        None => user.region_path.as_str().to_owned(),
    };
    Ok(NewAlertRule {
        code: code.to_owned(),
        name: r.name.trim().to_owned(),
        kind: kind.name().to_owned(),
        region_path,
        params: kind.params().to_string(),
        targets: serde_json::to_string(
            &targets.iter().map(ToString::to_string).collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".to_owned()),
        purpose: spec.purpose,
        expires_at: r.expires_at,
        enabled: r.enabled,
    })
}

/// Rules that apply in your scope (those above it, such as the street's
/// defaults, and those inside it).
#[utoipa::path(get, path = "/api/v1/alert-rules", tag = "alerts",
    responses((status = 200, body = Vec<RuleOut>)), security(("bearer" = [])))]
pub async fn list_rules(
    State(state): State<SensingState>,
    user: AuthUser,
) -> AppResult<Json<Vec<RuleOut>>> {
    user.require_command_centre()?;
    let now = state.clock.now_ms();
    let mine = user.region_path.as_str();
    let rules = state
        .store
        .alert_rules()
        .await?
        .into_iter()
        .filter(|r| user.scope.contains(&r.region_path) || mine.starts_with(&r.region_path))
        .map(|r| out(r, now))
        .collect();
    Ok(Json(rules))
}

/// Create a rule (administrators and street operators; logged).
#[utoipa::path(post, path = "/api/v1/alert-rules", tag = "alerts", request_body = RuleIn,
    responses((status = 201, body = RuleOut), (status = 422, body = crate::app::error::ErrorBody),
              (status = 409, description = "the code is taken", body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_rule(
    State(state): State<SensingState>,
    user: AuthUser,
    addr: ClientAddr,
    Json(r): Json<RuleIn>,
) -> AppResult<(StatusCode, Json<RuleOut>)> {
    let rule = create(&state, &user, &addr, &r).await?;
    Ok((StatusCode::CREATED, Json(out(rule, state.clock.now_ms()))))
}

/// Checks and stores a new rule (logged).
pub(crate) async fn create(
    state: &SensingState,
    user: &AuthUser,
    addr: &ClientAddr,
    r: &RuleIn,
) -> AppResult<AlertRule> {
    user.require_command_centre()?;
    let new = checked(state, user, addr, r, r.code.trim()).await?;
    let rule = state
        .store
        .create_alert_rule(&new, &user.user.username, state.clock.now_ms())
        .await?;
    tracing::info!(rule.code = %rule.code, actor = %user.user.username, "alert rule created");
    Ok(rule)
}

/// The rule, if it lies in the caller's scope.
pub(crate) async fn rule_in_scope(
    state: &SensingState,
    user: &AuthUser,
    id: i64,
) -> AppResult<AlertRule> {
    let rule = state
        .store
        .alert_rule(id)
        .await?
        .ok_or(AppError::NotFound("alert_rule"))?;
    if !user.scope.contains(&rule.region_path) {
        return Err(AppError::Forbidden(Code::OutOfScope));
    }
    Ok(rule)
}

/// Replace a rule's content (its code stays; logged with before and after).
#[utoipa::path(put, path = "/api/v1/alert-rules/{id}", tag = "alerts", params(("id" = i64, Path)),
    request_body = RuleIn,
    responses((status = 200, body = RuleOut), (status = 422, body = crate::app::error::ErrorBody),
              (status = 403, description = "the rule lies outside your scope", body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_rule(
    State(state): State<SensingState>,
    user: AuthUser,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Json(r): Json<RuleIn>,
) -> AppResult<Json<RuleOut>> {
    let rule = update(&state, &user, &addr, id, &r).await?;
    Ok(Json(out(rule, state.clock.now_ms())))
}

/// Checks and stores a rule's new content (logged with before and after).
pub(crate) async fn update(
    state: &SensingState,
    user: &AuthUser,
    addr: &ClientAddr,
    id: i64,
    r: &RuleIn,
) -> AppResult<AlertRule> {
    user.require_command_centre()?;
    let before = rule_in_scope(state, user, id).await?;
    let mut new = checked(state, user, addr, r, &before.code).await?;
    if r.region.is_none() {
        new.region_path = before.region_path;
    }
    Ok(state
        .store
        .update_alert_rule(
            id,
            &new,
            "update",
            &user.user.username,
            state.clock.now_ms(),
        )
        .await?)
}

/// Disable a rule (logged); its open alerts stay until cleared.
#[utoipa::path(post, path = "/api/v1/alert-rules/{id}/disable", tag = "alerts", params(("id" = i64, Path)),
    responses((status = 200, body = RuleOut)), security(("bearer" = [])))]
pub async fn disable_rule(
    State(state): State<SensingState>,
    user: AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<RuleOut>> {
    let rule = disable(&state, &user, id).await?;
    Ok(Json(out(rule, state.clock.now_ms())))
}

/// Disables a rule (logged).
pub(crate) async fn disable(
    state: &SensingState,
    user: &AuthUser,
    id: i64,
) -> AppResult<AlertRule> {
    user.require_command_centre()?;
    let r = rule_in_scope(state, user, id).await?;
    let new = NewAlertRule {
        code: r.code,
        name: r.name,
        kind: r.kind,
        region_path: r.region_path,
        params: r.params,
        targets: r.targets,
        purpose: r.purpose,
        expires_at: r.expires_at,
        enabled: false,
    };
    Ok(state
        .store
        .update_alert_rule(
            id,
            &new,
            "disable",
            &user.user.username,
            state.clock.now_ms(),
        )
        .await?)
}

/// Filters of `GET /api/v1/alerts`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AlertParams {
    /// Only alerts of this rule id.
    pub rule: Option<i64>,
    /// open | cleared | closed
    pub state: Option<String>,
    /// Only alerts under this region code (must be inside your scope).
    pub region: Option<String>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

/// Alerts in your scope, newest first. Viewing alerts of a rule that names
/// people is written to the access log.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(AlertParams),
    responses((status = 200, body = Page<Alert>)), security(("bearer" = [])))]
pub async fn list_alerts(
    State(state): State<SensingState>,
    user: AuthUser,
    addr: ClientAddr,
    Query(p): Query<AlertParams>,
) -> AppResult<Json<Page<Alert>>> {
    user.require_role(|r| r.reads_residents())?;
    let who = Principal::User(Box::new(user.clone()));
    let scope = scope_for_region(&state, &who, p.region.as_deref(), &addr).await?;
    let page = state
        .store
        .alerts_in(
            &scope,
            &AlertQuery {
                rule_id: p.rule,
                state: p.state,
            },
            Paging::new(p.page, p.page_size),
        )
        .await?;
    log_targeted_views(&state, &user, &addr, &page.items).await?;
    Ok(Json(page))
}

/// Writes a view of each alert of a rule that names people to the access
/// log (the API and the rule pages both show alerts).
pub(crate) async fn log_targeted_views(
    state: &SensingState,
    user: &AuthUser,
    addr: &ClientAddr,
    alerts: &[Alert],
) -> AppResult<()> {
    for a in alerts.iter().filter(|a| a.targeted) {
        state
            .store
            .log_access(&NewAccess {
                actor_user_id: Some(user.user.id),
                actor_username: user.user.username.clone(),
                action: AccessAction::View,
                subject_kind: "alert",
                subject_id: a.id.to_string(),
                subject_path: Some(a.region_path.clone()),
                fields: a.subject.clone(),
                reason: format!("rule {}", a.rule_code),
                remote_addr: addr.0.clone(),
            })
            .await?;
    }
    Ok(())
}
