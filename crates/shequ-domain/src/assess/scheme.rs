//! An assessment scheme (考核方案): the raters and their weights — the
//! street 70% by default (seed 002: "街道考核权重占到70%"), the department
//! that dispatched the agency, and the residents through their ratings —
//! and, for each rater, the indicators its part is made of with their
//! weights. Weights are whole percentages: the raters' add up to 100, and
//! so do each rater's indicators'.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::order::figures::Rate;
use crate::{Code, InvalidValue};

coded_enum! {
    /// Who rates.
    Rater, Code::AssessRaterUnknown, "rater", "rater", {
        /// The street (街道), through the trail and its own scores.
        Street => "street", "街道",
        /// The department the agency belongs to (条线部门).
        Department => "department", "部门" | "条线部门",
        /// The residents, through their ratings of resolved orders.
        Residents => "residents", "居民" | "群众",
    }
}

coded_enum! {
    /// An indicator computed from what was counted — the orders' trail
    /// by the one definition in [`crate::order::figures`], a department's
    /// consultations — each rate read by [`super::score::Inputs::rate`].
    Measure, Code::AssessIndicatorUnknown, "indicator", "indicator", {
        /// 响应率: accepted on time, over accepted orders.
        Response => "response", "响应率" | "按时响应率",
        /// 按时办结率: resolved on time, over resolved orders.
        OnTime => "on_time", "按时办结率",
        /// 解决率: resolved and never reopened, over counted orders.
        Resolution => "resolution", "解决率",
        /// 满意率: satisfied ratings, over rated resolved orders.
        Satisfaction => "satisfaction", "满意率",
        /// 重办率: reopened, over orders ever resolved (scored as 100 − the rate).
        Reopen => "reopen", "重办率",
        /// 按时报到率: summons reported in on time, over summons judged.
        ReportIn => "report_in", "按时报到率" | "吹哨报到",
        /// 征询采纳率: the department's matters concluded following the
        /// street's opinion (or partly), over matters concluded
        /// ([`crate::consult::ConsultCounts`]).
        ConsultFollowed => "consult_followed", "征询采纳率" | "征询",
    }
}

impl Measure {
    /// Its score from 0 to 100: the rate in percent, except the reopen
    /// rate, where fewer is better (100 − the rate); `None` when there is
    /// nothing to judge.
    pub fn value(self, rate: Rate) -> Option<f64> {
        let percent = rate.percent()?;
        Some(match self {
            Measure::Reopen => 100.0 - percent,
            _ => percent,
        })
    }
}

/// An indicator of a scheme: computed, or scored by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Indicator {
    Computed {
        measure: Measure,
    },
    /// Scored 0–100 by the rater, with a comment; `key` names it in the
    /// stored scores, `name` on pages.
    Manual {
        key: String,
        name: String,
    },
}

impl Indicator {
    /// The key its scores are stored under: the measure's code, or the
    /// hand-scored indicator's key.
    pub fn key(&self) -> &str {
        match self {
            Indicator::Computed { measure } => measure.as_str(),
            Indicator::Manual { key, .. } => key,
        }
    }
}

/// An indicator in a scheme: whose part it is and its weight within it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeIndicator {
    pub rater: Rater,
    pub indicator: Indicator,
    /// Percent of the rater's part.
    pub weight: u32,
}

/// A scheme: the raters' weights and their indicators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheme {
    /// Percent of the score each rater's part is, in [`Rater::ALL`] order
    /// (a rater with no weight is left out).
    pub raters: Vec<(Rater, u32)>,
    pub indicators: Vec<SchemeIndicator>,
}

/// The key of the street's hand-scored indicator in the default scheme.
pub const STREET_REVIEW: &str = "street_review";
/// The key of the department's hand-scored indicator in the default scheme.
pub const DEPARTMENT_REVIEW: &str = "department_review";

impl Default for Scheme {
    /// The street 70%: response 15, on time 20, resolution 20, reopen 10,
    /// report-in 15, consultations followed 10 and the street's own review
    /// 10; the department 10%, its own review; the residents 20%, their
    /// satisfaction. Report-in and consultations judge only departments
    /// and teams: for anyone else they have nothing to judge and their
    /// weight is shared among the rest ([`super::score`]).
    fn default() -> Self {
        let computed = |rater, measure, weight| SchemeIndicator {
            rater,
            indicator: Indicator::Computed { measure },
            weight,
        };
        let manual = |rater, key: &str, name: &str, weight| SchemeIndicator {
            rater,
            indicator: Indicator::Manual {
                key: key.to_owned(),
                name: name.to_owned(),
            },
            weight,
        };
        Self {
            raters: vec![
                (Rater::Street, 70),
                (Rater::Department, 10),
                (Rater::Residents, 20),
            ],
            indicators: vec![
                computed(Rater::Street, Measure::Response, 15),
                computed(Rater::Street, Measure::OnTime, 20),
                computed(Rater::Street, Measure::Resolution, 20),
                computed(Rater::Street, Measure::Reopen, 10),
                computed(Rater::Street, Measure::ReportIn, 15),
                computed(Rater::Street, Measure::ConsultFollowed, 10),
                manual(Rater::Street, STREET_REVIEW, "街道评价（工作配合）", 10),
                manual(Rater::Department, DEPARTMENT_REVIEW, "部门评价", 100),
                computed(Rater::Residents, Measure::Satisfaction, 100),
            ],
        }
    }
}

