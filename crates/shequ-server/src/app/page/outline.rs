//! A small SVG outline of a region and its children, drawn on the server
//! from the stored GeoJSON polygons (no tile server exists offline).
//! Equirectangular projection: x = lon·cos(φ₀), y = −lat, with φ₀ the
//! middle latitude, which keeps shapes true at street and district scale.

use maud::{Markup, html};
use serde_json::Value;

/// Widest and tallest the drawing gets, in SVG units.
const MAX_W: f64 = 480.0;
const MAX_H: f64 = 360.0;
pub(crate) const PAD: f64 = 8.0;

/// A region to draw.
#[derive(Debug, Clone, Copy)]
pub struct Shape<'a> {
    pub href: &'a str,
    pub name: &'a str,
    /// GeoJSON geometry text (Polygon or MultiPolygon; a Feature is unwrapped).
    pub polygon: Option<&'a str>,
}

pub(crate) type Ring = Vec<(f64, f64)>;

fn ring(v: &Value) -> Option<Ring> {
    let pts: Ring = v
        .as_array()?
        .iter()
        .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
        .filter(|(lon, lat)| lon.is_finite() && lat.is_finite())
        .collect();
    (pts.len() >= 3).then_some(pts)
}

fn polygon_rings(v: &Value) -> Vec<Ring> {
    v.as_array()
        .map(|rings| rings.iter().filter_map(ring).collect())
        .unwrap_or_default()
}

/// The rings (outer and holes) of a GeoJSON geometry; nothing for text
/// that is not a polygon.
pub fn rings(text: &str) -> Vec<Ring> {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let geom = if v.get("type").and_then(Value::as_str) == Some("Feature") {
        v.get("geometry").cloned().unwrap_or(Value::Null)
    } else {
        v
    };
    let coords = geom.get("coordinates").cloned().unwrap_or(Value::Null);
    match geom.get("type").and_then(Value::as_str) {
        Some("Polygon") => polygon_rings(&coords),
        Some("MultiPolygon") => coords
            .as_array()
            .map(|polys| polys.iter().flat_map(polygon_rings).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Maps lon/lat to SVG coordinates for a set of rings.
pub(crate) struct Projection {
    pub(crate) k: f64,
    pub(crate) min_x: f64,
    pub(crate) min_y: f64,
    pub(crate) scale: f64,
    pub(crate) width: f64,
    pub(crate) height: f64,
}

impl Projection {
    pub(crate) fn fit<'a>(all: impl Iterator<Item = &'a Ring> + Clone) -> Option<Self> {
        let lats = all.clone().flatten().map(|p| p.1);
        let (lat_lo, lat_hi) = lats.fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
        if lat_lo > lat_hi {
            return None;
        }
        let k = ((lat_lo + lat_hi) / 2.0).to_radians().cos().max(0.01);
        let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(lon, lat) in all.flatten() {
            let (x, y) = (lon * k, -lat);
            min_x = min_x.min(x);
            max_x = max_x.max(x);
            min_y = min_y.min(y);
            max_y = max_y.max(y);
        }
        let (w, h) = ((max_x - min_x).max(1e-9), (max_y - min_y).max(1e-9));
        let scale = ((MAX_W - 2.0 * PAD) / w).min((MAX_H - 2.0 * PAD) / h);
        Some(Self {
            k,
            min_x,
            min_y,
            scale,
            width: w * scale + 2.0 * PAD,
            height: h * scale + 2.0 * PAD,
        })
    }

    pub(crate) fn point(&self, (lon, lat): (f64, f64)) -> (f64, f64) {
        (
            PAD + (lon * self.k - self.min_x) * self.scale,
            PAD + (-lat - self.min_y) * self.scale,
        )
    }

    pub(crate) fn path(&self, rings: &[Ring]) -> String {
        use std::fmt::Write;
        let mut d = String::new();
        for r in rings {
            for (i, p) in r.iter().enumerate() {
                let (x, y) = self.point(*p);
                let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
            }
            d.push('Z');
        }
        d
    }

    /// Where to write a region's name: the middle of its largest ring's box.
    pub(crate) fn label_at(&self, rings: &[Ring]) -> Option<(f64, f64)> {
        let biggest = rings.iter().max_by_key(|r| r.len())?;
        let (lo, hi) = biggest.iter().fold(
            ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN)),
            |(lo, hi), p| {
                (
                    (lo.0.min(p.0), lo.1.min(p.1)),
                    (hi.0.max(p.0), hi.1.max(p.1)),
                )
            },
        );
        Some(self.point(((lo.0 + hi.0) / 2.0, (lo.1 + hi.1) / 2.0)))
    }
}

