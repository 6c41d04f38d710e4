//! Reading requests: filters, paging, windows, one request, tokens, and
//! what the public sees.

use crate::fixture::*;
use shequ_testkit::engines;

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

#[engines]
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

#[engines]
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

#[engines]
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
