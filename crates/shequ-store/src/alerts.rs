//! Welfare-alert rules (every change appended to `alert_rule_changes`),
//! the alerts they raise (one open per rule and subject, enforced by a
//! partial unique index), and what the rules engine reads to rebuild its
//! state: the watched population, last passes, devices and open alerts.

use serde::Serialize;

use crate::db::on_db;
use crate::{Page, Paging, Result, Scope, Store, StoreError};

/// A stored rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AlertRule {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// inactivity | night_activity | visitor_threshold | device_silence
    pub kind: String,
    /// The region the rule watches (its subtree).
    pub region_path: String,
    /// The kind's parameters (JSON object).
    pub params: String,
    /// Named subjects, a JSON array of `person:<id>` / `household:<id>`.
    pub targets: String,
    pub purpose: String,
    pub expires_at: Option<i64>,
    pub enabled: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A rule to create, or the new content of one.
#[derive(Debug, Clone, Serialize)]
pub struct NewAlertRule {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub region_path: String,
    pub params: String,
    pub targets: String,
    pub purpose: String,
    pub expires_at: Option<i64>,
    pub enabled: bool,
}

/// One entry of a rule's change log.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AlertRuleChange {
    pub id: i64,
    pub rule_id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    /// The rule as JSON before the change ('' on create).
    pub before: String,
    /// The rule as JSON after the change.
    pub after: String,
}

/// An alert to open.
#[derive(Debug, Clone)]
pub struct NewAlert {
    pub rule_id: i64,
    pub kind: String,
    /// `person:12`, `household:7`, `device:3`.
    pub subject: String,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    pub device_id: Option<i64>,
    pub building_id: Option<i64>,
    pub region_path: String,
    pub raised_at: i64,
    pub due_at: i64,
    pub last_seen_at: Option<i64>,
    /// JSON object.
    pub details: String,
}

/// A stored alert.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Alert {
    pub id: i64,
    pub rule_id: i64,
    pub rule_code: String,
    pub kind: String,
    pub subject: String,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    pub device_id: Option<i64>,
    pub building_id: Option<i64>,
    pub region_path: String,
    /// open | cleared | closed
    pub state: String,
    pub raised_at: i64,
    pub due_at: i64,
    pub last_seen_at: Option<i64>,
    pub cleared_at: Option<i64>,
    pub order_id: Option<i64>,
    pub details: String,
    /// Whether the rule names people or households (views are logged).
    pub targeted: bool,
}

/// Filters of an alert listing.
#[derive(Debug, Clone, Default)]
pub struct AlertQuery {
    pub rule_id: Option<i64>,
    pub state: Option<String>,
}

/// An open alert, as the engine needs it after a restart.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenAlert {
    pub id: i64,
    pub rule_id: i64,
    pub subject: String,
    pub order_id: Option<i64>,
}

/// A resident the inactivity and night rules may watch.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MonitoredPerson {
    pub id: i64,
    pub care_tags: String,
    pub birth_date: String,
    pub household_id: Option<i64>,
    pub building_id: Option<i64>,
    pub region_path: String,
}

/// A door controller as the device-silence rule sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WatchedDevice {
    pub id: i64,
    pub code: String,
    pub building_id: i64,
    pub region_path: String,
    pub enabled: bool,
    pub last_heard_at: Option<i64>,
    pub created_at: i64,
}

macro_rules! rule_select {
    () => {
        "SELECT id, code, name, kind, region_path, params, targets, purpose, expires_at, enabled, created_by, created_at, updated_at FROM alert_rules "
    };
}

fn rule_json(r: &AlertRule) -> String {
    serde_json::to_string(r).unwrap_or_default()
}

