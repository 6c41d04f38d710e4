//! Double registration (双报到): registrations with a neighbourhood or the
//! street, and the service records on them, with each registration's year
//! summed in one query for the neighbourhood's view.

use chrono::NaiveDate;
use shequ_domain::party::registration::{Hours, RecordSource, check_record_day};

use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError};

/// A registration with its service in one year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RegistrationRow {
    pub id: i64,
    pub person_id: Option<i64>,
    /// The member's name, or the unit organisation's.
    pub name: String,
    pub org_code: Option<String>,
    pub region_name: String,
    /// The path of the region registered with (whose users see it).
    pub region_path: String,
    pub posts: String,
    pub registered_on: String,
    /// Records in the year asked for.
    pub records: i64,
    /// Their hours, in tenths.
    pub hours_tenths: i64,
    /// The latest service of any year.
    pub last_served: Option<String>,
}

impl RegistrationRow {
    /// The day of registration and of the last service, read back.
    pub fn days(&self) -> Result<(NaiveDate, Option<NaiveDate>)> {
        Ok((
            super::stored_day(&self.registered_on)?,
            self.last_served
                .as_deref()
                .map(super::stored_day)
                .transpose()?,
        ))
    }
}

/// One service on a registration.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ServiceRecordRow {
    pub id: i64,
    pub day: String,
    /// Hours in tenths.
    pub hours_tenths: i64,
    pub what: String,
    /// `registration` or `volunteering`.
    pub source: String,
    pub confirmed_by: String,
}

impl Store {
    /// Registers member `person_id` (or, with `org_id`, a unit
    /// organisation) with the region `region_id`, taking `posts`. A member
    /// or a unit organisation registers once; again is refused as taken.
    pub async fn register_for_service(
        &self,
        person_id: Option<i64>,
        org_id: Option<i64>,
        region_id: i64,
        posts: &str,
        on: NaiveDate,
        now: i64,
    ) -> Result<i64> {
        let path: Option<String> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT path FROM regions WHERE id = $1")
                .bind(region_id)
                .fetch_optional(pool)
                .await?
        });
        let path = path.ok_or(StoreError::NotFound("region"))?;
        let id = on_db!(self, write, |pool| {
            sqlx::query_scalar(
                "INSERT INTO party_registrations (person_id, org_id, region_id, region_path, posts, registered_on, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(person_id)
            .bind(org_id)
            .bind(region_id)
            .bind(&path)
            .bind(posts.trim())
            .bind(on.to_string())
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(crate::db::conflict_on(
                "registration",
                if person_id.is_some() {
                    "the member"
                } else {
                    "the unit organisation"
                },
            ))?
        });
        Ok(id)
    }

    /// Records a service on registration `id`, confirmed by `confirmed_by`
    /// (the neighbourhood's user). Refused when dated after `today` or
    /// before the registration.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_service(
        &self,
        id: i64,
        day: NaiveDate,
        hours: Hours,
        what: &str,
        source: RecordSource,
        confirmed_by: &str,
        today: NaiveDate,
        now: i64,
    ) -> Result<i64> {
        let registered: Option<String> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT registered_on FROM party_registrations WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        let registered = registered.ok_or(StoreError::NotFound("party registration"))?;
        let registered = super::stored_day(&registered)?;
        check_record_day(day, registered, today).map_err(StoreError::Invalid)?;
        Ok(on_db!(self, write, |pool| {
            sqlx::query_scalar(
                "INSERT INTO party_service_records (registration_id, day, hours_tenths, what, source, confirmed_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(id)
            .bind(day.to_string())
            .bind(i64::from(hours.tenths()))
            .bind(what.trim())
            .bind(source.as_str())
            .bind(confirmed_by)
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    /// The registrations with a region inside `scope`, with their service
    /// in `year`, by name.
    pub async fn registrations_in(&self, scope: &Scope, year: i32) -> Result<Vec<RegistrationRow>> {
        let (lo, hi) = scope.bounds();
        let (from, to) = (
            format!("{year:04}-01-01"),
            format!("{:04}-01-01", year.saturating_add(1)),
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT r.id, r.person_id, COALESCE(p.name, o.name) AS name, o.code AS org_code,
                        g.name AS region_name, r.region_path, r.posts, r.registered_on,
                        (SELECT COUNT(*) FROM party_service_records s
                          WHERE s.registration_id = r.id AND s.day >= $3 AND s.day < $4) AS records,
                        (SELECT CAST(COALESCE(SUM(s.hours_tenths), 0) AS BIGINT) FROM party_service_records s
                          WHERE s.registration_id = r.id AND s.day >= $3 AND s.day < $4) AS hours_tenths,
                        (SELECT MAX(s.day) FROM party_service_records s WHERE s.registration_id = r.id) AS last_served
                 FROM party_registrations r
                 JOIN regions g ON g.id = r.region_id
                 LEFT JOIN people p ON p.id = r.person_id
                 LEFT JOIN party_orgs o ON o.id = r.org_id
                 WHERE r.region_path >= $1 AND r.region_path < $2
                 ORDER BY name, r.id",
            )
            .bind(lo)
            .bind(hi)
            .bind(&from)
            .bind(&to)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Registration `id` in `scope`, with its service in `year`; `None`
    /// when there is none there.
    pub async fn registration_in(
        &self,
        scope: &Scope,
        id: i64,
        year: i32,
    ) -> Result<Option<RegistrationRow>> {
        Ok(self
            .registrations_in(scope, year)
            .await?
            .into_iter()
            .find(|r| r.id == id))
    }

    /// The double registration of member `person_id`, if they made one.
    pub async fn registration_of_person(&self, person_id: i64) -> Result<Option<i64>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT id FROM party_registrations WHERE person_id = $1")
                .bind(person_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The services recorded on registration `id` in `year`, by day.
    pub async fn service_records(&self, id: i64, year: i32) -> Result<Vec<ServiceRecordRow>> {
        let (from, to) = (
            format!("{year:04}-01-01"),
            format!("{:04}-01-01", year.saturating_add(1)),
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, day, hours_tenths, what, source, confirmed_by FROM party_service_records
                 WHERE registration_id = $1 AND day >= $2 AND day < $3 ORDER BY day, id",
            )
            .bind(id)
            .bind(&from)
            .bind(&to)
            .fetch_all(pool)
            .await?
        }))
    }
}
