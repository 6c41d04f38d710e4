//! A walking network (步行网络) from GeoJSON: every LineString (or each
//! line of a MultiLineString) is a path, each vertex a node, each segment
//! an edge both ways with its length on the ground. Lines join where they
//! share a vertex (as OpenStreetMap's ways do at junctions); two lines
//! that cross without one — a bridge over a road — do not.
//!
//! What is refused, each saying what and where: a file that is not JSON
//! (line and column), one with no LineString, a coordinate that is not a
//! longitude/latitude pair, a point outside the street's bounds, and a
//! line that crosses itself (a scribble, not a path).

use std::collections::HashMap;

use serde_json::Value;

use super::geo::{Grid, Point, metres};
use crate::{Code, InvalidValue};

/// A rectangle of longitude and latitude: the street's extent, with some
/// margin, that a network must lie in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub min: Point,
    pub max: Point,
}

impl Bounds {
    pub fn contains(&self, p: Point) -> bool {
        (self.min.0..=self.max.0).contains(&p.0) && (self.min.1..=self.max.1).contains(&p.1)
    }

    /// These bounds grown by `metres` on every side.
    pub fn grown(&self, by_metres: f64) -> Self {
        let dlat = by_metres / 111_195.0;
        let dlon = dlat / self.min.1.to_radians().cos().max(0.1);
        Self {
            min: (self.min.0 - dlon, self.min.1 - dlat),
            max: (self.max.0 + dlon, self.max.1 + dlat),
        }
    }

    /// The smallest bounds holding every point.
    pub fn of(points: impl IntoIterator<Item = Point>) -> Option<Self> {
        let mut it = points.into_iter();
        let first = it.next()?;
        Some(it.fold(
            Self {
                min: first,
                max: first,
            },
            |b, p| Self {
                min: (b.min.0.min(p.0), b.min.1.min(p.1)),
                max: (b.max.0.max(p.0), b.max.1.max(p.1)),
            },
        ))
    }
}

/// The walking network: nodes and their edges in compressed rows.
#[derive(Debug, Clone)]
pub struct Network {
    nodes: Vec<Point>,
    /// `offsets[n]..offsets[n + 1]` index node `n`'s edges.
    offsets: Vec<u32>,
    targets: Vec<u32>,
    lengths: Vec<f32>,
    index: Grid,
}

/// What reading a network found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadReport {
    pub lines: usize,
    /// Features that are not lines (points, polygons), left out.
    pub skipped: usize,
}

fn bad(code: Code, message: String) -> InvalidValue {
    InvalidValue::new(code, message).at("network")
}

fn point(v: &Value, feature: usize) -> Result<Point, InvalidValue> {
    let pair = v.as_array().filter(|a| a.len() >= 2);
    let lon = pair.and_then(|a| a[0].as_f64());
    let lat = pair.and_then(|a| a[1].as_f64());
    match (lon, lat) {
        (Some(lon), Some(lat))
            if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) =>
        {
            Ok((lon, lat))
        }
        _ => Err(bad(
            Code::CircleNetworkCoordinates,
            format!("feature {feature}: {v} is not a [longitude, latitude] pair"),
        )),
    }
}

fn line(v: &Value, feature: usize) -> Result<Vec<Point>, InvalidValue> {
    v.as_array()
        .ok_or_else(|| {
            bad(
                Code::CircleNetworkCoordinates,
                format!("feature {feature}: a LineString's coordinates must be a list of points"),
            )
        })?
        .iter()
        .map(|p| point(p, feature))
        .collect()
}

/// Whether segments ab and cd cross (touching at an end counts).
fn segments_cross(a: Point, b: Point, c: Point, d: Point) -> Option<Point> {
    let r = (b.0 - a.0, b.1 - a.1);
    let s = (d.0 - c.0, d.1 - c.1);
    let denom = r.0 * s.1 - r.1 * s.0;
    if denom.abs() < 1e-18 {
        return None;
    }
    let t = ((c.0 - a.0) * s.1 - (c.1 - a.1) * s.0) / denom;
    let u = ((c.0 - a.0) * r.1 - (c.1 - a.1) * r.0) / denom;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u)).then_some((a.0 + t * r.0, a.1 + t * r.1))
}

