//! The circle's reads: the buildings and facilities of the caller's area,
//! the network (kept in memory once read), each type's walks, coverage by
//! neighbourhood and for the area, and where next.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Datelike;
use shequ_domain::circle::coverage::Residents;
use shequ_domain::circle::facility::threshold;
use shequ_domain::circle::geo::{Grid, Point};
use shequ_domain::circle::{CircleType, Coverage, Nearest, Network, Via, nearest, where_next};
use shequ_domain::{Code, FacilityType, PlaceKind};
use shequ_store::circle::{CircleBuilding, CirclePlace};

use crate::app::access::actor;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::circle::CircleState;

/// The network in use, read from the store when a newer one is there.
pub async fn network(core: &CircleState) -> Result<Option<Arc<Network>>, AppError> {
    let Some(latest) = core.store.circle_network_id().await? else {
        return Ok(None);
    };
    let held = core.network.lock().ok().and_then(|held| {
        held.as_ref()
            .filter(|(id, _)| *id == latest)
            .map(|(_, net)| net.clone())
    });
    if held.is_some() {
        return Ok(held);
    }
    let Some(row) = core.store.circle_network().await? else {
        return Ok(None);
    };
    let (net, _) = Network::from_geojson(&row.geojson, None).map_err(|e| {
        AppError::Internal(anyhow::anyhow!("stored network {}: {}", row.id, e.message))
    })?;
    let net = Arc::new(net);
    if let Ok(mut held) = core.network.lock() {
        *held = Some((row.id, net.clone()));
    }
    Ok(Some(net))
}

/// Reads, checks and stores a walking network: every point must lie
/// within a kilometre of the registry's places (the street), and the file
/// must hold LineStrings and no line crossing itself. What was read.
pub async fn import_network(
    store: &shequ_store::Store,
    name: &str,
    geojson: &str,
    actor: &str,
    now: i64,
) -> Result<(shequ_domain::circle::network::ReadReport, Network), AppError> {
    let bounds = store.places_extent().await?.map(|(w, s, e, n)| {
        shequ_domain::circle::Bounds {
            min: (w, s),
            max: (e, n),
        }
        .grown(1_000.0)
    });
    let (net, report) = Network::from_geojson(geojson, bounds)
        .map_err(|e| AppError::unprocessable(e.field().unwrap_or("network"), e.code, e.message))?;
    let counts = (
        report.lines as i64,
        net.node_count() as i64,
        net.edge_count() as i64,
    );
    store
        .save_circle_network(name, geojson, counts, actor, now)
        .await?;
    Ok((report, net))
}

/// One type's standing in the area.
#[derive(Debug, Clone)]
pub struct TypeView {
    pub kind: CircleType,
    pub metres: u32,
    pub facilities: Vec<CirclePlace>,
    pub walks: Vec<Option<Nearest>>,
    pub area: Coverage,
    /// By neighbourhood (its path), in path order.
    pub by_neighbourhood: BTreeMap<String, Coverage>,
}

impl TypeView {
    /// Buildings whose walk fell back to the straight line.
    pub fn straight(&self) -> usize {
        self.walks
            .iter()
            .flatten()
            .filter(|n| n.via == Via::Straight)
            .count()
    }
}

/// The circle of the caller's area.
pub struct View {
    pub buildings: Vec<CircleBuilding>,
    pub network: Option<(Arc<Network>, shequ_store::circle::NetworkRow)>,
    pub types: Vec<TypeView>,
}

/// The neighbourhood's path of a region path: its first four parts (city,
/// district, street, neighbourhood).
pub fn neighbourhood_of(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let n = parts.len().min(4);
    format!("/{}/", parts[..n].join("/"))
}

fn residents(b: &CircleBuilding) -> Residents {
    let n = |v: i64| u32::try_from(v.max(0)).unwrap_or(u32::MAX);
    Residents {
        all: n(b.residents),
        aged_60: n(b.aged_60),
        aged_80: n(b.aged_80),
    }
}

