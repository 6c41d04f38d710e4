//! `shequ import people`: residents, one per row, with their household,
//! and people who only work in the street (party members of its firms).
//!
//! | column | 中文 | required | value |
//! |---|---|---|---|
//! | `identity_number` | 身份证号 | yes | 18 characters with a valid GB 11643 checksum; unique per file |
//! | `name` | 姓名 | yes | up to 100 characters |
//! | `gender` | 性别 | no | `male`/`female` (男/女); must agree with the identity number, which supplies it when empty |
//! | `birth_date` | 出生日期 | no | `YYYY-MM-DD` (also `YYYY/M/D`, `YYYYMMDD`, `YYYY年M月D日`); must agree with the identity number, which supplies it when empty |
//! | `phone` | 手机 / 电话 | no | 11-digit mobile or `area-number` landline; `+86` is dropped |
//! | `residency` | 户籍 | yes | `registered` (户籍/本地), `migrant` (流动/外来/来沪), or `non_resident` (在辖区工作/非居民: works in the street, lives elsewhere; no household, `grid_code` of the workplace) |
//! | `care_tags` | 关爱标签 | no | tags separated by `;` `,` `|` `、` (独居老人 → `elderly_living_alone`, 残疾 → `disabled`, 低保 → `low_income`) |
//! | `household_code` | 户号 | no | the household's code; with it `building_code` is required |
//! | `building_code` | 楼栋编码 | with a household | code of a stored place of kind `residential_building` |
//! | `room` | 房号 | no | the household's room, up to 32 characters |
//! | `grid_code` | 网格编码 | without a household | code of a stored grid; with a household it must name the building's grid |
//!
//! A household is created or updated from the first row that names its
//! `household_code`; later rows of the same household must give the same
//! building and room. The person lies in the building's grid, or in
//! `grid_code` when there is no household.

use std::collections::HashMap;

use anyhow::Context;

use shequ_domain::{CareTag, Gender, IdentityNumber, PhoneNumber, Residency};
use shequ_store::people::NewPerson;
use shequ_store::places::PlaceRef;
use shequ_store::{Store, UpsertCounts};

use super::columns::{ColumnMap, ColumnSpec};
use super::fields::{self, RowCheck};
use super::households::{Households, Mismatch};
use super::places::{RegionEntry, region_index, resolve_grid};
use super::{BatchOutcome, Importer, RowError};

const IDENTITY_NUMBER: usize = 0;
const NAME: usize = 1;
const GENDER: usize = 2;
const BIRTH_DATE: usize = 3;
const PHONE: usize = 4;
const RESIDENCY: usize = 5;
const CARE_TAGS: usize = 6;
const HOUSEHOLD_CODE: usize = 7;
const BUILDING_CODE: usize = 8;
const ROOM: usize = 9;
const GRID_CODE: usize = 10;

const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        name: "identity_number",
        aliases: &[
            "身份证号",
            "身份证号码",
            "公民身份号码",
            "证件号码",
            "id_number",
        ],
        required: true,
    },
    ColumnSpec {
        name: "name",
        aliases: &["姓名"],
        required: true,
    },
    ColumnSpec {
        name: "gender",
        aliases: &["性别"],
        required: false,
    },
    ColumnSpec {
        name: "birth_date",
        aliases: &["出生日期"],
        required: false,
    },
    ColumnSpec {
        name: "phone",
        aliases: &["手机", "电话", "手机号", "手机号码", "联系电话"],
        required: false,
    },
    ColumnSpec {
        name: "residency",
        aliases: &["户籍", "户籍类型", "人口类型"],
        required: true,
    },
    ColumnSpec {
        name: "care_tags",
        aliases: &["关爱标签", "标签"],
        required: false,
    },
    ColumnSpec {
        name: "household_code",
        aliases: &["户号", "户编码"],
        required: false,
    },
    ColumnSpec {
        name: "building_code",
        aliases: &["楼栋编码", "楼栋"],
        required: false,
    },
    ColumnSpec {
        name: "room",
        aliases: &["房号", "室号"],
        required: false,
    },
    ColumnSpec {
        name: "grid_code",
        aliases: &["网格编码", "所属网格"],
        required: false,
    },
];

/// A row that passed the checks needing no database.
pub(crate) struct PersonRow {
    person: NewPerson,
    household: Option<String>,
    building: Option<String>,
    /// The grid named by `grid_code`: its id and path.
    grid: Option<(i64, String)>,
}

pub(crate) struct PeopleImport {
    regions: HashMap<String, RegionEntry>,
    /// Line of each identity number's first row, keyed by [`id_key`].
    seen: HashMap<u64, u64>,
    households: Households,
    /// Building code → where it is (`None`: no such place).
    buildings: HashMap<String, Option<PlaceRef>>,
    /// The previous batch's people, still being stored while the next
    /// batch is read and checked.
    in_flight: Option<tokio::task::JoinHandle<shequ_store::Result<UpsertCounts>>>,
}

