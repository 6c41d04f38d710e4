//! Places of the demo street: the residential buildings of the 1980s
//! estates (in rows inside their grid, with lane addresses such as
//! `田林路140弄12号`), their flats, and the other places — office buildings,
//! parks, markets, enterprises, construction sites and service facilities.

use std::collections::HashSet;

use rand::RngExt;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use shequ_domain::{FacilityType, PlaceKind};

use super::geometry::LonLat;
use super::names;
use super::street::{STREET_CODE, Street};

/// A place to store; `grid` indexes [`Street::grids`].
#[derive(Debug, Clone)]
pub struct PlacePlan {
    pub code: String,
    pub name: String,
    pub kind: PlaceKind,
    pub facility: Option<FacilityType>,
    pub grid: usize,
    pub point: LonLat,
    pub address: String,
    pub built_year: Option<i32>,
    pub floors: Option<i32>,
}

/// A flat; `building` indexes the place list (buildings come first).
#[derive(Debug, Clone)]
pub struct HouseholdPlan {
    pub code: String,
    pub building: usize,
    pub room: String,
}

/// About one residential building per 100 residents, at least one per grid.
pub fn building_count(residents: usize, grids: usize) -> usize {
    (residents / 100).max(grids)
}

/// The residential buildings, grid by grid, laid out in rows.
pub fn buildings(
    street: &Street,
    count: usize,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<Vec<PlacePlan>> {
    let mut per_grid = vec![1usize; street.grids.len()];
    for _ in street.grids.len()..count {
        per_grid[rng.random_range(0..street.grids.len())] += 1;
    }
    let mut roads: Vec<&str> = names::ROADS.to_vec();
    roads.shuffle(rng);
    let mut lanes_used = HashSet::new();
    let mut out = Vec::with_capacity(count);
    for (k, nb) in street.neighbourhoods.iter().enumerate() {
        // One lane (弄) per estate, two for the larger ones.
        let n_lanes = if nb.grids.len() > 4 { 2 } else { 1 };
        let mut lanes = Vec::new();
        for l in 0..n_lanes {
            let road = roads[(k + l * 5) % roads.len()];
            let lane = loop {
                let lane = rng.random_range(1..=120) * 5 + rng.random_range(0..5);
                if lanes_used.insert((road, lane)) {
                    break lane;
                }
            };
            lanes.push((road, lane, 0u32));
        }
        let mut seq = 0;
        for (gk, &g) in nb.grids.iter().enumerate() {
            let n = per_grid[g];
            let rows = ((n as f64).sqrt().round() as usize).max(1);
            let cols = n.div_ceil(rows);
            let lane = &mut lanes[gk * n_lanes / nb.grids.len()];
            for slot in 0..n {
                let (a, b) = ((slot % cols) as f64, (slot / cols) as f64);
                let u = (a + 0.5 + rng.random_range(-0.15..0.15)) / cols as f64;
                let v = (b + 0.5 + rng.random_range(-0.15..0.15)) / rows as f64;
                let point = street.point_in_grid(g, u, v, rng)?;
                seq += 1;
                lane.2 += 1;
                let (built_year, floors) = building_age(rng);
                out.push(PlacePlan {
                    code: format!("B{}-{seq:04}", nb.code),
                    name: format!("{}{seq}号楼", nb.short),
                    kind: PlaceKind::ResidentialBuilding,
                    facility: None,
                    grid: g,
                    point,
                    address: format!("{}{}弄{}号", lane.0, lane.1, lane.2),
                    built_year: Some(built_year),
                    floors: Some(floors),
                });
            }
        }
    }
    Ok(out)
}

/// Built mostly 1984–1989 as five- to seven-floor walk-ups; some 1990s
/// blocks and a few 2000s towers.
fn building_age(rng: &mut ChaCha8Rng) -> (i32, i32) {
    let roll = rng.random_range(0..100);
    let walk_up = |rng: &mut ChaCha8Rng| match rng.random_range(0..100) {
        0..15 => 5,
        15..85 => 6,
        _ => 7,
    };
    match roll {
        0..75 => (rng.random_range(1984..=1989), walk_up(rng)),
        75..92 => {
            let floors = if rng.random_range(0..100) < 70 {
                walk_up(rng)
            } else {
                rng.random_range(11..=18)
            };
            (rng.random_range(1990..=1999), floors)
        }
        _ => (rng.random_range(2000..=2012), rng.random_range(11..=24)),
    }
}

/// Splits `households` flats over the buildings in proportion to their
/// size, numbering rooms by floor (`302` is floor 3, flat 2).
pub fn flats(
    buildings: &[PlacePlan],
    households: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<HouseholdPlan> {
    let weights: Vec<f64> = buildings
        .iter()
        .map(|b| f64::from(b.floors.unwrap_or(6)) * f64::from(rng.random_range(4..=8)))
        .collect();
    let total: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights
        .iter()
        .map(|w| households as f64 * w / total)
        .collect();
    let mut counts: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..buildings.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let short = households - counts.iter().sum::<usize>();
    for &b in order.iter().cycle().take(short) {
        counts[b] += 1;
    }
    let mut out = Vec::with_capacity(households);
    for (b, (building, &n)) in buildings.iter().zip(&counts).enumerate() {
        let floors = building.floors.unwrap_or(6).max(1) as usize;
        let per_floor = n.div_ceil(floors).max(1);
        let mut slots: Vec<(usize, usize)> = (1..=floors)
            .flat_map(|f| (1..=per_floor).map(move |u| (f, u)))
            .collect();
        slots.shuffle(rng);
        slots.truncate(n);
        slots.sort_unstable();
        for (floor, unit) in slots {
            out.push(HouseholdPlan {
                code: format!("{}-{floor:02}{unit:02}", building.code),
                building: b,
                room: format!("{floor}{unit:02}"),
            });
        }
    }
    out
}

/// The other places of the street, scaled with its size.
pub fn others(
    street: &Street,
    residents: usize,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<Vec<PlacePlan>> {
    let scale = residents as f64 / 100_000.0;
    let n = |full: f64, min: usize| ((full * scale).round() as usize).max(min);
    let nbs = street.neighbourhoods.len();
    let mut b = Builder {
        street,
        rng,
        out: Vec::new(),
        counters: Vec::new(),
    };
    for k in 0..n(20.0, 2) {
        let floors = b.rng.random_range(10..=32);
        b.add(
            'O',
            names::office_name(k),
            PlaceKind::OfficeBuilding,
            None,
            Some(floors),
            true,
        )?;
    }
    for name in [
        "田林创意园",
        "虹漕南路科技园",
        "漕河泾田林园区",
        "宜山路数字产业园",
    ]
    .iter()
    .take(n(2.0, 1))
    {
        b.add('K', (*name).into(), PlaceKind::Park, None, None, true)?;
    }
    for name in ["田林绿地", "柳州路口袋公园", "徐汇田林园", "钦州路街心花园"]
        .iter()
        .take(n(3.0, 1))
    {
        b.add('K', (*name).into(), PlaceKind::Park, None, None, false)?;
    }
    for name in ["田林路商圈", "宜山路—钦州路商圈"].iter().take(n(2.0, 1)) {
        b.add(
            'D',
            (*name).into(),
            PlaceKind::BusinessDistrict,
            None,
            None,
            false,
        )?;
    }
    for name in ["田林菜场", "长春菜场", "钦州路菜市场", "宜山菜场"]
        .iter()
        .take(n(3.0, 1))
    {
        b.add('M', (*name).into(), PlaceKind::Market, None, None, false)?;
    }
    for k in 0..n(30.0, 3) {
        b.add(
            'E',
            names::firm_name(k),
            PlaceKind::Enterprise,
            None,
            None,
            true,
        )?;
    }
    for name in [
        "田林十二村加装电梯工地",
        "漕宝路管线改造工地",
        "宜山路旧房改造工地",
    ]
    .iter()
    .take(n(2.0, 1))
    {
        b.add(
            'C',
            (*name).into(),
            PlaceKind::ConstructionSite,
            None,
            None,
            false,
        )?;
    }
    use FacilityType as F;
    let street_level = [
        ("田林街道党群服务中心", F::PartyMassServiceCentre),
        ("田林街道社区卫生服务中心", F::HealthStation),
        ("田林街道综合为老服务中心", F::ElderlyCare),
        ("田林街道社区文化活动中心", F::CulturalCentre),
        ("田林派出所", F::PoliceStation),
    ];
    for (name, f) in street_level {
        b.facility(name.into(), f, None)?;
    }
    let per_neighbourhood = [
        (4, "党群服务站", F::PartyMassServiceCentre),
        (5, "卫生服务站", F::HealthStation),
        (6, "长者照护之家", F::ElderlyCare),
        (3, "老年助餐点", F::ElderlyCanteen),
        (7, "警务室", F::PoliceStation),
    ];
    for (every, suffix, f) in per_neighbourhood {
        for k in (0..nbs).step_by(every) {
            let nb = (k + b.rng.random_range(0..every)).min(nbs - 1);
            let name = format!("{}{suffix}", street.neighbourhoods[nb].short);
            b.facility(name, f, Some(nb))?;
        }
    }
    let kindergartens = [
        "田林第一幼儿园",
        "田林第三幼儿园",
        "长春幼儿园",
        "钦州幼儿园",
        "柳州路幼儿园",
    ];
    for name in kindergartens.iter().take(nbs.div_ceil(5)) {
        b.facility((*name).into(), F::Kindergarten, None)?;
    }
    let schools = [
        "上海市田林中学",
        "田林第三小学",
        "上海市田林第二中学",
        "田林第四小学",
        "长春小学",
    ];
    for name in schools.iter().take(nbs.div_ceil(6)) {
        b.facility((*name).into(), F::School, None)?;
    }
    Ok(b.out)
}

struct Builder<'a> {
    street: &'a Street,
    rng: &'a mut ChaCha8Rng,
    out: Vec<PlacePlan>,
    counters: Vec<(char, usize)>,
}

impl Builder<'_> {
    /// Adds a place in a random grid; `west` prefers the western grids,
    /// next to the 漕河泾 development zone.
    fn add(
        &mut self,
        letter: char,
        name: String,
        kind: PlaceKind,
        facility: Option<FacilityType>,
        floors: Option<i32>,
        west: bool,
    ) -> anyhow::Result<()> {
        let grids = &self.street.grids;
        let west_cols = (self.street.lattice.cols * 3).div_ceil(10);
        let grid = loop {
            let g = self.rng.random_range(0..grids.len());
            if !west || grids[g].cell.0 < west_cols || self.rng.random_range(0..10) < 3 {
                break g;
            }
        };
        self.place(letter, name, kind, facility, floors, grid)
    }

    fn facility(
        &mut self,
        name: String,
        f: FacilityType,
        neighbourhood: Option<usize>,
    ) -> anyhow::Result<()> {
        match neighbourhood {
            Some(nb) => {
                let grids = &self.street.neighbourhoods[nb].grids;
                let grid = grids[self.rng.random_range(0..grids.len())];
                self.place('F', name, PlaceKind::ServiceFacility, Some(f), None, grid)
            }
            None => self.add('F', name, PlaceKind::ServiceFacility, Some(f), None, false),
        }
    }

    fn place(
        &mut self,
        letter: char,
        name: String,
        kind: PlaceKind,
        facility: Option<FacilityType>,
        floors: Option<i32>,
        grid: usize,
    ) -> anyhow::Result<()> {
        let seq = match self.counters.iter_mut().find(|(l, _)| *l == letter) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.counters.push((letter, 1));
                1
            }
        };
        let (u, v) = (
            self.rng.random_range(0.15..0.85),
            self.rng.random_range(0.15..0.85),
        );
        let point = self.street.point_in_grid(grid, u, v, self.rng)?;
        let road = names::ROADS[self.rng.random_range(0..names::ROADS.len())];
        let number = self.rng.random_range(1..=900);
        self.out.push(PlacePlan {
            code: format!("{letter}{STREET_CODE}-{seq:03}"),
            name,
            kind,
            facility,
            grid,
            point,
            address: format!("{road}{number}号"),
            built_year: None,
            floors,
        });
        Ok(())
    }
}
