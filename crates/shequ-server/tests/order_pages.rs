//! The work-order pages, in process on the small street of `common`: the
//! public report form and its hourly cap, the reporter's link and rating,
//! photos (type by bytes, size cap, who may see them), the operator's form,
//! the order page's actions for owner, dispatcher and viewer, acting
//! through the page forms, linking a duplicate, refusals and languages.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::pages::*;
use common::*;
use shequ_server::Settings;
use shequ_store::orders::read::OrderFilter;
use shequ_store::{Paging, Scope};

/// A 2×2 PNG and a 2×2 JPEG, as Chromium encodes them (the JPEG without
/// its colour profile).
const PNG: &str = "89504e470d0a1a0a0000000d494844520000000200000002080600000072b60d2400000012494441547801623ac3c0f01f849918a000000000ffff84bbbc65000000064944415403003018039b188c78080000000049454e44ae426082";
const JPEG: &str = "ffd8ffe000104a46494600010100000100010000ffdb0043001b12141714111b1716171e1c1b2028422b28252528513a3d3042605565645f555d5b6a7899816a7190735b5d85b586909ea3abadab6780bcc9baa6c799a8aba4ffdb0043011c1e1e2823284e2b2b4ea46e5d6ea4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4ffc00011080002000203012200021101031101ffc4001500010100000000000000000000000000000005ffc40014100100000000000000000000000000000000ffc4001501010100000000000000000000000000000405ffc40014110100000000000000000000000000000000ffda000c03010002110311003f009600abafffd9";

fn png() -> Vec<u8> {
    hex::decode(PNG).expect("hex")
}

fn jpeg() -> Vec<u8> {
    hex::decode(JPEG).expect("hex")
}

fn report_parts<'a>(point: &'a (String, String), photo: Option<&'a [u8]>) -> Vec<Part<'a>> {
    let mut parts: Vec<Part<'a>> = vec![
        ("category", None, b"sanitation"),
        (
            "description",
            None,
            "3号楼楼道堆满杂物，影响通行".as_bytes(),
        ),
        ("lon", None, point.0.as_bytes()),
        ("lat", None, point.1.as_bytes()),
        ("address", None, "田林路1号".as_bytes()),
        ("name", None, "张阿姨".as_bytes()),
        ("phone", None, b"13912340000"),
    ];
    if let Some(p) = photo {
        parts.push(("photo", Some("stairs.png"), p));
    }
    parts
}

fn at(p: (f64, f64)) -> (String, String) {
    (p.0.to_string(), p.1.to_string())
}

/// Files a public report from `client`; the reply.
async fn public_report(
    app: &TestApp,
    point: (f64, f64),
    photo: Option<&[u8]>,
    client: &str,
) -> Reply {
    let pt = at(point);
    let (ct, body) = multipart(&report_parts(&pt, photo));
    send(app, post("/report", None, &ct, body, client)).await
}

fn token_in(page: &str) -> String {
    let i = page.find("/r/shequ_r_").expect("private link on the page");
    let rest = &page[i + 3..];
    rest[..rest.find('"').expect("end of link")].to_owned()
}

async fn orders(app: &TestApp) -> Vec<shequ_store::orders::Order> {
    app.store
        .orders_in(
            &Scope::everything(),
            &OrderFilter::default(),
            Paging::new(None, Some(500)),
        )
        .await
        .expect("orders")
        .items
}

