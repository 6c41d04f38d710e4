//! Alert rules with their change log, alerts (one open per rule and
//! subject), and what the rules engine reads at start — on SQLite and,
//! when configured, PostgreSQL.

mod common;

use common::{PATH_A1, backends, seed_street};
use shequ_store::alerts::{AlertQuery, NewAlert, NewAlertRule};
use shequ_store::{Paging, Scope, StoreError};

fn rule(code: &str, path: &str) -> NewAlertRule {
    NewAlertRule {
        code: code.to_owned(),
        name: "80+ living alone".to_owned(),
        kind: "inactivity".to_owned(),
        region_path: path.to_owned(),
        params: r#"{"filter":{"tags":["elderly_living_alone"],"min_age":80},"window_hours":48}"#
            .to_owned(),
        targets: "[]".to_owned(),
        purpose: String::new(),
        expires_at: None,
        enabled: true,
    }
}

fn alert(rule_id: i64, subject: &str, person: i64, at: i64) -> NewAlert {
    NewAlert {
        rule_id,
        kind: "inactivity".to_owned(),
        subject: subject.to_owned(),
        person_id: Some(person),
        household_id: None,
        device_id: None,
        building_id: None,
        region_path: PATH_A1.to_owned(),
        raised_at: at,
        due_at: at,
        last_seen_at: Some(at - 1),
        details: "{}".to_owned(),
    }
}

#[tokio::test]
async fn rules_are_created_changed_and_every_change_is_logged() {
    for db in backends().await {
        let s = &db.store;
        let root = s.root_region_path().await.expect("root");
        assert_eq!(root, "/", "{}: no regions yet", db.label);
        seed_street(s).await;
        let root = s.root_region_path().await.expect("root");
        assert_eq!(root, "/310000/", "{}", db.label);

        assert!(
            s.ensure_default_alert_rules(&[rule("elderly_living_alone", &root)], 10)
                .await
                .expect("seed")
        );
        assert!(
            !s.ensure_default_alert_rules(&[rule("other", &root)], 11)
                .await
                .expect("seed once"),
            "{}",
            db.label
        );
        let rules = s.alert_rules().await.expect("rules");
        assert_eq!(rules.len(), 1, "{}", db.label);
        let r = &rules[0];
        assert!(r.enabled && r.created_by == "system" && r.created_at == 10);

        let dup = s
            .create_alert_rule(&rule("elderly_living_alone", &root), "user:1", 12)
            .await;
        assert!(
            matches!(dup, Err(StoreError::Conflict { field: "code", .. })),
            "{}: {dup:?}",
            db.label
        );

        let mut changed = rule("ignored", &root);
        changed.enabled = false;
        let after = s
            .update_alert_rule(r.id, &changed, "disable", "admin", 20)
            .await
            .expect("update");
        assert!(!after.enabled);
        assert_eq!(after.code, "elderly_living_alone", "the code stays");
        assert_eq!(after.updated_at, 20);
        let missing = s
            .update_alert_rule(999, &changed, "update", "admin", 21)
            .await;
        assert!(
            matches!(missing, Err(StoreError::NotFound(_))),
            "{}",
            db.label
        );

        let log = s.alert_rule_changes(r.id).await.expect("log");
        let actions: Vec<&str> = log.iter().map(|c| c.action.as_str()).collect();
        assert_eq!(actions, ["create", "disable"], "{}", db.label);
        assert_eq!(log[0].actor, "system");
        assert!(log[0].before.is_empty());
        assert!(
            log[1].before.contains("\"enabled\":true"),
            "{}",
            log[1].before
        );
        assert!(
            log[1].after.contains("\"enabled\":false"),
            "{}",
            log[1].after
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn one_alert_is_open_per_rule_and_subject_and_clearing_reopens_the_slot() {
    for db in backends().await {
        let s = &db.store;
        seed_street(s).await;
        let people = s
            .monitored_people(Some("elderly_living_alone"))
            .await
            .expect("people");
        assert_eq!(people.len(), 2, "{}: two residents carry the tag", db.label);
        assert!(
            people
                .iter()
                .all(|p| p.building_id.is_some() && p.care_tags.contains("elderly_living_alone"))
        );
        assert_eq!(s.monitored_people(None).await.expect("all").len(), 5);
        let (p1, p2) = (people[0].id, people[1].id);
        let r = s
            .create_alert_rule(&rule("r", "/310000/"), "admin", 1)
            .await
            .expect("rule");
        let subject = format!("person:{p1}");

        let first = s
            .open_alert(&alert(r.id, &subject, p1, 100))
            .await
            .expect("open");
        assert!(first.is_some(), "{}", db.label);
        let second = s
            .open_alert(&alert(r.id, &subject, p1, 200))
            .await
            .expect("open again");
        assert_eq!(second, None, "{}: no second open alert", db.label);
        let other = s
            .open_alert(&alert(r.id, &format!("person:{p2}"), p2, 150))
            .await
            .expect("other");
        assert!(other.is_some());

        let open = s.open_alerts().await.expect("open alerts");
        assert_eq!(open.len(), 2, "{}", db.label);

        let cleared = s
            .clear_alert(r.id, &subject, 300)
            .await
            .expect("clear")
            .expect("was open");
        assert_eq!(Some(cleared.id), first);
        assert_eq!(
            s.clear_alert(r.id, &subject, 301).await.expect("clear"),
            None
        );
        let again = s
            .open_alert(&alert(r.id, &subject, p1, 400))
            .await
            .expect("reopen");
        assert!(again.is_some() && again != first, "{}", db.label);

        let page = s
            .alerts_in(
                &Scope::everything(),
                &AlertQuery::default(),
                Paging::new(Some(1), Some(2)),
            )
            .await
            .expect("page");
        assert_eq!(page.total, 3, "{}", db.label);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.items[0].raised_at, 400, "newest first");
        assert!(!page.items[0].targeted);
        let cleared_only = s
            .alerts_in(
                &Scope::everything(),
                &AlertQuery {
                    rule_id: Some(r.id),
                    state: Some("cleared".into()),
                },
                Paging::new(None, None),
            )
            .await
            .expect("cleared");
        assert_eq!(cleared_only.total, 1);
        assert_eq!(cleared_only.items[0].cleared_at, Some(300));
        let elsewhere = shequ_domain::RegionPath::parse("/310000/310104/310104011/310104011002/")
            .expect("path");
        let b = s
            .alerts_in(
                &Scope::under(&elsewhere),
                &AlertQuery::default(),
                Paging::new(None, None),
            )
            .await
            .expect("b");
        assert_eq!(b.total, 0, "{}: alerts in A are not seen from B", db.label);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn last_passes_come_from_door_events_since_a_time() {
    for db in backends().await {
        let s = &db.store;
        let (ba, _) = seed_street(s).await;
        let people = s
            .monitored_people(Some("elderly_living_alone"))
            .await
            .expect("people");
        let p = people[0].id;
        for (i, at) in [1_000i64, 5_000, 3_000].iter().enumerate() {
            s.insert_bare_pass(1, &format!("e{i}"), p, ba, *at)
                .await
                .expect("pass");
        }
        assert_eq!(
            s.last_passes_since(0).await.expect("q"),
            vec![(p, 5_000)],
            "{}",
            db.label
        );
        assert!(s.last_passes_since(6_000).await.expect("q").is_empty());
        db.cleanup().await;
    }
}
