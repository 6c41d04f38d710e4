//! The street, keys, clock and schema checks every Open311 test uses.

pub use std::sync::Arc;

pub use crate::common::{self, TestApp, get, post_form};
pub use serde_json::{Value, json};
pub use shequ_domain::order::{Action, CancelReason};
pub use shequ_domain::{RegionCode, RegionKind, RegionPath, Role};
pub use shequ_server::app::auth::{API_TOKEN_PREFIX, new_token, token_hash};
pub use shequ_server::app::clock::{Clock, ManualClock};
pub use shequ_store::accounts::NewApiToken;
pub use shequ_store::orders::act::Actor;
pub use shequ_store::orders::catalogue::NewCategory;
pub use shequ_store::orders::read::OrderFilter;
pub use shequ_store::orders::{Effects, Order};
pub use shequ_store::regions::NewRegion;
pub use shequ_store::{Paging, Scope};

/// 2026-11-23T18:00:00+08:00.
pub const T0: i64 = 1_795_428_000_000;
pub const DAY: i64 = 86_400_000;

/// A point in grid A, one in grid B, one in another street's grid.
pub const IN_A: (&str, &str) = ("31.17", "121.425");
pub const IN_B: (&str, &str) = ("31.17", "121.435");
pub const ELSEWHERE: (&str, &str) = ("31.165", "121.465");

pub struct Fx {
    pub app: TestApp,
    pub clock: Arc<ManualClock>,
    /// Keys bound to the street, to neighbourhood A, without the open311
    /// scope, and expired.
    pub street_key: String,
    pub a_key: String,
    pub no_scope_key: String,
    pub expired_key: String,
    pub place_a: i64,
    pub place_b: i64,
}

pub fn rect(w: f64, s: f64, e: f64, n: f64) -> Option<String> {
    Some(format!(
        "{{\"type\":\"Polygon\",\"coordinates\":[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]}}"
    ))
}

pub fn region(
    code: &str,
    name: &str,
    kind: RegionKind,
    parent: &str,
    polygon: Option<String>,
) -> NewRegion {
    NewRegion {
        code: RegionCode::parse(code).expect("code"),
        name: name.into(),
        kind,
        parent_code: Some(RegionCode::parse(parent).expect("code")),
        polygon,
        center: None,
    }
}

pub const SURVEY_ATTRIBUTES: &str = r#"[
  {"code":"size","datatype":"number","required":true,"order":1,"description":"大小（米）"},
  {"code":"seen_at","datatype":"datetime","required":false,"order":2,"description":"发现时间"},
  {"code":"colour","datatype":"singlevaluelist","required":false,"order":3,"values":[{"key":"red","name":"红"},{"key":"blue","name":"蓝"}]},
  {"code":"sides","datatype":"multivaluelist","required":false,"order":4,"values":[{"key":"n","name":"北"},{"key":"s","name":"南"},{"key":"e","name":"东"}]},
  {"code":"plate","datatype":"string","required":false,"order":5},
  {"code":"notes","datatype":"text","required":false,"order":6},
  {"code":"info","variable":false,"datatype":"text","required":false,"order":7,"description":"仅供说明"}
]"#;

pub async fn key(
    app: &TestApp,
    name: &str,
    region: &str,
    scopes: &str,
    expires_at: Option<i64>,
) -> String {
    let region_id = app
        .store
        .region_by_code(region)
        .await
        .expect("q")
        .expect("region")
        .region
        .id;
    let token = new_token(API_TOKEN_PREFIX);
    app.store
        .create_api_token(&NewApiToken {
            name: name.into(),
            token_hash: token_hash(&token),
            scopes: scopes.into(),
            region_id,
            created_by: None,
            expires_at,
        })
        .await
        .expect("token");
    token
}

/// The small street of `common` (grids A and B side by side, the default
/// catalogue), a second street, a category with every datatype, keys, and
/// a clock standing at [`T0`].
pub async fn fx() -> Fx {
    let mut app = common::app().await;
    use RegionKind::*;
    for o in app
        .store
        .upsert_regions(&[
            region(
                "310104012",
                "枫林路街道",
                Street,
                "310104",
                rect(121.46, 31.16, 121.47, 31.17),
            ),
            region(
                "310104012001",
                "枫林一村",
                Neighbourhood,
                "310104012",
                rect(121.46, 31.16, 121.47, 31.17),
            ),
            region(
                "31010401200101",
                "枫林一村第1网格",
                Grid,
                "310104012001",
                rect(121.46, 31.16, 121.47, 31.17),
            ),
        ])
        .await
        .expect("regions")
    {
        o.expect("region accepted");
    }
    app.store
        .upsert_categories(&[NewCategory {
            code: "survey".into(),
            name_zh: "测试调查".into(),
            name_en: "Test survey".into(),
            group_zh: "测试".into(),
            group_en: "Tests".into(),
            description_zh: "每种属性各一个".into(),
            description_en: "One attribute of each datatype".into(),
            keywords: "测试 属性".into(),
            accept_within_minutes: 30,
            resolve_within_minutes: 240,
            default_priority: "normal".into(),
            attributes: SURVEY_ATTRIBUTES.into(),
            active: true,
        }])
        .await
        .expect("survey");
    let clock = Arc::new(ManualClock::new(T0));
    let state = app.state.clone().with_clock(clock.clone());
    app.router = shequ_server::router(state.clone());
    app.state = state;
    let refs = app.store.place_refs(&["A1", "B1"]).await.expect("places");
    Fx {
        street_key: key(&app, "城市热线", "310104011", "open311", None).await,
        a_key: key(&app, "一村", "310104011001", "open311", None).await,
        no_scope_key: key(&app, "门禁", "310104011", "devices:write", None).await,
        expired_key: key(&app, "旧钥匙", "310104011", "open311", Some(T0 - DAY)).await,
        place_a: refs["A1"].id,
        place_b: refs["B1"].id,
        app,
        clock,
    }
}

pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Fx {
    pub async fn json(&self, uri: &str) -> (u16, Value) {
        self.app.json(get(uri, None)).await
    }

    pub async fn post(&self, pairs: &[(&str, &str)]) -> (u16, Value) {
        self.app
            .json(post_form("/open311/v2/requests.json", &form(pairs)))
            .await
    }

    /// Posts a report at `(lat, long)` with the street key; returns its id.
    pub async fn report(&self, service: &str, at: (&str, &str), description: &str) -> i64 {
        let mut pairs = vec![
            ("api_key", self.street_key.as_str()),
            ("service_code", service),
            ("lat", at.0),
            ("long", at.1),
            ("description", description),
        ];
        if service == "facility_repair" {
            pairs.push(("attribute[facility]", "stair_light"));
        }
        let (status, body) = self.post(&pairs).await;
        assert_eq!(status, 200, "{body}");
        body[0]["service_request_id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("number")
    }

    pub async fn order(&self, id: i64) -> Order {
        self.app
            .store
            .order_by_id(id)
            .await
            .expect("q")
            .expect("order")
    }

    /// Acts on an order as one of the seeded users.
    pub async fn act(&self, id: i64, username: &str, role: Role, action: Action) {
        let user = self.user_id(username).await;
        self.app
            .store
            .act_on_order(
                id,
                &Actor::User {
                    id: user,
                    role,
                    scope: Scope::everything(),
                },
                &action,
                self.clock.now_ms(),
                |_, _, _| Effects::default(),
            )
            .await
            .expect("act");
    }

    pub async fn user_id(&self, username: &str) -> i64 {
        self.app
            .store
            .users_in(&Scope::everything(), Paging::new(None, Some(500)))
            .await
            .expect("users")
            .items
            .into_iter()
            .find(|u| u.username == username)
            .expect("user")
            .id
    }
}

// ---- schemas -------------------------------------------------------------

pub fn schema_file(name: &str) -> Value {
    let text = match name {
        "service" => include_str!("../open311-schemas/service.json"),
        "request" => include_str!("../open311-schemas/request.json"),
        "service-definition" => include_str!("../open311-schemas/service-definition.json"),
        other => panic!("no schema {other}"),
    };
    serde_json::from_str(text).expect("schema json")
}

/// Validates against a draft-04 schema, formats included.
pub fn assert_valid(schema: &Value, value: &Value) {
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\nin {value:#}");
}

pub fn assert_services(v: &Value) {
    let schema = json!({"type": "array", "items": schema_file("service")});
    assert_valid(&schema, v);
}

pub fn assert_requests(v: &Value) {
    let schema = json!({"type": "array", "items": schema_file("request")});
    assert_valid(&schema, v);
}

/// The spec's error array with one entry per problem, each with `code`.
pub fn assert_errors(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    let schema = json!({
        "type": "array", "minItems": 1,
        "items": {"type": "object", "required": ["code", "description"],
                  "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}}
    });
    assert_valid(&schema, body);
}

pub fn descriptions(body: &Value) -> String {
    body.as_array()
        .expect("array")
        .iter()
        .map(|e| e["description"].as_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>()
        .join(" | ")
}

pub fn ids(body: &Value) -> Vec<i64> {
    body.as_array()
        .expect("array")
        .iter()
        .map(|r| {
            r["service_request_id"]
                .as_str()
                .expect("id")
                .parse()
                .expect("n")
        })
        .collect()
}

#[test]
fn the_schemas_catch_what_they_should() {
    let schema = json!({"type": "array", "items": schema_file("request")});
    let v = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("compiles");
    let good = json!({"service_request_id": "1", "status": "open", "service_code": "x",
                      "requested_datetime": "2026-11-23T18:00:00+08:00", "media_url": null});
    assert!(v.is_valid(&json!([good])));
    for (field, bad) in [
        ("service_request_id", json!(1)),
        ("status", json!("pending")),
        ("requested_datetime", json!("2026-11-23 18:00")),
        ("media_url", json!("not a uri")),
        ("lat", json!("31.17")),
    ] {
        let mut r = good.clone();
        r[field] = bad;
        assert!(!v.is_valid(&json!([r])), "{field} should be refused");
    }
}
