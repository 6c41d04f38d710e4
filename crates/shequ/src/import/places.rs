//! `shequ import places`: buildings and the other places of a street, one
//! per row, each in a grid.
//!
//! | column | 中文 | required | value |
//! |---|---|---|---|
//! | `code` | 编码 | yes | 1–64 characters, no spaces; unique across all places |
//! | `name` | 名称 | yes | up to 100 characters |
//! | `kind` | 类型 | yes | `residential_building` (居民楼/住宅楼), `office_building` (商务楼宇/楼宇), `park` (园区/公园), `business_district` (商圈), `market` (市场/菜场), `enterprise` (企业), `construction_site` (工地), `service_facility` (服务设施) |
//! | `grid_code` | 网格编码 | yes | code of a stored region of kind grid |
//! | `lon`, `lat` | 经度, 纬度 | yes | WGS-84, −180..180 and −90..90 |
//! | `address` | 地址 | column optional | up to 200 characters |
//! | `facility_type` | 设施类型 | iff kind is `service_facility` | `party_mass_service_centre` (党群服务中心), `health_station` (卫生服务站), `elderly_care` (养老机构), `elderly_canteen` (老年助餐点), `cultural_centre` (文化活动中心), `kindergarten` (幼儿园), `school` (学校), `police_station` (派出所), `other` (其他) |
//! | `built_year` | 建成年份 | no | 1800–2100 |
//! | `floors` | 层数 | no | 1–300 |

use std::collections::HashMap;

use shequ_domain::{FacilityType, PlaceKind};
use shequ_store::places::NewPlace;
use shequ_store::{Scope, Store};

use super::columns::{ColumnMap, ColumnSpec};
use super::fields::{self, RowCheck};
use super::{BatchOutcome, Importer};

const CODE: usize = 0;
const NAME: usize = 1;
const KIND: usize = 2;
const GRID_CODE: usize = 3;
const LON: usize = 4;
const LAT: usize = 5;
const ADDRESS: usize = 6;
const FACILITY_TYPE: usize = 7;
const BUILT_YEAR: usize = 8;
const FLOORS: usize = 9;

const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        name: "code",
        aliases: &["编码", "代码"],
        required: true,
    },
    ColumnSpec {
        name: "name",
        aliases: &["名称"],
        required: true,
    },
    ColumnSpec {
        name: "kind",
        aliases: &["类型"],
        required: true,
    },
    ColumnSpec {
        name: "grid_code",
        aliases: &["网格编码", "所属网格"],
        required: true,
    },
    ColumnSpec {
        name: "lon",
        aliases: &["经度", "longitude", "lng"],
        required: true,
    },
    ColumnSpec {
        name: "lat",
        aliases: &["纬度", "latitude"],
        required: true,
    },
    ColumnSpec {
        name: "address",
        aliases: &["地址"],
        required: false,
    },
    ColumnSpec {
        name: "facility_type",
        aliases: &["设施类型"],
        required: false,
    },
    ColumnSpec {
        name: "built_year",
        aliases: &["建成年份", "建成年代"],
        required: false,
    },
    ColumnSpec {
        name: "floors",
        aliases: &["层数", "楼层数"],
        required: false,
    },
];

/// A region's id, path and kind, for resolving grid codes.
pub(crate) struct RegionEntry {
    pub id: i64,
    pub path: String,
    pub kind: String,
}

/// Every stored region by code.
pub(crate) async fn region_index(store: &Store) -> anyhow::Result<HashMap<String, RegionEntry>> {
    Ok(store
        .regions_in(&Scope::everything())
        .await?
        .into_iter()
        .map(|r| {
            (
                r.code,
                RegionEntry {
                    id: r.id,
                    path: r.path,
                    kind: r.kind,
                },
            )
        })
        .collect())
}

/// Resolves a grid code against the index, or says what is wrong.
pub(crate) fn resolve_grid<'i>(
    index: &'i HashMap<String, RegionEntry>,
    code: &str,
) -> Result<&'i RegionEntry, String> {
    match index.get(code) {
        Some(r) if r.kind == "grid" => Ok(r),
        Some(r) => Err(format!("region {code} is a {}, not a grid", r.kind)),
        None => Err(format!(
            "no grid has the code {code}; import the regions first"
        )),
    }
}

pub(crate) struct PlaceImport {
    regions: HashMap<String, RegionEntry>,
    seen: HashMap<String, u64>,
}

impl Importer for PlaceImport {
    const COLUMNS: &'static [ColumnSpec] = COLUMNS;
    type Row = NewPlace;

    async fn prepare(store: &Store, _columns: &ColumnMap) -> anyhow::Result<Self> {
        Ok(Self {
            regions: region_index(store).await?,
            seen: HashMap::new(),
        })
    }

    fn check(&mut self, row: &mut RowCheck<'_>) -> Option<NewPlace> {
        let code = row.parse(CODE, fields::code);
        let name = row.text(NAME, 100);
        let kind = row.parse(KIND, PlaceKind::parse);
        let grid = row
            .required(GRID_CODE)
            .and_then(|g| match resolve_grid(&self.regions, g) {
                Ok(r) => Some(r),
                Err(reason) => {
                    row.fail(GRID_CODE, reason);
                    None
                }
            });
        let lon = row.number(LON, -180.0, 180.0);
        let lat = row.number(LAT, -90.0, 90.0);
        let address = match row.opt(ADDRESS) {
            Some(a) => row.text(ADDRESS, 200).unwrap_or(a),
            None => "",
        };
        let facility = row.parse_opt(FACILITY_TYPE, FacilityType::parse);
        match (kind, row.opt(FACILITY_TYPE)) {
            (Some(PlaceKind::ServiceFacility), None) => {
                row.fail(FACILITY_TYPE, "is required for a service_facility");
            }
            (Some(k), Some(_)) if k != PlaceKind::ServiceFacility => {
                row.fail(
                    FACILITY_TYPE,
                    format!(
                        "must be empty for a {}; only a service_facility has a facility type",
                        k.as_str()
                    ),
                );
            }
            _ => {}
        }
        let built_year = row.integer_opt(BUILT_YEAR, 1800, 2100);
        let floors = row.integer_opt(FLOORS, 1, 300);
        let code = code?;
        if let Some(first) = self.seen.get(code) {
            row.fail(
                CODE,
                format!("code {code} already appears on line {first}; each place may appear once per file"),
            );
            return None;
        }
        self.seen.insert(code.to_owned(), row.line);
        let (Some(name), Some(kind), Some(grid), Some(lon), Some(lat), true) =
            (name, kind, grid, lon, lat, row.ok())
        else {
            return None;
        };
        Some(NewPlace {
            code: code.to_owned(),
            name: name.to_owned(),
            kind,
            facility_type: facility,
            region_id: grid.id,
            region_path: grid.path.clone(),
            lon,
            lat,
            address: address.to_owned(),
            built_year,
            floors,
        })
    }

    async fn store(
        &mut self,
        store: &Store,
        batch: Vec<(u64, NewPlace)>,
        out: &mut BatchOutcome,
    ) -> anyhow::Result<()> {
        let rows: Vec<NewPlace> = batch.into_iter().map(|(_, p)| p).collect();
        out.counts += store.upsert_places(&rows).await?;
        Ok(())
    }
}
