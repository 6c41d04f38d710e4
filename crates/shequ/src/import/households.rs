//! The households of a people import: each is defined by the first row that
//! names its `household_code` (building and room), later rows must agree,
//! and it is stored once per run, before the first of its people.

use std::collections::{HashMap, HashSet};

use shequ_store::people::NewHousehold;
use shequ_store::places::PlaceRef;
use shequ_store::{Store, UpsertCounts};

/// A household as first given in the file.
struct Def {
    line: u64,
    building: String,
    room: String,
    /// Set once the household is stored in this run.
    id: Option<i64>,
}

/// How a row disagrees with its household's first row.
pub(super) enum Mismatch {
    Building(String),
    Room(String),
}

/// The file's households so far.
#[derive(Default)]
pub(super) struct Households {
    defs: HashMap<String, Def>,
    /// What storing them did.
    pub(super) counts: UpsertCounts,
}

impl Households {
    /// Records a household on its first row; checks a later row against it.
    pub(super) fn check(
        &mut self,
        code: &str,
        building: &str,
        room: &str,
        line: u64,
    ) -> Result<(), Mismatch> {
        match self.defs.get(code) {
            Some(def) if def.building != building => Err(Mismatch::Building(format!(
                "household {code} is in building {} on line {}; one household has one building",
                def.building, def.line
            ))),
            Some(def) if def.room != room => Err(Mismatch::Room(format!(
                "household {code} has room {:?} on line {}; one household has one room",
                def.room, def.line
            ))),
            Some(_) => Ok(()),
            None => {
                self.defs.insert(
                    code.to_owned(),
                    Def {
                        line,
                        building: building.to_owned(),
                        room: room.to_owned(),
                        id: None,
                    },
                );
                Ok(())
            }
        }
    }

    /// The id of a household stored in this run.
    pub(super) fn id(&self, code: &str) -> Option<i64> {
        self.defs.get(code).and_then(|d| d.id)
    }

    /// Stores the households among `wanted` (code and resolved building)
    /// that this run has not stored yet, in one store call.
    pub(super) async fn store<'a>(
        &mut self,
        store: &Store,
        wanted: impl Iterator<Item = (&'a str, &'a PlaceRef)>,
    ) -> anyhow::Result<()> {
        let mut rows: Vec<NewHousehold> = Vec::new();
        let mut queued = HashSet::new();
        for (code, place) in wanted {
            let Some(def) = self.defs.get(code) else {
                continue;
            };
            if def.id.is_some() || !queued.insert(code) {
                continue;
            }
            rows.push(NewHousehold {
                code: code.to_owned(),
                building_id: place.id,
                region_id: place.region_id,
                region_path: place.region_path.clone(),
                room: def.room.clone(),
            });
        }
        if rows.is_empty() {
            return Ok(());
        }
        let (counts, ids) = store.upsert_households(&rows).await?;
        self.counts += counts;
        for (code, id) in ids {
            if let Some(def) = self.defs.get_mut(&code) {
                def.id = Some(id);
            }
        }
        Ok(())
    }
}
