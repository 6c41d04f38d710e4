//! Discovery, the service list and service definitions.

use crate::fixture::*;
use shequ_testkit::engines;

#[engines]
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

#[engines]
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

#[engines]
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
