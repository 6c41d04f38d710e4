//! What an alert does: it is stored (one open per rule and subject), and
//! becomes a work order through the same intake as any report — routing to
//! the building's grid worker, pop-up and SMS. When its condition ends the
//! alert is cleared and the order gets a note.

use shequ_domain::RegionPath;
use shequ_domain::order::Action;
use shequ_domain::sensing::engine::Raise;
use shequ_store::Scope;
use shequ_store::alerts::{AlertRule, NewAlert};

use crate::app::access::ClientAddr;
use crate::orders::catalogue::DEVICE_MAINTENANCE;
use crate::orders::catalogue::ELDERLY_CARE;
use crate::orders::intake;
use crate::orders::intake::Report;
use crate::orders::service;
use crate::orders::service::Who;
use crate::sensing::SensingState;

fn when(state: &SensingState, at: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at)
        .unwrap_or_default()
        .with_timezone(&state.tz)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The resident's name, age, address and household contacts, for the
/// order's description. Phones stay masked: the worker reveals one on the
/// resident's page, which is logged.
async fn resident_lines(state: &SensingState, person: i64) -> (Option<i64>, String) {
    let store = &state.store;
    let Ok(Some(p)) = store.person_in(&Scope::everything(), person).await else {
        return (None, format!("居民 #{person}"));
    };
    let age = chrono::NaiveDate::parse_from_str(&p.birth_date, "%Y-%m-%d")
        .map(|b| shequ_domain::sensing::rules::age_on(b, state.today()))
        .map_or_else(|_| String::new(), |a| format!("（{a}岁）"));
    let mut lines = vec![
        format!("居民 Resident：{}{age}", p.name),
        format!("地址 Address：{} {}室", p.address, p.room),
        format!("本人电话 Phone：{}", p.phone.masked()),
    ];
    let mut contacts = Vec::new();
    if let Some(h) = p.household_id
        && let Ok(Some(household)) = store.household_in(&Scope::everything(), h).await
    {
        for m in household.members.iter().filter(|m| m.id != p.id) {
            contacts.push(format!("{} {}", m.name, m.phone.masked()));
        }
    }
    lines.push(format!(
        "家庭联系人 Household contacts：{}",
        if contacts.is_empty() {
            "无 none".to_owned()
        } else {
            contacts.join("；")
        }
    ));
    (p.household_id, lines.join("\n"))
}

async fn region_of_person(state: &SensingState, person: i64) -> Option<String> {
    state.store.person_path(person).await.ok().flatten()
}

async fn region_of_building(state: &SensingState, building: i64) -> Option<String> {
    state
        .store
        .place_in(&Scope::everything(), building)
        .await
        .ok()
        .flatten()
        .map(|p| p.region_path)
}

