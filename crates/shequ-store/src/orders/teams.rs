//! Teams (departments) and their duty roster, routing rules, and the
//! people who could take an order.

use serde::Serialize;
use shequ_domain::Role;
use shequ_domain::order::routing::{Candidate, Rule, Target};

use crate::bulk::over_json_list;
use crate::bulk::{Sql, pick};
use crate::db::{conflict_on, on_db};
use crate::{Result, Scope, Store, StoreError, now_ms};

/// A team, e.g. a department summoned by 吹哨报到 or a duty group.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Team {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub region_id: i64,
    pub region_path: String,
}

/// A stored routing rule.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RoutingRuleRow {
    pub id: i64,
    pub category_code: Option<String>,
    pub region_id: i64,
    pub region_path: String,
    pub target_kind: String,
    pub target_value: String,
}

impl RoutingRuleRow {
    /// The domain rule; `None` for a row naming an unknown role.
    pub fn to_rule(&self) -> Option<Rule> {
        let target = match self.target_kind.as_str() {
            "role" => Target::Role(Role::parse(&self.target_value).ok()?),
            "team" => Target::Team(self.target_value.parse().ok()?),
            "user" => Target::User(self.target_value.parse().ok()?),
            _ => return None,
        };
        Some(Rule {
            id: self.id,
            category: self.category_code.clone(),
            region_path: self.region_path.clone(),
            target,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CandidateRow {
    user_id: i64,
    region_path: String,
    open_orders: i64,
    on_duty: bool,
}

/// The paths of `path` and every region above it.
pub(crate) fn ancestor_paths(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut end = 0;
    for (i, c) in path.char_indices() {
        if c == '/' && i > 0 {
            end = i + 1;
            out.push(path[..end].to_owned());
        }
    }
    debug_assert!(end == path.len() || path.is_empty());
    out
}

const ROLE_HOLDERS: Sql = over_json_list!(
    "SELECT u.id, r.path FROM users u JOIN regions r ON r.id = u.region_id
             WHERE u.role = $1 AND NOT u.disabled AND r.path IN (",
    text "$2",
    ")"
);

const OPEN_LOADS: Sql = over_json_list!(
    "SELECT user_id, open_orders FROM user_loads WHERE user_id IN (",
    ids "$1",
    ")"
);

const SUPERVISORS: Sql = over_json_list!(
    "SELECT u.id, u.role, r.path FROM users u JOIN regions r ON r.id = u.region_id
             WHERE NOT u.disabled AND r.path IN (",
    text "$1",
    ")"
);

fn json(v: &impl Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// Creates a team bound to a region; a taken code is a `Conflict`.
    pub async fn create_team(
        &self,
        code: &str,
        name: &str,
        kind: &str,
        region_id: i64,
    ) -> Result<i64> {
        let id = on_db!(self, write, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO teams (code, name, kind, region_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(code)
            .bind(name)
            .bind(kind)
            .bind(region_id)
            .bind(now_ms())
            .fetch_one(pool)
            .await
            .map_err(conflict_on("code", code))?
        });
        Ok(id)
    }

    /// Adds a member to a team (idempotent).
    pub async fn add_team_member(&self, team_id: i64, user_id: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(team_id)
                .bind(user_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Puts a member on duty for `[starts_at, ends_at)`.
    pub async fn add_duty_shift(
        &self,
        team_id: i64,
        user_id: i64,
        starts_at: i64,
        ends_at: i64,
    ) -> Result<i64> {
        let id = on_db!(self, write, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO duty_shifts (team_id, user_id, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(team_id)
            .bind(user_id)
            .bind(starts_at)
            .bind(ends_at)
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// Teams bound under the scope.
    pub async fn teams_in(&self, scope: &Scope) -> Result<Vec<Team>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Team>(
                "SELECT t.id, t.code, t.name, t.kind, t.region_id, r.path AS region_path
                 FROM teams t JOIN regions r ON r.id = t.region_id
                 WHERE r.path >= $1 AND r.path < $2 ORDER BY t.code",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// One team by id.
    pub async fn team(&self, id: i64) -> Result<Option<Team>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Team>(
                "SELECT t.id, t.code, t.name, t.kind, t.region_id, r.path AS region_path
                 FROM teams t JOIN regions r ON r.id = t.region_id WHERE t.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// Members of a team with whether each is on duty at `now` and their
    /// open orders. A team with no shifts has everyone on duty.
    pub async fn team_candidates(&self, team_id: i64, now: i64) -> Result<Vec<Candidate>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, CandidateRow>(
                "SELECT u.id AS user_id, r.path AS region_path,
                    COALESCE((SELECT l.open_orders FROM user_loads l WHERE l.user_id = u.id), 0) AS open_orders,
                    (NOT EXISTS (SELECT 1 FROM duty_shifts s WHERE s.team_id = m.team_id)
                       OR EXISTS (SELECT 1 FROM duty_shifts s WHERE s.team_id = m.team_id AND s.user_id = u.id
                                  AND s.starts_at <= $2 AND s.ends_at > $2)) AS on_duty
                 FROM team_members m JOIN users u ON u.id = m.user_id JOIN regions r ON r.id = u.region_id
                 WHERE m.team_id = $1 AND NOT u.disabled",
            )
            .bind(team_id)
            .bind(now)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(candidate).collect())
    }

    /// People with `role` bound to `order_path` or a region above it:
    /// `(user_id, region_path)`.
    pub async fn role_holders(&self, role: Role, order_path: &str) -> Result<Vec<(i64, String)>> {
        let paths = json(&ancestor_paths(order_path))?;
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as(pick(&self.db, &ROLE_HOLDERS))
                .bind(role.as_str())
                .bind(&paths)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// Open orders held by each of `users` (absent: none).
    pub async fn user_loads(&self, users: &[i64]) -> Result<std::collections::HashMap<i64, i64>> {
        if users.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        let ids = json(&users)?;
        let rows: Vec<(i64, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as(pick(&self.db, &OPEN_LOADS))
                .bind(&ids)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().collect())
    }

    /// People with `role` bound to `order_path` or a region above it. Their
    /// open orders are read only where they decide something: among
    /// several people at the deepest level (usually a grid has one worker,
    /// and then no load is needed).
    pub async fn role_candidates(&self, role: Role, order_path: &str) -> Result<Vec<Candidate>> {
        let holders = self.role_holders(role, order_path).await?;
        let loads = self.user_loads(&tied_at_deepest(&holders)).await?;
        Ok(candidates_with_loads(holders, &loads))
    }

    /// Everyone bound to a region above (or at) `path`, for finding a
    /// supervisor: `(user_id, role, region_path)`.
    pub async fn people_above(&self, path: &str) -> Result<Vec<(i64, Role, String)>> {
        let paths = json(&ancestor_paths(path))?;
        let rows: Vec<(i64, String, String)> = on_db!(self, read, |pool| {
            sqlx::query_as(pick(&self.db, &SUPERVISORS))
                .bind(&paths)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(id, role, path)| Some((id, Role::parse(&role).ok()?, path)))
            .collect())
    }

    /// Adds a routing rule.
    pub async fn add_routing_rule(
        &self,
        category_code: Option<&str>,
        region_id: i64,
        region_path: &str,
        target: &Target,
    ) -> Result<i64> {
        let (kind, value) = match target {
            Target::Role(r) => ("role", r.as_str().to_owned()),
            Target::Team(t) => ("team", t.to_string()),
            Target::User(u) => ("user", u.to_string()),
        };
        let id = on_db!(self, write, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO routing_rules (category_code, region_id, region_path, target_kind, target_value, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(category_code)
            .bind(region_id)
            .bind(region_path)
            .bind(kind)
            .bind(&value)
            .bind(now_ms())
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// Deletes a routing rule in the scope.
    pub async fn delete_routing_rule(&self, scope: &Scope, id: i64) -> Result<()> {
        let (lo, hi) = scope.bounds();
        let n = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM routing_rules WHERE id = $1 AND region_path >= $2 AND region_path < $3")
                .bind(id)
                .bind(lo)
                .bind(hi)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("routing rule"));
        }
        Ok(())
    }

    /// Every routing rule.
    pub async fn routing_rules(&self) -> Result<Vec<RoutingRuleRow>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, RoutingRuleRow>(
                "SELECT id, category_code, region_id, region_path, target_kind, target_value
                 FROM routing_rules ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }
}

/// The holders at the deepest level, when more than one: the only ones
/// whose loads decide anything.
pub fn tied_at_deepest(holders: &[(i64, String)]) -> Vec<i64> {
    let deepest = holders.iter().map(|(_, p)| p.len()).max().unwrap_or(0);
    let tied: Vec<i64> = holders
        .iter()
        .filter(|(_, p)| p.len() == deepest)
        .map(|(id, _)| *id)
        .collect();
    if tied.len() > 1 { tied } else { Vec::new() }
}

/// Candidates from holders and the loads known for them.
pub fn candidates_with_loads(
    holders: Vec<(i64, String)>,
    loads: &std::collections::HashMap<i64, i64>,
) -> Vec<Candidate> {
    holders
        .into_iter()
        .map(|(user_id, region_path)| Candidate {
            open_orders: loads.get(&user_id).copied().unwrap_or(0),
            user_id,
            region_path,
            on_duty: true,
        })
        .collect()
}

fn candidate(r: CandidateRow) -> Candidate {
    Candidate {
        user_id: r.user_id,
        region_path: r.region_path,
        open_orders: r.open_orders,
        on_duty: r.on_duty,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ancestor_paths_from_the_root_down() {
        assert_eq!(
            super::ancestor_paths("/1/22/333/"),
            ["/1/", "/1/22/", "/1/22/333/"]
        );
        assert!(super::ancestor_paths("").is_empty());
    }
}
