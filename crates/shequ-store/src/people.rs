//! Households and residents: bulk upserts by natural key, and scoped reads.
//! Identity numbers and phones come back as [`Sensitive`] values, masked
//! unless a caller deliberately reveals them.

use std::collections::HashMap;

use serde::Serialize;
use shequ_domain::Sensitive;

use crate::bulk::over_json_list;
use crate::bulk::{BulkUpsert, KeyLookup, Sql};
use crate::db::on_db;
use crate::{Page, Paging, Result, Scope, Store, UpsertCounts, prefix_end};

/// A household to create or update, keyed by its code, with its building
/// resolved.
#[derive(Debug, Clone, Serialize)]
pub struct NewHousehold {
    pub code: String,
    pub building_id: i64,
    pub region_id: i64,
    pub region_path: String,
    pub room: String,
}

/// A resident to create or update, keyed by identity number.
#[derive(Debug, Clone, Serialize)]
pub struct NewPerson {
    pub identity_number: String,
    pub name: String,
    pub gender: &'static str,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub phone: Option<String>,
    pub residency: &'static str,
    /// Sorted tag codes joined with `,`.
    pub care_tags: String,
    pub household_id: Option<i64>,
    pub region_id: i64,
    pub region_path: String,
}

/// A resident as listed: personal numbers masked unless revealed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Person {
    pub id: i64,
    #[sqlx(try_from = "String")]
    #[schema(value_type = String, example = "310***********1234")]
    pub identity_number: Sensitive,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    #[sqlx(try_from = "String")]
    #[schema(value_type = String, example = "138****1234")]
    pub phone: Sensitive,
    pub residency: String,
    pub care_tags: String,
    pub household_id: Option<i64>,
    pub region_id: i64,
    pub region_path: String,
    pub region_name: String,
    pub room: String,
    pub address: String,
    pub building_id: Option<i64>,
}

impl Person {
    /// The care tags as a list.
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.care_tags.split(',').filter(|t| !t.is_empty())
    }
}

/// A household with its building and members.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Household {
    pub id: i64,
    pub code: String,
    pub room: String,
    pub building_id: i64,
    pub building_name: String,
    pub address: String,
    pub region_id: i64,
    pub region_path: String,
    pub region_name: String,
    pub members: Vec<Person>,
}

#[derive(sqlx::FromRow)]
struct HouseholdRow {
    id: i64,
    code: String,
    room: String,
    building_id: i64,
    building_name: String,
    address: String,
    region_id: i64,
    region_path: String,
    region_name: String,
}

/// Filters for the people search.
#[derive(Debug, Clone, Default)]
pub struct PeopleQuery {
    /// Names starting with this text.
    pub name_prefix: Option<String>,
    /// People carrying this care tag.
    pub tag: Option<String>,
    /// People living in this household.
    pub household_id: Option<i64>,
}

const HOUSEHOLD_LOOKUP: KeyLookup = KeyLookup(over_json_list!(
    "SELECT code, id FROM households WHERE code IN (",
    text "$1",
    ")"
));

macro_rules! household_conflict {
    () => {
        "ON CONFLICT (code) DO UPDATE SET building_id = excluded.building_id,
            region_id = excluded.region_id, region_path = excluded.region_path,
            room = excluded.room, updated_at = excluded.updated_at
        WHERE households.building_id IS DISTINCT FROM excluded.building_id
           OR households.room IS DISTINCT FROM excluded.room
        RETURNING code, id"
    };
}

const HOUSEHOLD_UPSERT: BulkUpsert<NewHousehold> = BulkUpsert {
    sqlite_head: "INSERT INTO households (code, building_id, region_id, region_path, room, created_at, updated_at) VALUES",
    sqlite_columns: 5,
    sqlite_bind: |q, h| {
        q.bind(h.code.as_str())
            .bind(h.building_id)
            .bind(h.region_id)
            .bind(h.region_path.as_str())
            .bind(h.room.as_str())
    },
    conflict: household_conflict!(),
    postgres: concat!(
        "INSERT INTO households (code, building_id, region_id, region_path, room, created_at, updated_at)
        SELECT x.code, x.building_id, x.region_id, x.region_path, x.room, $2, $2
        FROM jsonb_to_recordset($1::jsonb) AS x(code text, building_id bigint, region_id bigint,
             region_path text, room text) ",
        household_conflict!()
    ),
};

const PERSON_LOOKUP: KeyLookup = KeyLookup(over_json_list!(
    "SELECT identity_number, id FROM people WHERE identity_number IN (",
    text "$1",
    ")"
));