impl Importer for PeopleImport {
    const COLUMNS: &'static [ColumnSpec] = COLUMNS;
    type Row = PersonRow;

    async fn prepare(store: &Store, columns: &ColumnMap) -> anyhow::Result<Self> {
        anyhow::ensure!(
            columns.has(HOUSEHOLD_CODE) || columns.has(GRID_CODE),
            "the header row has neither household_code (户号) nor grid_code (网格编码); \
             every person needs one of them; nothing was imported"
        );
        anyhow::ensure!(
            !columns.has(HOUSEHOLD_CODE) || columns.has(BUILDING_CODE),
            "the header row has household_code (户号) but no building_code (楼栋编码); \
             a household needs its building; nothing was imported"
        );
        Ok(Self {
            regions: region_index(store).await?,
            seen: HashMap::new(),
            households: Households::default(),
            buildings: HashMap::new(),
            in_flight: None,
        })
    }

    fn check(&mut self, row: &mut RowCheck<'_>) -> Option<PersonRow> {
        let id = row.parse_text(
            IDENTITY_NUMBER,
            "a spreadsheet keeps only 15 significant digits of a number, so an 18-digit \
             identity number stored as one has lost its last digits",
            IdentityNumber::parse,
        );
        let name = row.text(NAME, 100);
        let gender = row.parse_opt(GENDER, Gender::parse);
        let birth_date = row.parse_opt(BIRTH_DATE, fields::date);
        let phone = row.parse_opt(PHONE, PhoneNumber::parse);
        let residency = row.parse(RESIDENCY, Residency::parse);
        let tags = row
            .parse_opt(CARE_TAGS, CareTag::parse_list)
            .unwrap_or_default();
        let household = row.parse_opt(HOUSEHOLD_CODE, fields::code);
        let building = row.parse_opt(BUILDING_CODE, fields::code);
        let room = match row.opt(ROOM) {
            Some(_) => row.text(ROOM, 32).unwrap_or_default(),
            None => "",
        };
        let grid = row
            .opt(GRID_CODE)
            .and_then(|g| match resolve_grid(&self.regions, g) {
                Ok(r) => Some((r.id, r.path.clone())),
                Err(reason) => {
                    row.fail(GRID_CODE, reason);
                    None
                }
            });

        if let Some(id) = &id {
            if let Some(g) = gender.filter(|g| *g != id.gender()) {
                row.fail(
                    GENDER,
                    format!(
                        "is {} but the identity number says {}",
                        gender_label(g),
                        gender_label(id.gender())
                    ),
                );
            }
            if let Some(d) = birth_date.filter(|d| *d != id.birth_date()) {
                row.fail(
                    BIRTH_DATE,
                    format!(
                        "{d} does not match the identity number, which says {}",
                        id.birth_date()
                    ),
                );
            }
        }
        self.check_household(row, household, building, room);
        if residency == Some(Residency::NonResident) && household.is_some() {
            row.fail(
                HOUSEHOLD_CODE,
                "must be empty for a non_resident, who lives elsewhere; give the grid_code of their workplace",
            );
        }

        let id = id?;
        if let Some(first) = self.seen.get(&id_key(&id)) {
            row.fail(
                IDENTITY_NUMBER,
                format!("the same identity number is on line {first}; each person may appear once per file"),
            );
            return None;
        }
        self.seen.insert(id_key(&id), row.line);
        let (Some(name), Some(residency), true) = (name, residency, row.ok()) else {
            return None;
        };
        let care_tags = tags
            .iter()
            .map(CareTag::as_str)
            .collect::<Vec<_>>()
            .join(",");
        Some(PersonRow {
            person: NewPerson {
                birth_date: birth_date_text(&id),
                gender: id.gender().as_str(),
                name: name.to_owned(),
                identity_number: String::from(id),
                phone: phone.map(|p| p.expose().to_owned()),
                residency: residency.as_str(),
                care_tags,
                household_id: None,
                region_id: 0,
                region_path: String::new(),
            },
            household: household.map(str::to_owned),
            building: building.map(str::to_owned),
            grid,
        })
    }

    async fn store(
        &mut self,
        store: &Store,
        batch: Vec<(u64, PersonRow)>,
        out: &mut BatchOutcome,
    ) -> anyhow::Result<()> {
        self.resolve_buildings(store, &batch).await?;
        let mut ready: Vec<(u64, PersonRow)> = Vec::with_capacity(batch.len());
        for (line, mut row) in batch {
            match self.locate(&mut row) {
                Ok(()) => ready.push((line, row)),
                Err((field, reason)) => {
                    out.failed += 1;
                    out.errors.push(RowError {
                        line,
                        field,
                        reason,
                    });
                }
            }
        }
        // This batch's households queue behind the previous batch's people
        // (SQLite has one writer; on PostgreSQL they run side by side):
        // those people live in households stored earlier, so neither waits
        // on the other's result.
        let buildings = &self.buildings;
        let wanted = ready.iter().filter_map(|(_, r)| {
            let place = buildings.get(r.building.as_deref()?)?.as_ref()?;
            Some((r.household.as_deref()?, place))
        });
        self.households.store(store, wanted).await?;
        self.finish(out).await?;
        let people: Vec<NewPerson> = ready
            .into_iter()
            .map(|(_, mut row)| {
                row.person.household_id =
                    row.household.as_deref().and_then(|h| self.households.id(h));
                row.person
            })
            .collect();
        // Store this batch's people in the background: the reader checks
        // the next batch meanwhile, which is most of the gain on two cores.
        let store = store.clone();
        self.in_flight = Some(tokio::spawn(
            async move { store.upsert_people(&people).await },
        ));
        Ok(())
    }

