//! `shequ import orgs`: the party organisation tree (党组织), one
//! organisation per row.
//!
//! | column | 中文 | required | value |
//! |---|---|---|---|
//! | `code` | 组织编码 | yes | 1–64 characters, no spaces; once per file |
//! | `name` | 组织名称 | yes | up to 100 characters |
//! | `kind` | 组织类别 | yes | `branch`, `joint_branch`, … or 党支部, 联合党支部, 党总支, … (`OrgKind::parse_label`) |
//! | `parent` | 上级组织编码 | no | code of an organisation in the file or already stored; empty for a root |
//! | `region` | 所属区域编码 | no | code of a stored region the organisation serves |
//! | `founded_on` | 成立日期 | no | a date |
//!
//! The file's tree is checked as a whole with the domain's `Tree::build`
//! before anything is stored (so a parent may come after its child): every
//! row that cannot stand is reported by its line (an unknown parent, a code
//! used twice, a kind its parent may not hold, each row of a cycle with the
//! cycle's path), as is every row under one refused; the rest are created
//! parents first. An organisation already stored is left as it is when the
//! row agrees with it, renamed when only the name differs, and the row is
//! refused when it would move it or change its kind.

use std::collections::HashMap;

use chrono::NaiveDate;
use shequ_domain::Code;
use shequ_domain::party::{OrgKind, OrgRow, Tree, TreeError};
use shequ_store::party::{NewPartyOrg, PartyOrg};
use shequ_store::{Store, StoreError};

use super::columns::{ColumnMap, ColumnSpec};
use super::fields::{self, RowCheck};
use super::places::{RegionEntry, region_index};
use super::{BatchOutcome, Importer, RowError};

const CODE: usize = 0;
const NAME: usize = 1;
const KIND: usize = 2;
const PARENT: usize = 3;
const REGION: usize = 4;
const FOUNDED_ON: usize = 5;

const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        name: "code",
        aliases: &["组织编码", "编码", "代码"],
        required: true,
    },
    ColumnSpec {
        name: "name",
        aliases: &["组织名称", "名称"],
        required: true,
    },
    ColumnSpec {
        name: "kind",
        aliases: &["组织类别", "类别", "类型"],
        required: true,
    },
    ColumnSpec {
        name: "parent",
        aliases: &["上级组织编码", "上级编码", "parent_code"],
        required: false,
    },
    ColumnSpec {
        name: "region",
        aliases: &["所属区域编码", "区域编码", "所属区域", "region_code"],
        required: false,
    },
    ColumnSpec {
        name: "founded_on",
        aliases: &["成立日期", "成立时间"],
        required: false,
    },
];

/// The actor the change log names for what an import creates.
const ACTOR: &str = "import";

/// A row that passed the checks needing no database.
pub(crate) struct OrgImportRow {
    code: String,
    name: String,
    kind: OrgKind,
    parent: Option<String>,
    region_id: Option<i64>,
    founded_on: Option<NaiveDate>,
}

pub(crate) struct OrgImport {
    regions: HashMap<String, RegionEntry>,
    /// Codes whose row was refused while reading, by line, so the rows
    /// under them can say why they cannot stand.
    refused: HashMap<String, u64>,
}

impl Importer for OrgImport {
    const COLUMNS: &'static [ColumnSpec] = COLUMNS;
    const WHOLE_FILE: bool = true;
    type Row = OrgImportRow;

    async fn prepare(store: &Store, _columns: &ColumnMap) -> anyhow::Result<Self> {
        Ok(Self {
            regions: region_index(store).await?,
            refused: HashMap::new(),
        })
    }

    fn check(&mut self, row: &mut RowCheck<'_>) -> Option<OrgImportRow> {
        let code = row.parse(CODE, fields::code);
        let name = row.text(NAME, 100);
        let kind = row.parse(KIND, OrgKind::parse_label);
        let parent = row.parse_opt(PARENT, fields::code);
        let region_id = row
            .opt(REGION)
            .and_then(|code| match self.regions.get(code) {
                Some(r) => Some(r.id),
                None => {
                    row.fail(
                        REGION,
                        format!("no region has the code {code}; import the regions first"),
                    );
                    None
                }
            });
        let founded_on = row.parse_opt(FOUNDED_ON, fields::date);
        let code = code?;
        let (Some(name), Some(kind), true) = (name, kind, row.ok()) else {
            self.refused.entry(code.to_owned()).or_insert(row.line);
            return None;
        };
        Some(OrgImportRow {
            code: code.to_owned(),
            name: name.to_owned(),
            kind,
            parent: parent.map(str::to_owned),
            region_id,
            founded_on,
        })
    }