#[engines]
async fn a_public_report_reaches_the_grid_worker_and_the_reporter_follows_it() {
    let app = app().await;
    let page = send(&app, page_get("/report", None)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("name=\"category\""), "category select");
    assert!(html.contains("<optgroup label=\"市容环境\""), "grouped");
    assert!(
        html.contains("svg class=\"streetmap pick-map\""),
        "the street's map"
    );
    assert!(
        html.contains("data-code=\"31010401100101\""),
        "grids on the map"
    );
    assert!(html.contains("capture=\"environment\""), "camera input");
    assert!(
        html.contains("name=\"attr.noise.noise_source\""),
        "attributes by datatype"
    );
    assert!(
        !html.contains("value=\"device_maintenance\""),
        "internal categories hidden"
    );

    let png = png();
    let r = public_report(&app, IN_A, Some(&png), "198.51.100.7").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let confirmation = r.text();
    let token = token_in(&confirmation);
    let all = orders(&app).await;
    assert_eq!(all.len(), 1);
    let o = &all[0];
    assert!(
        confirmation.contains(&format!("工单号 {}", o.id)),
        "{confirmation}"
    );
    assert_eq!(o.source, "public");
    assert_eq!(
        o.owner_user_id,
        Some(app.user_id("grid_a").await),
        "the grid's worker"
    );
    assert_eq!(o.region_path, GRID_A);
    let photos = app.store.order_photos(o.id).await.expect("photos");
    assert_eq!(
        (
            photos.len(),
            photos[0].stage.as_str(),
            photos[0].content_type.as_str()
        ),
        (1, "intake", "image/png")
    );

    let status = send(&app, page_get(&format!("/r/{token}"), None)).await;
    assert_eq!(status.status, StatusCode::OK);
    let s = status.text();
    assert!(
        s.contains("待受理") && s.contains("派单"),
        "state and steps: {s}"
    );
    assert!(!s.contains("name=\"rating\""), "no rating form yet");

    let unknown = send(&app, page_get("/r/shequ_r_nope", None)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.text().contains("未找到"));
}

#[engines]
async fn the_eleventh_report_in_an_hour_from_one_address_is_refused() {
    let app = app().await;
    for i in 0..10 {
        let r = public_report(&app, IN_B, None, "203.0.113.9").await;
        assert_eq!(r.status, StatusCode::OK, "report {i}: {}", r.text());
    }
    let r = public_report(&app, IN_B, None, "203.0.113.9").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.header(header::RETRY_AFTER).parse().expect("Retry-After");
    assert!((3000..=3600).contains(&wait), "{wait}");
    assert!(r.text().contains("提交过于频繁"), "{}", r.text());
    assert_eq!(orders(&app).await.len(), 10, "the refused one made nothing");
    let other = public_report(&app, IN_B, None, "203.0.113.10").await;
    assert_eq!(
        other.status,
        StatusCode::OK,
        "another address is not held back"
    );
}

#[engines]
async fn bad_input_shows_the_form_again_with_the_errors_and_what_was_typed() {
    let app = app().await;
    let (ct, body) = multipart(&[
        ("category", None, b""),
        ("description", None, "路灯坏了".as_bytes()),
        ("address", None, b""),
        ("phone", None, b"12345"),
        ("photo", Some("notes.png"), b"just some text, not an image"),
    ]);
    let r = send(&app, post("/report", None, &ct, body, "192.0.2.50")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    for msg in [
        "请选择问题类别。",
        "请在地图上点选位置，或填写地址。",
        "电话号码格式不正确",
        "只能上传 JPEG、PNG 或 WebP 格式的图片。",
    ] {
        assert!(html.contains(msg), "missing {msg:?}");
    }
    assert!(
        html.contains(">路灯坏了</textarea>"),
        "the description is kept"
    );
    assert!(html.contains("value=\"12345\""), "the phone is kept");
    assert!(orders(&app).await.is_empty());
}

async fn upload(app: &TestApp, token: &str, id: i64, stage: &str, bytes: &[u8]) -> Reply {
    let (ct, body) = multipart(&[
        ("stage", None, stage.as_bytes()),
        ("photo", Some("p.png"), bytes),
    ]);
    let mut req = Request::post(format!("/api/v1/orders/{id}/photos"))
        .header(header::CONTENT_TYPE, ct)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body))
        .expect("request");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 3], 1))));
    send(app, req).await
}

async fn file_order(app: &TestApp, point: (f64, f64), category: &str) -> i64 {
    let operator = app.login("operator").await;
    let (status, body) = app
        .json(post_json(
            "/api/v1/orders",
            Some(&operator),
            &serde_json::json!({"category": category, "description": "楼道堆物", "address": "田林路1号",
                                "lon": point.0, "lat": point.1}),
        ))
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().expect("id")
}

