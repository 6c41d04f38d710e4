//! The command centre's map: neighbourhoods outlined and named, grids
//! shaded by their open orders (each a link that opens its panel), places
//! as small points (facilities bigger than homes), open orders as markers.
//! The projection is written on the `<svg>` so the page's script can add
//! markers for orders that arrive over the live feed.
//!
//! Kept small for a wall screen over a slow link: one decimal per
//! coordinate, rings thinned to what shows at this size, and no per-place
//! links (a click goes to the grid, whose panel lists its facilities).

use std::collections::HashMap;
use std::fmt::Write;

use maud::{Markup, PreEscaped, html};
use shequ_store::command::{MapPlace, OrderPoint};
use shequ_store::regions::RegionWithShape;

use crate::app::page::outline::PAD;
use crate::app::page::outline::Projection;
use crate::app::page::outline::Ring;
use crate::app::page::outline::rings;

/// The shade of a grid with `open` orders: fixed steps (1, 2–3, 4–6, 7+),
/// so a colour means the same load on every day and every screen.
pub fn shade(open: i64) -> u8 {
    match open {
        i64::MIN..=0 => 0,
        1 => 1,
        2..=3 => 2,
        4..=6 => 3,
        _ => 4,
    }
}

/// Drops points closer than `tol` (in SVG units) to the last kept one:
/// grid outlines from surveys carry far more points than a screen shows.
fn thin(proj: &Projection, ring: &Ring, tol: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(ring.len());
    for p in ring {
        let xy = proj.point(*p);
        if let Some(last) = out.last()
            && (xy.0 - last.0).abs() < tol
            && (xy.1 - last.1).abs() < tol
        {
            continue;
        }
        out.push(xy);
    }
    out
}

fn path_of(proj: &Projection, rs: &[Ring]) -> String {
    let mut d = String::new();
    for r in rs {
        let pts = thin(proj, r, 0.6);
        if pts.len() < 3 {
            continue;
        }
        for (i, (x, y)) in pts.iter().enumerate() {
            let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
        }
        d.push('Z');
    }
    d
}

/// What the map shows.
pub struct MapInput<'a> {
    pub label: &'a str,
    /// Regions under the map's root (street, neighbourhoods, grids).
    pub shapes: &'a [RegionWithShape],
    /// Open orders per region id.
    pub open: &'a HashMap<i64, i64>,
    /// The grid whose panel is open, by code.
    pub selected: Option<&'a str>,
    pub places: &'a [MapPlace],
    pub orders: &'a [OrderPoint],
    /// Text of a grid's tooltip: `name · N open`.
    pub grid_title: &'a dyn Fn(&str, i64) -> String,
}

/// Draws the map; `None` when no polygon is stored.
pub fn draw(m: &MapInput<'_>) -> Option<Markup> {
    let drawn: Vec<(&RegionWithShape, Vec<Ring>)> = m
        .shapes
        .iter()
        .map(|s| (s, s.polygon.as_deref().map(rings).unwrap_or_default()))
        .filter(|(s, r)| {
            !r.is_empty() && matches!(s.region.kind.as_str(), "street" | "neighbourhood" | "grid")
        })
        .collect();
    let proj = Projection::fit(drawn.iter().flat_map(|(_, r)| r.iter()))?;
    let size = proj.width.max(proj.height);
    let font = (size / 52.0).max(7.0);
    let dot = (size / 110.0).max(2.5);
    let of_kind = |kind: &'static str| drawn.iter().filter(move |(s, _)| s.region.kind == kind);
    let mut points = String::new();
    for p in m.places {
        let (x, y) = proj.point((p.lon, p.lat));
        let (class, r) = if p.kind == "residential_building" {
            ("home", dot * 0.35)
        } else {
            ("facility", dot * 0.7)
        };
        let _ = write!(
            points,
            "<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\"/>"
        );
    }
    Some(html! {
        svg.streetmap.command-map viewBox={ "0 0 " (format!("{:.0} {:.0}", proj.width, proj.height)) }
            role="img" aria-label=(m.label) xmlns="http://www.w3.org/2000/svg"
            data-k=(proj.k) data-x0=(proj.min_x) data-y0=(proj.min_y) data-s=(proj.scale) data-pad=(PAD)
            data-dot=(format!("{dot:.1}")) {
            @for (s, r) in of_kind("neighbourhood") {
                path.neighbourhood d=(path_of(&proj, r)) data-code=(s.region.code) {}
            }
            @for (s, r) in of_kind("grid") {
                @let open = m.open.get(&s.region.id).copied().unwrap_or(0);
                @let selected = m.selected == Some(s.region.code.as_str());
                a href={ "/command?grid=" (s.region.code) } data-grid=(s.region.code) {
                    title { ((m.grid_title)(&s.region.name, open)) }
                    path class={ "grid heat-" (shade(open)) @if selected { " here" } }
                        d=(path_of(&proj, r)) data-code=(s.region.code) data-open=(open) {}
                }
            }
            @for (_, r) in of_kind("street") {
                path.street d=(path_of(&proj, r)) {}
            }
            g.places aria-hidden="true" { (PreEscaped(points)) }
            @for (s, r) in of_kind("neighbourhood") {
                @if let Some((x, y)) = proj.label_at(r) {
                    text.label x=(format!("{x:.1}")) y=(format!("{y:.1}")) font-size=(format!("{font:.0}"))
                        text-anchor="middle" dominant-baseline="middle" { (s.region.name) }
                }
            }
            g.markers {
                @for o in m.orders {
                    @let (x, y) = proj.point((o.lon, o.lat));
                    a href={ "/orders/" (o.id) } data-order=(o.id) {
                        circle class={ "order state-" (o.state) @if o.supervised { " supervised" } }
                            cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r=(format!("{dot:.1}")) {
                            title { "#" (o.id) " " (o.title) }
                        }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_grow_with_load_and_stay_in_range() {
        assert_eq!(shade(0), 0);
        assert_eq!(shade(-1), 0);
        assert_eq!(shade(1), 1);
        assert_eq!(shade(3), 2);
        assert_eq!(shade(5), 3);
        assert_eq!(shade(500), 4);
        let mut last = 0;
        for n in 0..20 {
            assert!(shade(n) >= last, "{n}");
            last = shade(n);
        }
    }
}
