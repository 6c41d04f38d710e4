//! `shequ import regions`: the region tree, one node per row.
//!
//! | column | 中文 | required | value |
//! |---|---|---|---|
//! | `code` | 编码 | yes | 1–32 ASCII letters, digits, `-`, `_` |
//! | `name` | 名称 | yes | up to 100 characters |
//! | `kind` | 类型 | yes | `city`, `district`, `street`, `neighbourhood`, `grid` (or 市, 区, 街道/镇, 居民区/居委/村, 网格) |
//! | `parent_code` | 上级编码 | column optional | empty only for a city; the parent must be one level up and listed earlier in the file or already stored |
//! | `polygon` | 边界 | no | a GeoJSON `Polygon` or `MultiPolygon` geometry (or a Feature holding one), as text |
//! | `center_lon`, `center_lat` | 中心经度, 中心纬度 | no | WGS-84; computed as the polygon's centroid when absent |
//!
//! A region already stored keeps its place in the tree: a row that would
//! move it under another parent or change its kind is refused.

use std::collections::HashMap;

use geo::Centroid;
use geojson::{GeoJson, GeometryValue};
use shequ_domain::{RegionCode, RegionKind, RegionPath};
use shequ_store::regions::{Change, NewRegion, RegionRejected};
use shequ_store::{Scope, Store};

use super::columns::{ColumnMap, ColumnSpec};
use super::fields::RowCheck;
use super::{BatchOutcome, Importer, RowError};

const CODE: usize = 0;
const NAME: usize = 1;
const KIND: usize = 2;
const PARENT_CODE: usize = 3;
const POLYGON: usize = 4;
const CENTER_LON: usize = 5;
const CENTER_LAT: usize = 6;

const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        name: "code",
        aliases: &["编码", "代码", "区划代码"],
        required: true,
    },
    ColumnSpec {
        name: "name",
        aliases: &["名称"],
        required: true,
    },
    ColumnSpec {
        name: "kind",
        aliases: &["类型", "层级", "级别"],
        required: true,
    },
    ColumnSpec {
        name: "parent_code",
        aliases: &["上级编码", "上级代码", "父级编码"],
        required: false,
    },
    ColumnSpec {
        name: "polygon",
        aliases: &["边界", "范围", "多边形"],
        required: false,
    },
    ColumnSpec {
        name: "center_lon",
        aliases: &["中心经度"],
        required: false,
    },
    ColumnSpec {
        name: "center_lat",
        aliases: &["中心纬度"],
        required: false,
    },
];

struct Known {
    kind: RegionKind,
    path: RegionPath,
}

pub(crate) struct RegionImport {
    /// Stored regions plus the file's accepted rows so far.
    known: HashMap<String, Known>,
    /// Line of each code's first row in this file.
    seen: HashMap<String, u64>,
    /// Codes whose row was refused, so children can say why.
    refused: HashMap<String, u64>,
}

impl Importer for RegionImport {
    const COLUMNS: &'static [ColumnSpec] = COLUMNS;
    type Row = NewRegion;

    async fn prepare(store: &Store, _columns: &ColumnMap) -> anyhow::Result<Self> {
        let mut known = HashMap::new();
        for r in store.regions_in(&Scope::everything()).await? {
            let (Ok(kind), Ok(path)) = (RegionKind::parse(&r.kind), RegionPath::parse(&r.path))
            else {
                anyhow::bail!("stored region {} has a corrupt kind or path", r.code);
            };
            known.insert(r.code, Known { kind, path });
        }
        Ok(Self {
            known,
            seen: HashMap::new(),
            refused: HashMap::new(),
        })
    }

    fn check(&mut self, row: &mut RowCheck<'_>) -> Option<NewRegion> {
        let code = row.parse(CODE, RegionCode::parse);
        let name = row.text(NAME, 100);
        let kind = row.parse(KIND, RegionKind::parse);
        let parent_code = row.parse_opt(PARENT_CODE, RegionCode::parse);
        let shape = row.opt(POLYGON).and_then(|text| match parse_shape(text) {
            Ok(s) => Some(s),
            Err(reason) => {
                row.fail(POLYGON, reason);
                None
            }
        });
        let lon = row.number_opt(CENTER_LON, -180.0, 180.0);
        let lat = row.number_opt(CENTER_LAT, -90.0, 90.0);
        let given_center = match (lon, lat) {
            (Some(lon), Some(lat)) => Some((lon, lat)),
            (None, None) => None,
            (Some(_), None) if row.opt(CENTER_LAT).is_none() => {
                row.fail(CENTER_LAT, "is required when center_lon is given");
                None
            }
            (None, Some(_)) if row.opt(CENTER_LON).is_none() => {
                row.fail(CENTER_LON, "is required when center_lat is given");
                None
            }
            _ => None,
        };
        let code = code?;
        if let Some(first) = self.seen.get(code.as_str()) {
            row.fail(
                CODE,
                format!("code {code} already appears on line {first}; each region may appear once per file"),
            );
            return None;
        }
        self.seen.insert(code.to_string(), row.line);
        let path = kind.and_then(|kind| self.place(row, &code, kind, parent_code.as_ref()));
        let (Some(name), Some(kind), Some(path), true) = (name, kind, path, row.ok()) else {
            self.refused.insert(code.to_string(), row.line);
            return None;
        };
        let (polygon, centroid) = shape.map_or((None, None), |(p, c)| (Some(p), c));
        self.known.insert(code.to_string(), Known { kind, path });
        Some(NewRegion {
            code,
            name: name.to_owned(),
            kind,
            parent_code,
            polygon,
            center: given_center.or(centroid),
        })
    }

