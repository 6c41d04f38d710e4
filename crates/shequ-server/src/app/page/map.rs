//! Maps of the street drawn on the server as SVG from the region polygons
//! (no tile server exists offline): layers of regions (neighbourhoods,
//! grids) and point markers (orders). The projection is written on the
//! `<svg>` as `data-*` attributes, so the page's script can turn a click
//! into longitude and latitude (the report form) and place live markers
//! (the command centre).

use maud::{Markup, html};

use crate::app::page::outline::PAD;
use crate::app::page::outline::Projection;
use crate::app::page::outline::Ring;
use crate::app::page::outline::rings;

/// A region drawn on a map.
#[derive(Debug, Clone, Copy)]
pub struct Area<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// GeoJSON geometry text.
    pub polygon: Option<&'a str>,
    /// A link to follow on click; `None` for a plain shape.
    pub href: Option<&'a str>,
    /// CSS class, e.g. `grid`, `nbhd`, `here`.
    pub class: &'a str,
    /// Write its name inside.
    pub label: bool,
}

/// A point on a map.
#[derive(Debug, Clone)]
pub struct Marker {
    pub lon: f64,
    pub lat: f64,
    pub title: String,
    pub class: &'static str,
    pub href: Option<String>,
}

/// How the map behaves in the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A picture.
    Show,
    /// A click picks a point (`svg.pick-map`; see `shequ.js`).
    Pick,
}

fn f1(v: f64) -> String {
    format!("{v:.1}")
}

/// Draws `areas` (in order, later on top) and `markers`; `None` when no
/// polygon is stored.
pub fn draw(label: &str, areas: &[Area<'_>], markers: &[Marker], mode: Mode) -> Option<Markup> {
    let shapes: Vec<(Area<'_>, Vec<Ring>)> = areas
        .iter()
        .map(|a| (*a, a.polygon.map(rings).unwrap_or_default()))
        .filter(|(_, r)| !r.is_empty())
        .collect();
    let proj = Projection::fit(shapes.iter().flat_map(|(_, r)| r.iter()))?;
    let font = (proj.width.max(proj.height) / 28.0).max(9.0);
    let dot = (proj.width.max(proj.height) / 70.0).max(4.0);
    let class = match mode {
        Mode::Show => "streetmap",
        Mode::Pick => "streetmap pick-map",
    };
    Some(html! {
        svg class=(class) viewBox={ "0 0 " (format!("{:.0} {:.0}", proj.width, proj.height)) }
            role="img" aria-label=(label) xmlns="http://www.w3.org/2000/svg"
            data-k=(proj.k) data-x0=(proj.min_x) data-y0=(proj.min_y) data-s=(proj.scale) data-pad=(PAD)
            data-dot=(f1(dot)) {
            @for (a, r) in &shapes {
                @if let Some(h) = a.href {
                    a href=(h) {
                        title { (a.name) }
                        path class=(a.class) d=(proj.path(r)) data-code=(a.code) {}
                    }
                } @else {
                    path class=(a.class) d=(proj.path(r)) data-code=(a.code) { title { (a.name) } }
                }
            }
            @for (a, r) in &shapes {
                @if a.label && let Some((x, y)) = proj.label_at(r) {
                    text.label x=(f1(x)) y=(f1(y)) font-size=(format!("{font:.0}"))
                        text-anchor="middle" dominant-baseline="middle" { (a.name) }
                }
            }
            g.markers {
                @for m in markers {
                    @let (x, y) = proj.point((m.lon, m.lat));
                    @if let Some(h) = &m.href {
                        a href=(h) {
                            circle class=(m.class) cx=(f1(x)) cy=(f1(y)) r=(f1(dot)) { title { (m.title) } }
                        }
                    } @else {
                        circle class=(m.class) cx=(f1(x)) cy=(f1(y)) r=(f1(dot)) { title { (m.title) } }
                    }
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
    fn draws_areas_markers_and_the_projection() {
        let street = rect(121.42, 31.16, 121.44, 31.18);
        let grid = rect(121.42, 31.16, 121.43, 31.18);
        let area = |code, polygon, class| Area {
            code,
            name: code,
            polygon: Some(polygon),
            href: None,
            class,
            label: true,
        };
        let svg = draw(
            "map",
            &[area("S", &street, "street"), area("G", &grid, "grid")],
            &[Marker {
                lon: 121.425,
                lat: 31.17,
                title: "工单 1".into(),
                class: "dot",
                href: Some("/orders/1".into()),
            }],
            Mode::Pick,
        )
        .expect("drawn")
        .into_string();
        assert!(svg.contains("class=\"streetmap pick-map\""), "{svg}");
        assert!(svg.contains("data-code=\"G\""), "{svg}");
        assert!(svg.contains("href=\"/orders/1\""), "{svg}");
        assert!(svg.contains("data-k=\""), "{svg}");
        // The marker sits inside the grid, in the western half.
        let cx: f64 = svg
            .split("cx=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("cx");
        assert!(cx > PAD && cx < 240.0, "{cx}");
        assert!(draw("x", &[], &[], Mode::Show).is_none());
    }
}
