//! `shequ import members`: party members (党员), one per row, each a person
//! of the registry found by identity number and never created here.
//!
//! | column | 中文 | required | value |
//! |---|---|---|---|
//! | `identity_number` | 身份证号 | yes | 18 characters, GB 11643 checksum; a person already imported with `shequ import people`; once per file |
//! | `org` | 所在党组织编码 | yes | code of a stored organisation that holds members (a branch, 党总支, new-sector organisation or group) |
//! | `joined_on` | 入党日期 | yes | a date; the membership of `org` runs from it |
//! | `probation_end` | 预备期满日期 | no | after `joined_on`; without `converted_on` the member is probationary (预备党员) until then |
//! | `converted_on` | 转正日期 | no | after `joined_on`; the member is full (正式党员) |
//! | `unit` | 工作单位 | no | the in-service unit, up to 200 characters |
//! | `mobile` | 流动党员 | no | `yes`/`no` (是/否, `true`/`false`, `1`/`0`); empty is no |
//!
//! A member already in `org` is left as they are or their record updated;
//! one already in another organisation is refused (transfer them instead).

use std::collections::HashMap;

use chrono::NaiveDate;
use shequ_domain::IdentityNumber;
use shequ_domain::party::{MemberStanding, OrgKind, Standing};
use shequ_store::Store;
use shequ_store::party::{Joined, JoiningMember, NewPartyMember};

use super::columns::{ColumnMap, ColumnSpec};
use super::fields::{self, RowCheck};
use super::{BatchOutcome, Importer, RowError};

const IDENTITY_NUMBER: usize = 0;
const ORG: usize = 1;
const JOINED_ON: usize = 2;
const PROBATION_END: usize = 3;
const CONVERTED_ON: usize = 4;
const UNIT: usize = 5;
const MOBILE: usize = 6;

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
        name: "org",
        aliases: &["所在党组织编码", "党组织编码", "组织编码", "org_code"],
        required: true,
    },
    ColumnSpec {
        name: "joined_on",
        aliases: &["入党日期", "入党时间"],
        required: true,
    },
    ColumnSpec {
        name: "probation_end",
        aliases: &["预备期满日期", "预备期满"],
        required: false,
    },
    ColumnSpec {
        name: "converted_on",
        aliases: &["转正日期", "转正时间"],
        required: false,
    },
    ColumnSpec {
        name: "unit",
        aliases: &["工作单位", "单位"],
        required: false,
    },
    ColumnSpec {
        name: "mobile",
        aliases: &["流动党员", "是否流动党员"],
        required: false,
    },
];

/// A row that passed the checks needing no database.
pub(crate) struct MemberRow {
    identity_number: String,
    org: String,
    standing: MemberStanding,
    unit: String,
    mobile: bool,
}

pub(crate) struct MemberImport {
    /// The stored organisations' kinds, by code.
    orgs: HashMap<String, OrgKind>,
    /// Line of each identity number's first row.
    seen: HashMap<String, u64>,
}

impl Importer for MemberImport {
    const COLUMNS: &'static [ColumnSpec] = COLUMNS;
    type Row = MemberRow;

    async fn prepare(store: &Store, _columns: &ColumnMap) -> anyhow::Result<Self> {
        let mut orgs = HashMap::new();
        for o in store.party_orgs().await? {
            let kind = OrgKind::parse(&o.kind)
                .map_err(|e| anyhow::anyhow!("stored organisation {} is corrupt: {e}", o.code))?;
            orgs.insert(o.code, kind);
        }
        Ok(Self {
            orgs,
            seen: HashMap::new(),
        })
    }

