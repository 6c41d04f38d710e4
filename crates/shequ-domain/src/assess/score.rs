//! A subject's score and every step of its arithmetic.
//!
//! Each indicator is worth 0–100: a computed one is its rate in percent
//! (100 − the rate for reopens), a hand-scored one what the rater gave.
//! A rater's part is the weighted mean of its indicators, and the score
//! the weighted mean of the raters' parts. An indicator with nothing to
//! judge (no orders resolved, no summons, a hand score not yet given) is
//! left out and its weight shared among the rest of its rater's
//! indicators; a rater with nothing at all, among the other raters — so a
//! grid worker, whom no one summons, is not marked down for report-in,
//! and a page shows every weight as it was in the end. Each indicator's
//! **points** (its value times its share of the whole score) add up to
//! the score, which is how a page traces it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::scheme::{Indicator, Measure, Rater, Scheme};
use crate::consult::ConsultCounts;
use crate::order::figures::{Counts, Rate, SummonsCounts};
use crate::{Code, InvalidValue};

/// A hand score: 0–100 with a comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManualScore {
    pub score: f64,
    pub comment: String,
}

impl ManualScore {
    /// Reads a score as typed (`85`, `92.5`) with its comment; refuses a
    /// score outside 0–100 and a missing comment.
    pub fn parse(score: &str, comment: &str) -> Result<Self, InvalidValue> {
        let range = || {
            InvalidValue::new(
                Code::AssessScoreRange,
                format!(
                    "{:?} is not a score; give a number from 0 to 100",
                    score.trim()
                ),
            )
            .at("score")
        };
        let value: f64 = score.trim().parse().map_err(|_| range())?;
        if !value.is_finite() || !(0.0..=100.0).contains(&value) {
            return Err(range());
        }
        let comment = comment.trim();
        if comment.is_empty() {
            return Err(InvalidValue::new(
                Code::AssessCommentMissing,
                "say in a comment why this score: the subject reads it",
            )
            .at("comment"));
        }
        Ok(Self {
            score: (value * 10.0).round() / 10.0,
            comment: comment.to_owned(),
        })
    }
}

/// What a subject's score is made of: its orders' counts, its summons'
/// counts, a department's consultations and its hand scores by indicator
/// key. Stored as it was when a period is closed, so the score can be
/// made again from it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    pub counts: Counts,
    pub summons: SummonsCounts,
    /// Periods closed before consultations were counted have none.
    #[serde(default)]
    pub consult: ConsultCounts,
    pub manual: BTreeMap<String, ManualScore>,
}

impl Inputs {
    /// The rate of a computed indicator: of the orders, the summons, the
    /// department's consultations.
    pub fn rate(&self, measure: Measure) -> Rate {
        let counts = &self.counts;
        match measure {
            Measure::Response => counts.on_time_acceptance(),
            Measure::OnTime => counts.on_time_resolution(),
            Measure::Resolution => counts.resolution(),
            Measure::Satisfaction => counts.satisfaction(),
            Measure::Reopen => counts.reopen(),
            Measure::ReportIn => self.summons.report_in(),
            Measure::ConsultFollowed => self.consult.followed_rate(),
        }
    }
}

/// One indicator of a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorPart {
    pub rater: Rater,
    pub indicator: Indicator,
    /// Its weight within its rater's part, as the scheme has it (percent).
    pub weight: u32,
    /// The rate, for a computed indicator.
    pub rate: Option<Rate>,
    /// Its value 0–100; `None` when there is nothing to judge.
    pub value: Option<f64>,
    /// Its share of the whole score in the end (0–1), after the weights of
    /// what had nothing to judge were shared out.
    pub share: f64,
    /// `value × share`: what it adds to the score.
    pub points: f64,
}

/// One rater's part of a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaterPart {
    pub rater: Rater,
    /// Its weight as the scheme has it (percent).
    pub weight: u32,
    /// The weighted mean of its indicators; `None` when none had anything
    /// to judge.
    pub value: Option<f64>,
    /// Its share of the whole score in the end (0–1).
    pub share: f64,
}

