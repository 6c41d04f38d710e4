//! The 15-minute circle's page, on both engines, on the small street (A1
//! with two residents, one of them 86, and B1 with one, a kilometre
//! apart): with no facility no one is covered; a canteen beside A1
//! covers A1's two, the 80-year-old among them, and where next points at
//! B1; with no network the page declares the straight line × 1.3, and a
//! network imported is used; a network outside the street and a bad
//! threshold are refused with their reasons; only the street sets a
//! threshold.

mod common;

use axum::http::StatusCode;
use common::pages::{cookie, form, page_get, send};
use common::*;
use shequ_domain::{FacilityType, PlaceKind};
use shequ_store::places::NewPlace;

/// A page's status and text.
async fn get(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, String) {
    let r = send(app, page_get(path, Some(cookie))).await;
    (r.status, r.text())
}

/// Puts A1 at [`IN_A`] and B1 at [`IN_B`] (the kit stores every place at
/// one point), a kilometre apart.
async fn spread_the_buildings(app: &TestApp) {
    for (code, grid, at) in [
        ("A1", "31010401100101", IN_A),
        ("B1", "31010401100201", IN_B),
    ] {
        let region = app
            .store
            .region_by_code(grid)
            .await
            .expect("read")
            .expect("grid")
            .region;
        app.store
            .upsert_places(&[NewPlace {
                code: code.into(),
                name: format!("{code}号楼"),
                kind: PlaceKind::ResidentialBuilding,
                facility_type: None,
                region_id: region.id,
                region_path: region.path.clone(),
                lon: at.0,
                lat: at.1,
                address: format!("田林路{code}号"),
                built_year: Some(1985),
                floors: None,
            }])
            .await
            .expect("move");
    }
}

async fn canteen_beside_a1(app: &TestApp) {
    let region = app
        .store
        .region_by_code("31010401100101")
        .await
        .expect("read")
        .expect("grid A1")
        .region;
    app.store
        .upsert_places(&[NewPlace {
            code: "CANTEEN-A".into(),
            name: "田林一村助餐点".into(),
            kind: PlaceKind::ServiceFacility,
            facility_type: Some(FacilityType::ElderlyCanteen),
            region_id: region.id,
            region_path: region.path.clone(),
            lon: IN_A.0 + 0.0005,
            lat: IN_A.1,
            address: "田林路1号".into(),
            built_year: None,
            floors: None,
        }])
        .await
        .expect("canteen");
}

#[engines]
async fn the_circle_counts_who_walks_within_reach_and_says_where_next() {
    let app = app().await;
    let operator = cookie(&app, "operator").await;
    let grid = cookie(&app, "grid_a").await;
    spread_the_buildings(&app).await;

    let (status, page) = get(&app, "/circle?type=elderly_canteen", &operator).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("尚未导入步行网络"),
        "the straight line is declared"
    );
    assert!(page.contains("0.0%"), "no canteen, no one within");

    canteen_beside_a1(&app).await;
    let (_, page) = get(&app, "/circle?type=elderly_canteen&who=aged_80", &operator).await;
    let canteen_row = page
        .split("data-type=\"elderly_canteen\"")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .expect("the canteen's row");
    assert!(
        canteen_row.contains("66.7%") && canteen_row.contains("2/3"),
        "A1's two of three: {canteen_row}"
    );
    assert!(
        canteen_row.contains("100.0%"),
        "the one aged 80+ lives in A1: {canteen_row}"
    );
    assert!(
        page.contains("阈值外已没有要覆盖的居民"),
        "no one 80+ is left outside"
    );
    let (_, page) = get(&app, "/circle?type=elderly_canteen&who=all&k=2", &operator).await;
    let next = page.split("id=\"suggestions\"").nth(1).expect("where next");
    assert!(
        next.contains("可多覆盖 1 名居民"),
        "B1's one resident: {next}"
    );

    // A network outside the street is refused; one along the street used.
    let outside = r#"{"type":"LineString","coordinates":[[116.40,39.90],[116.41,39.90]]}"#;
    let e = shequ_server::circle::service::import_network(&app.store, "北京", outside, "test", 0)
        .await
        .expect_err("outside");
    assert_eq!(e.code(), "invalid_input");
    assert!(format!("{e:?}").contains("circle_network_outside"), "{e:?}");
    let lane = format!(
        r#"{{"type":"LineString","coordinates":[[{},{}],[{},{}],[{},{}]]}}"#,
        IN_A.0,
        IN_A.1,
        IN_A.0 + 0.0005,
        IN_A.1,
        IN_B.0,
        IN_B.1
    );
    shequ_server::circle::service::import_network(&app.store, "田林路", &lane, "test", 0)
        .await
        .expect("a lane");
    let (_, page) = get(&app, "/circle?type=elderly_canteen", &operator).await;
    assert!(
        page.contains("按步行网络“田林路”计算"),
        "the network is used"
    );

    // Thresholds: the street's, whole metres from 50 to 5000.
    let refused = send(
        &app,
        form(
            "/circle/thresholds",
            Some(&grid),
            "type=elderly_canteen&metres=600",
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let bad = send(
        &app,
        form(
            "/circle/thresholds",
            Some(&operator),
            "type=elderly_canteen&metres=20",
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text().contains("步行距离阈值须为 50 至 5000 米的整数"),
        "{}",
        bad.text()
    );
    let unknown = send(
        &app,
        form(
            "/circle/thresholds",
            Some(&operator),
            "type=casino&metres=600",
        ),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = send(
        &app,
        form(
            "/circle/thresholds",
            Some(&operator),
            "type=elderly_canteen&metres=1200",
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let (_, page) = get(&app, "/circle?type=elderly_canteen", &operator).await;
    assert!(page.contains("1200 m"), "the new threshold");
    let canteen_row = page
        .split("data-type=\"elderly_canteen\"")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .expect("the canteen's row");
    assert!(
        canteen_row.contains("3/3"),
        "B1 is within 1.2 km along the lane: {canteen_row}"
    );
}