/// The weights a street chooses when it opens a period: the raters'
/// (percent of the score) and, for each indicator it names by key, that
/// indicator's weight within its rater's part (0 leaves it out). An
/// indicator not named keeps the default scheme's weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weights {
    pub street: u32,
    pub department: u32,
    pub residents: u32,
    #[serde(default)]
    pub indicators: BTreeMap<String, u32>,
}

impl Default for Weights {
    /// The default scheme's: the street 70, the department 10, the
    /// residents 20, each indicator as the default has it.
    fn default() -> Self {
        Self {
            street: 70,
            department: 10,
            residents: 20,
            indicators: BTreeMap::new(),
        }
    }
}

impl Scheme {
    /// The default scheme with these rater weights, each rater's
    /// indicators as the default has them.
    pub fn with_weights(
        street: u32,
        department: u32,
        residents: u32,
    ) -> Result<Self, InvalidValue> {
        Self::with(&Weights {
            street,
            department,
            residents,
            indicators: BTreeMap::new(),
        })
    }

    /// The default scheme under the weights chosen: a rater given 0 is
    /// left out with its indicators, an indicator given 0 is left out of
    /// its rater's part. Refuses a key the scheme has no indicator for,
    /// and (by [`Scheme::validate`]) weights that do not add up.
    pub fn with(w: &Weights) -> Result<Self, InvalidValue> {
        let mut s = Self {
            raters: vec![
                (Rater::Street, w.street),
                (Rater::Department, w.department),
                (Rater::Residents, w.residents),
            ],
            ..Self::default()
        };
        for (key, weight) in &w.indicators {
            let Some(i) = s.indicators.iter_mut().find(|i| i.indicator.key() == key) else {
                return Err(InvalidValue::new(
                    Code::AssessIndicatorUnknown,
                    format!("the scheme has no indicator {key:?}"),
                )
                .at("indicators"));
            };
            i.weight = *weight;
        }
        s.raters.retain(|(_, w)| *w > 0);
        s.indicators
            .retain(|i| i.weight > 0 && s.raters.iter().any(|(r, _)| *r == i.rater));
        s.validate()?;
        Ok(s)
    }

