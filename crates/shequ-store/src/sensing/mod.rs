//! Door-access sensing: the registry of door controllers and the cards they
//! read. The events themselves (the hot ingest path) live in [`events`].

pub mod events;

use serde::Serialize;

use crate::bulk::{Sql, pick};
use crate::db::conflict_on;
use crate::db::on_db;
use crate::{Result, Scope, Store, StoreError};

/// A door controller to register. Its region is its building's.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub building_id: i64,
    pub entrance: String,
    /// SHA-256 of the device's ingest token (hex); `None` for a device
    /// that only publishes over MQTT.
    pub token_hash: Option<String>,
}

/// A registered door controller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Device {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub building_id: i64,
    pub entrance: String,
    pub region_path: String,
    pub enabled: bool,
    /// When the device was last heard from (epoch ms), if ever.
    pub last_heard_at: Option<i64>,
    pub created_at: i64,
}

/// What ingest needs to know of a device, kept in memory.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeviceKey {
    pub id: i64,
    pub code: String,
    pub building_id: i64,
    pub token_hash: Option<String>,
    pub enabled: bool,
}

/// A device and how much it reported today.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceHealth {
    #[serde(flatten)]
    pub device: Device,
    /// Events stored from it since the start of the day asked for.
    pub events_today: i64,
}

/// A card or fob issued to a resident.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DoorCredential {
    pub credential: String,
    pub person_id: i64,
    pub household_id: Option<i64>,
    pub building_id: Option<i64>,
}

const DEVICE_COLUMNS: &str =
    "id, code, name, kind, building_id, entrance, region_path, enabled, last_heard_at, created_at";

const INSERT_DEVICE: &str = "INSERT INTO devices (code, name, kind, building_id, entrance, region_path, token_hash, created_at, updated_at)
     SELECT $1, $2, $3, p.id, $4, p.region_path, $5, $6, $6 FROM places p WHERE p.id = $7
     RETURNING id, code, name, kind, building_id, entrance, region_path, enabled, last_heard_at, created_at";

/// One door per residential building, and a second (entrance 2) on every
/// third, for demo streets and benchmarks; existing codes are kept.
const BUILDING_DOORS: &str = "INSERT INTO devices (code, name, kind, building_id, entrance, region_path, created_at, updated_at)
     SELECT p.code || '-' || e.n, p.name || ' ' || e.n || '号门', 'door_controller', p.id, e.n, p.region_path, $1, $1
     FROM places p, (SELECT '1' AS n UNION ALL SELECT '2') e
     WHERE p.kind = 'residential_building' AND (e.n = '1' OR p.id % 3 = 0)
     ORDER BY p.id, e.n
     ON CONFLICT (code) DO NOTHING";

/// A card for every resident in a household: `C` and the person id.
const RESIDENT_CARDS: Sql = Sql {
    sqlite:
        "INSERT INTO door_credentials (credential, person_id, household_id, building_id, issued_at)
             SELECT 'C' || printf('%08d', p.id), p.id, p.household_id, h.building_id, $1
             FROM people p JOIN households h ON h.id = p.household_id
             ON CONFLICT (credential) DO NOTHING",
    postgres:
        "INSERT INTO door_credentials (credential, person_id, household_id, building_id, issued_at)
             SELECT 'C' || lpad(p.id::text, 8, '0'), p.id, p.household_id, h.building_id, $1
             FROM people p JOIN households h ON h.id = p.household_id
             ON CONFLICT (credential) DO NOTHING",
};

const UPSERT_CREDENTIALS: Sql = Sql {
    sqlite: "INSERT INTO door_credentials (credential, person_id, household_id, building_id, issued_at)
             SELECT j.value ->> 'credential', j.value ->> 'person_id', j.value ->> 'household_id',
                    j.value ->> 'building_id', $2
             FROM json_each($1) AS j WHERE true
             ON CONFLICT (credential) DO UPDATE SET person_id = excluded.person_id,
                 household_id = excluded.household_id, building_id = excluded.building_id",
    postgres: "INSERT INTO door_credentials (credential, person_id, household_id, building_id, issued_at)
             SELECT x.credential, x.person_id, x.household_id, x.building_id, $2
             FROM jsonb_to_recordset($1::jsonb) AS x(credential text, person_id bigint, household_id bigint, building_id bigint)
             ON CONFLICT (credential) DO UPDATE SET person_id = excluded.person_id,
                 household_id = excluded.household_id, building_id = excluded.building_id",
};

#[derive(Serialize)]
struct CredentialRow<'a> {
    credential: &'a str,
    person_id: i64,
    household_id: Option<i64>,
    building_id: Option<i64>,
}