    /// Gets the whole file at once ([`Importer::WHOLE_FILE`]): checks its
    /// tree against the stored one, then creates what stands.
    async fn store(
        &mut self,
        store: &Store,
        batch: Vec<(u64, OrgImportRow)>,
        out: &mut BatchOutcome,
    ) -> anyhow::Result<()> {
        let stored = store.party_orgs().await?;
        let by_code: HashMap<&str, &PartyOrg> =
            stored.iter().map(|o| (o.code.as_str(), o)).collect();
        let code_of: HashMap<i64, &str> = stored.iter().map(|o| (o.id, o.code.as_str())).collect();
        let mut refused: Vec<RowError> = Vec::new();
        let mut refuse = |line, field, reason: String| {
            refused.push(RowError {
                line,
                field,
                reason,
            })
        };

        // Rows naming a stored organisation: left, renamed or refused.
        let mut fresh = Vec::with_capacity(batch.len());
        let mut first_stored: HashMap<String, u64> = HashMap::new();
        for (line, row) in batch {
            let Some(org) = by_code.get(row.code.as_str()) else {
                fresh.push((line, row));
                continue;
            };
            if let Some(first) = first_stored.get(&row.code) {
                refuse(
                    line,
                    "code",
                    format!("the code is already used on line {first}"),
                );
                continue;
            }
            first_stored.insert(row.code.clone(), line);
            let parent = org.parent_id.and_then(|p| code_of.get(&p)).copied();
            if org.kind != row.kind.as_str() || parent != row.parent.as_deref() {
                refuse(
                    line,
                    if org.kind != row.kind.as_str() {
                        "kind"
                    } else {
                        "parent"
                    },
                    format!(
                        "organisation {} already exists as a {} under {}; an import cannot move an organisation or change its kind",
                        row.code,
                        org.kind,
                        parent.unwrap_or("nothing (a root)")
                    ),
                );
            } else if org.name != row.name {
                store
                    .rename_party_org(&row.code, &row.name, ACTOR, shequ_store::now_ms())
                    .await?;
                out.counts.updated += 1;
            } else {
                out.counts.unchanged += 1;
            }
        }

        // The new rows with the stored tree: drop what cannot stand, and
        // then what stood under it, until the rest is a tree.
        let stored_rows = stored
            .iter()
            .map(|o| {
                Ok(OrgRow {
                    line: 0,
                    code: o.code.clone(),
                    kind: OrgKind::parse(&o.kind)?,
                    parent: o
                        .parent_id
                        .and_then(|p| code_of.get(&p))
                        .map(|c| (*c).to_owned()),
                })
            })
            .collect::<Result<Vec<_>, shequ_domain::InvalidValue>>()
            .map_err(|e| anyhow::anyhow!("a stored organisation is corrupt: {e}"))?;
        let tree = loop {
            let mut rows = stored_rows.clone();
            rows.extend(fresh.iter().map(|(line, r)| OrgRow {
                line: *line as usize,
                code: r.code.clone(),
                kind: r.kind,
                parent: r.parent.clone(),
            }));
            let errors = match Tree::build(&rows) {
                Ok(tree) => break tree,
                Err(errors) => errors,
            };
            for e in errors {
                anyhow::ensure!(e.line > 0, "the stored party tree is broken: {e}");
                let line = e.line as u64;
                let (field, reason) = self.explain(&e, &fresh);
                if e.error.code != Code::PartyOrgDuplicate {
                    self.refused.entry(e.code.clone()).or_insert(line);
                }
                fresh.retain(|(l, _)| *l != line);
                refuse(line, field, reason);
            }
        };

        // Parents first: by depth in the tree, then in file order.
        fresh.sort_by_key(|(line, r)| (tree.ancestors(&r.code).count(), *line));
        let now = shequ_store::now_ms();
        for (line, r) in &fresh {
            let new = NewPartyOrg {
                code: &r.code,
                name: &r.name,
                kind: r.kind,
                parent: r.parent.as_deref(),
                region_id: r.region_id,
                founded_on: r.founded_on,
            };
            match store.create_party_org(&new, ACTOR, now).await {
                Ok(_) => out.counts.inserted += 1,
                Err(StoreError::Invalid(e)) => refuse(*line, e.field().unwrap_or("row"), e.message),
                Err(StoreError::Conflict { .. }) => refuse(
                    *line,
                    "code",
                    format!(
                        "organisation {} was created meanwhile by someone else",
                        r.code
                    ),
                ),
                Err(other) => return Err(other.into()),
            }
        }
        out.failed += refused.len() as u64;
        out.errors.append(&mut refused);
        Ok(())
    }
}

impl OrgImport {
    /// The field at fault and the reason, for one row the tree refuses.
    /// A parent that is unknown because its own row was refused says so.
    fn explain(&self, e: &TreeError, rows: &[(u64, OrgImportRow)]) -> (&'static str, String) {
        let parent = rows
            .iter()
            .find(|(l, _)| *l as usize == e.line)
            .and_then(|(_, r)| r.parent.as_deref());
        match e.error.code {
            Code::PartyOrgDuplicate => ("code", e.error.message.clone()),
            Code::PartyParentKind => ("kind", e.error.message.clone()),
            Code::PartyParentUnknown => {
                match parent.and_then(|p| Some((p, self.refused.get(p)?))) {
                    Some((p, line)) => (
                        "parent",
                        format!(
                            "the parent organisation {p} was refused on line {line}; fix that row first"
                        ),
                    ),
                    None => (
                        "parent",
                        format!(
                            "no organisation has the code {:?}, in this file or stored; fix the code or import the parent",
                            parent.unwrap_or_default()
                        ),
                    ),
                }
            }
            _ => ("parent", e.error.message.clone()),
        }
    }
}
