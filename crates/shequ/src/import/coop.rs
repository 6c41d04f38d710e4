//! `shequ import units|needs|resources`: the regional-cooperation lists
//! (驻区单位, 需求清单, 资源清单), one unit, need or resource per row,
//! registered or updated by code.
//!
//! Units: `code` 单位编码, `name` 单位名称, `kind` 单位类型 (`hospital`,
//! 医院…), `place` 地点编码 (a stored place's code), and optionally
//! `party_org` 党组织编码, `contact_name` 联系人, `contact_phone` 联系电话,
//! `staff` 人数, `offers` 可提供.
//!
//! Needs: `code` 需求编码, `title` 需求内容, `category` 类别 (`elderly_meals`,
//! 助餐…), `place` 地点编码, `raised_by` 提出方, `starts_on` 开始日期,
//! `ends_on` 结束日期, and optionally `beneficiaries` 受益对象,
//! `beneficiary_count` 受益人数, `wanted` 需求量, `urgency` 紧急程度
//! (low/normal/high/urgent or 低/一般/较急/紧急; empty: normal), `detail` 说明.
//!
//! Resources: `code` 资源编码, `title` 资源内容, `category` 类别, `unit`
//! 单位编码 (a unit stored or earlier in the same import), `capacity` 能力,
//! `capacity_unit` 计量单位 (hours_per_month, places, visits_per_month,
//! money_yuan or 小时/月, 名额, 次/月, 元), and optionally `windows` 可用时间
//! (`2026-03-01~2026-06-30`, several separated by `;`) and `detail` 说明.
//!
//! Each bad row is reported with its line and field (an unknown kind, a
//! window that ends before it starts, a place or unit that does not
//! exist) and the good rows land.

use std::collections::HashMap;

use shequ_domain::coop::{Capacity, Category, UnitKind, Urgency, Window};
use shequ_store::Store;
use shequ_store::coop::{NewNeed, NewResource, NewUnit};

use super::columns::{ColumnMap, ColumnSpec};
use super::fields::{self, RowCheck};
use super::{BatchOutcome, Importer, RowError};

/// The actor the lists name for what an import writes.
const ACTOR: &str = "import";

