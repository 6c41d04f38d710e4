//! Joint meetings (联席会议): the meetings, their members (organisations
//! and resident units), their sessions and the decisions taken at each.
//! A decision is written before its work order is filed and linked to it
//! after ([`Store::link_decision_order`]), so a decision whose filing was
//! lost is found ([`Store::unfiled_decisions`]) and filed again.

use chrono::NaiveDate;
use shequ_domain::party::meeting::{MeetingLevel, check_decision, check_parent, check_session};
use shequ_domain::{Code, InvalidValue, RegionKind};

use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError};

/// A new joint meeting.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub code: String,
    pub name: String,
    /// The district, street or neighbourhood it serves.
    pub region_id: i64,
    /// The organisation that convenes it (the street's 党工委…).
    pub convener_org_id: Option<i64>,
    /// The meeting one level up that this one sends representatives to.
    pub parent_id: Option<i64>,
}

/// A meeting with its counts, as lists and its page show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MeetingRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `district`, `street` or `neighbourhood`.
    pub level: String,
    pub region_id: i64,
    pub region_name: String,
    pub region_path: String,
    pub convener_code: Option<String>,
    pub convener_name: Option<String>,
    pub parent_id: Option<i64>,
    pub parent_name: Option<String>,
    pub members: i64,
    pub sessions: i64,
    pub last_held: Option<String>,
    pub created_at: i64,
}

/// Who sits on a meeting: a party organisation, or a resident unit named
/// (optionally at a place of the registry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingMember {
    Org(i64),
    Unit { name: String, place_id: Option<i64> },
}

/// A member of a meeting.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MeetingMemberRow {
    pub id: i64,
    pub org_code: Option<String>,
    /// The organisation's name, or the unit's.
    pub name: String,
    pub place_id: Option<i64>,
    pub representative: String,
}

/// A decision taken at a session; it becomes a work order.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDecision {
    pub title: String,
    pub detail: String,
    /// The order category it is filed under.
    pub category: String,
    /// The place it concerns (locates the order), if one.
    pub place_id: Option<i64>,
    pub due_on: Option<NaiveDate>,
}

/// A session to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    pub held_on: NaiveDate,
    pub venue: String,
    pub agenda: String,
    pub minutes: String,
    /// The meeting's members present (ids of [`MeetingMemberRow`]).
    pub attended: Vec<i64>,
    /// People in the room.
    pub attendees: u32,
    pub decisions: Vec<NewDecision>,
}

/// A recorded session.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SessionRow {
    pub id: i64,
    pub meeting_id: i64,
    pub held_on: String,
    pub venue: String,
    pub agenda: String,
    pub minutes: String,
    /// JSON list of the members present.
    #[serde(skip)]
    pub attended: String,
    pub attendees: i64,
    pub recorded_by: String,
    pub created_at: i64,
}

impl SessionRow {
    /// The members present, read back.
    pub fn attended_ids(&self) -> Result<Vec<i64>> {
        serde_json::from_str(&self.attended)
            .map_err(|e| StoreError::Corrupt(format!("session {} attendance: {e}", self.id)))
    }
}

/// A stored decision and the order it became.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DecisionRow {
    pub id: i64,
    pub session_id: i64,
    pub meeting_id: i64,
    pub seq: i64,
    pub title: String,
    pub detail: String,
    pub category: String,
    pub place_id: Option<i64>,
    pub due_on: Option<String>,
    /// The work order; `None` until filed.
    pub order_id: Option<i64>,
    pub created_at: i64,
}

impl DecisionRow {
    pub fn due_day(&self) -> Result<Option<NaiveDate>> {
        self.due_on.as_deref().map(super::stored_day).transpose()
    }
}