macro_rules! person_conflict {
    () => {
        "ON CONFLICT (identity_number) DO UPDATE SET name = excluded.name, gender = excluded.gender,
            birth_date = excluded.birth_date, phone = excluded.phone, residency = excluded.residency,
            care_tags = excluded.care_tags, household_id = excluded.household_id,
            region_id = excluded.region_id, region_path = excluded.region_path,
            updated_at = excluded.updated_at
        WHERE people.name IS DISTINCT FROM excluded.name OR people.gender IS DISTINCT FROM excluded.gender
           OR people.birth_date IS DISTINCT FROM excluded.birth_date
           OR people.phone IS DISTINCT FROM excluded.phone
           OR people.residency IS DISTINCT FROM excluded.residency
           OR people.care_tags IS DISTINCT FROM excluded.care_tags
           OR people.household_id IS DISTINCT FROM excluded.household_id
           OR people.region_id IS DISTINCT FROM excluded.region_id
        RETURNING identity_number, id"
    };
}

const PERSON_UPSERT: BulkUpsert<NewPerson> = BulkUpsert {
    sqlite_head: "INSERT INTO people (identity_number, name, gender, birth_date, phone, residency,
        care_tags, household_id, region_id, region_path, created_at, updated_at) VALUES",
    sqlite_columns: 10,
    sqlite_bind: |q, p| {
        q.bind(p.identity_number.as_str())
            .bind(p.name.as_str())
            .bind(p.gender)
            .bind(p.birth_date.as_str())
            .bind(p.phone.as_deref())
            .bind(p.residency)
            .bind(p.care_tags.as_str())
            .bind(p.household_id)
            .bind(p.region_id)
            .bind(p.region_path.as_str())
    },
    conflict: person_conflict!(),
    postgres: concat!(
        "INSERT INTO people (identity_number, name, gender, birth_date, phone, residency, care_tags,
                             household_id, region_id, region_path, created_at, updated_at)
        SELECT x.identity_number, x.name, x.gender, x.birth_date, x.phone, x.residency, x.care_tags,
               x.household_id, x.region_id, x.region_path, $2, $2
        FROM jsonb_to_recordset($1::jsonb) AS x(identity_number text, name text, gender text,
             birth_date text, phone text, residency text, care_tags text, household_id bigint,
             region_id bigint, region_path text) ",
        person_conflict!()
    ),
};

const TAGS_CLEAR: Sql = over_json_list!(
    "DELETE FROM person_tags WHERE person_id IN (",
    ids "$1",
    ")"
);

const TAGS_INSERT: Sql = Sql {
    sqlite: "INSERT INTO person_tags (person_id, tag)
             SELECT j.value ->> 'p', j.value ->> 't' FROM json_each($1) AS j",
    postgres: "INSERT INTO person_tags (person_id, tag)
               SELECT x.p, x.t FROM jsonb_to_recordset($1::jsonb) AS x(p bigint, t text)",
};

macro_rules! person_select {
    () => {
        "SELECT p.id, p.identity_number, p.name, p.gender, p.birth_date, COALESCE(p.phone, '') AS phone,
                p.residency, p.care_tags, p.household_id, p.region_id, p.region_path,
                r.name AS region_name, COALESCE(h.room, '') AS room, COALESCE(b.address, '') AS address,
                h.building_id
         FROM people p
         JOIN regions r ON r.id = p.region_id
         LEFT JOIN households h ON h.id = p.household_id
         LEFT JOIN places b ON b.id = h.building_id "
    };
}

macro_rules! people_filter {
    () => {
        "WHERE p.region_path >= $1 AND p.region_path < $2
           AND ($3 IS NULL OR (p.name >= $3 AND p.name < $4))
           AND ($5 IS NULL OR EXISTS (SELECT 1 FROM person_tags t WHERE t.person_id = p.id AND t.tag = $5))
           AND ($6 IS NULL OR p.household_id = $6) "
    };
}

impl Store {
    /// Creates or updates households by code; returns the counts and the id
    /// of every household in the batch.
    pub async fn upsert_households(
        &self,
        rows: &[NewHousehold],
    ) -> Result<(UpsertCounts, HashMap<String, i64>)> {
        if rows.is_empty() {
            return Ok((UpsertCounts::default(), HashMap::new()));
        }
        let keys: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        self.upsert_batch(
            &HOUSEHOLD_LOOKUP,
            &HOUSEHOLD_UPSERT,
            rows,
            &keys,
            crate::now_ms(),
            |_| Vec::new(),
        )
        .await
    }