/// The outline of `main` with its `children` inside, each child a link;
/// `None` when no polygon is stored.
pub fn outline(label: &str, main: Shape<'_>, children: &[Shape<'_>]) -> Option<Markup> {
    let main_rings = main.polygon.map(rings).unwrap_or_default();
    let kids: Vec<(Shape<'_>, Vec<Ring>)> = children
        .iter()
        .map(|c| (*c, c.polygon.map(rings).unwrap_or_default()))
        .filter(|(_, r)| !r.is_empty())
        .collect();
    let all = main_rings
        .iter()
        .chain(kids.iter().flat_map(|(_, r)| r.iter()));
    let proj = Projection::fit(all)?;
    let font = (proj.width.max(proj.height) / 34.0).max(8.0);
    Some(html! {
        svg.outline viewBox={ "0 0 " (format!("{:.0} {:.0}", proj.width, proj.height)) }
            role="img" aria-label=(label) xmlns="http://www.w3.org/2000/svg" {
            @for (c, r) in &kids {
                a href=(c.href) {
                    title { (c.name) }
                    path.child d=(proj.path(r)) {}
                }
            }
            @if !main_rings.is_empty() {
                path.main d=(proj.path(&main_rings)) {}
            }
            @for (c, r) in &kids {
                @if let Some((x, y)) = proj.label_at(r) {
                    text.label x=(format!("{x:.1}")) y=(format!("{y:.1}")) font-size=(format!("{font:.0}"))
                        text-anchor="middle" dominant-baseline="middle" { (c.name) }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(w: f64, s: f64, e: f64, n: f64) -> String {
        format!(
            "{{\"type\":\"Polygon\",\"coordinates\":[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]}}"
        )
    }

    #[test]
    fn reads_polygons_multipolygons_and_features() {
        assert_eq!(rings(&rect(0.0, 0.0, 1.0, 1.0)).len(), 1);
        let multi = r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}"#;
        assert_eq!(rings(multi).len(), 2);
        let feature = format!(
            "{{\"type\":\"Feature\",\"geometry\":{}}}",
            rect(0.0, 0.0, 1.0, 1.0)
        );
        assert_eq!(rings(&feature).len(), 1);
        assert!(rings("not json").is_empty());
        assert!(rings(r#"{"type":"Point","coordinates":[1,2]}"#).is_empty());
    }

    #[test]
    fn longitude_shrinks_with_latitude() {
        // A 1°×1° square at 60° N is half as wide as it is tall.
        let r = rings(&rect(10.0, 59.5, 11.0, 60.5));
        let p = Projection::fit(r.iter()).expect("fits");
        let ratio = (p.width - 2.0 * PAD) / (p.height - 2.0 * PAD);
        assert!((ratio - 0.5).abs() < 0.01, "{ratio}");
        // North is up: the northern edge has the smaller y.
        assert!(p.point((10.0, 60.5)).1 < p.point((10.0, 59.5)).1);
    }

    #[test]
    fn draws_children_as_links_inside_the_parent() {
        let parent = rect(121.42, 31.16, 121.45, 31.18);
        let child = rect(121.42, 31.16, 121.435, 31.18);
        let svg = outline(
            "田林街道",
            Shape {
                href: "/regions/P",
                name: "田林街道",
                polygon: Some(&parent),
            },
            &[Shape {
                href: "/regions/C",
                name: "一村",
                polygon: Some(&child),
            }],
        )
        .expect("drawn")
        .into_string();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("href=\"/regions/C\""), "{svg}");
        assert!(svg.contains("class=\"main\""), "{svg}");
        assert!(svg.contains(">一村</text>"), "{svg}");
        assert!(
            outline(
                "x",
                Shape {
                    href: "/",
                    name: "x",
                    polygon: None
                },
                &[]
            )
            .is_none()
        );
    }
}