/// The circle of the caller's area today.
pub async fn view(core: &CircleState, who: &Principal) -> Result<View, AppError> {
    let scope = who.scope()?;
    let today = core.today();
    let born = |years: i32| {
        today
            .with_year(today.year() - years)
            .unwrap_or(today)
            .format("%Y-%m-%d")
            .to_string()
    };
    let buildings = core
        .store
        .circle_buildings(&scope, (&born(60), &born(80)))
        .await?;
    // Facilities from everywhere, not the caller's area alone: people walk
    // to the canteen across the neighbourhood's border too.
    let places = core
        .store
        .circle_places(&shequ_store::Scope::everything())
        .await?;
    let set: BTreeMap<String, i64> = core.store.circle_thresholds().await?.into_iter().collect();
    let net = network(core).await?;
    let points: Vec<Point> = buildings.iter().map(|b| (b.lon, b.lat)).collect();
    let people: Vec<Residents> = buildings.iter().map(residents).collect();
    let mut types = Vec::new();
    for kind in CircleType::ALL {
        let facilities: Vec<CirclePlace> = places
            .iter()
            .filter(|p| {
                let k = PlaceKind::parse(&p.kind).ok();
                let f = p
                    .facility_type
                    .as_deref()
                    .and_then(|f| FacilityType::parse(f).ok());
                k.and_then(|k| CircleType::of_place(k, f)) == Some(*kind)
            })
            .cloned()
            .collect();
        let at: Vec<Point> = facilities.iter().map(|f| (f.lon, f.lat)).collect();
        let walks = nearest(net.as_deref(), &points, &at);
        let metres = set
            .get(kind.as_str())
            .and_then(|m| u32::try_from(*m).ok())
            .unwrap_or(kind.default_metres());
        let within: Vec<Option<f64>> = walks.iter().map(|w| w.map(|w| w.metres)).collect();
        let area = Coverage::of(&people, &within, f64::from(metres));
        let mut by_neighbourhood: BTreeMap<String, Coverage> = BTreeMap::new();
        for ((b, r), w) in buildings.iter().zip(&people).zip(&within) {
            by_neighbourhood
                .entry(neighbourhood_of(&b.region_path))
                .or_default()
                .add(*r, w.is_some_and(|w| w <= f64::from(metres)));
        }
        types.push(TypeView {
            kind: *kind,
            metres,
            facilities,
            walks,
            area,
            by_neighbourhood,
        });
    }
    let network = match net {
        Some(n) => core.store.circle_network().await?.map(|row| (n, row)),
        None => None,
    };
    Ok(View {
        buildings,
        network,
        types,
    })
}

/// Who where next counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Aged80,
    Aged60,
    All,
}

impl Who {
    pub fn parse(s: &str) -> Self {
        match s {
            "aged_60" => Who::Aged60,
            "all" => Who::All,
            _ => Who::Aged80,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Who::Aged80 => "aged_80",
            Who::Aged60 => "aged_60",
            Who::All => "all",
        }
    }
}

/// A step of where next, described by the building nearest the site.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub point: Point,
    pub near: String,
    pub gain: u64,
    pub buildings: usize,
}

/// Where `k` new facilities of `t`'s type would bring the most of `who`
/// not yet within the threshold within it: among the network's nodes
/// (every one, up to 5,000 evenly taken) or, with no network, the
/// buildings' own places.
pub fn where_next_for(view: &View, t: &TypeView, who: Who, k: usize) -> Vec<Suggestion> {
    let points: Vec<Point> = view.buildings.iter().map(|b| (b.lon, b.lat)).collect();
    let weight: Vec<u64> = view
        .buildings
        .iter()
        .zip(&t.walks)
        .map(|(b, w)| {
            if w.is_some_and(|w| w.metres <= f64::from(t.metres)) {
                0
            } else {
                u64::try_from(match who {
                    Who::Aged80 => b.aged_80,
                    Who::Aged60 => b.aged_60,
                    Who::All => b.residents,
                })
                .unwrap_or(0)
            }
        })
        .collect();
    let net = view.network.as_ref().map(|(n, _)| n.as_ref());
    let sites: Vec<Point> = match net {
        Some(n) => {
            let step = (n.node_count() / 5_000).max(1);
            (0..n.node_count())
                .step_by(step)
                .map(|i| n.node(i as u32))
                .collect()
        }
        None => points.clone(),
    };
    let index = Grid::new(&points, 100.0);
    where_next(net, &points, &weight, &sites, f64::from(t.metres), k)
        .into_iter()
        .map(|g| {
            let p = sites[g.site];
            let near = index
                .nearest(p)
                .map(|(b, _)| {
                    let b = &view.buildings[b as usize];
                    if b.address.is_empty() {
                        b.name.clone()
                    } else {
                        b.address.clone()
                    }
                })
                .unwrap_or_default();
            Suggestion {
                point: p,
                near,
                gain: g.gain,
                buildings: g.buildings,
            }
        })
        .collect()
}

/// Sets a type's threshold (the street's command centre only).
pub async fn set_threshold(
    core: &CircleState,
    who: &Principal,
    kind: &str,
    metres: &str,
) -> Result<(), AppError> {
    match who {
        Principal::User(u) if u.role.runs_command_centre() => {}
        _ => return Err(AppError::Forbidden(Code::CircleNotAllowed)),
    }
    let invalid = |e: shequ_domain::InvalidValue| {
        AppError::unprocessable(e.field().unwrap_or("input"), e.code, e.message)
    };
    let kind = CircleType::parse(kind).map_err(invalid)?;
    let metres = threshold(metres).map_err(invalid)?;
    let (_, name) = actor(who);
    core.store
        .set_circle_threshold(kind.as_str(), i64::from(metres), &name, core.clock.now_ms())
        .await?;
    Ok(())
}