const MEETING_SELECT: &str = "SELECT m.id, m.code, m.name, m.level, m.region_id, g.name AS region_name,
        m.region_path, o.code AS convener_code, o.name AS convener_name, m.parent_id,
        pm.name AS parent_name,
        (SELECT COUNT(*) FROM party_meeting_members x WHERE x.meeting_id = m.id) AS members,
        (SELECT COUNT(*) FROM party_meeting_sessions s WHERE s.meeting_id = m.id) AS sessions,
        (SELECT MAX(s.held_on) FROM party_meeting_sessions s WHERE s.meeting_id = m.id) AS last_held,
        m.created_at
 FROM party_meetings m
 JOIN regions g ON g.id = m.region_id
 LEFT JOIN party_orgs o ON o.id = m.convener_org_id
 LEFT JOIN party_meetings pm ON pm.id = m.parent_id";

const DECISION_SELECT: &str =
    "SELECT id, session_id, meeting_id, seq, title, detail, category, place_id,
        due_on, order_id, created_at FROM party_meeting_decisions";

fn invalid(code: Code, field: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(InvalidValue::new(code, message).at(field))
}

/// Writes one decision inside the transaction `tx` (either engine's).
macro_rules! insert_decision {
    ($tx:expr, $session:expr, $meeting:expr, $seq:expr, $d:expr, $now:expr) => {{
        let d: &NewDecision = $d;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO party_meeting_decisions (session_id, meeting_id, seq, title, detail, category, place_id, due_on, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind($session)
        .bind($meeting)
        .bind($seq)
        .bind(d.title.trim())
        .bind(d.detail.trim())
        .bind(d.category.trim())
        .bind(d.place_id)
        .bind(d.due_on.map(|d| d.to_string()))
        .bind($now)
        .fetch_one(&mut *$tx)
        .await?;
        id
    }};
}

impl Store {
    /// Creates a joint meeting; its level follows the region it serves,
    /// and an upper meeting, if named, must be one level up and contain
    /// that region.
    pub async fn create_meeting(&self, m: &NewMeeting, by: &str, now: i64) -> Result<i64> {
        let region: Option<(String, String)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT path, kind FROM regions WHERE id = $1")
                .bind(m.region_id)
                .fetch_optional(pool)
                .await?
        });
        let (path, kind) = region.ok_or(StoreError::NotFound("region"))?;
        let kind = RegionKind::parse(&kind).map_err(StoreError::Invalid)?;
        let level = MeetingLevel::of_region(kind).map_err(StoreError::Invalid)?;
        if let Some(parent) = m.parent_id {
            let upper = self
                .meeting(parent)
                .await?
                .ok_or(StoreError::NotFound("party meeting"))?;
            let upper_level = MeetingLevel::parse(&upper.level)
                .ok_or_else(|| StoreError::Corrupt(format!("meeting level {:?}", upper.level)))?;
            check_parent(level, &path, upper_level, &upper.region_path)
                .map_err(StoreError::Invalid)?;
        }
        if let Some(org) = m.convener_org_id {
            self.require_live_org(org).await?;
        }
        let (code, name) = (m.code.trim(), m.name.trim());
        if code.is_empty() || name.is_empty() {
            return Err(invalid(
                Code::Required,
                if code.is_empty() { "code" } else { "name" },
                "a meeting needs a code and a name",
            ));
        }
        Ok(on_db!(self, write, |pool| {
            sqlx::query_scalar(
                "INSERT INTO party_meetings (code, name, level, region_id, region_path, convener_org_id, parent_id, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(code)
            .bind(name)
            .bind(level.as_str())
            .bind(m.region_id)
            .bind(&path)
            .bind(m.convener_org_id)
            .bind(m.parent_id)
            .bind(by)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(crate::db::conflict_on("code", code))?
        }))
    }

    /// Refuses an organisation that does not exist or was dissolved.
    async fn require_live_org(&self, id: i64) -> Result<()> {
        let known: Option<i64> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT id FROM party_orgs WHERE id = $1 AND dissolved_at IS NULL")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        known.map(|_| ()).ok_or(StoreError::NotFound("party org"))
    }

    /// The meetings serving a region inside `scope`, upper levels first.
    pub async fn meetings_in(&self, scope: &Scope) -> Result<Vec<MeetingRow>> {
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "{MEETING_SELECT} WHERE m.region_path >= $1 AND m.region_path < $2 ORDER BY m.region_path, m.code"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(lo)
                .bind(hi)
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn meeting(&self, id: i64) -> Result<Option<MeetingRow>> {
        let sql = format!("{MEETING_SELECT} WHERE m.id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The meetings organisation `org_id` convenes or sits on.
    pub async fn meetings_of_org(&self, org_id: i64) -> Result<Vec<MeetingRow>> {
        let sql = format!(
            "{MEETING_SELECT} WHERE m.convener_org_id = $1
                OR m.id IN (SELECT meeting_id FROM party_meeting_members WHERE org_id = $1)
             ORDER BY m.region_path, m.code"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(org_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Seats `member` on meeting `meeting_id`; the same organisation or
    /// unit twice is refused.
    pub async fn add_meeting_member(
        &self,
        meeting_id: i64,
        member: &MeetingMember,
        representative: &str,
        now: i64,
    ) -> Result<i64> {
        self.meeting(meeting_id)
            .await?
            .ok_or(StoreError::NotFound("party meeting"))?;
        let (key, org_id, unit, place_id) = match member {
            MeetingMember::Org(id) => {
                self.require_live_org(*id).await?;
                (format!("org:{id}"), Some(*id), String::new(), None)
            }
            MeetingMember::Unit { name, place_id } => {
                let name = name.trim();
                if name.is_empty() {
                    return Err(invalid(
                        Code::PartyMeetingMember,
                        "unit_name",
                        "name the organisation or the resident unit",
                    ));
                }
                if let Some(p) = place_id {
                    self.place_in(&Scope::everything(), *p)
                        .await?
                        .ok_or(StoreError::NotFound("place"))?;
                }
                (format!("unit:{name}"), None, name.to_owned(), *place_id)
            }
        };
        Ok(on_db!(self, write, |pool| {
            sqlx::query_scalar(
                "INSERT INTO party_meeting_members (meeting_id, member_key, org_id, unit_name, place_id, representative, added_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(meeting_id)
            .bind(&key)
            .bind(org_id)
            .bind(&unit)
            .bind(place_id)
            .bind(representative.trim())
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(crate::db::conflict_on("party meeting member", &key))?
        }))
    }

    /// The members of meeting `meeting_id`, organisations first.
    pub async fn meeting_members(&self, meeting_id: i64) -> Result<Vec<MeetingMemberRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT x.id, o.code AS org_code, COALESCE(o.name, x.unit_name) AS name, x.place_id,
                        x.representative
                 FROM party_meeting_members x LEFT JOIN party_orgs o ON o.id = x.org_id
                 WHERE x.meeting_id = $1
                 ORDER BY x.org_id IS NULL, x.id",
            )
            .bind(meeting_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Records a session of meeting `meeting_id` with its decisions, in one
    /// transaction: the session and every decision, or nothing. Refused,
    /// naming the field, for a day after `today`, no agenda, someone
    /// present who is not a member, or a decision without a title or due
    /// before the session. Returns the session's id and the decisions'.
    pub async fn record_session(
        &self,
        meeting_id: i64,
        s: &NewSession,
        by: &str,
        today: NaiveDate,
        now: i64,
    ) -> Result<(i64, Vec<i64>)> {
        check_session(s.held_on, today, &s.agenda).map_err(StoreError::Invalid)?;
        for d in &s.decisions {
            check_decision(&d.title, d.due_on, s.held_on).map_err(StoreError::Invalid)?;
        }
        self.meeting(meeting_id)
            .await?
            .ok_or(StoreError::NotFound("party meeting"))?;
        let members: Vec<i64> = self
            .meeting_members(meeting_id)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        if let Some(stranger) = s.attended.iter().find(|a| !members.contains(a)) {
            return Err(invalid(
                Code::PartyMeetingMember,
                "attended",
                format!("member {stranger} does not sit on this meeting"),
            ));
        }
        let mut attended = s.attended.clone();
        attended.sort_unstable();
        attended.dedup();
        let attended =
            serde_json::to_string(&attended).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let session: i64 = sqlx::query_scalar(
                "INSERT INTO party_meeting_sessions (meeting_id, held_on, venue, agenda, minutes, attended, attendees, recorded_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(meeting_id)
            .bind(s.held_on.to_string())
            .bind(s.venue.trim())
            .bind(s.agenda.trim())
            .bind(s.minutes.trim())
            .bind(&attended)
            .bind(i64::from(s.attendees))
            .bind(by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let mut ids = Vec::with_capacity(s.decisions.len());
            for (seq, d) in s.decisions.iter().enumerate() {
                ids.push(insert_decision!(
                    tx,
                    session,
                    meeting_id,
                    seq as i64 + 1,
                    d,
                    now
                ));
            }
            tx.commit().await?;
            Ok::<_, StoreError>((session, ids))
        })
    }

    /// Adds a decision to session `session_id` after it was recorded (a
    /// matter settled in the minutes' review), numbered after the others.
    pub async fn add_decision(&self, session_id: i64, d: &NewDecision, now: i64) -> Result<i64> {
        let session = self
            .session(session_id)
            .await?
            .ok_or(StoreError::NotFound("party session"))?;
        check_decision(&d.title, d.due_on, super::stored_day(&session.held_on)?)
            .map_err(StoreError::Invalid)?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let seq: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM party_meeting_decisions WHERE session_id = $1",
            )
            .bind(session_id)
            .fetch_one(&mut *tx)
            .await?;
            let id = insert_decision!(tx, session_id, session.meeting_id, seq, d, now);
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        })
    }

    pub async fn session(&self, id: i64) -> Result<Option<SessionRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, meeting_id, held_on, venue, agenda, minutes, attended, attendees, recorded_by, created_at
                 FROM party_meeting_sessions WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The sessions of meeting `meeting_id`, the latest first.
    pub async fn sessions_of(&self, meeting_id: i64) -> Result<Vec<SessionRow>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, meeting_id, held_on, venue, agenda, minutes, attended, attendees, recorded_by, created_at
                 FROM party_meeting_sessions WHERE meeting_id = $1 ORDER BY held_on DESC, id DESC",
            )
            .bind(meeting_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The decisions of meeting `meeting_id`, by session and number.
    pub async fn decisions_of(&self, meeting_id: i64) -> Result<Vec<DecisionRow>> {
        let sql = format!("{DECISION_SELECT} WHERE meeting_id = $1 ORDER BY session_id, seq");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(meeting_id)
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn decision(&self, id: i64) -> Result<Option<DecisionRow>> {
        let sql = format!("{DECISION_SELECT} WHERE id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The decision work order `order_id` was filed for, if any.
    pub async fn decision_of_order(&self, order_id: i64) -> Result<Option<DecisionRow>> {
        let sql = format!("{DECISION_SELECT} WHERE order_id = $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(order_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Decisions whose order was not filed yet (the filing failed or the
    /// process stopped between the two writes), oldest first.
    pub async fn unfiled_decisions(&self, limit: i64) -> Result<Vec<DecisionRow>> {
        let sql = format!("{DECISION_SELECT} WHERE order_id IS NULL ORDER BY id LIMIT $1");
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Links decision `id` to the order it became. A decision keeps its
    /// first order: linking again changes nothing and answers false.
    pub async fn link_decision_order(&self, id: i64, order_id: i64) -> Result<bool> {
        let done = on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE party_meeting_decisions SET order_id = $2 WHERE id = $1 AND order_id IS NULL",
            )
            .bind(id)
            .bind(order_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }
}