/// A subject's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// 0–100; `None` when nothing at all could be judged.
    pub total: Option<f64>,
    pub raters: Vec<RaterPart>,
    pub indicators: Vec<IndicatorPart>,
}

impl Score {
    /// The score rounded to two decimals, as pages print and rank it.
    pub fn rounded(&self) -> Option<f64> {
        self.total.map(round2)
    }
}

/// Rounds to two decimals.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The score of `inputs` under `scheme` (see the module's arithmetic).
pub fn score(scheme: &Scheme, inputs: &Inputs) -> Score {
    let mut indicators: Vec<IndicatorPart> = scheme
        .indicators
        .iter()
        .map(|i| {
            let (rate, value) = match &i.indicator {
                Indicator::Computed { measure } => {
                    let rate = inputs.rate(*measure);
                    (Some(rate), measure.value(rate))
                }
                Indicator::Manual { key, .. } => (None, inputs.manual.get(key).map(|m| m.score)),
            };
            IndicatorPart {
                rater: i.rater,
                indicator: i.indicator.clone(),
                weight: i.weight,
                rate,
                value,
                share: 0.0,
                points: 0.0,
            }
        })
        .collect();
    let mut raters: Vec<RaterPart> = scheme
        .raters
        .iter()
        .map(|&(rater, weight)| {
            let judged = indicators
                .iter()
                .filter(|i| i.rater == rater && i.value.is_some());
            let (sum, weights) = judged.fold((0.0, 0u32), |(s, w), i| {
                (
                    s + f64::from(i.weight) * i.value.unwrap_or(0.0),
                    w + i.weight,
                )
            });
            RaterPart {
                rater,
                weight,
                value: (weights > 0).then(|| sum / f64::from(weights)),
                share: 0.0,
            }
        })
        .collect();
    let judged_weight: u32 = raters
        .iter()
        .filter(|r| r.value.is_some())
        .map(|r| r.weight)
        .sum();
    if judged_weight == 0 {
        return Score {
            total: None,
            raters,
            indicators,
        };
    }
    for r in &mut raters {
        if r.value.is_some() {
            r.share = f64::from(r.weight) / f64::from(judged_weight);
        }
    }
    let mut total = 0.0;
    for r in &raters {
        let within: u32 = indicators
            .iter()
            .filter(|i| i.rater == r.rater && i.value.is_some())
            .map(|i| i.weight)
            .sum();
        for i in indicators
            .iter_mut()
            .filter(|i| i.rater == r.rater && i.value.is_some())
        {
            i.share = r.share * f64::from(i.weight) / f64::from(within);
            i.points = i.share * i.value.unwrap_or(0.0);
            total += i.points;
        }
    }
    Score {
        total: Some(total),
        raters,
        indicators,
    }
}

