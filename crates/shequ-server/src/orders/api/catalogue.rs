//! The catalogue, teams with their duty roster, and routing rules —
//! what the command centre configures.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shequ_domain::Role;
use shequ_domain::order::routing::Target;
use shequ_store::orders::catalogue::{Category, NewCategory};
use shequ_store::orders::figures::{Figures, GroupBy};
use shequ_store::orders::teams::{RoutingRuleRow, Team};

use crate::app::access::ClientAddr;
use crate::app::access::scope_for_region;
use crate::app::auth::AuthUser;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::app::error::FieldError;
use crate::orders::OrdersState;
use shequ_domain::Code;

/// Every category (public: the report page needs them).
#[utoipa::path(get, path = "/api/v1/categories", tag = "catalogue",
    responses((status = 200, body = Vec<Category>)))]
pub async fn categories(State(state): State<OrdersState>) -> AppResult<Json<Vec<Category>>> {
    Ok(Json(state.store.categories().await?))
}

/// A category to create or update.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CategoryIn {
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub group_zh: String,
    #[serde(default)]
    pub group_en: String,
    #[serde(default)]
    pub description_zh: String,
    #[serde(default)]
    pub description_en: String,
    #[serde(default)]
    pub keywords: String,
    pub accept_within_minutes: u32,
    pub resolve_within_minutes: u32,
    #[serde(default = "normal")]
    pub default_priority: String,
    /// Open311 attribute definitions.
    #[schema(value_type = Vec<Object>)]
    #[serde(default)]
    pub attributes: Vec<serde_json::Value>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn normal() -> String {
    "normal".to_owned()
}

fn yes() -> bool {
    true
}

/// Create or update a category (administrators and operators).
#[utoipa::path(put, path = "/api/v1/categories/{code}", tag = "catalogue", params(("code" = String, Path)),
    request_body = CategoryIn,
    responses((status = 200, body = Category), (status = 422, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_category(
    State(state): State<OrdersState>,
    user: AuthUser,
    Path(code): Path<String>,
    Json(c): Json<CategoryIn>,
) -> AppResult<Json<Category>> {
    user.require_command_centre()?;
    let mut errors = Vec::new();
    if code.is_empty()
        || code.len() > 40
        || !code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        errors.push(FieldError::new(
            "code",
            Code::CodeInvalid,
            "use 1–40 lower-case letters, digits or '_'",
        ));
    }
    if c.name_zh.trim().is_empty() || c.name_en.trim().is_empty() {
        errors.push(FieldError::new(
            "name_zh",
            Code::NameMissing,
            "give the name in Chinese and English",
        ));
    }
    if c.accept_within_minutes == 0 || c.resolve_within_minutes < c.accept_within_minutes {
        errors.push(FieldError::new(
            "resolve_within_minutes",
            Code::SlaInvalid,
            "accept within at least a minute, and resolve no sooner than accept",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Unprocessable(errors));
    }
    state
        .store
        .upsert_categories(&[NewCategory {
            code: code.clone(),
            name_zh: c.name_zh,
            name_en: c.name_en,
            group_zh: c.group_zh,
            group_en: c.group_en,
            description_zh: c.description_zh,
            description_en: c.description_en,
            keywords: c.keywords,
            accept_within_minutes: c.accept_within_minutes,
            resolve_within_minutes: c.resolve_within_minutes,
            default_priority: c.default_priority,
            attributes: serde_json::Value::Array(c.attributes).to_string(),
            active: c.active,
        }])
        .await?;
    state.config.invalidate().await;
    state
        .store
        .category_by_code(&code)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound("category"))
}

/// Teams inside your scope.
#[utoipa::path(get, path = "/api/v1/teams", tag = "catalogue",
    responses((status = 200, body = Vec<Team>)), security(("bearer" = [])))]
pub async fn teams(State(state): State<OrdersState>, user: AuthUser) -> AppResult<Json<Vec<Team>>> {
    Ok(Json(state.store.teams_in(&user.scope).await?))
}

/// A team to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TeamIn {
    pub code: String,
    pub name: String,
    /// `department` (summoned by 吹哨报到) or `duty` (a roster of people).
    #[serde(default = "department")]
    pub kind: String,
    /// Region the team belongs to; yours by default.
    pub region: Option<String>,
    /// Members' user ids.
    #[serde(default)]
    pub members: Vec<i64>,
}

fn department() -> String {
    "department".to_owned()
}

