//! Organisations: create, rename, move, and the change log.

use serde::Serialize;
use shequ_domain::party::{OrgKind, OrgRow, Tree};
use shequ_domain::{Code, InvalidValue};

use crate::db::{conflict_on, on_db};
use crate::{Result, Scope, Store, StoreError};

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PartyOrg {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub region_id: Option<i64>,
    pub founded_on: Option<String>,
}

/// What a new organisation needs.
#[derive(Debug, Clone)]
pub struct NewPartyOrg<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: OrgKind,
    /// The parent's code; `None` for a root.
    pub parent: Option<&'a str>,
    pub region_id: Option<i64>,
    pub founded_on: Option<chrono::NaiveDate>,
}

/// One change, as kept: who, when, what, and the organisation before
/// (none for its creation) and after, as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PartyOrgChange {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub before: Option<String>,
    pub after: String,
}

const ORG_COLUMNS: &str = "id, code, name, kind, parent_id, region_id, founded_on";

pub(super) fn json(org: &PartyOrg) -> Result<String> {
    serde_json::to_string(org).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Keeps one change in the same transaction as the change itself.
macro_rules! log_change {
    ($tx:expr, $org_id:expr, $at:expr, $actor:expr, $action:expr, $before:expr, $after:expr) => {{
        let before: Option<String> = $before.map($crate::party::orgs::json).transpose()?;
        sqlx::query(
            "INSERT INTO party_org_changes (org_id, at, actor, action, before, after)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($org_id)
        .bind($at)
        .bind($actor)
        .bind($action)
        .bind(before)
        .bind($crate::party::orgs::json($after)?)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(super) use log_change;

pub(super) fn kind_of(org: &PartyOrg) -> Result<OrgKind> {
    OrgKind::parse(&org.kind).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The tree of the organisations not dissolved, by code, for the
/// domain's checks.
pub(super) fn tree_of(orgs: &[PartyOrg]) -> Result<Tree> {
    let code_of: std::collections::HashMap<i64, &str> =
        orgs.iter().map(|o| (o.id, o.code.as_str())).collect();
    let rows = orgs
        .iter()
        .enumerate()
        .map(|(i, o)| {
            Ok(OrgRow {
                line: i + 1,
                code: o.code.clone(),
                kind: kind_of(o)?,
                parent: o
                    .parent_id
                    .and_then(|p| code_of.get(&p))
                    .map(|c| (*c).to_owned()),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Tree::build(&rows).map_err(|errors| {
        StoreError::Corrupt(format!("the stored party tree is broken: {}", errors[0]))
    })
}

/// An organisation with the path of the region it serves, for scoping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ScopedPartyOrg {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub region_id: Option<i64>,
    pub region_path: Option<String>,
    pub founded_on: Option<String>,
}

impl Store {
    /// The organisations (not dissolved) serving a region inside `scope`,
    /// by code; an organisation serving no region is inside only the
    /// whole installation's scope.
    pub async fn party_orgs_in(&self, scope: &Scope) -> Result<Vec<ScopedPartyOrg>> {
        let (lo, hi) = scope.bounds();
        let everything = *scope == Scope::everything();
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT o.id, o.code, o.name, o.kind, o.parent_id, o.region_id, r.path AS region_path, o.founded_on
                 FROM party_orgs o LEFT JOIN regions r ON r.id = o.region_id
                 WHERE o.dissolved_at IS NULL
                   AND ((r.path >= $1 AND r.path < $2) OR (r.path IS NULL AND $3))
                 ORDER BY o.code",
            )
            .bind(lo)
            .bind(hi)
            .bind(everything)
            .fetch_all(pool)
            .await?
        }))
    }

    /// One organisation with its region's path, if not dissolved.
    pub async fn scoped_party_org(&self, code: &str) -> Result<Option<ScopedPartyOrg>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT o.id, o.code, o.name, o.kind, o.parent_id, o.region_id, r.path AS region_path, o.founded_on
                 FROM party_orgs o LEFT JOIN regions r ON r.id = o.region_id
                 WHERE o.code = $1 AND o.dissolved_at IS NULL",
            )
            .bind(code)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Every organisation not dissolved, by code.
    pub async fn party_orgs(&self) -> Result<Vec<PartyOrg>> {
        let sql = format!(
            "SELECT {ORG_COLUMNS} FROM party_orgs WHERE dissolved_at IS NULL ORDER BY code"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(pool)
                .await?
        }))
    }

    /// The domain's tree over [`Store::party_orgs`].
    pub async fn party_tree(&self) -> Result<Tree> {
        tree_of(&self.party_orgs().await?)
    }

    /// Creates an organisation under its parent (which must exist and may
    /// hold its kind), logging the creation. Returns its id.
    pub async fn create_party_org(
        &self,
        new: &NewPartyOrg<'_>,
        actor: &str,
        now: i64,
    ) -> Result<i64> {
        let parent_id = match new.parent {
            None => None,
            Some(code) => {
                let parent = self.party_org(code).await?.ok_or_else(|| {
                    StoreError::Invalid(
                        InvalidValue::new(
                            Code::PartyParentUnknown,
                            format!("no organisation has the code {code:?}"),
                        )
                        .at("parent"),
                    )
                })?;
                let parent_kind = kind_of(&parent)?;
                if !parent_kind.may_hold(new.kind) {
                    return Err(StoreError::Invalid(
                        InvalidValue::new(
                            Code::PartyParentKind,
                            format!(
                                "a {} cannot stand under a {}",
                                new.kind.as_str(),
                                parent_kind.as_str()
                            ),
                        )
                        .at("parent"),
                    ));
                }
                Some(parent.id)
            }
        };
        let founded = new.founded_on.map(|d| d.to_string());
        let id = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO party_orgs (code, name, kind, parent_id, region_id, founded_on, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(new.code)
            .bind(new.name)
            .bind(new.kind.as_str())
            .bind(parent_id)
            .bind(new.region_id)
            .bind(&founded)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict_on("org code", new.code))?;
            let after = PartyOrg {
                id,
                code: new.code.to_owned(),
                name: new.name.to_owned(),
                kind: new.kind.as_str().to_owned(),
                parent_id,
                region_id: new.region_id,
                founded_on: founded.clone(),
            };
            log_change!(tx, id, now, actor, "create", None::<&PartyOrg>, &after);
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// The organisation with this code, if it is not dissolved.
    pub async fn party_org(&self, code: &str) -> Result<Option<PartyOrg>> {
        let sql = format!(
            "SELECT {ORG_COLUMNS} FROM party_orgs WHERE code = $1 AND dissolved_at IS NULL"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(code)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Renames an organisation, logging before and after. The write
    /// holds only if the name is still as read (else someone renamed it
    /// meanwhile, and this answers not found: read it again).
    pub async fn rename_party_org(
        &self,
        code: &str,
        name: &str,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        let before = self
            .party_org(code)
            .await?
            .ok_or(StoreError::NotFound("party org"))?;
        let after = PartyOrg {
            name: name.to_owned(),
            ..before.clone()
        };
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE party_orgs SET name = $1, updated_at = $2
                 WHERE id = $3 AND name = $4 AND dissolved_at IS NULL",
            )
            .bind(&after.name)
            .bind(now)
            .bind(before.id)
            .bind(&before.name)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("party org"));
            }
            log_change!(tx, before.id, now, actor, "rename", Some(&before), &after);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Moves an organisation under `new_parent`. Refused (with the
    /// domain's reason) when that would make a cycle or the new parent
    /// may not hold it. The tree is read and checked inside the writing
    /// transaction, with the tree locked against other changes (SQLite has
    /// one writer; PostgreSQL locks the table), so two moves made at once
    /// cannot together make a cycle.
    pub async fn move_party_org(
        &self,
        code: &str,
        new_parent: &str,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        let lock = (self.backend() == crate::Backend::Postgres)
            .then_some("LOCK TABLE party_orgs IN SHARE ROW EXCLUSIVE MODE");
        let select = format!(
            "SELECT {ORG_COLUMNS} FROM party_orgs WHERE dissolved_at IS NULL ORDER BY code"
        );
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            if let Some(lock) = lock {
                sqlx::query(lock).execute(&mut *tx).await?;
            }
            let orgs: Vec<PartyOrg> = sqlx::query_as(sqlx::AssertSqlSafe(select.as_str()))
                .fetch_all(&mut *tx)
                .await?;
            tree_of(&orgs)?
                .check_move(code, new_parent)
                .map_err(|e| StoreError::Invalid(e.at("parent")))?;
            let find = |c: &str| orgs.iter().find(|o| o.code == c).cloned();
            let before = find(code).ok_or(StoreError::NotFound("party org"))?;
            let parent = find(new_parent).ok_or(StoreError::NotFound("party org"))?;
            let after = PartyOrg {
                parent_id: Some(parent.id),
                ..before.clone()
            };
            sqlx::query("UPDATE party_orgs SET parent_id = $1, updated_at = $2 WHERE id = $3")
                .bind(after.parent_id)
                .bind(now)
                .bind(before.id)
                .execute(&mut *tx)
                .await?;
            log_change!(tx, before.id, now, actor, "move", Some(&before), &after);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The changes of an organisation, oldest first.
    pub async fn party_org_changes(&self, code: &str) -> Result<Vec<PartyOrgChange>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT c.at, c.actor, c.action, c.before, c.after FROM party_org_changes c
                 JOIN party_orgs o ON o.id = c.org_id WHERE o.code = $1 ORDER BY c.id",
            )
            .bind(code)
            .fetch_all(pool)
            .await?
        }))
    }
}
