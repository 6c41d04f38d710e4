//! The operations pages of door sensing, in process on the small street of
//! `common`: alert rules created, checked, edited and disabled through the
//! form (each change in the rule's log), and the devices page with silent
//! doors first and the refused events an operator may see.

mod common;

use axum::http::StatusCode;
use common::pages::*;
use common::*;
use shequ_store::people::PeopleQuery;
use shequ_store::sensing::events::{DoorBatch, RejectedDoorEvent};
use shequ_store::{Paging, Scope};

const H: i64 = 3_600_000;

fn encode(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// A night-activity rule's form, with `changes` replacing fields.
fn night_rule(changes: &[(&'static str, &'static str)]) -> String {
    let mut fields = vec![
        ("code", "night_care"),
        ("name", "夜间照护"),
        ("kind", "night_activity"),
        ("tags", "elderly_living_alone"),
        ("min_age", "75"),
        ("start_hour", "23"),
        ("end_hour", "5"),
        ("max_passes", "3"),
        ("region", "310104011"),
        ("enabled", "1"),
    ];
    for (k, v) in changes {
        match fields.iter_mut().find(|(f, _)| f == k) {
            Some(f) => f.1 = v,
            None => fields.push((k, v)),
        }
    }
    encode(&fields)
}

#[engines]
async fn alert_rules_are_created_checked_edited_and_disabled_through_the_pages() {
    let app = app().await;
    let op = cookie(&app, "operator").await;
    let grid = cookie(&app, "grid_a").await;

    let r = send(&app, page_get("/ops/alert-rules", Some(&grid))).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a grid worker has no rules"
    );
    let r = send(&app, page_get("/ops", Some(&op))).await;
    assert!(
        r.text().contains("href=\"/ops/alert-rules\""),
        "linked from operations"
    );

    // The new form starts as the default welfare rule.
    let r = send(&app, page_get("/ops/alert-rules/new", Some(&op))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.text()
            .contains("name=\"window_hours\" type=\"number\" value=\"48\"")
    );

    // Not a number: refused, named, and what was typed stays.
    let r = send(
        &app,
        form(
            "/ops/alert-rules",
            Some(&op),
            &night_rule(&[("max_passes", "three")]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(text.contains("id=\"err-max_passes\""), "{text}");
    assert!(text.contains("请填写整数"), "{text}");
    assert!(text.contains("value=\"夜间照护\""), "the name is kept");

    // A missing hour is the rule parser's refusal, shown at that input.
    let r = send(
        &app,
        form(
            "/ops/alert-rules",
            Some(&op),
            &night_rule(&[("end_hour", "")]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"err-end_hour\""), "{}", r.text());

    // Naming a person without a purpose or a last day is refused.
    let r = send(
        &app,
        form(
            "/ops/alert-rules",
            Some(&op),
            &night_rule(&[("targets", "person:1")]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"err-purpose\""), "{}", r.text());

    // A good rule is stored and shown in words.
    let r = send(&app, form("/ops/alert-rules", Some(&op), &night_rule(&[]))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let location = r.location().to_owned();
    assert!(location.ends_with("?done=created"), "{location}");
    let rule = app
        .store
        .alert_rules()
        .await
        .expect("rules")
        .into_iter()
        .find(|r| r.code == "night_care")
        .expect("stored");
    assert_eq!(rule.kind, "night_activity");
    assert_eq!(rule.created_by, "operator");
    let params: serde_json::Value = serde_json::from_str(&rule.params).expect("json");
    assert_eq!(params["start_hour"], 23);
    assert_eq!(params["max_passes"], 3);
    assert_eq!(params["filter"]["min_age"], 75);
    let page = send(&app, page_get(&location, Some(&op))).await;
    let text = page.text();
    assert!(text.contains("23 点至 5 点出入超过 3 次"), "{text}");
    assert!(text.contains("规则已创建"));

    // The code is taken now.
    let r = send(&app, form("/ops/alert-rules", Some(&op), &night_rule(&[]))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("这个规则代码已被使用"), "{}", r.text());

    // Edited: the change is stored and logged with before and after.
    let path = format!("/ops/alert-rules/{}", rule.id);
    let r = send(
        &app,
        form(&path, Some(&op), &night_rule(&[("max_passes", "5")])),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let params: serde_json::Value = serde_json::from_str(
        &app.store
            .alert_rule(rule.id)
            .await
            .expect("q")
            .expect("rule")
            .params,
    )
    .expect("json");
    assert_eq!(params["max_passes"], 5);

    // Disabled from its page.
    let r = send(&app, form(&format!("{path}/disable"), Some(&op), "")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let stored = app
        .store
        .alert_rule(rule.id)
        .await
        .expect("q")
        .expect("rule");
    assert!(!stored.enabled);
    let actions: Vec<String> = app
        .store
        .alert_rule_changes(rule.id)
        .await
        .expect("log")
        .into_iter()
        .map(|c| format!("{} {}", c.action, c.actor))
        .collect();
    assert_eq!(
        actions,
        ["create operator", "update operator", "disable operator"]
    );
    let page = send(&app, page_get(&path, Some(&op))).await;
    let text = page.text();
    assert!(text.contains("已停用"), "{text}");
    assert!(
        !text.contains("/disable\""),
        "no disable button on a disabled rule"
    );
    assert!(
        text.contains("<code>max_passes</code> <del>3</del> → <ins>5</ins>"),
        "the change log shows what changed: {text}"
    );
    assert!(text.contains("<code>enabled</code> <del>true</del> → <ins>false</ins>"));

    // English labels on the list.
    let list = send(&app, page_get("/ops/alert-rules?lang=en", Some(&op))).await;
    let text = list.text();
    assert!(text.contains("Night activity"), "{text}");
    assert!(text.contains("More than 5 passes between 23:00 and 5:00"));
}

#[engines]
async fn the_devices_page_puts_silent_doors_first_and_scopes_refused_events() {
    let app = app().await;
    let s = &app.store;
    let building = s
        .search_people(
            &Scope::everything(),
            &PeopleQuery {
                name_prefix: Some("王秀英".into()),
                ..PeopleQuery::default()
            },
            Paging::new(None, None),
        )
        .await
        .expect("q")
        .items[0]
        .building_id
        .expect("building");
    let now = shequ_store::now_ms();
    for (code, heard) in [
        ("D-OK", Some(now - H)),
        ("D-SILENT", Some(now - 10 * H)),
        ("D-NEVER", None),
    ] {
        s.insert_bare_device(code, building, GRID_A, heard, now)
            .await
            .expect("device");
    }
    let refused = |device: &str, reason: &str| RejectedDoorEvent {
        id: 0,
        device_code: device.to_owned(),
        channel: "http".to_owned(),
        reason: reason.to_owned(),
        detail: "checked by the test".to_owned(),
        payload: format!(r#"{{"device":"{device}"}}"#),
        received_at: now,
    };
    s.insert_door_events(&DoorBatch {
        rejected: vec![
            refused("D-SILENT", "future_time"),
            refused("X-NOBODY", "unknown_device"),
        ],
        received_at: now,
        ..DoorBatch::default()
    })
    .await
    .expect("stored");

    let grid = cookie(&app, "grid_a").await;
    let r = send(&app, page_get("/ops/devices", Some(&grid))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let op = cookie(&app, "operator").await;
    let r = send(&app, page_get("/ops/devices", Some(&op))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let text = r.text();
    let at = |code: &str| text.find(&format!("<code>{code}</code>")).expect(code);
    assert!(at("D-SILENT") < at("D-NEVER") && at("D-NEVER") < at("D-OK"));
    assert!(text.contains("health-silent"), "the silent row is marked");
    assert!(text.contains("时间超前"), "the refused event's reason");
    assert!(
        !text.contains("X-NOBODY"),
        "an operator sees refusals of their own devices only"
    );

    let only_silent = send(&app, page_get("/ops/devices?health=silent", Some(&op))).await;
    let text = only_silent.text();
    assert!(text.contains("<code>D-SILENT</code>") && !text.contains("<code>D-OK</code>"));

    let admin = cookie(&app, "admin").await;
    let r = send(&app, page_get("/ops/devices", Some(&admin))).await;
    assert!(
        r.text().contains("X-NOBODY"),
        "administrators see every refusal"
    );
}