    fn check(&mut self, row: &mut RowCheck<'_>) -> Option<MemberRow> {
        let id = row.parse_text(
            IDENTITY_NUMBER,
            "a spreadsheet keeps only 15 significant digits of a number, so an 18-digit \
             identity number stored as one has lost its last digits",
            IdentityNumber::parse,
        );
        let org = row.parse(ORG, fields::code);
        if let Some(code) = org {
            match self.orgs.get(code) {
                None => row.fail(
                    ORG,
                    format!("no organisation has the code {code}; import the organisations first"),
                ),
                Some(kind) if !kind.holds_members() => row.fail(
                    ORG,
                    format!(
                        "{code} is a {}, which holds members only through its branches",
                        kind.as_str()
                    ),
                ),
                Some(_) => {}
            }
        }
        let joined_on = row.parse(JOINED_ON, fields::date);
        let probation_end = row.parse_opt(PROBATION_END, fields::date);
        let converted_on = row.parse_opt(CONVERTED_ON, fields::date);
        let unit = match row.opt(UNIT) {
            Some(_) => row.text(UNIT, 200).unwrap_or_default(),
            None => "",
        };
        let mobile = row.parse_opt(MOBILE, yes_no).unwrap_or(false);
        let standing =
            joined_on.and_then(|joined| standing(row, joined, probation_end, converted_on));

        let id = String::from(id?);
        if let Some(first) = self.seen.get(&id) {
            row.fail(
                IDENTITY_NUMBER,
                format!("the same identity number is on line {first}; each member may appear once per file"),
            );
            return None;
        }
        self.seen.insert(id.clone(), row.line);
        let (Some(org), Some(standing), true) = (org, standing, row.ok()) else {
            return None;
        };
        Some(MemberRow {
            identity_number: id,
            org: org.to_owned(),
            standing,
            unit: unit.to_owned(),
            mobile,
        })
    }

    async fn store(
        &mut self,
        store: &Store,
        batch: Vec<(u64, MemberRow)>,
        out: &mut BatchOutcome,
    ) -> anyhow::Result<()> {
        let numbers: Vec<&str> = batch
            .iter()
            .map(|(_, r)| r.identity_number.as_str())
            .collect();
        let ids = store.person_ids_by_identity(&numbers).await?;
        let mut lines = Vec::with_capacity(batch.len());
        let mut rows = Vec::with_capacity(batch.len());
        for (line, r) in &batch {
            let Some(&person_id) = ids.get(&r.identity_number) else {
                out.failed += 1;
                out.errors.push(RowError {
                    line: *line,
                    field: "identity_number",
                    reason: "the person with this identity number is not in the registry; import \
                             them as people first (shequ import people)"
                        .to_owned(),
                });
                continue;
            };
            lines.push(*line);
            rows.push(JoiningMember {
                person_id,
                org_code: &r.org,
                member: NewPartyMember {
                    standing: r.standing,
                    unit: &r.unit,
                    mobile: r.mobile,
                },
                from: r.standing.joined_on,
            });
        }
        let outcomes = store
            .add_party_members(&rows, shequ_store::now_ms())
            .await?;
        for (line, outcome) in lines.into_iter().zip(outcomes) {
            match outcome {
                Ok(Joined::Added) => out.counts.inserted += 1,
                Ok(Joined::Updated) => out.counts.updated += 1,
                Ok(Joined::Unchanged) => out.counts.unchanged += 1,
                Err(e) => {
                    out.failed += 1;
                    out.errors.push(RowError {
                        line,
                        field: match e.field() {
                            Some("org") => "org",
                            _ => "identity_number",
                        },
                        reason: e.message,
                    });
                }
            }
        }
        Ok(())
    }
}

/// The member's standing from the row's dates, through the domain's
/// checks: each of probation end and conversion must come after joining.
fn standing(
    row: &mut RowCheck<'_>,
    joined_on: NaiveDate,
    probation_end: Option<NaiveDate>,
    converted_on: Option<NaiveDate>,
) -> Option<MemberStanding> {
    let mut checked = |standing| match MemberStanding::new(joined_on, standing) {
        Ok(s) => Some(s),
        Err(e) => {
            let field = e.field().unwrap_or("joined_on");
            row.fail_named(field, e.message);
            None
        }
    };
    let probation = probation_end.map(|end| checked(Standing::Probationary { probation_end: end }));
    match converted_on {
        Some(c) => {
            let full = checked(Standing::Full {
                converted_on: Some(c),
            });
            full.filter(|_| !matches!(probation, Some(None)))
        }
        None => match probation {
            Some(p) => p,
            None => checked(Standing::Full { converted_on: None }),
        },
    }
}

fn yes_no(s: &str) -> Result<bool, shequ_domain::InvalidValue> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "是" | "流动" | "流动党员" => Ok(true),
        "no" | "n" | "false" | "0" | "否" | "" => Ok(false),
        other => Err(shequ_domain::InvalidValue::new(
            shequ_domain::Code::ImportValueInvalid,
            format!("{other:?} is neither yes nor no; write yes or no (是/否)"),
        )),
    }
}
