//! Members and their memberships: a member belongs to one organisation
//! at a time, so joining while a membership is open is refused; and an
//! organisation is dissolved only once nobody and nothing remains in it.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use shequ_domain::party::{MemberStanding, OrgKind, Standing};
use shequ_domain::{Code, InvalidValue};

use super::orgs::{PartyOrg, kind_of, tree_of};
use crate::bulk::{Sql, over_json_list, pick, statement_chunks, values_sql};
use crate::db::{Db, on_db};
use crate::{Result, Scope, Store, StoreError};

/// What a new member needs besides the person and the organisation.
#[derive(Debug, Clone)]
pub struct NewPartyMember<'a> {
    pub standing: MemberStanding,
    /// In-service unit (工作单位): a resident unit's name or free text.
    pub unit: &'a str,
    /// 流动党员
    pub mobile: bool,
}

impl<'a> NewPartyMember<'a> {
    /// A full member since `joined_on` with no unit, not mobile.
    pub fn full(joined_on: NaiveDate) -> NewPartyMember<'a> {
        NewPartyMember {
            standing: MemberStanding {
                joined_on,
                standing: Standing::Full { converted_on: None },
            },
            unit: "",
            mobile: false,
        }
    }
}

/// One member to add with [`Store::add_party_members`]: registry person
/// `person_id` joins `org_code` on `from`.
#[derive(Debug, Clone)]
pub struct JoiningMember<'a> {
    pub person_id: i64,
    pub org_code: &'a str,
    pub member: NewPartyMember<'a>,
    pub from: NaiveDate,
}

/// What [`Store::add_party_members`] did with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// The person became a member of the organisation.
    Added,
    /// They were a member of it already; their standing, unit or mobile
    /// flag changed.
    Updated,
    /// They were a member of it already, exactly so.
    Unchanged,
}

/// One row's outcome: what was done, or the refusal with the field at
/// fault (`person` or `org`).
pub type JoinOutcome = std::result::Result<Joined, InvalidValue>;

const KNOWN_PEOPLE: Sql = over_json_list!("SELECT id FROM people WHERE id IN (", ids "$1", ")");

const OPEN_MEMBERSHIPS: Sql = over_json_list!(
    "SELECT m.person_id, o.code FROM party_memberships m JOIN party_orgs o ON o.id = m.org_id
     WHERE m.to_day IS NULL AND m.person_id IN (",
    ids "$1",
    ")"
);

/// The member record, as [`add_party_member`](Store::add_party_member)'s
/// upsert writes it (a member who left and joins again is updated).
macro_rules! member_conflict {
    () => {
        "ON CONFLICT (person_id) DO UPDATE SET joined_on = excluded.joined_on,
     probation_end = excluded.probation_end, converted_on = excluded.converted_on,
     unit = excluded.unit, mobile = excluded.mobile, updated_at = excluded.updated_at
     WHERE party_members.joined_on IS DISTINCT FROM excluded.joined_on
        OR party_members.probation_end IS DISTINCT FROM excluded.probation_end
        OR party_members.converted_on IS DISTINCT FROM excluded.converted_on
        OR party_members.unit IS DISTINCT FROM excluded.unit
        OR party_members.mobile IS DISTINCT FROM excluded.mobile
     RETURNING person_id"
    };
}

const MEMBERS_PG: &str = concat!(
    "INSERT INTO party_members (person_id, joined_on, probation_end, converted_on, unit, mobile, created_at, updated_at)
     SELECT x.p, x.j, x.pe, x.c, x.u, x.m, $2, $2
     FROM jsonb_to_recordset($1::jsonb) AS x(p bigint, j text, pe text, c text, u text, m boolean) ",
    member_conflict!()
);

const MEMBERSHIPS_PG: &str = "INSERT INTO party_memberships (person_id, org_id, from_day)
     SELECT x.p, x.o, x.f FROM jsonb_to_recordset($1::jsonb) AS x(p bigint, o bigint, f text, n boolean)
     WHERE x.n";

/// One accepted row, ready to write.
#[derive(serde::Serialize)]
struct MemberWrite<'a> {
    p: i64,
    o: i64,
    j: String,
    pe: Option<String>,
    c: Option<String>,
    u: &'a str,
    m: bool,
    f: String,
    /// Whether a membership starts (else the person is a member of the
    /// organisation already and only their record may change).
    n: bool,
}