/// Create a team with its members.
#[utoipa::path(post, path = "/api/v1/teams", tag = "catalogue", request_body = TeamIn,
    responses((status = 201, body = Team), (status = 409, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_team(
    State(state): State<OrdersState>,
    user: AuthUser,
    addr: ClientAddr,
    Json(t): Json<TeamIn>,
) -> AppResult<(StatusCode, Json<Team>)> {
    user.require_command_centre()?;
    if !matches!(t.kind.as_str(), "department" | "duty") {
        return Err(AppError::unprocessable(
            "kind",
            Code::KindInvalid,
            "use department or duty",
        ));
    }
    let region_id = region_id_in_scope(&state, &user, t.region.as_deref(), &addr).await?;
    for &member in &t.members {
        member_in_scope(&state, &user, member, "members").await?;
    }
    let id = state
        .store
        .create_team(&t.code, &t.name, &t.kind, region_id)
        .await?;
    for member in t.members {
        state.store.add_team_member(id, member).await?;
    }
    let team = state
        .store
        .team(id)
        .await?
        .ok_or(AppError::NotFound("team"))?;
    Ok((StatusCode::CREATED, Json(team)))
}

async fn region_id_in_scope(
    state: &OrdersState,
    user: &AuthUser,
    code: Option<&str>,
    addr: &ClientAddr,
) -> AppResult<i64> {
    match code {
        None => Ok(user.user.region_id),
        Some(code) => {
            let who = Principal::User(Box::new(user.clone()));
            scope_for_region(state, &who, Some(code), addr).await?;
            Ok(state
                .store
                .region_by_code(code)
                .await?
                .ok_or(AppError::NotFound("region"))?
                .region
                .id)
        }
    }
}

/// Refuses (422, naming `field`) a user id that is not a user in the
/// caller's area; one outside it is answered as one that does not exist.
async fn member_in_scope(
    state: &OrdersState,
    user: &AuthUser,
    id: i64,
    field: &str,
) -> AppResult<()> {
    match state.store.user_by_id(id).await? {
        Some(u) if user.scope.contains(&u.region_path) => Ok(()),
        _ => Err(AppError::unprocessable(
            field,
            Code::UserNotFound,
            format!("no user {id} in your area"),
        )),
    }
}

/// A shift on duty.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ShiftIn {
    pub user_id: i64,
    /// Epoch milliseconds.
    pub starts_at: i64,
    pub ends_at: i64,
}

/// Put a member on duty for a period (and make them a member).
#[utoipa::path(post, path = "/api/v1/teams/{id}/shifts", tag = "catalogue", params(("id" = i64, Path)),
    request_body = ShiftIn, responses((status = 201, description = "added")), security(("bearer" = [])))]
pub async fn add_shift(
    State(state): State<OrdersState>,
    user: AuthUser,
    Path(id): Path<i64>,
    Json(s): Json<ShiftIn>,
) -> AppResult<StatusCode> {
    user.require_command_centre()?;
    let team = state
        .store
        .team(id)
        .await?
        .ok_or(AppError::NotFound("team"))?;
    if !user.scope.contains(&team.region_path) {
        return Err(AppError::Forbidden(Code::OutOfScope));
    }
    if s.ends_at <= s.starts_at {
        return Err(AppError::unprocessable(
            "ends_at",
            Code::ShiftInvalid,
            "a shift must end after it starts",
        ));
    }
    member_in_scope(&state, &user, s.user_id, "user_id").await?;
    state.store.add_team_member(id, s.user_id).await?;
    state
        .store
        .add_duty_shift(id, s.user_id, s.starts_at, s.ends_at)
        .await?;
    Ok(StatusCode::CREATED)
}

/// Routing rules.
#[utoipa::path(get, path = "/api/v1/routing-rules", tag = "catalogue",
    responses((status = 200, body = Vec<RoutingRuleRow>)), security(("bearer" = [])))]
pub async fn rules(
    State(state): State<OrdersState>,
    user: AuthUser,
) -> AppResult<Json<Vec<RoutingRuleRow>>> {
    user.require_command_centre()?;
    let rows = state
        .store
        .routing_rules()
        .await?
        .into_iter()
        .filter(|r| user.scope.contains(&r.region_path))
        .collect();
    Ok(Json(rows))
}

/// A routing rule: orders of `category` (any when absent) under `region` go
/// to the person with `role` responsible for the place, to whoever of
/// `team` is on duty, or to `user`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RuleIn {
    pub category: Option<String>,
    pub region: String,
    pub role: Option<String>,
    pub team: Option<i64>,
    pub user: Option<i64>,
}