    /// Creates or updates residents by identity number, keeping the tag
    /// index in step in the same transaction. Identity numbers must be
    /// unique within the batch.
    pub async fn upsert_people(&self, rows: &[NewPerson]) -> Result<UpsertCounts> {
        if rows.is_empty() {
            return Ok(UpsertCounts::default());
        }
        let keys: Vec<&str> = rows.iter().map(|r| r.identity_number.as_str()).collect();
        let tags_by_key: HashMap<&str, &str> = rows
            .iter()
            .map(|r| (r.identity_number.as_str(), r.care_tags.as_str()))
            .collect();
        let follow_up = |changed: &[(String, i64)]| {
            if changed.is_empty() {
                return Vec::new();
            }
            #[derive(Serialize)]
            struct TagRow<'a> {
                p: i64,
                t: &'a str,
            }
            let ids: Vec<String> = changed.iter().map(|(_, id)| id.to_string()).collect();
            let tags: Vec<TagRow> = changed
                .iter()
                .flat_map(|(key, id)| {
                    tags_by_key
                        .get(key.as_str())
                        .copied()
                        .unwrap_or_default()
                        .split(',')
                        .filter(|t| !t.is_empty())
                        .map(|t| TagRow { p: *id, t })
                })
                .collect();
            let mut out = vec![(&TAGS_CLEAR, serde_json::to_string(&ids).unwrap_or_default())];
            if !tags.is_empty() {
                out.push((
                    &TAGS_INSERT,
                    serde_json::to_string(&tags).unwrap_or_default(),
                ));
            }
            out
        };
        let (counts, _) = self
            .upsert_batch(
                &PERSON_LOOKUP,
                &PERSON_UPSERT,
                rows,
                &keys,
                crate::now_ms(),
                follow_up,
            )
            .await?;
        Ok(counts)
    }

    /// The registry ids of the people with these identity numbers, by
    /// identity number; numbers nobody has are left out. One query, for an
    /// import that refers to people (party members) by identity number.
    pub async fn person_ids_by_identity(&self, numbers: &[&str]) -> Result<HashMap<String, i64>> {
        if numbers.is_empty() {
            return Ok(HashMap::new());
        }
        let json = serde_json::to_string(numbers)
            .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        let rows: Vec<(String, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as(crate::bulk::pick(&self.db, &PERSON_LOOKUP.0))
                .bind(&json)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().collect())
    }

    /// Searches residents under the scope, ordered by name.
    pub async fn search_people(
        &self,
        scope: &Scope,
        query: &PeopleQuery,
        paging: Paging,
    ) -> Result<Page<Person>> {
        let (lo, hi) = scope.bounds();
        let name_lo = query
            .name_prefix
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let name_hi = name_lo.map(prefix_end);
        let tag = query.tag.as_deref().filter(|s| !s.is_empty());
        let (items, total) = on_db!(self, read, |pool| {
            let items = sqlx::query_as::<_, Person>(concat!(
                person_select!(),
                people_filter!(),
                "ORDER BY p.name, p.id LIMIT $7 OFFSET $8"
            ))
            .bind(lo)
            .bind(hi)
            .bind(name_lo)
            .bind(&name_hi)
            .bind(tag)
            .bind(query.household_id)
            .bind(paging.limit())
            .bind(paging.offset())
            .fetch_all(pool)
            .await?;
            let total: i64 =
                sqlx::query_scalar(concat!("SELECT COUNT(*) FROM people p ", people_filter!()))
                    .bind(lo)
                    .bind(hi)
                    .bind(name_lo)
                    .bind(&name_hi)
                    .bind(tag)
                    .bind(query.household_id)
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

    /// One resident by id, if inside the scope.
    pub async fn person_in(&self, scope: &Scope, id: i64) -> Result<Option<Person>> {
        let (lo, hi) = scope.bounds();
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Person>(concat!(
                person_select!(),
                "WHERE p.id = $1 AND p.region_path >= $2 AND p.region_path < $3"
            ))
            .bind(id)
            .bind(lo)
            .bind(hi)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// The region path of a resident regardless of scope, so a refused read
    /// can be logged with where the subject lives. `None` if no such person.
    pub async fn person_path(&self, id: i64) -> Result<Option<String>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_scalar::<_, String>("SELECT region_path FROM people WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row)
    }

    /// The region path of a household regardless of scope, so a refused
    /// read can be logged with where it lives. `None` if no such household.
    pub async fn household_path(&self, id: i64) -> Result<Option<String>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_scalar::<_, String>("SELECT region_path FROM households WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row)
    }

    /// One household with its members, if inside the scope.
    pub async fn household_in(&self, scope: &Scope, id: i64) -> Result<Option<Household>> {
        let (lo, hi) = scope.bounds();
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, HouseholdRow>(
                "SELECT h.id, h.code, h.room, h.building_id, b.name AS building_name, b.address,
                        h.region_id, h.region_path, r.name AS region_name
                 FROM households h JOIN places b ON b.id = h.building_id
                 JOIN regions r ON r.id = h.region_id
                 WHERE h.id = $1 AND h.region_path >= $2 AND h.region_path < $3",
            )
            .bind(id)
            .bind(lo)
            .bind(hi)
            .fetch_optional(pool)
            .await?
        });
        let Some(h) = row else { return Ok(None) };
        let members = self
            .search_people(
                scope,
                &PeopleQuery {
                    household_id: Some(h.id),
                    ..PeopleQuery::default()
                },
                Paging::new(Some(1), Some(Paging::MAX_PAGE_SIZE)),
            )
            .await?
            .items;
        Ok(Some(Household {
            id: h.id,
            code: h.code,
            room: h.room,
            building_id: h.building_id,
            building_name: h.building_name,
            address: h.address,
            region_id: h.region_id,
            region_path: h.region_path,
            region_name: h.region_name,
            members,
        }))
    }

    /// Households of a building (or all under the scope), ordered by room.
    pub async fn households_in(
        &self,
        scope: &Scope,
        building_id: Option<i64>,
        paging: Paging,
    ) -> Result<Page<Household>> {
        let (lo, hi) = scope.bounds();
        let (rows, total) = on_db!(self, read, |pool| {
            let rows = sqlx::query_as::<_, HouseholdRow>(
                "SELECT h.id, h.code, h.room, h.building_id, b.name AS building_name, b.address,
                        h.region_id, h.region_path, r.name AS region_name
                 FROM households h JOIN places b ON b.id = h.building_id
                 JOIN regions r ON r.id = h.region_id
                 WHERE h.region_path >= $1 AND h.region_path < $2 AND ($3 IS NULL OR h.building_id = $3)
                 ORDER BY h.building_id, h.room, h.id LIMIT $4 OFFSET $5",
            )
            .bind(lo)
            .bind(hi)
            .bind(building_id)
            .bind(paging.limit())
            .bind(paging.offset())
            .fetch_all(pool)
            .await?;
            let total: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM households h
                 WHERE h.region_path >= $1 AND h.region_path < $2 AND ($3 IS NULL OR h.building_id = $3)",
            )
            .bind(lo)
            .bind(hi)
            .bind(building_id)
            .fetch_one(pool)
            .await?;
            (rows, total)
        });
        let items = rows
            .into_iter()
            .map(|h| Household {
                id: h.id,
                code: h.code,
                room: h.room,
                building_id: h.building_id,
                building_name: h.building_name,
                address: h.address,
                region_id: h.region_id,
                region_path: h.region_path,
                region_name: h.region_name,
                members: Vec::new(),
            })
            .collect();
        Ok(Page {
            items,
            total,
            page: paging.page,
            page_size: paging.page_size,
        })
    }

    /// Headline counts for the scope: residents, the people who only work
    /// there, households, and people per care tag.
    pub async fn population_summary(&self, scope: &Scope) -> Result<PopulationSummary> {
        let (lo, hi) = scope.bounds();
        let (residents, migrants, non_residents, households, tags) = on_db!(self, read, |pool| {
            let residents: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM people WHERE region_path >= $1 AND region_path < $2
                   AND residency <> 'non_resident'",
            )
            .bind(lo)
            .bind(hi)
            .fetch_one(pool)
            .await?;
            let migrants: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM people WHERE region_path >= $1 AND region_path < $2 AND residency = 'migrant'",
            )
            .bind(lo)
            .bind(hi)
            .fetch_one(pool)
            .await?;
            let non_residents: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM people WHERE region_path >= $1 AND region_path < $2 AND residency = 'non_resident'",
            )
            .bind(lo)
            .bind(hi)
            .fetch_one(pool)
            .await?;
            let households: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM households WHERE region_path >= $1 AND region_path < $2",
            )
            .bind(lo)
            .bind(hi)
            .fetch_one(pool)
            .await?;
            let tags: Vec<(String, i64)> = sqlx::query_as(
                "SELECT t.tag, COUNT(*) FROM person_tags t JOIN people p ON p.id = t.person_id
                 WHERE p.region_path >= $1 AND p.region_path < $2 GROUP BY t.tag ORDER BY COUNT(*) DESC",
            )
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?;
            (residents, migrants, non_residents, households, tags)
        });
        Ok(PopulationSummary {
            residents,
            non_residents,
            migrants,
            households,
            tags,
        })
    }
}

/// Headline counts for a scope.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PopulationSummary {
    /// Residents (non-residents who only work here are not).
    pub residents: i64,
    pub migrants: i64,
    /// People who only work in the scope (party members of its firms).
    pub non_residents: i64,
    pub households: i64,
    pub tags: Vec<(String, i64)>,
}
