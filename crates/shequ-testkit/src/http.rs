//! The server in process over [`Street::http`]: [`app`] builds the router
//! on a fresh store of the engine the running test is on (SQLite, or
//! PostgreSQL in an `#[engines]` test's `_postgres` variant), and
//! [`TestApp`] sends it requests as `tower` calls.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, header};
use http_body_util::BodyExt;
use shequ_server::app::auth::password::hash_password;
use shequ_server::{AppState, Settings};
use shequ_store::Store;
use shequ_store::accounts::NewUser;
use tower::ServiceExt;

use crate::PASSWORD;
use crate::db::{Keep, TestDb, current_engine};
use crate::street::{self, Street, region_id};

pub use crate::street::{IN_A, IN_B, http_phone_of as phone_of};

/// Grid A1's and grid B1's paths.
pub const GRID_A: &str = street::PATH_A1;
pub const GRID_B: &str = street::PATH_B1;

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub state: AppState,
    database_url: String,
    _dir: Option<tempfile::TempDir>,
    _keep: Option<Keep>,
}

/// Loads `street`'s users, every one with [`PASSWORD`].
pub async fn load_users(store: &Store, street: &Street) {
    // One hash for every user: argon2 is slow.
    let hash = hash_password(PASSWORD).expect("hash");
    for u in &street.users {
        store
            .create_user(&NewUser {
                username: u.username.into(),
                display_name: u.display_name.into(),
                password_hash: hash.clone(),
                role: u.role,
                region_id: region_id(store, u.region).await,
                phone: u.phone.map(str::to_owned),
            })
            .await
            .expect("user");
    }
}

/// The app over [`Street::http`], on the running test's engine.
pub async fn app() -> TestApp {
    app_with(Settings::default()).await
}

/// [`app`] with these settings.
pub async fn app_with(settings: Settings) -> TestApp {
    let (store, url, keep) = TestDb::fresh(current_engine()).await.into_parts();
    build(store, url, None, Some(keep), settings).await
}

/// Builds the app with [`Street::http`] on an open, migrated store.
pub async fn app_on(
    store: Store,
    database_url: String,
    dir: Option<tempfile::TempDir>,
    settings: Settings,
) -> TestApp {
    build(store, database_url, dir, None, settings).await
}

async fn build(
    store: Store,
    database_url: String,
    dir: Option<tempfile::TempDir>,
    keep: Option<Keep>,
    settings: Settings,
) -> TestApp {
    let street = Street::http();
    street::load(&store, &street).await;
    load_users(&store, &street).await;
    shequ_server::orders::catalogue::ensure_default_catalogue(&store)
        .await
        .expect("catalogue");
    let state = AppState::new(settings, store.clone()).expect("state");
    TestApp {
        router: shequ_server::router(state.clone()),
        store,
        state,
        database_url,
        _dir: dir,
        _keep: keep,
    }
}

impl TestApp {
    /// The URL of the app's database, for a second connection that sees
    /// only what was committed.
    pub fn database_url(&self) -> String {
        self.database_url.clone()
    }

    /// A user's id by username.
    pub async fn user_id(&self, username: &str) -> i64 {
        self.store
            .user_credentials(username)
            .await
            .expect("q")
            .expect("user")
            .0
            .id
    }

    pub async fn send(&self, req: Request<Body>) -> Response<Body> {
        self.router.clone().oneshot(req).await.expect("infallible")
    }

    /// Sends and returns status and parsed JSON body.
    pub async fn json(&self, req: Request<Body>) -> (u16, serde_json::Value) {
        let resp = self.send(req).await;
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, value)
    }

    /// Sends and returns status, content type and the body as text.
    pub async fn text(&self, req: Request<Body>) -> (u16, String, String) {
        let resp = self.send(req).await;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        (
            status,
            content_type,
            String::from_utf8(bytes.to_vec()).expect("utf-8 body"),
        )
    }

    /// Logs in through the API; the bearer token.
    pub async fn login(&self, username: &str) -> String {
        let (status, body) = self
            .json(post_json(
                "/api/v1/auth/login",
                None,
                &serde_json::json!({
                    "username": username, "password": PASSWORD
                }),
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }
}

pub fn get(uri: &str, token: Option<&str>) -> Request<Body> {
    let mut b = Request::get(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::empty()).expect("request")
}

pub fn post_json(uri: &str, token: Option<&str>, body: &serde_json::Value) -> Request<Body> {
    let mut b = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::from(body.to_string())).expect("request")
}

pub fn post_form(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .expect("request")
}
