//! Committees: seats with their terms, checked by the domain
//! (`shequ_domain::party::Committee`) together with the seats already held
//! before one is added.

use shequ_domain::party::{Committee, Seat, SeatRole};

use crate::db::on_db;
use crate::{Result, Store, StoreError};

/// A seat as listed, with the holder's name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SeatRow {
    pub id: i64,
    pub org_id: i64,
    pub person_id: i64,
    pub name: String,
    pub role: String,
    pub term_start: String,
    pub term_end: String,
}

impl SeatRow {
    pub fn seat(&self) -> Result<Seat> {
        let day = super::stored_day;
        Ok(Seat {
            person: self.person_id,
            role: SeatRole::parse(&self.role).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            term_start: day(&self.term_start)?,
            term_end: day(&self.term_end)?,
        })
    }
}

/// The committee of each organisation's seats, checked.
pub fn committee_of(seats: &[SeatRow]) -> Result<Committee> {
    let seats = seats
        .iter()
        .map(SeatRow::seat)
        .collect::<Result<Vec<_>>>()?;
    Committee::new(seats).map_err(|e| StoreError::Corrupt(format!("stored committee: {e}")))
}

impl Store {
    /// The seats of the organisations with these ids (all terms), by
    /// organisation, then role, then term.
    pub async fn committee_seats(&self, org_ids: &[i64]) -> Result<Vec<SeatRow>> {
        let ids = serde_json::to_string(org_ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let list = crate::bulk::pick(&self.db, &crate::bulk::over_json_list!("", ids "$1", ""));
        let sql = format!(
            "SELECT s.id, s.org_id, s.person_id, p.name, s.role, s.term_start, s.term_end
             FROM party_committee_seats s JOIN people p ON p.id = s.person_id
             WHERE s.org_id IN ({list})
             ORDER BY s.org_id, s.term_start DESC,
                 CASE s.role WHEN 'secretary' THEN 0 WHEN 'deputy_secretary' THEN 1 ELSE 2 END, s.id"
        );
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&ids)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Seats `seat` on the committee of `org_code`. Refused, with the
    /// domain's reason, when it would make two secretaries at once, give
    /// someone two seats at once, or end a term before it starts. The
    /// committee is read and checked inside the writing transaction.
    /// Seats a newly elected committee on `org_code` in one transaction:
    /// every seat still in term on the new term's first day (the earliest
    /// of `seats`) ends that day, so the old committee makes way for the
    /// new one instead of two secretaries overlapping; seats that would
    /// only begin later are left for the domain to refuse. The whole
    /// committee, old terms as cut and new seats, is checked before
    /// anything is stored.
    pub async fn seat_new_committee(&self, org_code: &str, seats: &[Seat]) -> Result<()> {
        let Some(start) = seats.iter().map(|s| s.term_start).min() else {
            return Ok(());
        };
        let org = self
            .party_org(org_code)
            .await?
            .ok_or(StoreError::NotFound("party org"))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for seat in seats {
                let known: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE id = $1")
                    .bind(seat.person)
                    .fetch_optional(&mut *tx)
                    .await?;
                if known.is_none() {
                    return Err(StoreError::NotFound("person"));
                }
            }
            sqlx::query(
                "UPDATE party_committee_seats SET term_end = $2
                 WHERE org_id = $1 AND term_start < $2 AND term_end > $2",
            )
            .bind(org.id)
            .bind(start.to_string())
            .execute(&mut *tx)
            .await?;
            let held: Vec<SeatRow> = sqlx::query_as(
                "SELECT s.id, s.org_id, s.person_id, p.name, s.role, s.term_start, s.term_end
                 FROM party_committee_seats s JOIN people p ON p.id = s.person_id WHERE s.org_id = $1",
            )
            .bind(org.id)
            .fetch_all(&mut *tx)
            .await?;
            let mut all = held.iter().map(SeatRow::seat).collect::<Result<Vec<_>>>()?;
            all.extend_from_slice(seats);
            Committee::new(all).map_err(StoreError::Invalid)?;
            for seat in seats {
                sqlx::query(
                    "INSERT INTO party_committee_seats (org_id, person_id, role, term_start, term_end)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(org.id)
                .bind(seat.person)
                .bind(seat.role.as_str())
                .bind(seat.term_start.to_string())
                .bind(seat.term_end.to_string())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    pub async fn add_committee_seat(&self, org_code: &str, seat: &Seat) -> Result<i64> {
        let org = self
            .party_org(org_code)
            .await?
            .ok_or(StoreError::NotFound("party org"))?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE id = $1")
                .bind(seat.person)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Err(StoreError::NotFound("person"));
            }
            let held: Vec<SeatRow> = sqlx::query_as(
                "SELECT s.id, s.org_id, s.person_id, p.name, s.role, s.term_start, s.term_end
                 FROM party_committee_seats s JOIN people p ON p.id = s.person_id WHERE s.org_id = $1",
            )
            .bind(org.id)
            .fetch_all(&mut *tx)
            .await?;
            let mut seats = held.iter().map(SeatRow::seat).collect::<Result<Vec<_>>>()?;
            seats.push(*seat);
            Committee::new(seats).map_err(StoreError::Invalid)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO party_committee_seats (org_id, person_id, role, term_start, term_end)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(org.id)
            .bind(seat.person)
            .bind(seat.role.as_str())
            .bind(seat.term_start.to_string())
            .bind(seat.term_end.to_string())
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })
    }
}