/// Add a routing rule.
#[utoipa::path(post, path = "/api/v1/routing-rules", tag = "catalogue", request_body = RuleIn,
    responses((status = 201, body = RoutingRuleRow), (status = 422, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_rule(
    State(state): State<OrdersState>,
    user: AuthUser,
    addr: ClientAddr,
    Json(r): Json<RuleIn>,
) -> AppResult<(StatusCode, Json<RoutingRuleRow>)> {
    user.require_command_centre()?;
    let target = match (r.role.as_deref(), r.team, r.user) {
        (Some(role), None, None) => Target::Role(
            Role::parse(role)
                .map_err(|e| AppError::Unprocessable(vec![FieldError::from_invalid("role", &e)]))?,
        ),
        (None, Some(team), None) => {
            state
                .store
                .team(team)
                .await?
                .ok_or(AppError::NotFound("team"))?;
            Target::Team(team)
        }
        (None, None, Some(u)) => {
            state
                .store
                .user_by_id(u)
                .await?
                .ok_or(AppError::NotFound("user"))?;
            Target::User(u)
        }
        _ => {
            return Err(AppError::unprocessable(
                "role",
                Code::TargetInvalid,
                "give exactly one of role, team or user",
            ));
        }
    };
    if let Some(c) = &r.category
        && state.store.category_by_code(c).await?.is_none()
    {
        return Err(AppError::unprocessable(
            "category",
            Code::CategoryUnknown,
            "no such category",
        ));
    }
    let region_id = region_id_in_scope(&state, &user, Some(&r.region), &addr).await?;
    let region = state
        .store
        .region_by_id(region_id)
        .await?
        .ok_or(AppError::NotFound("region"))?;
    let id = state
        .store
        .add_routing_rule(r.category.as_deref(), region_id, &region.path, &target)
        .await?;
    let row = state
        .store
        .routing_rules()
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .ok_or(AppError::NotFound("routing rule"))?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// Delete a routing rule.
#[utoipa::path(delete, path = "/api/v1/routing-rules/{id}", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 204, description = "deleted"), (status = 404, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_rule(
    State(state): State<OrdersState>,
    user: AuthUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    user.require_command_centre()?;
    state.store.delete_routing_rule(&user.scope, id).await?;
    state.config.invalidate().await;
    Ok(StatusCode::NO_CONTENT)
}

/// Filters of `GET /api/v1/figures`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FigureParams {
    /// `person`, `team`, `grid` or `category`.
    pub group: Option<String>,
    /// Period start, epoch ms (default: 30 days ago).
    pub from: Option<i64>,
    /// Period end, epoch ms (default: now).
    pub to: Option<i64>,
    /// Only under this region code.
    pub region: Option<String>,
}

/// Figures of one group with the derived rates (from 0 to 1; none when
/// there is nothing to judge), as `shequ_domain::order::figures` defines
/// them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FigureRow {
    #[serde(flatten)]
    pub figures: Figures,
    /// Accepted on time, of the accepted orders.
    pub on_time_acceptance: Option<f64>,
    /// Resolved on time, of the resolved orders.
    pub on_time_resolution: Option<f64>,
    /// Rated satisfied or basically satisfied, of the rated orders.
    pub satisfaction: Option<f64>,
}

/// On-time acceptance and resolution rates, satisfaction, overdue orders
/// and mean times, per person, team, grid or category, for orders filed in
/// a period (overdue judged now).
#[utoipa::path(get, path = "/api/v1/figures", tag = "orders", params(FigureParams),
    responses((status = 200, body = Vec<FigureRow>)), security(("bearer" = [])))]
pub async fn figures(
    State(state): State<OrdersState>,
    user: AuthUser,
    addr: ClientAddr,
    Query(p): Query<FigureParams>,
) -> AppResult<Json<Vec<FigureRow>>> {
    let group = match p.group.as_deref().unwrap_or("person") {
        "person" => GroupBy::Person,
        "team" => GroupBy::Team,
        "grid" => GroupBy::Grid,
        "category" => GroupBy::Category,
        _ => {
            return Err(AppError::unprocessable(
                "group",
                Code::GroupInvalid,
                "use person, team, grid or category",
            ));
        }
    };
    let now = state.clock.now_ms();
    let to = p.to.unwrap_or(now + 1);
    let from = p.from.unwrap_or(to.saturating_sub(30 * 86_400_000));
    if from > to {
        return Err(AppError::unprocessable(
            "from",
            Code::PeriodInvalid,
            "from must not be after to",
        ));
    }
    let who = Principal::User(Box::new(user));
    let scope = scope_for_region(&state, &who, p.region.as_deref(), &addr).await?;
    let rows = state
        .store
        .order_figures(&scope, (from, to), now, group)
        .await?
        .into_iter()
        .map(|f| FigureRow {
            on_time_acceptance: f.on_time_acceptance().ratio(),
            on_time_resolution: f.on_time_resolution().ratio(),
            satisfaction: f.satisfaction().ratio(),
            figures: f,
        })
        .collect();
    Ok(Json(rows))
}
