//! Creating requests: through intake, and every way a post can be refused.

use crate::fixture::*;
use shequ_testkit::engines;

#[engines]
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

#[engines]
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
    assert_eq!(o.owner_user_id, Some(f.user_id("gw_b").await));

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

#[engines]
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

#[engines]
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

#[engines]
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

#[engines]
async fn a_likely_duplicate_goes_to_the_command_centre_and_says_so() {
    let f = fx().await;
    let first = f.report("sanitation", IN_A, "垃圾桶满了").await;
    f.clock.advance_ms(60_000);
    let (status, body) = f
        .post(&[
            ("api_key", &f.street_key),
            ("service_code", "sanitation"),
            ("lat", "31.1701"),
            ("long", IN_A.1),
            ("description", "同一个垃圾桶"),
            ("locale", "en"),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    let notice = body[0]["service_notice"].as_str().expect("notice");
    assert!(
        notice.contains(&format!("duplicate of request {first}")),
        "{notice}"
    );
    let id: i64 = body[0]["service_request_id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("n");
    assert_eq!(
        f.order(id).await.owner_user_id,
        Some(f.user_id("operator").await)
    );
}