#[engines]
async fn photos_are_checked_by_their_bytes_and_size_and_shown_only_to_who_may_see_the_order() {
    let app = app_with(Settings {
        max_photo_bytes: 2000,
        ..Settings::default()
    })
    .await;
    let id = file_order(&app, IN_A, "sanitation").await;
    let worker = app.login("grid_a").await;

    let r = upload(&app, &worker, id, "intake", &png()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let added: serde_json::Value = serde_json::from_slice(&r.bytes).expect("json");
    assert_eq!(added["content_type"], "image/png");
    let photo_id = added["id"].as_i64().expect("id");
    let r = upload(&app, &worker, id, "resolution", &jpeg()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    let r = upload(&app, &worker, id, "intake", b"hello, I am a text file").await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text());
    assert!(r.text().contains("photo_not_image"));
    let mut big = png();
    big.resize(5000, 0);
    let r = upload(&app, &worker, id, "intake", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    assert!(r.text().contains("photo_too_large"));
    let r = upload(&app, &worker, id, "later", &png()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let secretary = app.login("sec_a").await;
    let r = upload(&app, &secretary, id, "intake", &png()).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a viewer does not add photos"
    );
    assert_eq!(app.store.order_photos(id).await.expect("q").len(), 2);

    let get_photo = |token: &str| {
        Request::get(format!("/photos/{photo_id}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request")
    };
    let r = send(&app, get_photo(&worker)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), "image/png");
    assert!(r.header(header::CACHE_CONTROL).starts_with("private"));
    assert_eq!(r.bytes, png());
    let other = app.login("sec_b").await;
    let r = send(&app, get_photo(&other)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let refused = app
        .store
        .access_log_in(&Scope::everything(), Paging::new(None, Some(100)))
        .await
        .expect("log")
        .items;
    assert!(
        refused
            .iter()
            .any(|a| a.actor_username == "sec_b" && a.subject_id == id.to_string()),
        "the refusal is logged"
    );
    let anonymous = send(&app, page_get(&format!("/photos/{photo_id}"), None)).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "to the login form");
}

#[engines]
async fn an_operator_files_a_hotline_call_for_a_caller() {
    let app = app().await;
    let operator = cookie(&app, "operator").await;
    let page = send(&app, page_get("/orders/new", Some(&operator))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("value=\"hotline\""));
    let pt = at(IN_B);
    let (ct, body) = multipart(&[
        ("source", None, b"hotline"),
        ("category", None, b"noise"),
        ("attr.noise.noise_source", None, b"renovation"),
        ("description", None, "夜间装修噪音".as_bytes()),
        ("lon", None, pt.0.as_bytes()),
        ("lat", None, pt.1.as_bytes()),
        ("address", None, b""),
        ("name", None, "李先生".as_bytes()),
        ("phone", None, b"13800001111"),
    ]);
    let r = send(
        &app,
        post("/orders/new", Some(&operator), &ct, body, "192.0.2.8"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let o = &orders(&app).await[0];
    assert_eq!(r.location(), format!("/orders/{}?done=file", o.id));
    assert_eq!(
        (o.source.as_str(), o.owner_user_id, o.reporter_name.as_str()),
        ("hotline", Some(app.user_id("gw_b").await), "李先生")
    );
    assert!(o.attributes.contains("renovation"), "{}", o.attributes);
    let shown = send(&app, page_get(r.location(), Some(&operator))).await;
    assert!(
        shown.text().contains("已完成： 登记工单"),
        "{}",
        shown.text()
    );

    let worker = cookie(&app, "grid_a").await;
    let refused = send(&app, page_get("/orders/new", Some(&worker))).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "grid workers use the phone page"
    );
}

#[engines]
async fn the_order_page_offers_exactly_what_each_person_may_do() {
    let app = app().await;
    let id = file_order(&app, IN_A, "sanitation").await;
    let path = format!("/orders/{id}");
    let owner = send(&app, page_get(&path, Some(&cookie(&app, "grid_a").await))).await;
    assert_eq!(owner.status, StatusCode::OK);
    assert_eq!(owner.actions(), ["accept", "note", "return", "pause_clock"]);
    let dispatcher = send(&app, page_get(&path, Some(&cookie(&app, "operator").await))).await;
    assert_eq!(
        dispatcher.actions(),
        ["note", "reassign", "cancel", "escalate", "pause_clock"]
    );
    let viewer = send(&app, page_get(&path, Some(&cookie(&app, "sec_a").await))).await;
    assert_eq!(viewer.status, StatusCode::OK);
    assert!(viewer.actions().is_empty(), "{:?}", viewer.actions());
    let html = viewer.text();
    assert!(
        html.contains("记录链校验通过（共 2 条"),
        "the trail is verified"
    );
    assert!(html.contains("登记") && html.contains("派单"));
    assert!(html.contains("class=\"dot\""), "the spot on the map");
}

#[engines]
async fn the_owner_accepts_and_resolves_through_the_page_and_the_reporter_rates() {
    let app = app().await;
    let r = public_report(&app, IN_A, None, "198.51.100.20").await;
    let token = token_in(&r.text());
    let id = orders(&app).await[0].id;
    let worker = cookie(&app, "grid_a").await;
    let act = format!("/orders/{id}/act");

    let r = send(&app, form(&act, Some(&worker), "action=resolve&note=done")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "must accept first");
    assert!(
        r.text().contains("工单当前状态不允许此操作"),
        "{}",
        r.text()
    );

    let mine = send(&app, page_get("/my", Some(&worker))).await;
    assert!(
        mine.text().contains(&format!("/orders/{id}")),
        "on the phone page"
    );
    assert_eq!(mine.actions(), ["accept"], "one tap");
    let r = send(&app, form(&act, Some(&worker), "action=accept&next=/my")).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/my"));
    assert_eq!(orders(&app).await[0].state, "accepted");

    let png = png();
    let (ct, body) = multipart(&[
        ("action", None, b"resolve"),
        ("note", None, "已清理，物业已通知".as_bytes()),
        ("photo", Some("after.png"), &png),
    ]);
    let r = send(&app, post(&act, Some(&worker), &ct, body, "192.0.2.1")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), format!("/orders/{id}?done=resolve"));
    assert_eq!(orders(&app).await[0].state, "resolved");
    let photos = app.store.order_photos(id).await.expect("photos");
    assert_eq!(photos[0].stage, "resolution");

    let status = send(&app, page_get(&format!("/r/{token}"), None)).await;
    let s = status.text();
    assert!(s.contains("已清理，物业已通知"), "the resolution note");
    assert!(
        s.contains(&format!("/photos/{}?r=", photos[0].id)),
        "and its photo"
    );
    assert!(s.contains("name=\"rating\"") && s.contains("name=\"reopen\""));
    let img = send(
        &app,
        page_get(&format!("/photos/{}?r={}", photos[0].id, enc(&token)), None),
    )
    .await;
    assert_eq!(img.status, StatusCode::OK, "the reporter sees the photo");

    let r = send(
        &app,
        form(&format!("/r/{token}"), None, "rating=unsatisfied&reopen=1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let o = &orders(&app).await[0];
    assert_eq!(
        (o.state.as_str(), o.reopened),
        ("pending", 1),
        "reopened once"
    );
    let again = send(&app, page_get(&format!("/r/{token}?rated=1"), None)).await;
    assert!(again.text().contains("感谢您的评价"));
    assert!(
        !again.text().contains("name=\"rating\""),
        "nothing to rate now"
    );
}

#[engines]
async fn a_likely_duplicate_is_linked_in_one_click() {
    let app = app().await;
    public_report(&app, IN_A, None, "198.51.100.30").await;
    public_report(&app, (IN_A.0 + 0.0001, IN_A.1), None, "198.51.100.31").await;
    let all = orders(&app).await;
    let (second, first) = (all[0].id, all[1].id);
    assert_eq!(all[0].owner_user_id, Some(app.user_id("operator").await));
    let operator = cookie(&app, "operator").await;
    let page = send(
        &app,
        page_get(&format!("/orders/{second}"), Some(&operator)),
    )
    .await;
    assert!(page.text().contains("此工单可能与以下未办结工单重复"));
    assert!(page.actions().contains(&"link-duplicate".to_owned()));
    let r = send(
        &app,
        form(
            &format!("/orders/{second}/act"),
            Some(&operator),
            &format!("action=cancel&reason=duplicate&of={first}"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let o = app
        .store
        .order_by_id(second)
        .await
        .expect("q")
        .expect("order");
    assert_eq!(
        (o.state.as_str(), o.duplicate_of),
        ("cancelled", Some(first))
    );
    let page = send(
        &app,
        page_get(&format!("/orders/{second}"), Some(&operator)),
    )
    .await;
    assert!(page.text().contains("已按重复并入工单"));
}

#[engines]
async fn another_neighbourhood_gets_the_refusal_page_and_a_log_row() {
    let app = app().await;
    let id = file_order(&app, IN_A, "sanitation").await;
    let r = send(
        &app,
        page_get(&format!("/orders/{id}"), Some(&cookie(&app, "sec_b").await)),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("无权访问") && r.text().contains("访问已记录"));
    let rows = app
        .store
        .access_log_in(&Scope::everything(), Paging::new(None, Some(100)))
        .await
        .expect("log")
        .items;
    assert!(rows.iter().any(|a| a.actor_username == "sec_b"
        && a.subject_kind == "order"
        && a.subject_id == id.to_string()));
    let list = send(
        &app,
        page_get("/orders", Some(&cookie(&app, "sec_b").await)),
    )
    .await;
    assert!(
        !list.text().contains(&format!("/orders/{id}\"")),
        "not listed either"
    );
}

#[engines]
async fn lists_filter_and_labels_switch_language() {
    let app = app().await;
    let a = file_order(&app, IN_A, "sanitation").await;
    let b = file_order(&app, IN_B, "noise").await;
    let operator = cookie(&app, "operator").await;
    let all = send(&app, page_get("/orders", Some(&operator)))
        .await
        .text();
    assert!(all.contains(&format!("/orders/{a}\"")) && all.contains(&format!("/orders/{b}\"")));
    assert!(all.contains("待受理") && all.contains("共 2 件"));
    let noise = send(&app, page_get("/orders?category=noise", Some(&operator)))
        .await
        .text();
    assert!(
        noise.contains(&format!("/orders/{b}\"")) && !noise.contains(&format!("/orders/{a}\""))
    );
    let grid = send(
        &app,
        page_get("/orders?region=31010401100101&state=open", Some(&operator)),
    )
    .await
    .text();
    assert!(grid.contains(&format!("/orders/{a}\"")) && !grid.contains(&format!("/orders/{b}\"")));
    let none = send(
        &app,
        page_get("/orders?supervised=1&overdue=1", Some(&operator)),
    )
    .await
    .text();
    assert!(none.contains("没有符合条件的工单"));

    let en = send(
        &app,
        page_get(&format!("/orders/{a}?lang=en"), Some(&operator)),
    )
    .await
    .text();
    for label in [
        "Pending",
        "Reassign",
        "The whole trail",
        "Dispatched",
        "Sanitation",
    ] {
        assert!(en.contains(label), "missing {label:?} in English");
    }
    assert!(!en.contains("待受理"));
    let zh = send(&app, page_get(&format!("/orders/{a}"), Some(&operator)))
        .await
        .text();
    for label in ["待受理", "改派", "全程记录", "派单", "环境卫生"] {
        assert!(zh.contains(label), "missing {label:?} in Chinese");
    }
    let report_en = send(&app, page_get("/report?lang=en", None)).await.text();
    assert!(report_en.contains("Report a problem") && report_en.contains("Noise nuisance"));
}

#[engines]
async fn a_summoned_department_reports_in_from_the_order_page() {
    let app = app().await;
    let id = file_order(&app, IN_A, "illegal_advertising").await;
    let operator_token = app.login("operator").await;
    let gw_b = app.user_id("gw_b").await;
    let (status, team) = app
        .json(post_json(
            "/api/v1/teams",
            Some(&operator_token),
            &serde_json::json!({"code": "cgj", "name": "城管中队", "members": [gw_b]}),
        ))
        .await;
    assert_eq!(status, 201, "{team}");
    let team_id = team["id"].as_i64().expect("team id");

    let operator = cookie(&app, "operator").await;
    let path = format!("/orders/{id}");
    let page = send(&app, page_get(&path, Some(&operator))).await;
    assert!(
        page.actions().contains(&"summon".to_owned()),
        "{:?}",
        page.actions()
    );
    let r = send(
        &app,
        form(
            &format!("{path}/act"),
            Some(&operator),
            &format!("action=summon&teams={team_id}&minutes=45"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    // A member bound to another grid: the order is theirs to report in on.
    let member = cookie(&app, "gw_b").await;
    let page = send(&app, page_get(&path, Some(&member))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert_eq!(page.actions(), ["note", "pause_clock", "report_in"]);
    assert!(page.text().contains("城管中队") && page.text().contains("待报到"));
    let r = send(
        &app,
        form(
            &format!("{path}/act"),
            Some(&member),
            &format!("action=report_in&team={team_id}&note=已到场"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let parts = app
        .store
        .order_participants(id)
        .await
        .expect("participants");
    assert!(parts[0].reported_at.is_some(), "reported in");
    let page = send(&app, page_get(&path, Some(&member))).await;
    assert!(page.text().contains("已报到"));
    assert!(!page.actions().contains(&"report_in".to_owned()), "once");
    assert!(
        page.text().contains("召集 1 个部门，45 分钟内报到"),
        "in the trail"
    );
}