/// Stores the alert `r` of `rule` and files its order in the street whose
/// root region is `root_path`. Returns whether an alert was raised (false
/// when one was already open).
pub(crate) async fn raise(
    state: &SensingState,
    rule: &AlertRule,
    root_path: &str,
    r: &Raise,
) -> bool {
    let now = state.clock.now_ms();
    let (alert, report) = match *r {
        Raise::Absent {
            person,
            building,
            last_seen,
            due_at,
            ..
        } => {
            let hours = (now - last_seen) / 3_600_000;
            // The watch keeps no household per person (memory); read it now.
            let (household, lines) = resident_lines(state, person).await;
            let description = format!(
                "{lines}\n最后一次出入 Last seen：{}（已 {hours} 小时未出入 / no pass for {hours} h）\n规则 Rule：{}",
                when(state, last_seen),
                rule.name
            );
            (
                NewAlert {
                    rule_id: rule.id,
                    kind: "inactivity".into(),
                    subject: format!("person:{person}"),
                    person_id: Some(person),
                    household_id: household,
                    device_id: None,
                    building_id: Some(building),
                    region_path: region_of_person(state, person)
                        .await
                        .unwrap_or_else(|| rule.region_path.clone()),
                    raised_at: now,
                    due_at,
                    last_seen_at: Some(last_seen),
                    details: serde_json::json!({"rule": rule.code, "hours": hours}).to_string(),
                },
                (
                    ELDERLY_CARE,
                    "独居老人关怀 — 上门看望".to_owned(),
                    description,
                    Some(person),
                    building,
                ),
            )
        }
        Raise::Night {
            person,
            household,
            building,
            at,
            ..
        } => {
            let (_, lines) = resident_lines(state, person).await;
            (
                NewAlert {
                    rule_id: rule.id,
                    kind: "night_activity".into(),
                    subject: format!("person:{person}"),
                    person_id: Some(person),
                    household_id: household,
                    device_id: None,
                    building_id: Some(building),
                    region_path: region_of_person(state, person)
                        .await
                        .unwrap_or_else(|| rule.region_path.clone()),
                    raised_at: now,
                    due_at: at,
                    last_seen_at: Some(at),
                    details: serde_json::json!({"rule": rule.code}).to_string(),
                },
                (
                    ELDERLY_CARE,
                    "夜间频繁出入 — 关怀查看".to_owned(),
                    format!(
                        "{lines}\n夜间出入次数超过规则上限 / more night passes than the rule allows；最近 Last：{}\n规则 Rule：{}",
                        when(state, at),
                        rule.name
                    ),
                    Some(person),
                    building,
                ),
            )
        }
        Raise::Visitors {
            household,
            building,
            count,
            at,
            ..
        } => (
            NewAlert {
                rule_id: rule.id,
                kind: "visitor_threshold".into(),
                subject: format!("household:{household}"),
                person_id: None,
                household_id: Some(household),
                device_id: None,
                building_id: Some(building),
                region_path: region_of_building(state, building)
                    .await
                    .unwrap_or_else(|| rule.region_path.clone()),
                raised_at: now,
                due_at: at,
                last_seen_at: Some(at),
                details: serde_json::json!({"rule": rule.code, "visitors": count}).to_string(),
            },
            (
                ELDERLY_CARE,
                "来访异常 — 上门了解".to_owned(),
                format!(
                    "户 Household #{household}：今日不同访客 {count} 人，超过规则上限 / {count} distinct visitors today\n目的 Purpose：{}\n规则 Rule：{}",
                    rule.purpose, rule.name
                ),
                None,
                building,
            ),
        ),
        Raise::Silent {
            device,
            building,
            last_seen,
            due_at,
            ..
        } => {
            let hours = (now - last_seen) / 3_600_000;
            (
                NewAlert {
                    rule_id: rule.id,
                    kind: "device_silence".into(),
                    subject: format!("device:{device}"),
                    person_id: None,
                    household_id: None,
                    device_id: Some(device),
                    building_id: Some(building),
                    region_path: region_of_building(state, building)
                        .await
                        .unwrap_or_else(|| rule.region_path.clone()),
                    raised_at: now,
                    due_at,
                    last_seen_at: Some(last_seen),
                    details: serde_json::json!({"rule": rule.code, "hours": hours}).to_string(),
                },
                (
                    DEVICE_MAINTENANCE,
                    "门禁设备无消息 — 检修".to_owned(),
                    format!(
                        "门禁设备 Door controller #{device} 已 {hours} 小时无消息 / silent for {hours} h；最后消息 Last heard：{}\n期间该楼居民的未出入不产生关怀工单 / absences in this building are not alerted meanwhile.",
                        when(state, last_seen)
                    ),
                    None,
                    building,
                ),
            )
        }
    };
    let alert_id = match state.store.open_alert(&alert).await {
        Ok(Some(id)) => id,
        Ok(None) => return false,
        Err(e) => {
            tracing::error!(error = %e, subject = %alert.subject, "storing an alert failed");
            return false;
        }
    };
    let (category, title, description, subject_person_id, building) = report;
    let scope_root =
        RegionPath::parse(root_path).or_else(|_| RegionPath::parse(&alert.region_path));
    let Ok(scope_root) = scope_root else {
        tracing::error!(path = %root_path, "alert without a region to file its order in");
        return true;
    };
    let report = Report {
        category: category.to_owned(),
        source: "sensor",
        title,
        description,
        address: String::new(),
        point: None,
        place_id: Some(building),
        subject_person_id,
        reporter_name: "门禁感知 Door sensing".to_owned(),
        reporter_phone: None,
        reporter_email: None,
        external_id: Some(format!("alert:{alert_id}")),
        attributes: serde_json::Value::Null,
        priority: None,
        scope_root,
        actor: "system".to_owned(),
        actor_user_id: None,
        reporter_link: false,
        resolve_by: None,
    };
    match intake::submit(&state.orders, report).await {
        Ok(s) => {
            if let Err(e) = state.store.link_alert_order(alert_id, s.id).await {
                tracing::error!(error = %e, alert.id = alert_id, "linking an alert to its order failed");
            }
            tracing::info!(alert.id = alert_id, order.id = s.id, subject = %alert.subject, "alert raised");
        }
        Err(e) => {
            tracing::error!(error = %e, alert.id = alert_id, "filing the order of an alert failed")
        }
    }
    true
}

/// Clears the open alert of a rule and subject; with `note`, tells its
/// order that the condition ended (the resident was seen, the device is
/// back).
pub(crate) async fn clear(state: &SensingState, rule_id: i64, subject: &str, at: i64, note: bool) {
    let cleared = match state.store.clear_alert(rule_id, subject, at).await {
        Ok(Some(c)) => c,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(error = %e, subject, "clearing an alert failed");
            return;
        }
    };
    let Some(order_id) = cleared.order_id.filter(|_| note) else {
        return;
    };
    let text = if subject.starts_with("device:") {
        format!(
            "设备已恢复消息 / the device is heard again（{}）",
            when(state, at)
        )
    } else {
        format!(
            "居民已再次出入楼门，告警已解除 / the resident passed a door again at {}; alert cleared",
            when(state, at)
        )
    };
    let action = Action::Note { text };
    if let Err(e) = service::act(
        &state.orders,
        order_id,
        &Who::System,
        &action,
        &ClientAddr::default(),
    )
    .await
    {
        // A resolved or closed order takes no notes; the alert is cleared anyway.
        tracing::info!(error = %e, order.id = order_id, "note on a cleared alert's order not added");
    }
}
