//! What other capabilities ask of the registry.

use shequ_store::Scope;
use shequ_store::regions::Region;

use crate::app::error::AppError;
use crate::app::state::Core;

/// The street this deployment serves: the first region of kind `street`
/// (in path order). Public reports must lie inside it.
pub async fn deployment_street(core: &Core) -> Result<Region, AppError> {
    let regions = core.store.regions_in(&Scope::everything()).await?;
    regions
        .into_iter()
        .find(|r| r.kind == "street")
        .ok_or(AppError::NotFound("street"))
}