/// The ranks of these scores (1 the best): equal scores at two decimals
/// share a rank and the next rank skips (1, 2, 2, 4); a subject with no
/// score has no rank.
pub fn rank(scores: &[Option<f64>]) -> Vec<Option<u32>> {
    let rounded: Vec<Option<f64>> = scores.iter().map(|s| s.map(round2)).collect();
    rounded
        .iter()
        .map(|s| {
            s.map(|x| {
                let better = rounded.iter().flatten().filter(|&&o| o > x).count();
                u32::try_from(better).unwrap_or(u32::MAX - 1) + 1
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::scheme::{DEPARTMENT_REVIEW, STREET_REVIEW, SchemeIndicator};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// A department with 10 orders: 8 accepted, 6 on time; 8 resolved, 6
    /// on time; 1 reopened of 9 ever resolved; 7 settled for good; 5 rated,
    /// 4 satisfied; 4 summons judged, 3 on time; 2 consultations
    /// concluded, 1 followed; reviews 90 and 80.
    fn inputs() -> Inputs {
        Inputs {
            counts: Counts {
                orders: 10,
                accepted: 8,
                accepted_on_time: 6,
                resolved: 8,
                resolved_on_time: 6,
                rated: 5,
                satisfied: 4,
                overdue: 1,
                ever_resolved: 9,
                reopened: 1,
                resolved_for_good: 7,
            },
            summons: SummonsCounts {
                summoned: 5,
                judged: 4,
                reported_on_time: 3,
            },
            consult: ConsultCounts {
                rounds_judged: 3,
                answered_on_time: 2,
                concluded: 2,
                followed: 1,
            },
            manual: BTreeMap::from([
                (
                    STREET_REVIEW.to_owned(),
                    ManualScore {
                        score: 90.0,
                        comment: "ok".into(),
                    },
                ),
                (
                    DEPARTMENT_REVIEW.to_owned(),
                    ManualScore {
                        score: 80.0,
                        comment: "ok".into(),
                    },
                ),
            ]),
        }
    }

    #[test]
    fn the_score_is_the_weighted_mean_worked_by_hand() {
        let s = score(&Scheme::default(), &inputs());
        // Street: response 75, on time 75, resolution 70, reopen 100−11.1…,
        // report-in 75, consultations followed 50, review 90.
        let street = (15.0 * 75.0
            + 20.0 * 75.0
            + 20.0 * 70.0
            + 10.0 * (100.0 - 100.0 / 9.0)
            + 15.0 * 75.0
            + 10.0 * 50.0
            + 10.0 * 90.0)
            / 100.0;
        let expected = 0.7 * street + 0.1 * 80.0 + 0.2 * 80.0;
        assert!(
            close(s.total.expect("total"), expected),
            "{:?} vs {expected}",
            s.total
        );
        let points: f64 = s.indicators.iter().map(|i| i.points).sum();
        assert!(close(points, expected), "the points add up to the score");
        assert!(close(s.raters[0].value.expect("street"), street));
    }

    #[test]
    fn what_has_nothing_to_judge_shares_its_weight() {
        let mut i = inputs();
        i.summons = SummonsCounts::default();
        i.consult = ConsultCounts::default();
        i.manual.remove(DEPARTMENT_REVIEW);
        let s = score(&Scheme::default(), &i);
        let report_in = s
            .indicators
            .iter()
            .find(|p| {
                p.indicator
                    == Indicator::Computed {
                        measure: Measure::ReportIn,
                    }
            })
            .expect("report-in");
        assert_eq!((report_in.value, report_in.share), (None, 0.0));
        // Without summons or consultations, the street's part is judged on
        // 75 of its 100 weight.
        let street =
            (15.0 * 75.0 + 20.0 * 75.0 + 20.0 * 70.0 + 10.0 * (100.0 - 100.0 / 9.0) + 10.0 * 90.0)
                / 75.0;
        let expected = (70.0 * street + 20.0 * 80.0) / 90.0;
        assert!(close(s.total.expect("total"), expected));
        let shares: f64 = s.indicators.iter().map(|p| p.share).sum();
        assert!(close(shares, 1.0), "the shares still make the whole");
        assert!(
            score(&Scheme::default(), &Inputs::default())
                .total
                .is_none()
        );
    }

    #[test]
    fn a_hand_score_is_0_to_100_with_a_comment() {
        assert_eq!(
            ManualScore::parse(" 92.5 ", "配合积极").expect("ok").score,
            92.5
        );
        for bad in ["101", "-1", "abc", "", "NaN", "inf"] {
            let e = ManualScore::parse(bad, "c").expect_err(bad);
            assert_eq!(
                (e.code, e.field()),
                (Code::AssessScoreRange, Some("score")),
                "{bad}"
            );
        }
        let e = ManualScore::parse("80", "  ").expect_err("comment");
        assert_eq!(e.code, Code::AssessCommentMissing);
    }

    #[test]
    fn equal_scores_share_a_rank() {
        assert_eq!(
            rank(&[Some(90.0), Some(95.0), Some(90.004), None, Some(80.0)]),
            vec![Some(2), Some(1), Some(2), None, Some(4)]
        );
    }

    #[test]
    fn a_scheme_of_one_indicator_is_that_indicator() {
        let scheme = Scheme {
            raters: vec![(Rater::Residents, 100)],
            indicators: vec![SchemeIndicator {
                rater: Rater::Residents,
                indicator: Indicator::Computed {
                    measure: Measure::Satisfaction,
                },
                weight: 100,
            }],
        };
        scheme.validate().expect("valid");
        assert_eq!(score(&scheme, &inputs()).total, Some(80.0));
    }
}
