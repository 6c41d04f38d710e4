//! Open311 GeoReport v2 in process: every JSON answer checked against the
//! spec's schemas (copied in `open311-schemas/`), the XML forms parsed,
//! and every error case answered with the spec's error array.

mod common;

use std::sync::Arc;

use common::{TestApp, get, post_form};
use serde_json::{Value, json};
use shequ_domain::order::{Action, CancelReason};
use shequ_domain::{RegionCode, RegionKind, RegionPath, Role};
use shequ_server::auth::{API_TOKEN_PREFIX, new_token, token_hash};
use shequ_server::clock::{Clock, ManualClock};
use shequ_server::orders::catalogue::ensure_default_catalogue;
use shequ_store::accounts::NewApiToken;
use shequ_store::orders::act::Actor;
use shequ_store::orders::catalogue::NewCategory;
use shequ_store::orders::read::OrderFilter;
use shequ_store::orders::{Effects, Order};
use shequ_store::regions::NewRegion;
use shequ_store::{Paging, Scope};

/// 2026-11-23T18:00:00+08:00.
const T0: i64 = 1_795_428_000_000;
const DAY: i64 = 86_400_000;

/// A point in grid A, one in grid B, one in another street's grid.
const IN_A: (&str, &str) = ("31.17", "121.425");
const IN_B: (&str, &str) = ("31.17", "121.435");
const ELSEWHERE: (&str, &str) = ("31.165", "121.465");

struct Fx {
    app: TestApp,
    clock: Arc<ManualClock>,
    /// Keys bound to the street, to neighbourhood A, without the open311
    /// scope, and expired.
    street_key: String,
    a_key: String,
    no_scope_key: String,
    expired_key: String,
    place_a: i64,
    place_b: i64,
}

fn rect(w: f64, s: f64, e: f64, n: f64) -> Option<String> {
    Some(format!(
        "{{\"type\":\"Polygon\",\"coordinates\":[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]}}"
    ))
}

fn region(
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

const SURVEY_ATTRIBUTES: &str = r#"[
  {"code":"size","datatype":"number","required":true,"order":1,"description":"大小（米）"},
  {"code":"seen_at","datatype":"datetime","required":false,"order":2,"description":"发现时间"},
  {"code":"colour","datatype":"singlevaluelist","required":false,"order":3,"values":[{"key":"red","name":"红"},{"key":"blue","name":"蓝"}]},
  {"code":"sides","datatype":"multivaluelist","required":false,"order":4,"values":[{"key":"n","name":"北"},{"key":"s","name":"南"},{"key":"e","name":"东"}]},
  {"code":"plate","datatype":"string","required":false,"order":5},
  {"code":"notes","datatype":"text","required":false,"order":6},
  {"code":"info","variable":false,"datatype":"text","required":false,"order":7,"description":"仅供说明"}
]"#;