    /// Refuses weights that do not add up (each rater's, and each rater's
    /// indicators'), an indicator named twice, and a hand-scored indicator
    /// without a key or a name.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        let total: u32 = self.raters.iter().map(|(_, w)| *w).sum();
        if total != 100 || self.raters.iter().any(|(_, w)| *w > 100) {
            let parts: Vec<String> = self
                .raters
                .iter()
                .map(|(r, w)| format!("{} {w}%", r.zh()))
                .collect();
            return Err(InvalidValue::new(
                Code::AssessWeightsSum,
                format!(
                    "the raters' weights ({}) add up to {total}%; they must add up to 100%",
                    parts.join(", ")
                ),
            )
            .at("weights"));
        }
        for (i, (r, _)) in self.raters.iter().enumerate() {
            if self.raters[..i].iter().any(|(o, _)| o == r) {
                return Err(InvalidValue::new(
                    Code::AssessIndicatorTwice,
                    format!("{} is given a weight twice", r.zh()),
                )
                .at("weights"));
            }
        }
        for (i, ind) in self.indicators.iter().enumerate() {
            if let Indicator::Manual { key, name } = &ind.indicator {
                let key_ok = !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if !key_ok || name.trim().is_empty() || Measure::parse(key).is_ok() {
                    return Err(InvalidValue::new(
                        Code::AssessIndicatorName,
                        format!(
                            "a hand-scored indicator needs a key of lowercase letters, digits and _ that is not a computed indicator's, and a name (got {key:?}, {name:?})"
                        ),
                    )
                    .at("indicators"));
                }
            }
            if self.indicators[..i]
                .iter()
                .any(|o| o.indicator.key() == ind.indicator.key())
            {
                return Err(InvalidValue::new(
                    Code::AssessIndicatorTwice,
                    format!(
                        "the indicator {} is in the scheme twice",
                        ind.indicator.key()
                    ),
                )
                .at("indicators"));
            }
            if !self.raters.iter().any(|(r, _)| *r == ind.rater) {
                return Err(InvalidValue::new(
                    Code::AssessWeightsSum,
                    format!(
                        "the indicator {} is {}'s, who has no weight in the scheme",
                        ind.indicator.key(),
                        ind.rater.zh()
                    ),
                )
                .at("indicators"));
            }
        }
        for (r, _) in &self.raters {
            let sum: u32 = self
                .indicators
                .iter()
                .filter(|i| i.rater == *r)
                .map(|i| i.weight)
                .sum();
            if sum != 100 {
                return Err(InvalidValue::new(
                    Code::AssessWeightsSum,
                    format!(
                        "the indicators of {}'s part add up to {sum}%; they must add up to 100%",
                        r.zh()
                    ),
                )
                .at("indicators"));
            }
        }
        Ok(())
    }

    /// The rater's weight, 0 for one not in the scheme.
    pub fn weight_of(&self, rater: Rater) -> u32 {
        self.raters
            .iter()
            .find(|(r, _)| *r == rater)
            .map_or(0, |(_, w)| *w)
    }

    /// The hand-scored indicators, with whose part they are.
    pub fn manual(&self) -> impl Iterator<Item = (&SchemeIndicator, &str, &str)> {
        self.indicators.iter().filter_map(|i| match &i.indicator {
            Indicator::Manual { key, name } => Some((i, key.as_str(), name.as_str())),
            Indicator::Computed { .. } => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scheme_holds_together_with_the_street_at_70() {
        let s = Scheme::default();
        s.validate().expect("default");
        assert_eq!(s.weight_of(Rater::Street), 70);
        assert_eq!(s.manual().count(), 2);
    }

    #[test]
    fn weights_that_do_not_add_up_are_refused_with_the_sum() {
        let e = Scheme::with_weights(70, 10, 10).expect_err("90");
        assert_eq!(
            (e.code, e.field()),
            (Code::AssessWeightsSum, Some("weights"))
        );
        assert!(e.message.contains("90%"), "{}", e.message);
        assert!(Scheme::with_weights(110, 0, 0).is_err());
        let s = Scheme::with_weights(80, 0, 20).expect("80/20");
        assert_eq!(s.weight_of(Rater::Department), 0);
        assert!(s.indicators.iter().all(|i| i.rater != Rater::Department));

        let mut s = Scheme::default();
        s.indicators[0].weight = 20;
        let e = s.validate().expect_err("105");
        assert_eq!(
            (e.code, e.field()),
            (Code::AssessWeightsSum, Some("indicators"))
        );
        assert!(e.message.contains("105%"), "{}", e.message);
    }

    #[test]
    fn a_street_sets_each_indicators_weight_or_leaves_one_out() {
        let mut w = Weights::default();
        w.indicators.extend([
            ("on_time".to_owned(), 30),
            ("consult_followed".to_owned(), 0),
        ]);
        let s = Scheme::with(&w).expect("15+30+20+10+15+10 = 100");
        let weight = |key: &str| {
            s.indicators
                .iter()
                .find(|i| i.indicator.key() == key)
                .map(|i| i.weight)
        };
        assert_eq!(
            (weight("on_time"), weight("consult_followed")),
            (Some(30), None)
        );
        w.indicators.insert("on_time".to_owned(), 35);
        let e = Scheme::with(&w).expect_err("105");
        assert_eq!(
            (e.code, e.field()),
            (Code::AssessWeightsSum, Some("indicators"))
        );
        assert!(e.message.contains("105%"), "{}", e.message);
        let mut unknown = Weights::default();
        unknown.indicators.insert("speed".to_owned(), 10);
        assert_eq!(
            Scheme::with(&unknown).expect_err("unknown").code,
            Code::AssessIndicatorUnknown
        );
        let mut none = Weights::default();
        none.indicators.insert(DEPARTMENT_REVIEW.to_owned(), 0);
        assert_eq!(
            Scheme::with(&none).expect_err("a rater with nothing").code,
            Code::AssessWeightsSum,
            "a rater left with no indicator is refused, its part adding up to 0%"
        );
        assert_eq!(Scheme::with(&Weights::default()), Ok(Scheme::default()));
    }

    #[test]
    fn an_indicator_twice_or_unnamed_is_refused() {
        let mut s = Scheme::default();
        let first = s.indicators[0].clone();
        s.indicators.push(first);
        assert_eq!(
            s.validate().expect_err("twice").code,
            Code::AssessIndicatorTwice
        );
        let mut s = Scheme::default();
        s.indicators[6].indicator = Indicator::Manual {
            key: "response".into(),
            name: "x".into(),
        };
        assert_eq!(
            s.validate().expect_err("clash").code,
            Code::AssessIndicatorName
        );
    }

    #[test]
    fn fewer_reopens_score_higher() {
        assert_eq!(Measure::Reopen.value(Rate::new(1, 4)), Some(75.0));
        assert_eq!(Measure::OnTime.value(Rate::new(1, 4)), Some(25.0));
        assert_eq!(Measure::Response.value(Rate::new(0, 0)), None);
    }
}