impl Store {
    /// Every rule, oldest first (a street has a handful).
    pub async fn alert_rules(&self) -> Result<Vec<AlertRule>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, AlertRule>(concat!(rule_select!(), "ORDER BY id"))
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// One rule by id.
    pub async fn alert_rule(&self, id: i64) -> Result<Option<AlertRule>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, AlertRule>(concat!(rule_select!(), "WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row)
    }

    /// Creates a rule and logs the change, in one transaction. A taken code
    /// is a `Conflict` on `code`.
    pub async fn create_alert_rule(
        &self,
        r: &NewAlertRule,
        actor: &str,
        now: i64,
    ) -> Result<AlertRule> {
        let rule = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let rule: AlertRule = sqlx::query_as(concat!(
                "INSERT INTO alert_rules (code, name, kind, region_path, params, targets, purpose,
                                          expires_at, enabled, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
                 RETURNING ",
                "id, code, name, kind, region_path, params, targets, purpose, expires_at, enabled, created_by, created_at, updated_at"
            ))
            .bind(&r.code)
            .bind(&r.name)
            .bind(&r.kind)
            .bind(&r.region_path)
            .bind(&r.params)
            .bind(&r.targets)
            .bind(&r.purpose)
            .bind(r.expires_at)
            .bind(r.enabled)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(crate::db::conflict_on("code", &r.code))?;
            sqlx::query(
                "INSERT INTO alert_rule_changes (rule_id, at, actor, action, before, after)
                 VALUES ($1, $2, $3, 'create', '', $4)",
            )
            .bind(rule.id)
            .bind(now)
            .bind(actor)
            .bind(rule_json(&rule))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            rule
        });
        Ok(rule)
    }

    /// Replaces a rule's content (its code stays) and logs before and
    /// after, in one transaction. `action` names the change (`update`,
    /// `disable`).
    pub async fn update_alert_rule(
        &self,
        id: i64,
        r: &NewAlertRule,
        action: &str,
        actor: &str,
        now: i64,
    ) -> Result<AlertRule> {
        let rule = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let before: AlertRule = sqlx::query_as(concat!(rule_select!(), "WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound("alert rule"))?;
            let after: AlertRule = sqlx::query_as(concat!(
                "UPDATE alert_rules SET name = $2, kind = $3, region_path = $4, params = $5,
                        targets = $6, purpose = $7, expires_at = $8, enabled = $9, updated_at = $10
                 WHERE id = $1 RETURNING ",
                "id, code, name, kind, region_path, params, targets, purpose, expires_at, enabled, created_by, created_at, updated_at"
            ))
            .bind(id)
            .bind(&r.name)
            .bind(&r.kind)
            .bind(&r.region_path)
            .bind(&r.params)
            .bind(&r.targets)
            .bind(&r.purpose)
            .bind(r.expires_at)
            .bind(r.enabled)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO alert_rule_changes (rule_id, at, actor, action, before, after)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(now)
            .bind(actor)
            .bind(action)
            .bind(rule_json(&before))
            .bind(rule_json(&after))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            after
        });
        Ok(rule)
    }

    /// A rule's change log, oldest first.
    pub async fn alert_rule_changes(&self, rule_id: i64) -> Result<Vec<AlertRuleChange>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, AlertRuleChange>(
                "SELECT id, rule_id, at, actor, action, before, after FROM alert_rule_changes
                 WHERE rule_id = $1 ORDER BY at, id",
            )
            .bind(rule_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Installs `rules` when no rule exists yet; true if it did. Each is
    /// logged as created by `system`.
    pub async fn ensure_default_alert_rules(
        &self,
        rules: &[NewAlertRule],
        now: i64,
    ) -> Result<bool> {
        let count: i64 = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM alert_rules")
                .fetch_one(pool)
                .await?
        });
        if count > 0 {
            return Ok(false);
        }
        for r in rules {
            match self.create_alert_rule(r, "system", now).await {
                // Another process seeded them at the same moment.
                Err(StoreError::Conflict { .. }) => return Ok(false),
                other => {
                    other?;
                }
            }
        }
        Ok(true)
    }

    /// The path of the top region (the root of the tree), where default
    /// rules are placed; `/` when no region exists yet.
    pub async fn root_region_path(&self) -> Result<String> {
        let path: Option<String> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT path FROM regions ORDER BY LENGTH(path), path LIMIT 1")
                .fetch_optional(pool)
                .await?
        });
        Ok(path.unwrap_or_else(|| "/".to_owned()))
    }

    /// Opens an alert. `None` when one is already open for the rule and
    /// subject (the partial unique index decides, so two processes cannot
    /// both open one).
    pub async fn open_alert(&self, a: &NewAlert) -> Result<Option<i64>> {
        let id = on_db!(self, write, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO alerts (rule_id, kind, subject, person_id, household_id, device_id,
                                     building_id, region_path, state, raised_at, due_at,
                                     last_seen_at, details)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $11, $12)
                 ON CONFLICT (rule_id, subject) WHERE state = 'open' DO NOTHING
                 RETURNING id",
            )
            .bind(a.rule_id)
            .bind(&a.kind)
            .bind(&a.subject)
            .bind(a.person_id)
            .bind(a.household_id)
            .bind(a.device_id)
            .bind(a.building_id)
            .bind(&a.region_path)
            .bind(a.raised_at)
            .bind(a.due_at)
            .bind(a.last_seen_at)
            .bind(&a.details)
            .fetch_optional(pool)
            .await?
        });
        Ok(id)
    }

    /// Records the work order an alert became.
    pub async fn link_alert_order(&self, alert_id: i64, order_id: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE alerts SET order_id = $2 WHERE id = $1")
                .bind(alert_id)
                .bind(order_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Clears the open alert of a rule and subject (the condition ended,
    /// e.g. the resident was seen). Returns it, or `None` if none was open.
    pub async fn clear_alert(
        &self,
        rule_id: i64,
        subject: &str,
        at: i64,
    ) -> Result<Option<OpenAlert>> {
        let row = on_db!(self, write, |pool| {
            sqlx::query_as::<_, OpenAlert>(
                "UPDATE alerts SET state = 'cleared', cleared_at = $3
                 WHERE rule_id = $1 AND subject = $2 AND state = 'open'
                 RETURNING id, rule_id, subject, order_id",
            )
            .bind(rule_id)
            .bind(subject)
            .bind(at)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// Every open alert (the engine marks their subjects at start).
    pub async fn open_alerts(&self) -> Result<Vec<OpenAlert>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, OpenAlert>(
                "SELECT id, rule_id, subject, order_id FROM alerts WHERE state = 'open' ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Alerts under the scope, newest first, in pages.
    pub async fn alerts_in(
        &self,
        scope: &Scope,
        q: &AlertQuery,
        paging: Paging,
    ) -> Result<Page<Alert>> {
        let (lo, hi) = scope.bounds();
        let state = q.state.as_deref().filter(|s| !s.is_empty());
        let (items, total) = on_db!(self, read, |pool| {
            let items = sqlx::query_as::<_, Alert>(
                "SELECT a.id, a.rule_id, r.code AS rule_code, a.kind, a.subject, a.person_id,
                        a.household_id, a.device_id, a.building_id, a.region_path, a.state,
                        a.raised_at, a.due_at, a.last_seen_at, a.cleared_at, a.order_id, a.details,
                        (r.targets <> '[]') AS targeted
                 FROM alerts a JOIN alert_rules r ON r.id = a.rule_id
                 WHERE a.region_path >= $1 AND a.region_path < $2
                   AND ($3 IS NULL OR a.rule_id = $3) AND ($4 IS NULL OR a.state = $4)
                 ORDER BY a.raised_at DESC, a.id DESC LIMIT $5 OFFSET $6",
            )
            .bind(lo)
            .bind(hi)
            .bind(q.rule_id)
            .bind(state)
            .bind(paging.limit())
            .bind(paging.offset())
            .fetch_all(pool)
            .await?;
            let total: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM alerts a
                 WHERE a.region_path >= $1 AND a.region_path < $2
                   AND ($3 IS NULL OR a.rule_id = $3) AND ($4 IS NULL OR a.state = $4)",
            )
            .bind(lo)
            .bind(hi)
            .bind(q.rule_id)
            .bind(state)
            .fetch_one(pool)
            .await?;
            (items, total)
        });
        Ok(Page {
            items,
            total,
            page: paging.page,
            page_size: paging.page_size,
        })
    }

    /// Residents a person rule may watch. With `tag`, only those carrying
    /// it (through the tag index); the rest of the filter is applied by the
    /// caller.
    pub async fn monitored_people(&self, tag: Option<&str>) -> Result<Vec<MonitoredPerson>> {
        let rows = on_db!(self, read, |pool| {
            match tag {
                Some(tag) => {
                    sqlx::query_as::<_, MonitoredPerson>(
                        "SELECT p.id, p.care_tags, p.birth_date, p.household_id, h.building_id, p.region_path
                         FROM person_tags t JOIN people p ON p.id = t.person_id
                         LEFT JOIN households h ON h.id = p.household_id
                         WHERE t.tag = $1 ORDER BY p.id",
                    )
                    .bind(tag)
                    .fetch_all(pool)
                    .await?
                }
                None => {
                    sqlx::query_as::<_, MonitoredPerson>(
                        "SELECT p.id, p.care_tags, p.birth_date, p.household_id, h.building_id, p.region_path
                         FROM people p LEFT JOIN households h ON h.id = p.household_id ORDER BY p.id",
                    )
                    .fetch_all(pool)
                    .await?
                }
            }
        });
        Ok(rows)
    }

    /// Every door controller with when it was last heard.
    pub async fn watched_devices(&self) -> Result<Vec<WatchedDevice>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, WatchedDevice>(
                "SELECT id, code, building_id, region_path, enabled, last_heard_at, created_at
                 FROM devices ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Stores one resident pass without the ingest pipeline (no household,
    /// no daily counts), so tests and benches of the rules can set up a
    /// history.
    pub async fn insert_bare_pass(
        &self,
        device_id: i64,
        event_id: &str,
        person_id: i64,
        building_id: i64,
        at: i64,
    ) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO door_events (device_id, event_id, at, direction, kind, credential,
                                          person_id, household_id, building_id, received_at)
                 VALUES ($1, $2, $3, 'out', 'resident', $2, $4, NULL, $5, $3)",
            )
            .bind(device_id)
            .bind(event_id)
            .bind(at)
            .bind(person_id)
            .bind(building_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A bare door controller row (no token), for tests and benches of the
    /// rules; the device registry proper belongs to ingest. Returns its id.
    pub async fn insert_bare_device(
        &self,
        code: &str,
        building_id: i64,
        region_path: &str,
        last_heard_at: Option<i64>,
        now: i64,
    ) -> Result<i64> {
        let id = on_db!(self, write, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO devices (code, name, building_id, region_path, last_heard_at, created_at, updated_at)
                 VALUES ($1, $1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(code)
            .bind(building_id)
            .bind(region_path)
            .bind(last_heard_at)
            .bind(now)
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// Sets when a device was last heard, as ingest does (tests, benches).
    pub async fn set_device_heard(&self, id: i64, at: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE devices SET last_heard_at = $2 WHERE id = $1")
                .bind(id)
                .bind(at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