impl Store {
    /// Registers a device at a building; `Conflict` on a taken code,
    /// `NotFound` for an unknown building.
    pub async fn create_device(&self, d: &NewDevice, now: i64) -> Result<Device> {
        let row = on_db!(self, write, |pool| {
            sqlx::query_as::<_, Device>(INSERT_DEVICE)
                .bind(&d.code)
                .bind(&d.name)
                .bind(&d.kind)
                .bind(&d.entrance)
                .bind(&d.token_hash)
                .bind(now)
                .bind(d.building_id)
                .fetch_optional(pool)
                .await
                .map_err(conflict_on("device code", &d.code))?
        });
        row.ok_or(StoreError::NotFound("building"))
    }

    /// Doors for every residential building (see `BUILDING_DOORS`);
    /// returns how many were added.
    pub async fn create_building_doors(&self, now: i64) -> Result<u64> {
        let n = on_db!(self, write, |pool| {
            sqlx::query(BUILDING_DOORS)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n)
    }

    /// Replaces the ingest token of devices: `(device id, token hash)`.
    pub async fn set_device_tokens(&self, tokens: &[(i64, String)], now: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for (id, hash) in tokens {
                sqlx::query("UPDATE devices SET token_hash = $1, updated_at = $2 WHERE id = $3")
                    .bind(hash)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Devices in `scope`, by code.
    pub async fn devices_in(&self, scope: &Scope) -> Result<Vec<Device>> {
        let (lo, hi) = scope.bounds();
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, Device>(sqlx::AssertSqlSafe(format!(
                "SELECT {DEVICE_COLUMNS} FROM devices WHERE region_path >= $1 AND region_path < $2 ORDER BY code"
            )))
            .bind(lo)
            .bind(hi)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Devices in `scope` with the number of events each stored since
    /// `day_start` (epoch ms).
    pub async fn device_health(&self, scope: &Scope, day_start: i64) -> Result<Vec<DeviceHealth>> {
        let devices = self.devices_in(scope).await?;
        let counts: Vec<(i64, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT device_id, count(*) FROM door_events WHERE at >= $1 GROUP BY device_id",
            )
            .bind(day_start)
            .fetch_all(pool)
            .await?
        });
        let counts: std::collections::HashMap<i64, i64> = counts.into_iter().collect();
        Ok(devices
            .into_iter()
            .map(|device| DeviceHealth {
                events_today: counts.get(&device.id).copied().unwrap_or(0),
                device,
            })
            .collect())
    }

    /// Every device's ingest key, for the in-memory map.
    pub async fn device_keys(&self) -> Result<Vec<DeviceKey>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, DeviceKey>(
                "SELECT id, code, building_id, token_hash, enabled FROM devices ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// The device holding the token with this hash.
    pub async fn device_by_token_hash(&self, hash: &str) -> Result<Option<DeviceKey>> {
        let row = on_db!(self, read, |pool| {
            sqlx::query_as::<_, DeviceKey>(
                "SELECT id, code, building_id, token_hash, enabled FROM devices WHERE token_hash = $1",
            )
            .bind(hash)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// Issues (or re-issues) cards; returns how many rows were written.
    pub async fn upsert_door_credentials(&self, rows: &[DoorCredential], now: i64) -> Result<u64> {
        let json = serde_json::to_string(
            &rows
                .iter()
                .map(|c| CredentialRow {
                    credential: &c.credential,
                    person_id: c.person_id,
                    household_id: c.household_id,
                    building_id: c.building_id,
                })
                .collect::<Vec<_>>(),
        )
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sql = pick(&self.db, &UPSERT_CREDENTIALS);
        let n = on_db!(self, write, |pool| {
            sqlx::query(sql)
                .bind(&json)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n)
    }

    /// A card (`C` + the zero-padded person id) for every resident who
    /// lives in a household and has none of that name yet; returns how
    /// many were issued.
    pub async fn issue_resident_cards(&self, now: i64) -> Result<u64> {
        let sql = pick(&self.db, &RESIDENT_CARDS);
        let n = on_db!(self, write, |pool| {
            sqlx::query(sql)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n)
    }

    /// Every credential, for the in-memory map ingest resolves cards with.
    pub async fn door_credentials(&self) -> Result<Vec<DoorCredential>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as::<_, DoorCredential>(
                "SELECT credential, person_id, household_id, building_id FROM door_credentials",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Cards of residents with a care tag (e.g. `elderly_living_alone`),
    /// by person id; the simulator picks from them.
    pub async fn cards_of_tagged_residents(&self, tag: &str) -> Result<Vec<String>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT c.credential FROM door_credentials c JOIN people p ON p.id = c.person_id
                 WHERE p.care_tags LIKE '%' || $1 || '%' ORDER BY p.id",
            )
            .bind(tag)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Household code → (id, building id), for visitor events that name
    /// the household they call on.
    pub async fn household_keys(&self) -> Result<Vec<(String, i64, i64)>> {
        let rows = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT code, id, building_id FROM households")
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }
}
