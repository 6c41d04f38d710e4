//! Users, login sessions and API tokens. Tokens are stored only as hashes:
//! a database leak does not hand out working credentials.

use serde::Serialize;
use shequ_domain::Role;

use crate::db::{conflict_on, on_db};
use crate::{Page, Paging, Result, Scope, Store, StoreError};

/// A user with the region they are bound to (their data scope).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_id: i64,
    pub region_code: String,
    pub region_name: String,
    pub region_path: String,
    pub phone: Option<String>,
    pub disabled: bool,
}

impl User {
    /// The parsed role; an unknown stored role is corrupt data.
    pub fn role(&self) -> Result<Role> {
        Role::parse(&self.role).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    /// An argon2id PHC string.
    pub password_hash: String,
    pub role: Role,
    pub region_id: i64,
    pub phone: Option<String>,
}

/// What kind of credential a session row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// A browser session behind a cookie.
    Cookie,
    /// A bearer token from `POST /api/v1/auth/login`.
    Bearer,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Cookie => "cookie",
            SessionKind::Bearer => "bearer",
        }
    }
}

/// An API token for a device or an integration.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// Space-separated scopes, e.g. `devices:write open311`.
    pub scopes: String,
    pub region_id: i64,
    pub region_path: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl ApiToken {
    /// Whether the token carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.split_whitespace().any(|s| s == scope)
    }
}

/// An API token to create.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub name: String,
    pub token_hash: String,
    pub scopes: String,
    pub region_id: i64,
    pub created_by: Option<i64>,
    pub expires_at: Option<i64>,
}

macro_rules! user_select {
    () => {
        "SELECT u.id, u.username, u.display_name, u.role, u.region_id, r.code AS region_code,
                r.name AS region_name, r.path AS region_path, u.phone, u.disabled
         FROM users u JOIN regions r ON r.id = u.region_id "
    };
}

impl Store {
    /// Creates a user; a taken username is a `Conflict` on `username`.
    pub async fn create_user(&self, user: &NewUser) -> Result<i64> {
        let now = crate::now_ms();
        let id = on_db!(self, write, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO users (username, display_name, password_hash, role, region_id, phone, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(&user.username)
            .bind(&user.display_name)
            .bind(&user.password_hash)
            .bind(user.role.as_str())
            .bind(user.region_id)
            .bind(&user.phone)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(conflict_on("username", &user.username))?
        });
        Ok(id)
    }

    /// The user and stored password hash for a login attempt.
    pub async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: User,
            password_hash: String,
        }
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Row>(
                "SELECT u.id, u.username, u.display_name, u.role, u.region_id, r.code AS region_code,
                        r.name AS region_name, r.path AS region_path, u.phone, u.disabled, u.password_hash
                 FROM users u JOIN regions r ON r.id = u.region_id WHERE u.username = $1",
            )
            .bind(username)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|r| (r.user, r.password_hash)))
    }

    /// One user by id.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, User>(concat!(user_select!(), "WHERE u.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row)
    }

    /// Users bound to regions under the scope, by username.
    pub async fn users_in(&self, scope: &Scope, paging: Paging) -> Result<Page<User>> {
        let (lo, hi) = scope.bounds();
        let (items, total) = on_db!(self, read, |pool| {
            let items = sqlx::query_as::<_, User>(concat!(
                user_select!(),
                "WHERE r.path >= $1 AND r.path < $2 ORDER BY u.username LIMIT $3 OFFSET $4"
            ))
            .bind(lo)
            .bind(hi)
            .bind(paging.limit())
            .bind(paging.offset())
            .fetch_all(pool)
            .await?;
            let total: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM users u JOIN regions r ON r.id = u.region_id
                 WHERE r.path >= $1 AND r.path < $2",
            )
            .bind(lo)
            .bind(hi)
            .fetch_one(pool)
            .await?;
            (items, total)
        });
        Ok(Page {
            items,
            total,
            page: paging.page,
            page_size: paging.page_size,
        })
    }

    /// Replaces a user's password hash and ends all their sessions.
    pub async fn set_user_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        let now = crate::now_ms();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let n =
                sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                    .bind(password_hash)
                    .bind(now)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("user"));
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Stores a new session or bearer token (by hash).
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        kind: SessionKind,
        expires_at: i64,
    ) -> Result<()> {
        let now = crate::now_ms();
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(kind.as_str())
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The user behind a session or bearer token of the given kind, with
    /// the session's expiry time; the caller decides what expiry means.
    pub async fn session_user(
        &self,
        token_hash: &str,
        kind: SessionKind,
    ) -> Result<Option<(User, i64)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: User,
            expires_at: i64,
        }
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Row>(
                "SELECT u.id, u.username, u.display_name, u.role, u.region_id, r.code AS region_code,
                        r.name AS region_name, r.path AS region_path, u.phone, u.disabled, s.expires_at
                 FROM users u JOIN regions r ON r.id = u.region_id
                 JOIN sessions s ON s.user_id = u.id
                 WHERE s.token_hash = $1 AND s.kind = $2",
            )
            .bind(token_hash)
            .bind(kind.as_str())
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|r| (r.user, r.expires_at)))
    }

    /// Ends one session (logout).
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn purge_expired_sessions(&self, now: i64) -> Result<u64> {
        let n = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n)
    }

    /// Stores a new API token (by hash); returns its id.
    pub async fn create_api_token(&self, token: &NewApiToken) -> Result<i64> {
        let now = crate::now_ms();
        let id = on_db!(self, write, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO api_tokens (name, token_hash, scopes, region_id, created_by, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&token.name)
            .bind(&token.token_hash)
            .bind(&token.scopes)
            .bind(token.region_id)
            .bind(token.created_by)
            .bind(now)
            .bind(token.expires_at)
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// A live API token by hash: not revoked, not expired.
    pub async fn live_api_token(&self, token_hash: &str, now: i64) -> Result<Option<ApiToken>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, ApiToken>(
                "SELECT t.id, t.name, t.scopes, t.region_id, r.path AS region_path, t.created_at,
                        t.expires_at, t.revoked_at
                 FROM api_tokens t JOIN regions r ON r.id = t.region_id
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL
                   AND (t.expires_at IS NULL OR t.expires_at > $2)",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// API tokens bound under the scope, newest first.
    pub async fn api_tokens_in(&self, scope: &Scope) -> Result<Vec<ApiToken>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, ApiToken>(
                "SELECT t.id, t.name, t.scopes, t.region_id, r.path AS region_path, t.created_at,
                        t.expires_at, t.revoked_at
                 FROM api_tokens t JOIN regions r ON r.id = t.region_id
                 WHERE r.path >= $1 AND r.path < $2 ORDER BY t.id DESC",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Revokes a token; `NotFound` if it does not exist or is not in scope.
    pub async fn revoke_api_token(&self, scope: &Scope, id: i64) -> Result<()> {
        let (lo, hi) = scope.bounds();
        let now = crate::now_ms();
        let n = on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1
                 WHERE id = $2 AND revoked_at IS NULL
                   AND region_id IN (SELECT id FROM regions WHERE path >= $3 AND path < $4)",
            )
            .bind(now)
            .bind(id)
            .bind(lo)
            .bind(hi)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("api token"));
        }
        Ok(())
    }
}