async fn key(
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

/// The small street with grids A and B side by side, a second street, the
/// default catalogue plus a category with every datatype, keys, and a
/// clock standing at [`T0`].
async fn fx() -> Fx {
    let mut app = common::app().await;
    use RegionKind::*;
    for o in app
        .store
        .upsert_regions(&[
            region(
                "31010401100101",
                "一村第1网格",
                Grid,
                "310104011001",
                rect(121.42, 31.16, 121.43, 31.18),
            ),
            region(
                "31010401100201",
                "二村第1网格",
                Grid,
                "310104011002",
                rect(121.43, 31.16, 121.44, 31.18),
            ),
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
    ensure_default_catalogue(&app.store)
        .await
        .expect("catalogue");
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

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Fx {
    async fn json(&self, uri: &str) -> (u16, Value) {
        self.app.json(get(uri, None)).await
    }

    async fn post(&self, pairs: &[(&str, &str)]) -> (u16, Value) {
        self.app
            .json(post_form("/open311/v2/requests.json", &form(pairs)))
            .await
    }

    /// Posts a report at `(lat, long)` with the street key; returns its id.
    async fn report(&self, service: &str, at: (&str, &str), description: &str) -> i64 {
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

    async fn order(&self, id: i64) -> Order {
        self.app
            .store
            .order_by_id(id)
            .await
            .expect("q")
            .expect("order")
    }

    /// Acts on an order as one of the seeded users.
    async fn act(&self, id: i64, username: &str, role: Role, action: Action) {
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

    async fn user_id(&self, username: &str) -> i64 {
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

fn schema_file(name: &str) -> Value {
    let text = match name {
        "service" => include_str!("open311-schemas/service.json"),
        "request" => include_str!("open311-schemas/request.json"),
        "service-definition" => include_str!("open311-schemas/service-definition.json"),
        other => panic!("no schema {other}"),
    };
    serde_json::from_str(text).expect("schema json")
}

/// Validates against a draft-04 schema, formats included.
fn assert_valid(schema: &Value, value: &Value) {
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

fn assert_services(v: &Value) {
    let schema = json!({"type": "array", "items": schema_file("service")});
    assert_valid(&schema, v);
}

fn assert_requests(v: &Value) {
    let schema = json!({"type": "array", "items": schema_file("request")});
    assert_valid(&schema, v);
}

/// The spec's error array with one entry per problem, each with `code`.
fn assert_errors(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    let schema = json!({
        "type": "array", "minItems": 1,
        "items": {"type": "object", "required": ["code", "description"],
                  "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}}
    });
    assert_valid(&schema, body);
}

fn descriptions(body: &Value) -> String {
    body.as_array()
        .expect("array")
        .iter()
        .map(|e| e["description"].as_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn ids(body: &Value) -> Vec<i64> {
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

// ---- discovery and services ---------------------------------------------

#[tokio::test]
async fn discovery_names_the_endpoint_in_both_formats() {
    let f = fx().await;
    for uri in [
        "/open311/v2/discovery.json",
        "/open311/v2/discovery",
        "/open311/v2",
    ] {
        let (status, v) = f.json(uri).await;
        assert_eq!(status, 200, "{uri}");
        for field in ["changeset", "contact", "key_service"] {
            assert!(v[field].as_str().is_some_and(|s| !s.is_empty()), "{field}");
        }
        let ep = &v["endpoints"][0];
        assert_eq!(ep["specification"], "http://wiki.open311.org/GeoReport_v2");
        assert_eq!(ep["url"], "http://127.0.0.1:8080/open311/v2");
        assert_eq!(ep["type"], "production");
        assert_eq!(ep["formats"], json!(["text/xml", "application/json"]));
    }
    let (status, ctype, xml) = f.app.text(get("/open311/v2/discovery.xml", None)).await;
    assert_eq!(status, 200);
    assert_eq!(ctype, "text/xml; charset=utf-8");
    let doc = roxmltree::Document::parse(&xml).expect("xml");
    assert_eq!(doc.root_element().tag_name().name(), "discovery");
    let formats: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("format"))
        .map(|n| n.text().unwrap_or_default())
        .collect();
    assert_eq!(formats, ["text/xml", "application/json"]);
}

#[tokio::test]
async fn services_list_the_catalogue_in_chinese_or_english() {
    let f = fx().await;
    let (status, zh) = f.json("/open311/v2/services.json").await;
    assert_eq!(status, 200);
    assert_services(&zh);
    let find = |v: &Value, code: &str| {
        v.as_array()
            .expect("array")
            .iter()
            .find(|s| s["service_code"] == code)
            .cloned()
            .expect(code)
    };
    let repair = find(&zh, "facility_repair");
    assert_eq!(repair["service_name"], "设施报修");
    assert_eq!(repair["group"], "民生服务");
    assert_eq!(repair["metadata"], true);
    assert_eq!(repair["type"], "realtime");
    assert_eq!(repair["keywords"], "报修,电梯,路灯,水管");
    assert_eq!(find(&zh, "sanitation")["metadata"], false);
    assert_eq!(find(&zh, "survey")["description"], "每种属性各一个");

    let (_, en) = f.json("/open311/v2/services.json?locale=en").await;
    assert_services(&en);
    assert_eq!(
        find(&en, "facility_repair")["service_name"],
        "Facility repair"
    );
    assert_eq!(find(&en, "facility_repair")["group"], "Residents' welfare");
    let (_, by_header) = f
        .app
        .json(
            axum::http::Request::get("/open311/v2/services.json")
                .header("accept-language", "fr;q=0.9, en-GB;q=0.8, zh-CN;q=0.5")
                .body(axum::body::Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(by_header, en);

    let (_, ctype, xml) = f.app.text(get("/open311/v2/services.xml", None)).await;
    assert_eq!(ctype, "text/xml; charset=utf-8");
    let doc = roxmltree::Document::parse(&xml).expect("xml");
    assert_eq!(doc.root_element().tag_name().name(), "services");
    let services: Vec<_> = doc
        .root_element()
        .children()
        .filter(|n| n.is_element())
        .collect();
    assert_eq!(services.len(), zh.as_array().expect("array").len());
    assert!(services.iter().all(|s| s.has_tag_name("service")));
    assert!(xml.contains("<service_name>设施报修</service_name>"));
}

#[tokio::test]
async fn a_service_definition_lists_its_attributes() {
    let f = fx().await;
    let (status, v) = f.json("/open311/v2/services/survey.json").await;
    assert_eq!(status, 200, "{v}");
    assert_valid(&schema_file("service-definition"), &v);
    assert_eq!(v["service_code"], "survey");
    let attrs = v["attributes"].as_array().expect("attributes");
    let codes: Vec<_> = attrs
        .iter()
        .map(|a| a["code"].as_str().expect("code"))
        .collect();
    assert_eq!(
        codes,
        [
            "size", "seen_at", "colour", "sides", "plate", "notes", "info"
        ]
    );
    assert_eq!(attrs[0]["datatype"], "number");
    assert_eq!(attrs[0]["required"], true);
    assert_eq!(attrs[0]["order"], 1);
    assert_eq!(
        attrs[3]["values"],
        json!([{"key":"n","name":"北"},{"key":"s","name":"南"},{"key":"e","name":"东"}])
    );
    assert_eq!(attrs[6]["variable"], false);

    let (status, repair) = f.json("/open311/v2/services/facility_repair.json").await;
    assert_eq!(status, 200);
    assert_valid(&schema_file("service-definition"), &repair);
    assert_eq!(repair["attributes"][0]["datatype"], "singlevaluelist");

    let (_, _, xml) = f
        .app
        .text(get("/open311/v2/services/survey.xml", None))
        .await;
    let doc = roxmltree::Document::parse(&xml).expect("xml");
    assert_eq!(doc.root_element().tag_name().name(), "service_definition");
    let attributes = doc
        .descendants()
        .find(|n| n.has_tag_name("attributes"))
        .expect("attributes");
    assert_eq!(
        attributes
            .children()
            .filter(|n| n.has_tag_name("attribute"))
            .count(),
        7
    );
    let keys: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("value"))
        .filter_map(|v| v.children().find(|c| c.has_tag_name("key"))?.text())
        .collect();
    assert_eq!(keys, ["red", "blue", "n", "s", "e"]);

    let (status, err) = f.json("/open311/v2/services/nonesuch.json").await;
    assert_errors(status, &err, 404);
    let (status, _, xml) = f
        .app
        .text(get("/open311/v2/services/nonesuch.xml", None))
        .await;
    assert_eq!(status, 404);
    let doc = roxmltree::Document::parse(&xml).expect("xml");
    assert_eq!(doc.root_element().tag_name().name(), "errors");
    let code = doc
        .descendants()
        .find(|n| n.has_tag_name("code"))
        .and_then(|n| n.text());
    assert_eq!(code, Some("404"));
}

// ---- creating requests ----------------------------------------------------

#[tokio::test]
async fn a_post_with_lat_long_goes_through_intake_to_the_grid_worker() {
    let f = fx().await;
    let (status, ctype, text) = f
        .app
        .text(post_form(
            "/open311/v2/requests.json",
            &form(&[
                ("api_key", &f.street_key),
                ("jurisdiction_id", "shequ.example"),
                ("service_code", "facility_repair"),
                ("lat", IN_A.0),
                ("long", IN_A.1),
                ("address_string", "田林路100弄3号"),
                ("description", "3号楼电梯停在两层之间"),
                ("attribute[facility]", "lift"),
                ("first_name", "三"),
                ("last_name", "张"),
                ("phone", "13812345678"),
                ("email", "zhang@example.cn"),
                ("account_id", "acct-9"),
                ("device_id", "dev-1"),
                ("media_url", "https://img.example.cn/lift.jpg"),
            ]),
        ))
        .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(ctype, "application/json; charset=utf-8");
    let body: Value = serde_json::from_str(&text).expect("json");
    let id: i64 = body[0]["service_request_id"]
        .as_str()
        .expect("string id")
        .parse()
        .expect("n");
    assert_eq!(body[0]["account_id"], "acct-9");
    assert!(
        body[0]["service_notice"]
            .as_str()
            .expect("notice")
            .contains("1 小时内受理")
    );

    let o = f.order(id).await;
    assert_eq!(o.source, "open311");
    assert_eq!(o.state, "pending");
    assert_eq!(o.region_path, common::GRID_A);
    assert_eq!(
        o.owner_user_id,
        Some(f.user_id("grid_a").await),
        "routed to the grid worker"
    );
    assert_eq!(o.reporter_name, "张三");
    assert_eq!(o.reporter_phone.as_deref(), Some("13812345678"));
    assert_eq!(o.reporter_email.as_deref(), Some("zhang@example.cn"));
    assert_eq!((o.lat, o.lon), (Some(31.17), Some(121.425)));
    assert_eq!(o.resolve_due_at, T0 + 3 * DAY);
    let attrs: Value = serde_json::from_str(&o.attributes).expect("attributes");
    assert_eq!(attrs["facility"], "lift");
    assert_eq!(
        attrs["_open311"]["media_url"],
        "https://img.example.cn/lift.jpg"
    );
    assert_eq!(attrs["_open311"]["device_id"], "dev-1");

    let trail = f.app.store.order_events(id).await.expect("trail");
    let actions: Vec<_> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "dispatch"]);
    assert_eq!(trail[0].actor, "token:城市热线");

    let scope = Scope::under(&RegionPath::parse(common::GRID_A).expect("path"));
    let listed = f
        .app
        .store
        .orders_in(
            &scope,
            &OrderFilter {
                source: Some("open311".into()),
                ..Default::default()
            },
            Paging::new(None, None),
        )
        .await
        .expect("list");
    assert_eq!(listed.items.iter().map(|o| o.id).collect::<Vec<_>>(), [id]);

    // The same in XML: <service_requests><request>…
    let (status, ctype, xml) = f
        .app
        .text(post_form(
            "/open311/v2/requests.xml",
            &form(&[
                ("api_key", &f.street_key),
                ("service_code", "sanitation"),
                ("lat", IN_B.0),
                ("long", IN_B.1),
            ]),
        ))
        .await;
    assert_eq!(status, 200, "{xml}");
    assert_eq!(ctype, "text/xml; charset=utf-8");
    let doc = roxmltree::Document::parse(&xml).expect("xml");
    assert_eq!(doc.root_element().tag_name().name(), "service_requests");
    let req = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name("request"))
        .expect("request");
    let fields: Vec<_> = req
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(
        fields,
        ["service_request_id", "service_notice", "account_id"]
    );
    let new_id: i64 = req
        .children()
        .find(|n| n.has_tag_name("service_request_id"))
        .and_then(|n| n.text())
        .expect("id")
        .parse()
        .expect("n");
    let no_description = f.order(new_id).await;
    assert_eq!(no_description.title, "环境卫生", "named by its service");
    assert_eq!(no_description.region_path, common::GRID_B);
}

#[tokio::test]
async fn a_post_with_address_id_lands_on_the_places_grid() {
    let f = fx().await;
    let place_b = f.place_b.to_string();
    let (status, body) = f
        .post(&[
            ("api_key", &f.street_key),
            ("service_code", "sanitation"),
            ("address_id", &place_b),
            ("description", "楼下垃圾堆了三天"),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    let id: i64 = body[0]["service_request_id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("n");
    let o = f.order(id).await;
    assert_eq!(o.place_id, Some(f.place_b));
    assert_eq!(o.region_path, common::GRID_B);
    assert_eq!(o.address, "田林路B1号");
    // No grid worker in B: the street command centre takes it.
    assert_eq!(o.owner_user_id, Some(f.user_id("operator").await));

    let (status, err) = f
        .post(&[
            ("api_key", &f.street_key),
            ("service_code", "sanitation"),
            ("address_id", "99999"),
        ])
        .await;
    assert_errors(status, &err, 400);
    assert!(descriptions(&err).contains("address_id"), "{err}");
    let (status, err) = f
        .post(&[
            ("api_key", &f.street_key),
            ("service_code", "sanitation"),
            ("address_id", "A1"),
        ])
        .await;
    assert_errors(status, &err, 400);
}

#[tokio::test]
async fn attributes_are_checked_against_the_definition() {
    let f = fx().await;
    let base = [
        ("api_key", f.street_key.as_str()),
        ("service_code", "survey"),
        ("lat", IN_A.0),
        ("long", IN_A.1),
        ("locale", "en"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut v: Vec<(&str, &str)> = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    // Everything wrong at once: every problem is listed.
    let (status, err) = f
        .post(&with(&[
            ("attribute[seen_at]", "2026-11-23 18:00"),
            ("attribute[colour]", "green"),
            ("attribute[sides][]", "n"),
            ("attribute[sides][]", "up"),
            ("attribute[plate]", "two\nlines"),
            ("attribute[ghost]", "boo"),
        ]))
        .await;
    assert_errors(status, &err, 400);
    let text = descriptions(&err);
    for expected in [
        "attribute size is required",
        "attribute seen_at must be an ISO 8601",
        "\"green\" is not a choice of attribute colour",
        "\"up\" is not a choice of attribute sides",
        "attribute plate must be one line",
        "this service has no attribute ghost",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert_eq!(err.as_array().expect("array").len(), 6);

    let (status, err) = f.post(&with(&[("attribute[size]", "twelve")])).await;
    assert_errors(status, &err, 400);
    assert!(descriptions(&err).contains("attribute size must be a number"));
    let (status, err) = f
        .post(&with(&[("attribute[size]", "1"), ("attribute[size]", "2")]))
        .await;
    assert_errors(status, &err, 400);
    assert!(descriptions(&err).contains("takes one value"), "{err}");

    // In Chinese by default.
    let zh: Vec<_> = with(&[])
        .into_iter()
        .filter(|(k, _)| *k != "locale")
        .collect();
    let (_, err) = f.post(&zh).await;
    assert_eq!(descriptions(&err), "属性 size 必填");

    let (status, ok) = f
        .post(&with(&[
            ("attribute[size]", "2.5"),
            ("attribute[seen_at]", "2026-11-23T17:30+08:00"),
            ("attribute[colour]", "blue"),
            ("attribute[sides][]", "s"),
            ("attribute[sides][]", "n"),
            ("attribute[sides][]", "s"),
            ("attribute[plate]", "沪A12345"),
            ("attribute[notes]", "第一行\n第二行"),
            ("attribute[info]", "ignored"),
        ]))
        .await;
    assert_eq!(status, 200, "{ok}");
    let id: i64 = ok[0]["service_request_id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("n");
    let attrs: Value = serde_json::from_str(&f.order(id).await.attributes).expect("json");
    assert_eq!(
        attrs,
        json!({"size": 2.5, "seen_at": "2026-11-23T17:30:00+08:00", "colour": "blue",
               "sides": ["s", "n"], "plate": "沪A12345", "notes": "第一行\n第二行"})
    );
}

/// Form pairs, the status expected and words its description must hold.
type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);

#[tokio::test]
async fn bad_posts_are_refused_with_the_error_array() {
    let f = fx().await;
    let k = f.street_key.as_str();
    let cases: Vec<Case<'_>> = vec![
        // No location at all.
        (
            vec![
                ("api_key", k),
                ("service_code", "sanitation"),
                ("description", "x"),
            ],
            400,
            "location",
        ),
        (
            vec![
                ("api_key", k),
                ("service_code", "sanitation"),
                ("lat", "31.17"),
            ],
            400,
            "lat and long",
        ),
        (
            vec![
                ("api_key", k),
                ("service_code", "sanitation"),
                ("lat", "north"),
                ("long", "121.4"),
            ],
            400,
            "lat must be",
        ),
        (
            vec![
                ("api_key", k),
                ("service_code", "sanitation"),
                ("lat", "95"),
                ("long", "121.4"),
            ],
            400,
            "latitude",
        ),
        // The service.
        (
            vec![("api_key", k), ("lat", IN_A.0), ("long", IN_A.1)],
            400,
            "service_code was not provided",
        ),
        (
            vec![
                ("api_key", k),
                ("service_code", "potholes"),
                ("lat", IN_A.0),
                ("long", IN_A.1),
            ],
            404,
            "service_code potholes was not found",
        ),
        (
            vec![
                ("api_key", k),
                ("service_code", "sanitation"),
                ("service_code", "noise"),
                ("lat", IN_A.0),
                ("long", IN_A.1),
            ],
            400,
            "more than once",
        ),
        // The key.
        (
            vec![
                ("service_code", "sanitation"),
                ("lat", IN_A.0),
                ("long", IN_A.1),
            ],
            403,
            "api_key was not provided",
        ),
        (
            vec![
                ("api_key", "shequ_k_nonsense"),
                ("service_code", "sanitation"),
                ("lat", IN_A.0),
                ("long", IN_A.1),
            ],
            403,
            "invalid api_key",
        ),
        (
            vec![
                ("api_key", &f.expired_key),
                ("service_code", "sanitation"),
                ("lat", IN_A.0),
                ("long", IN_A.1),
            ],
            403,
            "invalid api_key",
        ),
        (
            vec![
                ("api_key", &f.no_scope_key),
                ("service_code", "sanitation"),
                ("lat", IN_A.0),
                ("long", IN_A.1),
            ],
            403,
            "open311 scope",
        ),
        // A key for neighbourhood A reporting in B, or the street's key in another street.
        (
            vec![
                ("api_key", &f.a_key),
                ("service_code", "sanitation"),
                ("lat", IN_B.0),
                ("long", IN_B.1),
            ],
            403,
            "outside the area",
        ),
        (
            vec![
                ("api_key", k),
                ("service_code", "sanitation"),
                ("lat", ELSEWHERE.0),
                ("long", ELSEWHERE.1),
            ],
            403,
            "outside the area",
        ),
        // Other fields.
        (
            vec![
                ("api_key", k),
                ("service_code", "sanitation"),
                ("lat", IN_A.0),
                ("long", IN_A.1),
                ("media_url", "javascript:alert(1)"),
            ],
            400,
            "media_url",
        ),
        (
            vec![
                ("api_key", k),
                ("service_code", "sanitation"),
                ("lat", IN_A.0),
                ("long", IN_A.1),
                ("phone", "call me"),
            ],
            400,
            "phone",
        ),
        (
            vec![
                ("api_key", k),
                ("service_code", "sanitation"),
                ("lat", IN_A.0),
                ("long", IN_A.1),
                ("email", "nobody"),
            ],
            400,
            "email",
        ),
    ];
    for (mut pairs, expected, words) in cases {
        pairs.push(("locale", "en"));
        let (status, body) = f.post(&pairs).await;
        assert_errors(status, &body, expected);
        assert!(
            descriptions(&body).contains(words),
            "{words:?} in {body} for {pairs:?}"
        );
    }
    let long = "长".repeat(4001);
    let (status, body) = f
        .post(&[
            ("api_key", k),
            ("service_code", "sanitation"),
            ("lat", IN_A.0),
            ("long", IN_A.1),
            ("description", &long),
            ("locale", "en"),
        ])
        .await;
    assert_errors(status, &body, 400);
    assert!(
        descriptions(&body).contains("description is longer than 4000"),
        "{body}"
    );
    let just_fits = "长".repeat(4000);
    let (status, _) = f
        .post(&[
            ("api_key", k),
            ("service_code", "sanitation"),
            ("lat", IN_A.0),
            ("long", IN_A.1),
            ("description", &just_fits),
        ])
        .await;
    assert_eq!(status, 200);
    // The neighbourhood key may report inside its own area; a point
    // outside every grid lands on the key's own region.
    let (status, body) = f
        .post(&[
            ("api_key", &f.a_key),
            ("service_code", "noise"),
            ("lat", "31.30"),
            ("long", "121.60"),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    let id: i64 = body[0]["service_request_id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("n");
    assert_eq!(
        f.order(id).await.region_path,
        "/310000/310104/310104011/310104011001/"
    );
}

#[tokio::test]
async fn malformed_bodies_formats_and_paths_get_the_error_array() {
    let f = fx().await;
    let raw = |body: &'static [u8], ctype: &str| {
        axum::http::Request::post("/open311/v2/requests.json")
            .header("content-type", ctype)
            .body(axum::body::Body::from(body))
            .expect("req")
    };
    for req in [
        raw(
            b"api_key=x&description=%FF%FE",
            "application/x-www-form-urlencoded",
        ),
        raw(
            b"description=\xff\xfe",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
        raw(br#"{"service_code":"sanitation"}"#, "application/json"),
        raw(b"service_code=sanitation", "text/plain"),
        raw(b"attribute[size=1", "application/x-www-form-urlencoded"),
    ] {
        let (status, body) = f.app.json(req).await;
        assert_errors(status, &body, 400);
    }
    let huge = "description=".to_owned() + &"x".repeat(100_000);
    let (status, body) = f
        .app
        .json(post_form("/open311/v2/requests.json", &huge))
        .await;
    assert_errors(status, &body, 413);

    for uri in [
        "/open311/v2/services.csv",
        "/open311/v2/services",
        "/open311/v2/requests.html",
        "/open311/v2/services/sanitation.yaml",
        "/open311/v2/requests/1.txt",
        "/open311/v2/nothing.json",
        "/open311/v2/services/a/b.json",
        "/open311/v2/requests/nonsense.json",
    ] {
        let (status, ctype, text) = f.app.text(get(uri, None)).await;
        assert_eq!(ctype, "application/json; charset=utf-8", "{uri}");
        let body: Value = serde_json::from_str(&text).expect("json");
        assert_errors(status, &body, 404);
    }
    let (status, body) = f
        .app
        .json(post_form("/open311/v2/services.json", "a=b"))
        .await;
    assert_errors(status, &body, 405);
    let (status, body) = f
        .app
        .json(
            axum::http::Request::delete("/open311/v2/requests.json")
                .body(axum::body::Body::empty())
                .expect("req"),
        )
        .await;
    assert_errors(status, &body, 405);
    let (status, body) = f.json("/open311/v2/requests.json?page_size=0").await;
    assert_errors(status, &body, 400);
    let (status, body) = f.json("/open311/v2/requests.json?page=first").await;
    assert_errors(status, &body, 400);
    let (status, body) = f
        .json("/open311/v2/requests.json?service_request_id=abc")
        .await;
    assert_errors(status, &body, 400);
    let (status, body) = f
        .json("/open311/v2/requests.json?api_key=shequ_k_wrong")
        .await;
    assert_errors(status, &body, 403);
}

// ---- reading requests -----------------------------------------------------

/// Six orders on different days and in different states:
/// `[a0 (100 days ago, sanitation), a1 (noise, resolved), a2 (sanitation,
/// cancelled), a3 (facility, in grid B), a4 (sanitation), a5 (noise)]`.
async fn history(f: &Fx) -> Vec<i64> {
    f.clock.set_ms(T0 - 100 * DAY);
    let mut ids = vec![f.report("sanitation", IN_A, "很久以前的垃圾").await];
    f.clock.set_ms(T0 - 10 * DAY);
    ids.push(f.report("noise", IN_A, "夜里装修").await);
    f.clock.set_ms(T0 - 5 * DAY);
    ids.push(f.report("sanitation", IN_A, "垃圾桶满了").await);
    f.clock.set_ms(T0 - 3 * DAY);
    ids.push(f.report("facility_repair", IN_B, "楼道灯坏了").await);
    f.clock.set_ms(T0 - 2 * DAY);
    ids.push(f.report("sanitation", IN_A, "绿化带有垃圾").await);
    f.clock.set_ms(T0 - DAY);
    ids.push(f.report("noise", ("31.171", "121.426"), "广场舞太吵").await);
    f.clock.set_ms(T0);
    // a1 resolved by its owner; a2 cancelled as invalid by the command centre.
    f.act(ids[1], "grid_a", Role::GridWorker, Action::Accept)
        .await;
    f.act(ids[1], "grid_a", Role::GridWorker, Action::Start)
        .await;
    f.act(
        ids[1],
        "grid_a",
        Role::GridWorker,
        Action::Resolve {
            note: "已劝停".into(),
        },
    )
    .await;
    f.act(
        ids[2],
        "operator",
        Role::StreetOperator,
        Action::Cancel {
            reason: CancelReason::Invalid {
                note: "已有人清理".into(),
            },
        },
    )
    .await;
    ids
}

#[tokio::test]
async fn get_requests_filters_pages_and_windows() {
    let f = fx().await;
    let h = history(&f).await;
    let q = |s: &str| format!("/open311/v2/requests.json?api_key={}&{s}", f.street_key);

    // Default: the last 90 days, newest first.
    let (status, all) = f.json(&q("")).await;
    assert_eq!(status, 200, "{all}");
    assert_requests(&all);
    assert_eq!(ids(&all), [h[5], h[4], h[3], h[2], h[1]]);
    let a1_id = h[1].to_string();
    let a1 = all
        .as_array()
        .expect("a")
        .iter()
        .find(|r| r["service_request_id"] == a1_id.as_str())
        .expect("a1");
    assert_eq!(a1["status"], "closed", "resolved counts as closed");
    assert_eq!(a1["status_notes"], "已办结");
    assert_eq!(a1["service_name"], "噪音扰民");
    assert_eq!(a1["requested_datetime"], "2026-11-13T18:00:00+08:00");
    assert_eq!(a1["updated_datetime"], "2026-11-23T18:00:00+08:00");
    assert_eq!(a1["expected_datetime"], "2026-11-14T06:00:00+08:00");
    assert_eq!(a1["agency_responsible"], "一村第1网格");
    assert_eq!(a1["lat"], 31.17);

    let (_, open) = f.json(&q("status=open")).await;
    assert_eq!(ids(&open), [h[5], h[4], h[3]]);
    let (_, closed) = f.json(&q("status=closed")).await;
    assert_eq!(ids(&closed), [h[2], h[1]]);
    let (_, both) = f.json(&q("status=open,closed")).await;
    assert_eq!(ids(&both), ids(&all));
    let (status, bad) = f.json(&q("status=pending")).await;
    assert_errors(status, &bad, 400);

    let (_, one_code) = f.json(&q("service_code=noise")).await;
    assert_eq!(ids(&one_code), [h[5], h[1]]);
    let (_, two_codes) = f.json(&q("service_code=noise,facility_repair")).await;
    assert_eq!(ids(&two_codes), [h[5], h[3], h[1]]);
    let (_, repeated) = f
        .json(&q(
            "service_code=noise&service_code=facility_repair&status=open",
        ))
        .await;
    assert_eq!(ids(&repeated), [h[5], h[3]]);
    let (_, paged_codes) = f
        .json(&q(
            "service_code=noise,facility_repair,sanitation&page=2&page_size=2",
        ))
        .await;
    assert_eq!(ids(&paged_codes), [h[3], h[2]]);

    // service_request_id overrides every other argument, the window too.
    let (_, by_id) = f
        .json(&q(&format!(
            "service_request_id={},{}&status=closed&service_code=noise",
            h[0], h[4]
        )))
        .await;
    assert_requests(&by_id);
    assert_eq!(ids(&by_id), [h[4], h[0]]);

    // Paging.
    let (_, p1) = f.json(&q("page_size=2")).await;
    let (_, p2) = f.json(&q("page_size=2&page=2")).await;
    let (_, p3) = f.json(&q("page_size=2&page=3")).await;
    let (_, p4) = f.json(&q("page_size=2&page=4")).await;
    assert_eq!(ids(&p1), [h[5], h[4]]);
    assert_eq!(ids(&p2), [h[3], h[2]]);
    assert_eq!(ids(&p3), [h[1]]);
    assert_eq!(p4, json!([]));
    let (status, body) = f.json(&q("page_size=1001")).await;
    assert_errors(status, &body, 400);

    // Windows: an explicit range reaches back beyond 90 days.
    let (_, old) = f
        .json(&q(
            "start_date=2026-08-01T00:00:00%2B08:00&end_date=2026-08-20T00:00:00Z",
        ))
        .await;
    assert_eq!(ids(&old), [h[0]]);
    let (_, from_date) = f.json(&q("start_date=2026-11-18")).await;
    assert_eq!(ids(&from_date), [h[5], h[4], h[3], h[2]]);
    let (_, to_date) = f.json(&q("end_date=2026-11-20")).await;
    assert_eq!(ids(&to_date), [h[3], h[2], h[1]]);
    let (_, exact) = f
        .json(&q(
            "start_date=2026-11-20T18:00:00%2B08:00&end_date=2026-11-21T18:00:00%2B08:00",
        ))
        .await;
    assert_eq!(ids(&exact), [h[4], h[3]], "both ends inclusive");
    for bad in [
        "start_date=2026-01-01T00:00:00Z&end_date=2026-11-01T00:00:00Z",
        "start_date=2026-11-20T00:00:00Z&end_date=2026-11-10T00:00:00Z",
        "start_date=2026-11-20T00:00:00",
        "end_date=yesterday",
    ] {
        let (status, body) = f.json(&q(bad)).await;
        assert_errors(status, &body, 400);
    }

    // A neighbourhood key sees only its area (grid A).
    let (_, a_only) = f
        .json(&format!("/open311/v2/requests.json?api_key={}", f.a_key))
        .await;
    assert_eq!(ids(&a_only), [h[5], h[4], h[2], h[1]]);
}

#[tokio::test]
async fn one_request_and_tokens() {
    let f = fx().await;
    let h = history(&f).await;
    let (status, one) = f.json(&format!("/open311/v2/requests/{}.json", h[2])).await;
    assert_eq!(status, 200, "{one}");
    assert_requests(&one);
    assert_eq!(ids(&one), [h[2]]);
    assert_eq!(one[0]["status"], "closed");
    assert_eq!(one[0]["status_notes"], "已撤销");
    let (_, en) = f
        .json(&format!("/open311/v2/requests/{}.json?locale=en", h[2]))
        .await;
    assert_eq!(en[0]["status_notes"], "Withdrawn");
    assert_eq!(en[0]["service_name"], "Sanitation");

    let (_, _, xml) = f
        .app
        .text(get(&format!("/open311/v2/requests/{}.xml", h[3]), None))
        .await;
    let doc = roxmltree::Document::parse(&xml).expect("xml");
    assert_eq!(doc.root_element().tag_name().name(), "service_requests");
    let req = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name("request"))
        .expect("request");
    let fields: Vec<_> = req
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(
        fields,
        [
            "service_request_id",
            "status",
            "status_notes",
            "service_name",
            "service_code",
            "description",
            "agency_responsible",
            "service_notice",
            "requested_datetime",
            "updated_datetime",
            "expected_datetime",
            "address",
            "address_id",
            "zipcode",
            "lat",
            "long",
            "media_url"
        ]
    );
    let text = |name: &str| {
        req.children()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
    };
    assert_eq!(text("status"), Some("open"));
    assert_eq!(text("service_code"), Some("facility_repair"));
    assert_eq!(text("long"), Some("121.435"));

    for uri in [
        "/open311/v2/requests/999999.json".to_owned(),
        format!("/open311/v2/requests/{}.json?api_key={}", h[3], f.a_key),
    ] {
        let (status, body) = f.json(&uri).await;
        assert_errors(status, &body, 404);
    }

    let (status, token) = f.json(&format!("/open311/v2/tokens/{}.json", h[4])).await;
    assert_eq!(status, 200);
    assert_eq!(
        token,
        json!([{"service_request_id": h[4].to_string(), "token": h[4].to_string()}])
    );
    let (status, body) = f.json("/open311/v2/tokens/424242.json").await;
    assert_errors(status, &body, 404);
}

#[tokio::test]
async fn the_public_list_never_shows_reporters() {
    let f = fx().await;
    let (status, body) = f
        .post(&[
            ("api_key", &f.street_key),
            ("service_code", "noise"),
            ("lat", IN_A.0),
            ("long", IN_A.1),
            ("first_name", "秀英"),
            ("last_name", "王"),
            ("phone", "13912345678"),
            ("email", "wang.xiuying@example.cn"),
            ("description", "王秀英反映楼上装修，电话 139-1234-5678，邮箱 wang.xiuying@example.cn，2026-11-20 起"),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    // A welfare visit about a resident: no place or text in public.
    let place_a = f.place_a.to_string();
    let (status, body) = f
        .post(&[
            ("api_key", &f.street_key),
            ("service_code", "elderly_care"),
            ("address_id", &place_a),
            ("description", "101室独居老人两天未出门"),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    let care_id = body[0]["service_request_id"]
        .as_str()
        .expect("id")
        .to_owned();

    let (status, public) = f.json("/open311/v2/requests.json").await;
    assert_eq!(status, 200);
    assert_requests(&public);
    assert_eq!(public.as_array().expect("array").len(), 2);
    let (_, _, xml) = f.app.text(get("/open311/v2/requests.xml", None)).await;
    roxmltree::Document::parse(&xml).expect("xml");
    for text in [public.to_string(), xml] {
        for secret in [
            "王秀英",
            "秀英",
            "13912345678",
            "1234-5678",
            "wang.xiuying",
            "101室",
            "田林路A1号",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
    let noise = &public[1];
    assert_eq!(
        noise["description"],
        "***反映楼上装修，电话 ***，邮箱 ***，2026-11-20 起"
    );
    let care = &public[0];
    assert_eq!(care["service_request_id"], care_id);
    for field in [
        "description",
        "address",
        "address_id",
        "lat",
        "long",
        "media_url",
    ] {
        assert_eq!(care[field], Value::Null, "{field}");
    }
    assert_eq!(care["service_name"], "独居老人关怀");

    // The key's holder sees its area as stored.
    let (_, keyed) = f
        .json(&format!(
            "/open311/v2/requests.json?api_key={}",
            f.street_key
        ))
        .await;
    assert_requests(&keyed);
    assert_eq!(keyed[0]["description"], "101室独居老人两天未出门");
    assert_eq!(keyed[0]["address_id"], place_a);
    // Even there, no reporter field exists.
    for field in [
        "first_name",
        "last_name",
        "phone",
        "email",
        "reporter_name",
        "account_id",
        "device_id",
    ] {
        assert!(keyed[1].get(field).is_none(), "{field}");
    }
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
