//! The region tree the caller may see, and one region in detail.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use shequ_domain::RegionPath;
use shequ_store::Scope;
use shequ_store::people::PopulationSummary;
use shequ_store::regions::Region;

use crate::app::access::ClientAddr;
use crate::app::access::deny;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::app::state::Core;

/// A node of the region tree with its children.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegionNode {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub path: String,
    pub center_lon: Option<f64>,
    pub center_lat: Option<f64>,
    #[schema(no_recursion)]
    pub children: Vec<RegionNode>,
}

/// Builds the forest from regions sorted by path (parents first).
pub fn build_tree(regions: Vec<Region>) -> Vec<RegionNode> {
    let mut children: HashMap<Option<i64>, Vec<Region>> = HashMap::new();
    let ids: std::collections::HashSet<i64> = regions.iter().map(|r| r.id).collect();
    for r in regions {
        // A node whose parent is outside the list is a root of the forest.
        let parent = r.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(r);
    }
    fn attach(
        parent: Option<i64>,
        children: &mut HashMap<Option<i64>, Vec<Region>>,
    ) -> Vec<RegionNode> {
        let Some(list) = children.remove(&parent) else {
            return Vec::new();
        };
        list.into_iter()
            .map(|r| RegionNode {
                children: attach(Some(r.id), children),
                code: r.code,
                name: r.name,
                kind: r.kind,
                path: r.path,
                center_lon: r.center_lon,
                center_lat: r.center_lat,
            })
            .collect()
    }
    attach(None, &mut children)
}

/// The regions the caller may see, as a tree rooted at their own region.
#[utoipa::path(get, path = "/api/v1/regions", tag = "registry",
    responses((status = 200, body = Vec<RegionNode>), (status = 401, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn tree(State(state): State<Core>, who: Principal) -> AppResult<Json<Vec<RegionNode>>> {
    who.require_token_scope("registry:read")?;
    let regions = state.store.regions_in(&who.scope()?).await?;
    Ok(Json(build_tree(regions)))
}

/// A region with its polygon, ancestry, children and headline counts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegionDetail {
    pub region: Region,
    /// GeoJSON geometry.
    #[schema(value_type = Object)]
    pub polygon: Option<serde_json::Value>,
    pub ancestors: Vec<Region>,
    pub children: Vec<Region>,
    /// Residents and households; absent for API tokens.
    pub population: Option<PopulationSummary>,
    /// Places by kind.
    pub places: Vec<KindCount>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KindCount {
    pub kind: String,
    pub count: i64,
}

/// One region in detail, if it lies within the caller's scope.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "registry",
    params(("code" = String, Path, description = "region code")),
    responses((status = 200, body = RegionDetail), (status = 403, body = crate::app::error::ErrorBody),
              (status = 404, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn detail(
    State(state): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path(code): Path<String>,
) -> AppResult<Json<RegionDetail>> {
    who.require_token_scope("registry:read")?;
    let found = state
        .store
        .region_by_code(&code)
        .await?
        .ok_or(AppError::NotFound("region"))?;
    let path = RegionPath::parse(&found.region.path)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored region path: {e}")))?;
    if !who.scope()?.contains(path.as_str()) {
        return Err(deny(&state, &who, "region", code, Some(found.region.path), &addr).await);
    }
    let sub = Scope::under(&path);
    let children = state
        .store
        .regions_in(&sub)
        .await?
        .into_iter()
        .filter(|r| r.parent_id == Some(found.region.id))
        .collect();
    let population = match &who {
        Principal::User(u) if u.role.reads_residents() => {
            Some(state.store.population_summary(&sub).await?)
        }
        _ => None,
    };
    let places = state
        .store
        .count_places_by_kind(&sub)
        .await?
        .into_iter()
        .map(|(kind, count)| KindCount { kind, count })
        .collect();
    Ok(Json(RegionDetail {
        polygon: found
            .polygon
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok()),
        ancestors: state
            .store
            .region_ancestry(&path)
            .await?
            .into_iter()
            .filter(|r| r.id != found.region.id)
            .collect(),
        region: found.region,
        children,
        population,
        places,
    }))
}
