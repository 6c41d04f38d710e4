//! The demo's walking network for the 15-minute circle: the roads along
//! every grid's edge (the lattice the grids are cut from, so neighbouring
//! grids share their corners and the roads join there), and a lane (弄)
//! from every place to the nearest corner of its grid — the way out of a
//! 新村 onto the road. Imported as `shequ import network` would, so the
//! circle page walks real paths from the first start.

use serde::{Deserialize, Serialize};
use shequ_store::Store;

use super::generate::Plan;
use super::geometry::LonLat;

/// What the demo's network holds, for the print-out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CircleFigures {
    pub lines: usize,
    pub nodes: usize,
    pub edges: usize,
}

fn pair(p: LonLat) -> serde_json::Value {
    serde_json::json!([p.lon, p.lat])
}

fn feature(kind: &str, points: &[LonLat]) -> serde_json::Value {
    serde_json::json!({
        "type": "Feature",
        "properties": {"highway": kind},
        "geometry": {"type": "LineString", "coordinates": points.iter().map(|p| pair(*p)).collect::<Vec<_>>()},
    })
}

fn metres(a: LonLat, b: LonLat) -> f64 {
    shequ_domain::circle::geo::metres((a.lon, a.lat), (b.lon, b.lat))
}

/// The network as GeoJSON.
pub fn geojson(plan: &Plan) -> String {
    let mut features = Vec::new();
    for g in &plan.street.grids {
        let mut ring = g.ring.clone();
        if let Some(first) = ring.first().copied().filter(|f| ring.last() != Some(f)) {
            ring.push(first);
        }
        features.push(feature("residential", &ring));
    }
    for p in &plan.places {
        let ring = &plan.street.grids[p.grid].ring;
        let corner = ring
            .iter()
            .min_by(|a, b| metres(p.point, **a).total_cmp(&metres(p.point, **b)))
            .filter(|c| metres(p.point, **c) > 0.5);
        if let Some(corner) = corner {
            features.push(feature("footway", &[p.point, *corner]));
        }
    }
    serde_json::json!({"type": "FeatureCollection", "features": features}).to_string()
}

/// Imports the demo's network.
pub async fn build(store: &Store, plan: &Plan, now: i64) -> anyhow::Result<CircleFigures> {
    let text = geojson(plan);
    let (report, net) = shequ_server::circle::service::import_network(
        store,
        "田林街道道路与弄堂（演示）",
        &text,
        "demo",
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("the demo's walking network: {e}"))?;
    Ok(CircleFigures {
        lines: report.lines,
        nodes: net.node_count(),
        edges: net.edge_count(),
    })
}