    async fn finish(&mut self, out: &mut BatchOutcome) -> anyhow::Result<()> {
        if let Some(task) = self.in_flight.take() {
            out.counts += task.await.context("the task storing people stopped")??;
        }
        Ok(())
    }

    fn side_counts(&self) -> Option<UpsertCounts> {
        Some(self.households.counts)
    }
}

fn gender_label(g: Gender) -> &'static str {
    match g {
        Gender::Male => "male (男)",
        Gender::Female => "female (女)",
    }
}

impl PeopleImport {
    /// Checks the household columns of a row against each other and against
    /// the household's first row in the file.
    fn check_household(
        &mut self,
        row: &mut RowCheck<'_>,
        household: Option<&str>,
        building: Option<&str>,
        room: &str,
    ) {
        let Some(household) = household else {
            if row.opt(BUILDING_CODE).is_some() || !room.is_empty() {
                row.fail(
                    HOUSEHOLD_CODE,
                    "is required when building_code or room is given; a person lives in a building through a household",
                );
            } else if row.opt(GRID_CODE).is_none() {
                row.fail(GRID_CODE, "is required for a person without household_code");
            }
            return;
        };
        let Some(building) = building else {
            if row.opt(BUILDING_CODE).is_none() {
                row.fail(BUILDING_CODE, "is required when household_code is given");
            }
            return;
        };
        match self.households.check(household, building, room, row.line) {
            Ok(()) => {}
            Err(Mismatch::Building(reason)) => row.fail(BUILDING_CODE, reason),
            Err(Mismatch::Room(reason)) => row.fail(ROOM, reason),
        }
    }

    /// Looks up the batch's building codes not seen before, in one query.
    async fn resolve_buildings(
        &mut self,
        store: &Store,
        batch: &[(u64, PersonRow)],
    ) -> anyhow::Result<()> {
        let mut wanted: Vec<&str> = batch
            .iter()
            .filter_map(|(_, r)| r.building.as_deref())
            .filter(|b| !self.buildings.contains_key(*b))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(());
        }
        let mut found = store.place_refs(&wanted).await?;
        for code in wanted {
            let place = found.remove(code);
            self.buildings.insert(code.to_owned(), place);
        }
        Ok(())
    }

    /// Sets the person's region from the building (or grid), or says why
    /// the row cannot be stored.
    fn locate(&self, row: &mut PersonRow) -> Result<(), (&'static str, String)> {
        let (region_id, region_path) = match row.building.as_deref() {
            Some(code) => {
                let place = self
                    .buildings
                    .get(code)
                    .and_then(Option::as_ref)
                    .ok_or_else(|| {
                        (
                            "building_code",
                            format!("no place has the code {code}; import the places first"),
                        )
                    })?;
                if place.kind != "residential_building" {
                    return Err((
                        "building_code",
                        format!(
                            "place {code} is a {}, not a residential_building",
                            place.kind
                        ),
                    ));
                }
                if let Some((grid_id, grid_path)) = &row.grid
                    && *grid_id != place.region_id
                {
                    return Err((
                        "grid_code",
                        format!(
                            "building {code} lies in grid {}, not in grid {}",
                            leaf(&place.region_path),
                            leaf(grid_path)
                        ),
                    ));
                }
                (place.region_id, place.region_path.clone())
            }
            None => match &row.grid {
                Some((id, path)) => (*id, path.clone()),
                None => {
                    return Err((
                        "grid_code",
                        "is required for a person without household_code".to_owned(),
                    ));
                }
            },
        };
        row.person.region_id = region_id;
        row.person.region_path = region_path;
        Ok(())
    }
}

/// An identity number as a number, for the duplicate check: the 17 digits
/// and the check character (X counts as 10).
fn id_key(id: &IdentityNumber) -> u64 {
    id.expose().bytes().fold(0, |k, b| {
        k * 11 + if b == b'X' { 10 } else { u64::from(b - b'0') }
    })
}

/// `YYYY-MM-DD` from the digits of the identity number (checked when it
/// was parsed), without going through a date formatter for every row.
fn birth_date_text(id: &IdentityNumber) -> String {
    let s = id.expose();
    format!("{}-{}-{}", &s[6..10], &s[10..12], &s[12..14])
}

/// The last code of a materialised path.
fn leaf(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}