const fn col(name: &'static str, aliases: &'static [&'static str], required: bool) -> ColumnSpec {
    ColumnSpec {
        name,
        aliases,
        required,
    }
}

fn counted(out: &mut BatchOutcome, created: bool) {
    if created {
        out.counts.inserted += 1;
    } else {
        out.counts.updated += 1;
    }
}

fn refuse(out: &mut BatchOutcome, line: u64, field: &'static str, reason: String) {
    out.failed += 1;
    out.errors.push(RowError {
        line,
        field,
        reason,
    });
}

/// A whole number `0..=10_000_000`, 0 when empty.
fn count(row: &mut RowCheck<'_>, f: usize) -> Option<u32> {
    match row.opt(f) {
        None => Some(0),
        Some(_) => row
            .integer_opt(f, 0, 10_000_000)
            .and_then(|n| u32::try_from(n).ok()),
    }
}

/// The place ids of `codes`, from one lookup.
async fn places(store: &Store, codes: Vec<&str>) -> anyhow::Result<HashMap<String, i64>> {
    Ok(store
        .place_refs(&codes)
        .await?
        .into_iter()
        .map(|(code, r)| (code, r.id))
        .collect())
}

// ---------------------------------------------------------------- units

const UNIT_COLUMNS: &[ColumnSpec] = &[
    col("code", &["单位编码", "编码"], true),
    col("name", &["单位名称", "名称"], true),
    col("kind", &["单位类型", "类型"], true),
    col("place", &["地点编码", "场所编码", "place_code"], true),
    col("party_org", &["党组织编码"], false),
    col("contact_name", &["联系人"], false),
    col("contact_phone", &["联系电话", "电话"], false),
    col("staff", &["人数", "职工人数"], false),
    col("offers", &["可提供", "可提供资源"], false),
];

pub(crate) struct UnitRowIn {
    code: String,
    name: String,
    kind: UnitKind,
    place: String,
    party_org: Option<String>,
    contact_name: String,
    contact_phone: String,
    staff: u32,
    offers: String,
}

pub(crate) struct UnitImport;

impl Importer for UnitImport {
    const COLUMNS: &'static [ColumnSpec] = UNIT_COLUMNS;
    type Row = UnitRowIn;

    async fn prepare(_store: &Store, _columns: &ColumnMap) -> anyhow::Result<Self> {
        Ok(UnitImport)
    }

    fn check(&mut self, row: &mut RowCheck<'_>) -> Option<UnitRowIn> {
        let code = row.parse(0, fields::code);
        let name = row.text(1, 100);
        let kind = row.parse(2, UnitKind::parse);
        let place = row.parse(3, fields::code);
        let party_org = row.parse_opt(4, fields::code);
        let staff = count(row, 7);
        let text = |row: &RowCheck<'_>, f| row.opt(f).unwrap_or("").to_owned();
        Some(UnitRowIn {
            code: code?.to_owned(),
            name: name?.to_owned(),
            kind: kind?,
            place: place?.to_owned(),
            party_org: party_org.map(str::to_owned),
            contact_name: text(row, 5),
            contact_phone: text(row, 6),
            staff: staff?,
            offers: text(row, 8),
        })
    }

    async fn store(
        &mut self,
        store: &Store,
        batch: Vec<(u64, UnitRowIn)>,
        out: &mut BatchOutcome,
    ) -> anyhow::Result<()> {
        let ids = places(store, batch.iter().map(|(_, r)| r.place.as_str()).collect()).await?;
        let now = shequ_store::now_ms();
        for (line, r) in batch {
            let Some(&place_id) = ids.get(&r.place) else {
                refuse(
                    out,
                    line,
                    "place",
                    format!("no place has the code {}; import the places first", r.place),
                );
                continue;
            };
            let party_org_id = match &r.party_org {
                None => None,
                Some(code) => match store.party_org(code).await? {
                    Some(o) => Some(o.id),
                    None => {
                        refuse(
                            out,
                            line,
                            "party_org",
                            format!("no party organisation has the code {code}"),
                        );
                        continue;
                    }
                },
            };
            let unit = NewUnit {
                code: &r.code,
                name: &r.name,
                kind: r.kind,
                place_id,
                party_org_id,
                contact_name: &r.contact_name,
                contact_phone: &r.contact_phone,
                staff: r.staff,
                offers: &r.offers,
            };
            let (_, created) = store.upsert_unit(&unit, ACTOR, now).await?;
            counted(out, created);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- needs

const NEED_COLUMNS: &[ColumnSpec] = &[
    col("code", &["需求编码", "编码"], true),
    col("title", &["需求内容", "需求"], true),
    col("category", &["类别", "需求类别"], true),
    col("place", &["地点编码", "场所编码", "place_code"], true),
    col("raised_by", &["提出方"], true),
    col("starts_on", &["开始日期"], true),
    col("ends_on", &["结束日期"], true),
    col("beneficiaries", &["受益对象"], false),
    col("beneficiary_count", &["受益人数"], false),
    col("wanted", &["需求量"], false),
    col("urgency", &["紧急程度"], false),
    col("detail", &["说明", "备注"], false),
];

pub(crate) struct NeedRowIn {
    code: String,
    title: String,
    category: Category,
    place: String,
    raised_by: String,
    window: Window,
    beneficiaries: String,
    beneficiary_count: u32,
    wanted: u32,
    urgency: Urgency,
    detail: String,
}

pub(crate) struct NeedImport;

impl Importer for NeedImport {
    const COLUMNS: &'static [ColumnSpec] = NEED_COLUMNS;
    type Row = NeedRowIn;

    async fn prepare(_store: &Store, _columns: &ColumnMap) -> anyhow::Result<Self> {
        Ok(NeedImport)
    }

    fn check(&mut self, row: &mut RowCheck<'_>) -> Option<NeedRowIn> {
        let code = row.parse(0, fields::code);
        let title = row.text(1, 100);
        let category = row.parse(2, Category::parse);
        let place = row.parse(3, fields::code);
        let raised_by = row.text(4, 100);
        let start = row.parse(5, fields::date);
        let end = row.parse(6, fields::date);
        let window = match (start, end) {
            (Some(a), Some(b)) => match Window::new(a, b) {
                Ok(w) => Some(w),
                Err(e) => {
                    row.fail(6, e.message);
                    None
                }
            },
            _ => None,
        };
        let beneficiary_count = count(row, 8);
        let wanted = count(row, 9);
        let urgency = row
            .parse_opt(10, Urgency::parse)
            .or_else(|| row.opt(10).is_none().then_some(Urgency::Normal));
        let text = |row: &RowCheck<'_>, f| row.opt(f).unwrap_or("").to_owned();
        Some(NeedRowIn {
            code: code?.to_owned(),
            title: title?.to_owned(),
            category: category?,
            place: place?.to_owned(),
            raised_by: raised_by?.to_owned(),
            window: window?,
            beneficiaries: text(row, 7),
            beneficiary_count: beneficiary_count?,
            wanted: wanted?,
            urgency: urgency?,
            detail: text(row, 11),
        })
    }

    async fn store(
        &mut self,
        store: &Store,
        batch: Vec<(u64, NeedRowIn)>,
        out: &mut BatchOutcome,
    ) -> anyhow::Result<()> {
        let ids = places(store, batch.iter().map(|(_, r)| r.place.as_str()).collect()).await?;
        let now = shequ_store::now_ms();
        for (line, r) in batch {
            let Some(&place_id) = ids.get(&r.place) else {
                refuse(
                    out,
                    line,
                    "place",
                    format!("no place has the code {}; import the places first", r.place),
                );
                continue;
            };
            let need = NewNeed {
                code: &r.code,
                title: &r.title,
                category: r.category,
                place_id,
                raised_by: &r.raised_by,
                beneficiaries: &r.beneficiaries,
                beneficiary_count: r.beneficiary_count,
                wanted: r.wanted,
                window: r.window,
                urgency: r.urgency,
                detail: &r.detail,
                order_ids: &[],
            };
            let (_, created) = store.upsert_need(&need, ACTOR, now).await?;
            counted(out, created);
        }
        Ok(())
    }
}

// ------------------------------------------------------------ resources

const RESOURCE_COLUMNS: &[ColumnSpec] = &[
    col("code", &["资源编码", "编码"], true),
    col("title", &["资源内容", "资源"], true),
    col("category", &["类别", "资源类别"], true),
    col("unit", &["单位编码", "unit_code"], true),
    col("capacity", &["能力", "数量"], true),
    col("capacity_unit", &["计量单位"], true),
    col("windows", &["可用时间"], false),
    col("detail", &["说明", "备注"], false),
];

pub(crate) struct ResourceRowIn {
    code: String,
    title: String,
    category: Category,
    unit: String,
    capacity: Capacity,
    windows: Vec<Window>,
    detail: String,
}

pub(crate) struct ResourceImport;

impl Importer for ResourceImport {
    const COLUMNS: &'static [ColumnSpec] = RESOURCE_COLUMNS;
    type Row = ResourceRowIn;

    async fn prepare(_store: &Store, _columns: &ColumnMap) -> anyhow::Result<Self> {
        Ok(ResourceImport)
    }

    fn check(&mut self, row: &mut RowCheck<'_>) -> Option<ResourceRowIn> {
        let code = row.parse(0, fields::code);
        let title = row.text(1, 100);
        let category = row.parse(2, Category::parse);
        let unit = row.parse(3, fields::code);
        let amount = row.required(4);
        let unit_of = row.required(5);
        let capacity = match (amount, unit_of) {
            (Some(a), Some(u)) => match Capacity::parse(a, u) {
                Ok(c) => Some(c),
                Err(e) => {
                    let f = if e.field() == Some("unit") { 5 } else { 4 };
                    row.fail(f, e.message);
                    None
                }
            },
            _ => None,
        };
        let windows = match row.opt(6) {
            None => Some(Vec::new()),
            Some(text) => match shequ_server::coop::service::parse_windows(text) {
                Ok(w) => Some(w),
                Err(e) => {
                    row.fail(6, e.message);
                    None
                }
            },
        };
        Some(ResourceRowIn {
            code: code?.to_owned(),
            title: title?.to_owned(),
            category: category?,
            unit: unit?.to_owned(),
            capacity: capacity?,
            windows: windows?,
            detail: row.opt(7).unwrap_or("").to_owned(),
        })
    }

    async fn store(
        &mut self,
        store: &Store,
        batch: Vec<(u64, ResourceRowIn)>,
        out: &mut BatchOutcome,
    ) -> anyhow::Result<()> {
        let now = shequ_store::now_ms();
        let mut units: HashMap<String, Option<i64>> = HashMap::new();
        for (line, r) in batch {
            if !units.contains_key(&r.unit) {
                let id = store.unit_by_code(&r.unit).await?.map(|u| u.id);
                units.insert(r.unit.clone(), id);
            }
            let Some(Some(unit_id)) = units.get(&r.unit).copied() else {
                refuse(
                    out,
                    line,
                    "unit",
                    format!(
                        "no resident unit has the code {}; import the units first",
                        r.unit
                    ),
                );
                continue;
            };
            let resource = NewResource {
                code: &r.code,
                title: &r.title,
                category: r.category,
                unit_id,
                capacity: r.capacity,
                windows: &r.windows,
                detail: &r.detail,
            };
            let (_, created) = store.upsert_resource(&resource, ACTOR, now).await?;
            counted(out, created);
        }
        Ok(())
    }
}
