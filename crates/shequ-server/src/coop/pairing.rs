//! Pairing (结对帮扶), the cooperation capability's third service: a
//! unit's party organisation paired with a neighbourhood's (组织结对), a
//! cadre with a household in difficulty (干部联系困难户), their visits,
//! which pairs are overdue a visit, and the households in difficulty (by
//! the registry's care tags) no pair looks after. The organisations are
//! the party capability's, reached through its service.

use std::collections::BTreeMap;

use serde::Deserialize;
use shequ_domain::Code;
use shequ_domain::coop::{DEFAULT_VISIT_DAYS, PairKind, in_difficulty, overdue};
use shequ_store::StoreError;
use shequ_store::coop::{NewPair, PairRow, VisitRow};

use crate::app::access::actor;
use crate::app::auth::Principal;
use crate::app::error::{AppError, FieldError};
use crate::coop::CoopState;
use crate::coop::service::require_writer;
use crate::party::service as party;

/// A household in difficulty with no pair.
#[derive(Debug, Clone)]
pub struct Unpaired {
    pub household_id: i64,
    pub household_code: String,
    pub building_name: String,
    /// Its members' care tags, each once.
    pub tags: Vec<String>,
}

/// The pairs of the caller's area, each with whether it is overdue a
/// visit, and the households in difficulty none looks after.
pub struct PairsView {
    pub pairs: Vec<(PairRow, bool)>,
    pub unpaired: Vec<Unpaired>,
}

/// The pairing page's content.
pub async fn pairs(core: &CoopState, who: &Principal) -> Result<PairsView, AppError> {
    let scope = who.scope()?;
    let today = core.today();
    let rows = core.store.pairs_in(&scope).await?;
    let mut pairs = Vec::with_capacity(rows.len());
    for p in rows {
        let (paired, last) = p.days()?;
        let days = u32::try_from(p.visit_days).unwrap_or(DEFAULT_VISIT_DAYS);
        let late = overdue(last, paired, today, days);
        pairs.push((p, late));
    }
    let paired: std::collections::HashSet<i64> =
        pairs.iter().filter_map(|(p, _)| p.household_id).collect();
    let mut by_household: BTreeMap<i64, Unpaired> = BTreeMap::new();
    for h in core.store.households_with_care_tags(&scope).await? {
        if paired.contains(&h.household_id) {
            continue;
        }
        let e = by_household
            .entry(h.household_id)
            .or_insert_with(|| Unpaired {
                household_id: h.household_id,
                household_code: h.household_code.clone(),
                building_name: h.building_name.clone(),
                tags: Vec::new(),
            });
        for t in h
            .care_tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            if !e.tags.iter().any(|x| x == t) {
                e.tags.push(t.to_owned());
            }
        }
    }
    let unpaired = by_household
        .into_values()
        .filter(|u| in_difficulty(&u.tags.join(",")))
        .collect();
    Ok(PairsView { pairs, unpaired })
}

/// A pair as a form gives it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PairInput {
    /// `org_org` or `cadre_household` (组织结对, 干部联系困难户).
    pub kind: String,
    /// org_org: the helping organisation's code (a unit's).
    pub helper_org: String,
    /// org_org: the helped organisation's code (a neighbourhood's, in your
    /// area).
    pub helped_org: String,
    /// cadre_household: the cadre's name.
    pub helper_name: String,
    /// cadre_household: the household's registry number.
    pub household: String,
    /// Days it may go without a visit; empty: 60.
    pub visit_days: String,
}

