//! The live complaints beside the demo server: residents report problems
//! as the public report page (/report) sends them, at a gentle rate with
//! random gaps, so the command centre's feed, map and counters move and
//! the grid workers' pages pop up while you watch. They go through the
//! server's intake directly rather than over HTTP: the page caps reports
//! per client address (10 an hour), and every demo report would come from
//! 127.0.0.1.

use std::time::Duration;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use shequ_domain::{PlaceKind, RegionPath};
use shequ_server::AppState;
use shequ_server::orders::intake;
use shequ_server::orders::intake::Report;
use shequ_store::places::PlaceQuery;
use shequ_store::{Paging, Scope, Store};

use super::stories::{self, Channel};

/// Where complaints come from: the street's residential buildings.
#[derive(Debug, Clone)]
pub struct Complaints {
    street: RegionPath,
    /// (lon, lat, address) of each building.
    spots: Vec<(f64, f64, String)>,
}

/// The first complaint comes this soon after the server starts (or
/// sooner at a high rate), so the first minute already shows one.
const FIRST_WITHIN: f64 = 5.0;

impl Complaints {
    /// Reads the street and its residential buildings.
    pub async fn load(store: &Store) -> anyhow::Result<Self> {
        let street = store
            .region_by_code(super::STREET_CODE)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the demo street is missing"))?;
        let mut spots = Vec::new();
        let query = PlaceQuery {
            kind: Some(PlaceKind::ResidentialBuilding),
            name_prefix: None,
        };
        for page in 1.. {
            let got = store
                .places_in(
                    &Scope::everything(),
                    &query,
                    Paging::new(Some(page), Some(Paging::MAX_PAGE_SIZE)),
                )
                .await?;
            let last = got.items.len() < Paging::MAX_PAGE_SIZE as usize;
            spots.extend(got.items.into_iter().map(|p| (p.lon, p.lat, p.address)));
            if last {
                break;
            }
        }
        anyhow::ensure!(!spots.is_empty(), "the demo street has no buildings");
        Ok(Self {
            street: RegionPath::parse(&street.region.path)?,
            spots,
        })
    }

    /// One resident's report, as the public page hands it to intake.
    fn report(&self, rng: &mut ChaCha8Rng) -> Report {
        let (lon, lat, address) = &self.spots[rng.random_range(0..self.spots.len())];
        let kind = stories::pick_kind(Channel::Public, rng);
        // Most leave a number to be called back on; some stay anonymous.
        let (reporter_name, reporter_phone) = if rng.random_bool(0.75) {
            let (name, phone) = stories::reporter(rng);
            (name, Some(phone))
        } else {
            (String::new(), None)
        };
        Report {
            category: kind.category.to_owned(),
            source: "public",
            title: String::new(),
            description: stories::fill(kind.text, address),
            address: address.clone(),
            point: Some((*lon, *lat)),
            place_id: None,
            subject_person_id: None,
            reporter_name,
            reporter_phone,
            reporter_email: None,
            external_id: None,
            attributes: serde_json::from_str(kind.attributes).unwrap_or_default(),
            priority: None,
            scope_root: self.street.clone(),
            actor: "reporter".to_owned(),
            actor_user_id: None,
            reporter_link: true,
            resolve_by: None,
        }
    }
}

/// Files complaints at `per_hour` on average (exponential gaps) until the
/// process ends.
pub async fn run(state: AppState, complaints: Complaints, per_hour: f64) {
    let mut rng = ChaCha8Rng::seed_from_u64(rand::random());
    let mean = 3600.0 / per_hour.max(0.01);
    let mut wait = mean.min(FIRST_WITHIN);
    let mut warned = false;
    loop {
        tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        match intake::submit(&state.orders, complaints.report(&mut rng)).await {
            Ok(s) => {
                tracing::info!(order.id = s.id, "demo: a resident reported a problem");
                warned = false;
            }
            Err(e) if !warned => {
                tracing::warn!(error = %e, "demo: a simulated complaint was not filed; will keep trying");
                warned = true;
            }
            Err(_) => {}
        }
        // Exponential gaps, as independent residents' reports arrive.
        let u: f64 = rng.random_range(f64::EPSILON..1.0);
        wait = (-u.ln() * mean).clamp(mean * 0.05, mean * 5.0);
    }
}
