//! Who is within a threshold: the share of residents, and of residents
//! aged 60 and over and 80 and over, whose building's walk to the nearest
//! facility of a kind is at most the threshold.

use serde::Serialize;

/// The people of one residential building.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Residents {
    pub all: u32,
    pub aged_60: u32,
    pub aged_80: u32,
}

/// `covered` of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Share {
    pub covered: u64,
    pub total: u64,
}

impl Share {
    /// In percent; `None` when there is no one.
    pub fn percent(self) -> Option<f64> {
        (self.total > 0).then(|| self.covered as f64 * 100.0 / self.total as f64)
    }
}

/// The shares of a group of buildings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Coverage {
    pub buildings: Share,
    pub residents: Share,
    pub aged_60: Share,
    pub aged_80: Share,
}

impl Coverage {
    /// Counts one building, covered or not.
    pub fn add(&mut self, r: Residents, covered: bool) {
        let c = u64::from(covered);
        self.buildings.total += 1;
        self.buildings.covered += c;
        for (share, n) in [
            (&mut self.residents, r.all),
            (&mut self.aged_60, r.aged_60),
            (&mut self.aged_80, r.aged_80),
        ] {
            share.total += u64::from(n);
            share.covered += c * u64::from(n);
        }
    }

    /// The coverage of buildings at walks `metres` (`None`: no facility of
    /// the kind at all) within `threshold` metres.
    pub fn of(buildings: &[Residents], metres: &[Option<f64>], threshold: f64) -> Self {
        let mut c = Self::default();
        for (r, m) in buildings.iter().zip(metres) {
            c.add(*r, m.is_some_and(|m| m <= threshold));
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_count_people_in_covered_buildings() {
        let b = [
            Residents {
                all: 100,
                aged_60: 30,
                aged_80: 5,
            },
            Residents {
                all: 50,
                aged_60: 20,
                aged_80: 10,
            },
            Residents {
                all: 10,
                aged_60: 0,
                aged_80: 0,
            },
        ];
        let c = Coverage::of(&b, &[Some(300.0), Some(300.1), None], 300.0);
        assert_eq!(
            c.buildings,
            Share {
                covered: 1,
                total: 3
            }
        );
        assert_eq!(
            c.residents,
            Share {
                covered: 100,
                total: 160
            }
        );
        assert_eq!(
            c.aged_80,
            Share {
                covered: 5,
                total: 15
            }
        );
        assert_eq!(c.aged_60.percent(), Some(60.0));
        assert_eq!(Share::default().percent(), None);
    }
}