/// Makes a pair of the caller's area, paired today; its id.
pub async fn create_pair(
    core: &CoopState,
    who: &Principal,
    input: &PairInput,
) -> Result<i64, AppError> {
    require_writer(who)?;
    let scope = who.scope()?;
    let mut errors = Vec::new();
    let kind = PairKind::parse(&input.kind)
        .map_err(|e| errors.push(FieldError::from_invalid("kind", &e)))
        .ok();
    let visit_days = match input.visit_days.trim() {
        "" => Some(DEFAULT_VISIT_DAYS),
        t => match t.parse::<u32>() {
            Ok(n) if (1..=365).contains(&n) => Some(n),
            _ => {
                errors.push(FieldError::new(
                    "visit_days",
                    Code::CoopVisitDays,
                    "a whole number of days from 1 to 365",
                ));
                None
            }
        },
    };
    let pair = match kind {
        Some(PairKind::OrgOrg) => {
            let helper = party::org_by_code(core, &input.helper_org).await?;
            if helper.is_none() {
                errors.push(FieldError::new(
                    "helper_org",
                    Code::PartyOrgNotFound,
                    "no party organisation has that code",
                ));
            }
            let helped = party::visible_orgs(core, who)
                .await?
                .into_iter()
                .find(|o| o.code == input.helped_org.trim() && o.region_path.is_some());
            if helped.is_none() {
                errors.push(FieldError::new(
                    "helped_org",
                    Code::PartyOrgNotFound,
                    "no organisation of your area serving a region has that code",
                ));
            }
            helper.zip(helped).map(|(a, b)| {
                (
                    NewPair::Orgs {
                        helper_org_id: a.id,
                        helped_org_id: b.id,
                    },
                    String::new(),
                )
            })
        }
        Some(PairKind::CadreHousehold) => {
            let name = input.helper_name.trim().to_owned();
            if name.is_empty() || name.chars().count() > 50 {
                errors.push(FieldError::new(
                    "helper_name",
                    Code::Required,
                    "name the cadre, in up to 50 characters",
                ));
            }
            let household = match input.household.trim().parse::<i64>() {
                Ok(id) => core.store.household_in(&scope, id).await?.map(|_| id),
                Err(_) => None,
            };
            if household.is_none() {
                errors.push(FieldError::new(
                    "household",
                    Code::HouseholdNotFound,
                    "no household of your area has that number",
                ));
            }
            household.map(|h| {
                (
                    NewPair::Household {
                        helper_name: "",
                        household_id: h,
                    },
                    name,
                )
            })
        }
        None => None,
    };
    let (Some((pair, name)), Some(days), true) = (pair, visit_days, errors.is_empty()) else {
        return Err(AppError::Unprocessable(errors));
    };
    let pair = match pair {
        NewPair::Household { household_id, .. } => NewPair::Household {
            helper_name: &name,
            household_id,
        },
        other => other,
    };
    Ok(core
        .store
        .create_pair(
            &pair,
            core.today(),
            days,
            &actor(who).1,
            core.clock.now_ms(),
        )
        .await?)
}

/// Pair `id` of the caller's area with its visits, and whether it is
/// overdue.
pub async fn pair(
    core: &CoopState,
    who: &Principal,
    id: i64,
) -> Result<(PairRow, bool, Vec<VisitRow>), AppError> {
    let scope = who.scope()?;
    let p = core
        .store
        .pair(id)
        .await?
        .filter(|p| scope.contains(&p.region_path))
        .ok_or(AppError::NotFound("coop pair"))?;
    let (paired, last) = p.days().map_err(AppError::from)?;
    let days = u32::try_from(p.visit_days).unwrap_or(DEFAULT_VISIT_DAYS);
    let late = overdue(last, paired, core.today(), days);
    let visits = core.store.visits(id).await?;
    Ok((p, late, visits))
}

/// Logs a visit of a pair of the caller's area: the day (not after today)
/// and what was done.
pub async fn log_visit(
    core: &CoopState,
    who: &Principal,
    id: i64,
    day: &str,
    what: &str,
) -> Result<i64, AppError> {
    require_writer(who)?;
    pair(core, who, id).await?;
    let mut errors = Vec::new();
    let day = match day.trim().parse::<chrono::NaiveDate>() {
        Ok(d) if d <= core.today() => Some(d),
        Ok(_) => {
            errors.push(FieldError::new(
                "day",
                Code::DateInvalid,
                "a visit is logged on or after the day it was made",
            ));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(
                "day",
                Code::DateInvalid,
                "write the day as 2026-03-01",
            ));
            None
        }
    };
    let what = what.trim();
    if what.is_empty() || what.chars().count() > 200 {
        errors.push(FieldError::new(
            "what",
            Code::Required,
            "say what was done, in up to 200 characters",
        ));
    }
    let (Some(day), true) = (day, errors.is_empty()) else {
        return Err(AppError::Unprocessable(errors));
    };
    let visitor = match who {
        Principal::User(u) => u.user.display_name.clone(),
        Principal::Token(t) => t.name.clone(),
    };
    core.store
        .log_visit(id, day, what, &visitor, core.clock.now_ms())
        .await
        .map_err(|e| match e {
            StoreError::NotFound(w) => AppError::NotFound(w),
            other => other.into(),
        })
}
