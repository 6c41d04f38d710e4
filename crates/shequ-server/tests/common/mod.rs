//! A small street for in-process HTTP tests: two neighbourhoods (A, B), a
//! grid in each, a building, a household and residents in each, and users.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, header};
use http_body_util::BodyExt;
use shequ_domain::{IdentityNumber, PlaceKind, RegionCode, RegionKind, Role};
use shequ_server::AppState;
use shequ_server::Settings;
use shequ_server::app::auth::password::hash_password;
use shequ_store::Store;
use shequ_store::accounts::NewUser;
use shequ_store::people::{NewHousehold, NewPerson};
use shequ_store::places::NewPlace;
use shequ_store::regions::NewRegion;
use tower::ServiceExt;

pub mod pages;

pub const PASSWORD: &str = "correct-horse-battery";

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub state: AppState,
    database_url: String,
    _dir: Option<tempfile::TempDir>,
}

/// A rectangle from west to east longitude, 31.16–31.18 north.
fn rect(w: f64, e: f64) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{w},31.16],[{e},31.16],[{e},31.18],[{w},31.18],[{w},31.16]]]}}"#
    )
}

fn region(code: &str, name: &str, kind: RegionKind, parent: Option<&str>) -> NewRegion {
    // Neighbourhood and grid A cover the western half, B the eastern.
    let (w, e) = match code {
        "310104011001" | "31010401100101" => (121.42, 121.43),
        "310104011002" | "31010401100201" => (121.43, 121.44),
        _ => (121.42, 121.44),
    };
    NewRegion {
        code: RegionCode::parse(code).expect("code"),
        name: name.into(),
        kind,
        parent_code: parent.map(|p| RegionCode::parse(p).expect("code")),
        polygon: Some(rect(w, e)),
        center: Some(((w + e) / 2.0, 31.17)),
    }
}

/// A point inside grid A and one inside grid B.
pub const IN_A: (f64, f64) = (121.425, 31.17);
pub const IN_B: (f64, f64) = (121.435, 31.17);

/// Phones of the users who get SMS in the work-order tests; the others
/// have none.
pub fn phone_of(username: &str) -> Option<&'static str> {
    match username {
        "grid_a" => Some("13800000001"),
        "sec_a" => Some("13800000002"),
        _ => None,
    }
}

pub const GRID_A: &str = "/310000/310104/310104011/310104011001/31010401100101/";
pub const GRID_B: &str = "/310000/310104/310104011/310104011002/31010401100201/";

/// Builds the app on a fresh SQLite file with the small street loaded.
pub async fn app() -> TestApp {
    app_with(Settings::default()).await
}

pub async fn app_with(settings: Settings) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Store::open(&url).await.expect("open");
    app_on(store, url, Some(dir), settings).await
}

/// Builds the app with the small street on an open, migrated store.
pub async fn app_on(
    store: Store,
    database_url: String,
    dir: Option<tempfile::TempDir>,
    settings: Settings,
) -> TestApp {
    use RegionKind::*;
    for o in store
        .upsert_regions(&[
            region("310000", "上海市", City, None),
            region("310104", "徐汇区", District, Some("310000")),
            region("310104011", "田林街道", Street, Some("310104")),
            region("310104011001", "田林一村", Neighbourhood, Some("310104011")),
            region("310104011002", "田林二村", Neighbourhood, Some("310104011")),
            region("31010401100101", "一村第1网格", Grid, Some("310104011001")),
            region("31010401100201", "二村第1网格", Grid, Some("310104011002")),
        ])
        .await
        .expect("regions")
    {
        o.expect("region accepted");
    }
    let grid = |code: &str| {
        let store = store.clone();
        let code = code.to_owned();
        async move {
            store
                .region_by_code(&code)
                .await
                .expect("q")
                .expect("grid")
                .region
                .id
        }
    };
    let (ga, gb) = (grid("31010401100101").await, grid("31010401100201").await);
    let building = |code: &str, region_id, path: &str| NewPlace {
        code: code.into(),
        name: format!("{code}号楼"),
        kind: PlaceKind::ResidentialBuilding,
        facility_type: None,
        region_id,
        region_path: path.into(),
        lon: 121.43,
        lat: 31.17,
        address: format!("田林路{code}号"),
        built_year: Some(1985),
        floors: Some(6),
    };
    store
        .upsert_places(&[building("A1", ga, GRID_A), building("B1", gb, GRID_B)])
        .await
        .expect("places");
    let refs = store.place_refs(&["A1", "B1"]).await.expect("refs");
    let (_, hh) = store
        .upsert_households(&[
            NewHousehold {
                code: "HA".into(),
                building_id: refs["A1"].id,
                region_id: ga,
                region_path: GRID_A.into(),
                room: "101".into(),
            },
            NewHousehold {
                code: "HB".into(),
                building_id: refs["B1"].id,
                region_id: gb,
                region_path: GRID_B.into(),
                room: "202".into(),
            },
        ])
        .await
        .expect("households");
    let person = |body: &str, name: &str, tags: &str, h: &str, region_id, path: &str| {
        let id = IdentityNumber::from_body(body).expect("id");
        NewPerson {
            identity_number: id.expose().into(),
            name: name.into(),
            gender: id.gender().as_str(),
            birth_date: id.birth_date().to_string(),
            phone: Some("13912345678".into()),
            residency: "registered",
            care_tags: tags.into(),
            household_id: Some(hh[h]),
            region_id,
            region_path: path.into(),
        }
    };
    store
        .upsert_people(&[
            person(
                "31010419400101001",
                "王秀英",
                "elderly_living_alone",
                "HA",
                ga,
                GRID_A,
            ),
            person("31010419800202002", "王建国", "", "HA", ga, GRID_A),
            person("34010119850404004", "王芳", "", "HB", gb, GRID_B),
        ])
        .await
        .expect("people");
    let hash = hash_password(PASSWORD).expect("hash");
    for (username, role, code) in [
        ("admin", Role::Admin, "310000"),
        ("operator", Role::StreetOperator, "310104011"),
        ("sec_a", Role::NeighbourhoodSecretary, "310104011001"),
        ("sec_b", Role::NeighbourhoodSecretary, "310104011002"),
        ("grid_a", Role::GridWorker, "31010401100101"),
        ("gw_b", Role::GridWorker, "31010401100201"),
        ("organiser", Role::DistrictOrganiser, "310104"),
    ] {
        let region_id = store
            .region_by_code(code)
            .await
            .expect("q")
            .expect("region")
            .region
            .id;
        store
            .create_user(&NewUser {
                username: username.into(),
                display_name: username.into(),
                password_hash: hash.clone(),
                role,
                region_id,
                phone: phone_of(username).map(str::to_owned),
            })
            .await
            .expect("user");
    }
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

impl TestApp {
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
}