/// Where a line crosses itself: two segments that are not neighbours
/// meeting (a closed ring's last and first segments are neighbours).
fn self_crossing(points: &[Point]) -> Option<Point> {
    let n = points.len();
    if n < 4 {
        return None;
    }
    let closed = points[0] == points[n - 1];
    for i in 0..n - 1 {
        for j in i + 2..n - 1 {
            if closed && i == 0 && j == n - 2 {
                continue;
            }
            if let Some(at) = segments_cross(points[i], points[i + 1], points[j], points[j + 1]) {
                return Some(at);
            }
        }
    }
    None
}

impl Network {
    /// Reads a GeoJSON FeatureCollection, Feature or bare geometry of
    /// LineStrings and MultiLineStrings, every point within `bounds` when
    /// given.
    pub fn from_geojson(
        text: &str,
        bounds: Option<Bounds>,
    ) -> Result<(Self, ReadReport), InvalidValue> {
        let doc: Value = serde_json::from_str(text).map_err(|e| {
            bad(
                Code::CircleNetworkJson,
                format!(
                    "not GeoJSON: {e} (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let features: Vec<&Value> = match doc["type"].as_str() {
            Some("FeatureCollection") => doc["features"]
                .as_array()
                .map(|f| f.iter().collect())
                .unwrap_or_default(),
            _ => vec![&doc],
        };
        let mut lines = Vec::new();
        let mut report = ReadReport::default();
        for (i, f) in features.iter().enumerate() {
            let geometry = if f["type"].as_str() == Some("Feature") {
                &f["geometry"]
            } else {
                *f
            };
            let found = match geometry["type"].as_str() {
                Some("LineString") => vec![line(&geometry["coordinates"], i)?],
                Some("MultiLineString") => geometry["coordinates"]
                    .as_array()
                    .map(|ls| ls.iter().map(|l| line(l, i)).collect::<Result<Vec<_>, _>>())
                    .transpose()?
                    .unwrap_or_default(),
                _ => {
                    report.skipped += 1;
                    continue;
                }
            };
            for l in found {
                if let Some((b, p)) =
                    bounds.and_then(|b| l.iter().find(|p| !b.contains(**p)).map(|p| (b, p)))
                {
                    return Err(bad(
                        Code::CircleNetworkOutside,
                        format!(
                            "feature {i}: the point ({:.6}, {:.6}) lies outside the street ({:.4}–{:.4} E, {:.4}–{:.4} N); is this the right file?",
                            p.0, p.1, b.min.0, b.max.0, b.min.1, b.max.1
                        ),
                    ));
                }
                if let Some(at) = self_crossing(&l) {
                    return Err(bad(
                        Code::CircleNetworkSelfCrossing,
                        format!(
                            "feature {i}: the line crosses itself at ({:.6}, {:.6}); a path does not — split it into lines that meet at junctions",
                            at.0, at.1
                        ),
                    ));
                }
                if l.len() >= 2 {
                    lines.push(l);
                }
            }
        }
        if lines.is_empty() {
            return Err(bad(
                Code::CircleNetworkEmpty,
                format!(
                    "no LineString in the file ({} other features): the walking network is made of lines, such as OpenStreetMap's footways and roads",
                    report.skipped
                ),
            ));
        }
        report.lines = lines.len();
        Ok((Self::from_lines(&lines), report))
    }

    /// The network of these lines; lines join at shared vertices (equal to
    /// about a centimetre).
    pub fn from_lines(lines: &[Vec<Point>]) -> Self {
        let key = |p: Point| ((p.0 * 1e7).round() as i64, (p.1 * 1e7).round() as i64);
        let mut ids: HashMap<(i64, i64), u32> = HashMap::new();
        let mut nodes: Vec<Point> = Vec::new();
        let mut edges: Vec<(u32, u32, f32)> = Vec::new();
        for l in lines {
            let mut prev: Option<u32> = None;
            for p in l {
                let id = *ids.entry(key(*p)).or_insert_with(|| {
                    nodes.push(*p);
                    (nodes.len() - 1) as u32
                });
                if let Some(q) = prev.filter(|q| *q != id) {
                    let len = metres(nodes[q as usize], nodes[id as usize]) as f32;
                    edges.push((q, id, len));
                    edges.push((id, q, len));
                }
                prev = Some(id);
            }
        }
        edges.sort_unstable_by_key(|e| (e.0, e.1));
        edges.dedup_by_key(|e| (e.0, e.1));
        let mut offsets = vec![0u32; nodes.len() + 1];
        for e in &edges {
            offsets[e.0 as usize + 1] += 1;
        }
        for i in 0..nodes.len() {
            offsets[i + 1] += offsets[i];
        }
        let index = Grid::new(&nodes, 50.0);
        Self {
            nodes,
            offsets,
            targets: edges.iter().map(|e| e.1).collect(),
            lengths: edges.iter().map(|e| e.2).collect(),
            index,
        }
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Edges, each way counted once.
    pub fn edge_count(&self) -> usize {
        self.targets.len() / 2
    }

    pub fn node(&self, n: u32) -> Point {
        self.nodes[n as usize]
    }

    /// Node `n`'s neighbours with the length of the edge to each.
    pub fn edges_of(&self, n: u32) -> impl Iterator<Item = (u32, f32)> + '_ {
        let (a, b) = (
            self.offsets[n as usize] as usize,
            self.offsets[n as usize + 1] as usize,
        );
        self.targets[a..b]
            .iter()
            .copied()
            .zip(self.lengths[a..b].iter().copied())
    }

    /// The node nearest `p` and how far it is (the snap).
    pub fn snap(&self, p: Point) -> Option<(u32, f64)> {
        self.index.nearest(p)
    }

    /// The lines, as node pairs once each, for drawing.
    pub fn segments(&self) -> impl Iterator<Item = (Point, Point)> + '_ {
        (0..self.nodes.len() as u32).flat_map(move |a| {
            self.edges_of(a)
                .filter(move |(b, _)| *b > a)
                .map(move |(b, _)| (self.node(a), self.node(b)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn street() -> Bounds {
        Bounds {
            min: (121.40, 31.15),
            max: (121.46, 31.19),
        }
    }

    #[test]
    fn lines_join_where_they_share_a_vertex() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":{"type":"LineString","coordinates":[[121.42,31.17],[121.43,31.17],[121.44,31.17]]}},
            {"type":"Feature","geometry":{"type":"LineString","coordinates":[[121.43,31.16],[121.43,31.17],[121.43,31.18]]}},
            {"type":"Feature","geometry":{"type":"Point","coordinates":[121.43,31.17]}}]}"#;
        let (n, report) = Network::from_geojson(text, Some(street())).expect("read");
        assert_eq!(
            report,
            ReadReport {
                lines: 2,
                skipped: 1
            }
        );
        assert_eq!(
            (n.node_count(), n.edge_count()),
            (5, 4),
            "one junction at (121.43, 31.17)"
        );
        let (junction, snap) = n.snap((121.4301, 31.1701)).expect("snap");
        assert_eq!(n.edges_of(junction).count(), 4);
        assert!(snap < 20.0, "{snap}");
    }

    #[test]
    fn bad_files_say_what_and_where() {
        let cases = [
            ("{\"type\": ", Code::CircleNetworkJson, "line 1"),
            (
                r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[121.43,31.17]}}]}"#,
                Code::CircleNetworkEmpty,
                "no LineString",
            ),
            (
                r#"{"type":"LineString","coordinates":[[121.43,31.17],[120.0,31.17]]}"#,
                Code::CircleNetworkOutside,
                "(120.000000, 31.170000)",
            ),
            (
                r#"{"type":"LineString","coordinates":[[121.43,31.17],["east",31.17]]}"#,
                Code::CircleNetworkCoordinates,
                "feature 0",
            ),
            (
                r#"{"type":"LineString","coordinates":[[121.42,31.17],[121.44,31.17],[121.44,31.18],[121.43,31.16]]}"#,
                Code::CircleNetworkSelfCrossing,
                "crosses itself at (121.43",
            ),
        ];
        for (text, code, says) in cases {
            let e = Network::from_geojson(text, Some(street())).expect_err(text);
            assert_eq!(e.code, code, "{text}: {}", e.message);
            assert!(e.message.contains(says), "{}", e.message);
            assert_eq!(e.field(), Some("network"));
        }
        // A closed ring (a block walked round) is not a crossing.
        let ring = r#"{"type":"LineString","coordinates":[[121.42,31.17],[121.43,31.17],[121.43,31.18],[121.42,31.18],[121.42,31.17]]}"#;
        let (n, _) = Network::from_geojson(ring, Some(street())).expect("a ring");
        assert_eq!((n.node_count(), n.edge_count()), (4, 4));
    }
}