    async fn store(
        &mut self,
        store: &Store,
        batch: Vec<(u64, NewRegion)>,
        out: &mut BatchOutcome,
    ) -> anyhow::Result<()> {
        let (lines, rows): (Vec<u64>, Vec<NewRegion>) = batch.into_iter().unzip();
        let outcomes = store.upsert_regions(&rows).await?;
        for ((line, row), outcome) in lines.into_iter().zip(&rows).zip(outcomes) {
            match outcome {
                Ok(Change::Inserted) => out.counts.inserted += 1,
                Ok(Change::Updated) => out.counts.updated += 1,
                Ok(Change::Unchanged) => out.counts.unchanged += 1,
                Err(rejected) => {
                    // The checks above should have caught this; the store
                    // has the last word all the same.
                    self.known.remove(row.code.as_str());
                    out.failed += 1;
                    let field = match rejected {
                        RegionRejected::WrongLevel { .. } => "kind",
                        _ => "parent_code",
                    };
                    out.errors.push(RowError {
                        line,
                        field,
                        reason: rejected.to_string(),
                    });
                }
            }
        }
        Ok(())
    }
}

impl RegionImport {
    /// Where the region goes in the tree, or an error on the row.
    fn place(
        &self,
        row: &mut RowCheck<'_>,
        code: &RegionCode,
        kind: RegionKind,
        parent: Option<&RegionCode>,
    ) -> Option<RegionPath> {
        let path = match parent {
            None if kind == RegionKind::City => RegionPath::root(code),
            None => {
                row.fail(
                    PARENT_CODE,
                    format!("is required for a {kind}; only a city has no parent"),
                );
                return None;
            }
            Some(p) => match self.known.get(p.as_str()) {
                None => {
                    let reason = match self.refused.get(p.as_str()) {
                        Some(line) => format!(
                            "parent region {p} was refused on line {line}; fix that row first"
                        ),
                        None => format!(
                            "parent region {p} does not exist; list parents before their children or import them first"
                        ),
                    };
                    row.fail(PARENT_CODE, reason);
                    return None;
                }
                Some(parent) if parent.kind.child_kind() != Some(kind) => {
                    let expected = parent
                        .kind
                        .child_kind()
                        .map_or("nothing", RegionKind::as_str);
                    row.fail(
                        KIND,
                        format!(
                            "a {kind} cannot be placed under the {} {p}; its children are of kind {expected}",
                            parent.kind
                        ),
                    );
                    return None;
                }
                Some(parent) => parent.path.child(code),
            },
        };
        if let Some(existing) = self.known.get(code.as_str())
            && (existing.kind != kind || existing.path != path)
        {
            row.fail(
                PARENT_CODE,
                format!(
                    "region {code} already exists as a {} at {}; import cannot move a region or change its kind",
                    existing.kind, existing.path
                ),
            );
            return None;
        }
        Some(path)
    }
}

/// Parses a GeoJSON Polygon or MultiPolygon: returns it as compact text and
/// its centroid.
fn parse_shape(text: &str) -> Result<(String, Option<(f64, f64)>), String> {
    let geometry = match text.parse::<GeoJson>() {
        Ok(GeoJson::Geometry(g)) => g,
        Ok(GeoJson::Feature(f)) => f
            .geometry
            .ok_or("is a GeoJSON Feature without a geometry")?,
        Ok(GeoJson::FeatureCollection(_)) => {
            return Err(
                "is a FeatureCollection; give one Polygon or MultiPolygon per region".to_owned(),
            );
        }
        Err(e) => return Err(format!("is not valid GeoJSON: {e}")),
    };
    let polygons: Vec<&Vec<Vec<geojson::Position>>> = match &geometry.value {
        GeometryValue::Polygon { coordinates } => vec![coordinates],
        GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
        other => {
            return Err(format!(
                "is a GeoJSON {}; use a Polygon or MultiPolygon",
                other.type_name()
            ));
        }
    };
    for rings in &polygons {
        if rings.is_empty() {
            return Err("has a polygon without rings".to_owned());
        }
        for ring in rings.iter() {
            if ring.len() < 4
                || ring.first().map(|p| p.as_slice()) != ring.last().map(|p| p.as_slice())
            {
                return Err("has a ring that is not closed (a ring needs 4 or more positions, the last equal to the first)".to_owned());
            }
            for p in ring {
                let c = p.as_slice();
                if c.len() < 2
                    || !(-180.0..=180.0).contains(&c[0])
                    || !(-90.0..=90.0).contains(&c[1])
                {
                    return Err(format!(
                        "has the position {c:?}, which is not a WGS-84 longitude, latitude"
                    ));
                }
            }
        }
    }
    let shape = geo::MultiPolygon::<f64>::try_from(&geometry.value)
        .or_else(|_| {
            geo::Polygon::<f64>::try_from(&geometry.value).map(|p| geo::MultiPolygon(vec![p]))
        })
        .map_err(|e| format!("cannot be read as a polygon: {e}"))?;
    let centre = shape.centroid().map(|p| (p.x(), p.y()));
    Ok((geometry.to_string(), centre))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_parse_and_centre() {
        let (text, centre) =
            parse_shape(r#"{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]]]}"#)
                .expect("valid");
        assert!(text.contains("Polygon"));
        assert_eq!(centre, Some((1.0, 1.0)));
        let multi = r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}"#;
        assert!(parse_shape(multi).is_ok());
        assert!(parse_shape(r#"{"type":"Point","coordinates":[1,2]}"#).is_err());
        assert!(parse_shape(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}"#).is_err());
        assert!(parse_shape("not json").is_err());
    }
}