/// A member as listed: who, where, and their standing.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PartyMemberRow {
    pub person_id: i64,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub region_path: String,
    pub org_code: String,
    pub org_name: String,
    pub joined_on: String,
    pub probation_end: Option<String>,
    pub converted_on: Option<String>,
    pub unit: String,
    pub mobile: bool,
}

impl PartyMemberRow {
    /// The member's standing, read back through the domain's checks.
    pub fn standing(&self) -> Result<MemberStanding> {
        let day = super::stored_day;
        let standing = match &self.probation_end {
            Some(end) => Standing::Probationary {
                probation_end: day(end)?,
            },
            None => Standing::Full {
                converted_on: self.converted_on.as_deref().map(day).transpose()?,
            },
        };
        Ok(MemberStanding {
            joined_on: day(&self.joined_on)?,
            standing,
        })
    }
}

/// One stay of a member in an organisation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PartyStay {
    pub org_code: String,
    pub org_name: String,
    pub from_day: String,
    pub to_day: Option<String>,
}

/// Writes a member's record (standing, unit, mobile), new or updated, in
/// the caller's transaction.
macro_rules! upsert_member {
    ($tx:expr, $person_id:expr, $member:expr, $now:expr) => {{
        use shequ_domain::party::Standing;
        let member: &$crate::party::NewPartyMember<'_> = $member;
        let (probation_end, converted_on) = match member.standing.standing {
            Standing::Probationary { probation_end } => (Some(probation_end.to_string()), None),
            Standing::Full { converted_on } => (None, converted_on.map(|d| d.to_string())),
        };
        sqlx::query(
            "INSERT INTO party_members (person_id, joined_on, probation_end, converted_on, unit, mobile, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (person_id) DO UPDATE SET joined_on = excluded.joined_on,
                 probation_end = excluded.probation_end, converted_on = excluded.converted_on,
                 unit = excluded.unit, mobile = excluded.mobile, updated_at = excluded.updated_at",
        )
        .bind($person_id)
        .bind(member.standing.joined_on.to_string())
        .bind(probation_end)
        .bind(converted_on)
        .bind(member.unit)
        .bind(member.mobile)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(super) use upsert_member;

pub(super) const MEMBER_COLUMNS: &str =
    "p.id AS person_id, p.name, p.gender, p.birth_date, p.region_path,
     o.code AS org_code, o.name AS org_name, pm.joined_on, pm.probation_end, pm.converted_on,
     pm.unit, pm.mobile";

pub(super) const MEMBER_FROM: &str = "party_memberships m
     JOIN party_members pm ON pm.person_id = m.person_id
     JOIN people p ON p.id = m.person_id
     JOIN party_orgs o ON o.id = m.org_id";

impl Store {
    /// Makes registry person `person_id` a member of `org_code` from
    /// `from`, with `standing`. Refused when the person is unknown (never
    /// created silently), the organisation holds no members of its own,
    /// or the person is a member already (transfer them instead).
    pub async fn add_party_member(
        &self,
        person_id: i64,
        org_code: &str,
        member: &NewPartyMember<'_>,
        from: NaiveDate,
        now: i64,
    ) -> Result<()> {
        let org = self
            .party_org(org_code)
            .await?
            .ok_or(StoreError::NotFound("party org"))?;
        if !kind_of(&org)?.holds_members() {
            return Err(StoreError::Invalid(
                InvalidValue::new(
                    Code::PartyParentKind,
                    format!("a {} holds members only through its branches", org.kind),
                )
                .at("org"),
            ));
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE id = $1")
                .bind(person_id)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Err(StoreError::NotFound("person"));
            }
            let open: Option<String> = sqlx::query_scalar(
                "SELECT o.code FROM party_memberships m JOIN party_orgs o ON o.id = m.org_id
                 WHERE m.person_id = $1 AND m.to_day IS NULL",
            )
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(current) = open {
                return Err(StoreError::Invalid(
                    InvalidValue::new(
                        Code::PartyMembershipOverlap,
                        format!(
                            "the person is a member of {current} already; transfer them instead"
                        ),
                    )
                    .at("person"),
                ));
            }
            upsert_member!(tx, person_id, member, now);
            sqlx::query(
                "INSERT INTO party_memberships (person_id, org_id, from_day) VALUES ($1, $2, $3)",
            )
            .bind(person_id)
            .bind(org.id)
            .bind(from.to_string())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Adds many members at once, as [`Store::add_party_member`] adds one
    /// and refusing the same rows for the same reasons, each on its own
    /// row: an unknown person or organisation, an organisation that holds
    /// no members of its own, a person who is a member already (here, or
    /// on an earlier row of `rows`). The accepted rows are written in one
    /// transaction, in multi-row statements on SQLite and one statement
    /// per table on PostgreSQL. Returns one outcome per row, in order.
    pub async fn add_party_members(
        &self,
        rows: &[JoiningMember<'_>],
        now: i64,
    ) -> Result<Vec<JoinOutcome>> {
        let mut out: Vec<JoinOutcome> = vec![Ok(Joined::Added); rows.len()];
        if rows.is_empty() {
            return Ok(out);
        }
        let mut orgs = HashMap::new();
        for o in self.party_orgs().await? {
            orgs.insert(o.code.clone(), (o.id, kind_of(&o)?));
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.person_id).collect();
        let ids_json =
            serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let known_sql = pick(&self.db, &KNOWN_PEOPLE);
        let open_sql = pick(&self.db, &OPEN_MEMBERSHIPS);
        // Read and written in one writing transaction, so a member added
        // meanwhile by someone else cannot slip past the check.
        macro_rules! read_checks {
            ($tx:expr) => {{
                let known: Vec<i64> = sqlx::query_scalar(known_sql)
                    .bind(&ids_json)
                    .fetch_all(&mut *$tx)
                    .await?;
                let open: Vec<(i64, String)> = sqlx::query_as(open_sql)
                    .bind(&ids_json)
                    .fetch_all(&mut *$tx)
                    .await?;
                (known.into_iter().collect(), open.into_iter().collect())
            }};
        }
        match &self.db {
            Db::Sqlite(pools) => {
                let mut tx = pools.write.begin().await?;
                let (known, open) = read_checks!(tx);
                let writes = decide(rows, &orgs, &known, open, &mut out);
                let changed = write_members_sqlite(&mut tx, &writes, now).await?;
                tx.commit().await?;
                settle(rows, &writes, &changed, &mut out);
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let (known, open) = read_checks!(tx);
                let writes = decide(rows, &orgs, &known, open, &mut out);
                let changed = write_members_postgres(&mut tx, &writes, now).await?;
                tx.commit().await?;
                settle(rows, &writes, &changed, &mut out);
            }
        }
        Ok(out)
    }

    /// The members of `org_code` on `day` (registry person ids, ascending).
    pub async fn party_members_on(&self, org_code: &str, day: NaiveDate) -> Result<Vec<i64>> {
        let day = day.to_string();
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT m.person_id FROM party_memberships m JOIN party_orgs o ON o.id = m.org_id
                 WHERE o.code = $1 AND m.from_day <= $2 AND (m.to_day IS NULL OR m.to_day > $2)
                 ORDER BY m.person_id",
            )
            .bind(org_code)
            .bind(&day)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The current members of the organisations with these ids, by name.
    pub async fn party_members_of(&self, org_ids: &[i64]) -> Result<Vec<PartyMemberRow>> {
        let ids = serde_json::to_string(org_ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let list = crate::bulk::pick(&self.db, &crate::bulk::over_json_list!("", ids "$1", ""));
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM {MEMBER_FROM}
             WHERE m.to_day IS NULL AND m.org_id IN ({list}) ORDER BY p.name, p.id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&ids)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Members whose name starts with `prefix`, in organisations serving
    /// a region inside `scope`, by name; at most `limit`.
    pub async fn search_party_members(
        &self,
        scope: &Scope,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<PartyMemberRow>> {
        let (lo, hi) = scope.bounds();
        let prefix = prefix.trim();
        let end = crate::prefix_end(prefix);
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM {MEMBER_FROM} JOIN regions g ON g.id = o.region_id
             WHERE m.to_day IS NULL AND g.path >= $1 AND g.path < $2
               AND p.name >= $3 AND p.name < $4
             ORDER BY p.name, p.id LIMIT $5"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(lo)
                .bind(hi)
                .bind(prefix)
                .bind(&end)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// A member with their current organisation, if they have one.
    pub async fn party_member(&self, person_id: i64) -> Result<Option<PartyMemberRow>> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM {MEMBER_FROM} WHERE m.person_id = $1 AND m.to_day IS NULL"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(person_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Where a member has been, oldest first ("where has this member
    /// been").
    pub async fn party_member_path(&self, person_id: i64) -> Result<Vec<PartyStay>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT o.code AS org_code, o.name AS org_name, m.from_day, m.to_day
                 FROM party_memberships m JOIN party_orgs o ON o.id = m.org_id
                 WHERE m.person_id = $1 ORDER BY m.from_day, m.id",
            )
            .bind(person_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// How many current members each organisation holds directly, by id.
    pub async fn party_member_counts(&self) -> Result<Vec<(i64, i64)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT org_id, COUNT(*) FROM party_memberships WHERE to_day IS NULL GROUP BY org_id",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Dissolves `code`, refused (saying how many remain) while members or
    /// organisations are still in it; the change is kept.
    pub async fn dissolve_party_org(&self, code: &str, actor: &str, now: i64) -> Result<()> {
        let orgs = self.party_orgs().await?;
        let tree = tree_of(&orgs)?;
        let before: PartyOrg = orgs
            .into_iter()
            .find(|o| o.code == code)
            .ok_or(StoreError::NotFound("party org"))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let members: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM party_memberships WHERE org_id = $1 AND to_day IS NULL",
            )
            .bind(before.id)
            .fetch_one(&mut *tx)
            .await?;
            tree.check_dissolve(code, members as usize)
                .map_err(StoreError::Invalid)?;
            let n = sqlx::query(
                "UPDATE party_orgs SET dissolved_at = $1, updated_at = $1 WHERE id = $2 AND dissolved_at IS NULL",
            )
            .bind(now)
            .bind(before.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("party org"));
            }
            // The places it covered fall back to their other covers.
            super::coverage::refresh_covers!(
                tx,
                "SELECT place_id FROM party_org_places WHERE org_id = $1",
                before.id
            );
            super::orgs::log_change!(
                tx,
                before.id,
                now,
                actor,
                "dissolve",
                Some(&before),
                &before
            );
            tx.commit().await?;
        });
        Ok(())
    }
}

/// SQLite: the member records, then the memberships, in multi-row
/// statements as large as its parameter limit allows.
async fn write_members_sqlite(
    conn: &mut sqlx::SqliteConnection,
    writes: &[MemberWrite<'_>],
    now: i64,
) -> Result<HashSet<i64>> {
    let mut changed = HashSet::new();
    const MEMBERS_HEAD: &str = "INSERT INTO party_members (person_id, joined_on, probation_end, converted_on, unit, mobile, created_at, updated_at) VALUES";
    for chunk in statement_chunks(writes, 8, usize::MAX) {
        let sql = values_sql(MEMBERS_HEAD, 8, chunk.len(), member_conflict!());
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
        for w in chunk {
            q = q
                .bind(w.p)
                .bind(&w.j)
                .bind(&w.pe)
                .bind(&w.c)
                .bind(w.u)
                .bind(w.m)
                .bind(now)
                .bind(now);
        }
        let ids: Vec<i64> = q.fetch_all(&mut *conn).await?;
        changed.extend(ids);
    }
    let joining: Vec<&MemberWrite<'_>> = writes.iter().filter(|w| w.n).collect();
    const MEMBERSHIPS_HEAD: &str =
        "INSERT INTO party_memberships (person_id, org_id, from_day) VALUES";
    for chunk in statement_chunks(&joining, 3, usize::MAX) {
        let sql = values_sql(MEMBERSHIPS_HEAD, 3, chunk.len(), "");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for w in chunk {
            q = q.bind(w.p).bind(w.o).bind(&w.f);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(changed)
}

/// PostgreSQL: each table's rows as one JSON array in one statement.
async fn write_members_postgres(
    conn: &mut sqlx::PgConnection,
    writes: &[MemberWrite<'_>],
    now: i64,
) -> Result<HashSet<i64>> {
    if writes.is_empty() {
        return Ok(HashSet::new());
    }
    let json = serde_json::to_string(writes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let changed: Vec<i64> = sqlx::query_scalar(MEMBERS_PG)
        .bind(&json)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
    sqlx::query(MEMBERSHIPS_PG)
        .bind(&json)
        .execute(&mut *conn)
        .await?;
    Ok(changed.into_iter().collect())
}

/// Marks each written row added, updated or unchanged.
fn settle(
    rows: &[JoiningMember<'_>],
    writes: &[MemberWrite<'_>],
    changed: &HashSet<i64>,
    out: &mut [JoinOutcome],
) {
    let joined: HashMap<i64, bool> = writes.iter().map(|w| (w.p, w.n)).collect();
    for (r, slot) in rows.iter().zip(out.iter_mut()) {
        if slot.is_err() {
            continue;
        }
        *slot = Ok(match joined.get(&r.person_id) {
            Some(true) => Joined::Added,
            _ if changed.contains(&r.person_id) => Joined::Updated,
            _ => Joined::Unchanged,
        });
    }
}

/// Which rows may be written, given the organisations, the people known
/// and the open memberships; refuses the others in `out`.
fn decide<'r>(
    rows: &'r [JoiningMember<'_>],
    orgs: &HashMap<String, (i64, OrgKind)>,
    known: &HashSet<i64>,
    open: HashMap<i64, String>,
    out: &mut [JoinOutcome],
) -> Vec<MemberWrite<'r>> {
    let mut writes = Vec::with_capacity(rows.len());
    let mut in_batch: HashMap<i64, &str> = HashMap::new();
    for (r, slot) in rows.iter().zip(out.iter_mut()) {
        let refuse = |code, message: String, field| Err(InvalidValue::new(code, message).at(field));
        let org = match orgs.get(r.org_code) {
            None => {
                *slot = refuse(
                    Code::PartyOrgNotFound,
                    format!("no organisation has the code {:?}", r.org_code),
                    "org",
                );
                continue;
            }
            Some((_, kind)) if !kind.holds_members() => {
                *slot = refuse(
                    Code::PartyParentKind,
                    format!(
                        "a {} holds members only through its branches",
                        kind.as_str()
                    ),
                    "org",
                );
                continue;
            }
            Some((id, _)) => *id,
        };
        if !known.contains(&r.person_id) {
            *slot = refuse(
                Code::PersonNotFound,
                format!("no person has the id {} in the registry", r.person_id),
                "person",
            );
            continue;
        }
        if let Some(earlier) = in_batch.insert(r.person_id, r.org_code) {
            *slot = refuse(
                Code::PartyMembershipOverlap,
                format!(
                    "the person joins {earlier} on an earlier row; a member belongs to one organisation at a time"
                ),
                "person",
            );
            continue;
        }
        let current = open.get(&r.person_id);
        if let Some(current) = current.filter(|c| c.as_str() != r.org_code) {
            *slot = refuse(
                Code::PartyMembershipOverlap,
                format!("the person is a member of {current} already; transfer them instead"),
                "person",
            );
            continue;
        }
        let (pe, c) = match r.member.standing.standing {
            Standing::Probationary { probation_end } => (Some(probation_end.to_string()), None),
            Standing::Full { converted_on } => (None, converted_on.map(|d| d.to_string())),
        };
        writes.push(MemberWrite {
            p: r.person_id,
            o: org,
            j: r.member.standing.joined_on.to_string(),
            pe,
            c,
            u: r.member.unit,
            m: r.member.mobile,
            f: r.from.to_string(),
            n: current.is_none(),
        });
    }
    writes
}
