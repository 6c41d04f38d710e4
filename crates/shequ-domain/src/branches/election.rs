//! Candidate-less direct election (无候选人直选) of a branch committee, by
//! the rules of 中国共产党基层组织选举工作条例 as a branch applies them with
//! no list of candidates:
//!
//! - A round counts only if the voting members present are more than four
//!   fifths of those entitled to attend (应到会). Probationary members
//!   attend but neither vote nor can be elected.
//! - Each voter writes up to K names (K = seats). A round is void if more
//!   ballots come back than were issued. A ballot naming more than K
//!   people is invalid; fewer is valid; a name that is not eligible is not
//!   counted and the rest of the ballot stands. A name written twice on
//!   one ballot counts once.
//! - A person is elected with votes from more than half of the voting
//!   members present. If more than K pass that, the most votes win, and a
//!   tie at the cut goes to a further vote among the tied alone (which the
//!   most votes then decide: each of them has passed the majority already).
//! - If fewer than K pass it, a further round (另行选举) fills the seats
//!   left, its candidates the not-yet-elected with most votes, at least 20%
//!   more of them than seats left (rounded up; more when tied at the cut).
//!   The same majority applies; seats still empty after it stay empty.
//! - The committee then elects its secretary (and deputy) the same way,
//!   with one seat and the committee as voters and as the eligible.
//!
//! The tally is a pure function of the round's rules and its ballots, so
//! every view recomputes it from the stored ballots.

use std::collections::{BTreeMap, BTreeSet};

use crate::{Code, InvalidValue};

/// The seats a branch committee may have.
pub const COMMITTEE_SEATS: std::ops::RangeInclusive<u32> = 3..=7;

/// The most names one ballot line may hold before it is refused as input
/// (far above any seat count; a guard against a pasted file).
const MAX_NAMES_ON_A_LINE: usize = 200;

/// Checks a committee's seat count.
pub fn check_seats(seats: u32) -> Result<(), InvalidValue> {
    if COMMITTEE_SEATS.contains(&seats) {
        Ok(())
    } else {
        Err(InvalidValue::new(
            Code::ElectionSeats,
            format!(
                "a branch committee has {} to {} seats, not {seats}",
                COMMITTEE_SEATS.start(),
                COMMITTEE_SEATS.end()
            ),
        )
        .at("seats"))
    }
}

/// What kind of round is held, which decides how it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decide {
    /// The first round: a majority elects; seats left call a further
    /// round.
    First,
    /// A further round (另行选举) among its candidates: a majority
    /// elects; seats left stay empty.
    Further,
    /// A vote among those tied at the cut: the most votes win.
    Tie,
}

impl Decide {
    pub const ALL: [Decide; 3] = [Decide::First, Decide::Further, Decide::Tie];

    pub fn as_str(self) -> &'static str {
        match self {
            Decide::First => "first",
            Decide::Further => "further",
            Decide::Tie => "tie",
        }
    }

    pub fn parse(s: &str) -> Option<Decide> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// What a round needs after it, when its seats are not all filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Runoff {
    /// A vote among those tied at the cut.
    Tie,
    /// A further round (另行选举) for the seats left.
    Further,
}

/// The numbers and the electorate of one round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundRules {
    /// Seats this round fills.
    pub seats: u32,
    /// Members entitled to attend and vote (应到会人数).
    pub entitled: u32,
    /// Voting members present (实到会有选举权的人数).
    pub present: u32,
    /// Ballots handed out.
    pub issued: u32,
    /// Who may be written and counted: the branch's full members, or a
    /// further or tie round's candidates. `None` counts every name.
    pub eligible: Option<BTreeSet<String>>,
    pub decide: Decide,
}

/// The ballots that came back, each the names written on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ballots(pub Vec<Vec<String>>);

impl Ballots {
    /// One ballot a line, its names separated by commas (`,`, `，` or
    /// `、`); an empty line is a blank ballot. The line ending of the last
    /// line makes no ballot of its own.
    pub fn parse(text: &str) -> Result<Ballots, InvalidValue> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let names: Vec<String> = line
                .split([',', '，', '、'])
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect();
            if names.len() > MAX_NAMES_ON_A_LINE {
                return Err(InvalidValue::new(
                    Code::ElectionBallot,
                    format!(
                        "line {}: {} names on one ballot; is this a ballot file?",
                        i + 1,
                        names.len()
                    ),
                ));
            }
            out.push(names);
        }
        Ok(Ballots(out))
    }
}

/// A round's tally and result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RoundResult {
    /// Whether the round counts: enough present, no more ballots back
    /// than issued.
    pub valid: bool,
    /// Why it does not count, in English.
    pub reason: Option<String>,
    #[serde(skip)]
    pub reason_code: Option<Code>,
    /// The fewest votes that elect: more than half of those present.
    pub threshold: u32,
    /// Votes per eligible name written, by name.
    pub counts: BTreeMap<String, u32>,
    /// Elected in this round, most votes first.
    pub elected: Vec<String>,
    /// What must follow for the seats left, if anything.
    pub runoff: Option<Runoff>,
    /// Its candidates, most votes first.
    pub runoff_among: Vec<String>,
    /// Seats this round left unfilled.
    pub seats_left: u32,
    /// Ballots that came back.
    pub returned: u32,
    /// Ballots naming more people than there are seats.
    pub invalid: u32,
    /// Ballots naming nobody.
    pub blank: u32,
    /// Names written that are not eligible, with how often.
    pub not_counted: BTreeMap<String, u32>,
}

/// The fewest votes that are more than half of `present`.
pub fn majority(present: u32) -> u32 {
    present / 2 + 1
}

/// The fewest voting members present for a round to count: more than
/// four fifths of `entitled`.
pub fn quorum(entitled: u32) -> u32 {
    (u64::from(entitled) * 4 / 5) as u32 + 1
}

/// How many candidates a further round has for `seats` left: at least a
/// fifth more, rounded up.
pub fn further_candidates(seats: u32) -> u32 {
    (seats * 6).div_ceil(5)
}

/// Tallies one round. Bad numbers or no ballots at all are an error; a
/// round that does not count (too few present, too many ballots back) is
/// a result with `valid: false` and its reason, as the sheet records it.
pub fn tally(rules: &RoundRules, ballots: &Ballots) -> Result<RoundResult, InvalidValue> {
    let RoundRules {
        seats,
        entitled,
        present,
        issued,
        ..
    } = *rules;
    if seats == 0 {
        return Err(
            InvalidValue::new(Code::ElectionSeats, "a round fills at least one seat").at("seats"),
        );
    }
    if entitled == 0 {
        return Err(InvalidValue::new(
            Code::ElectionNumbers,
            "nobody is entitled to vote: the branch has no full members",
        )
        .at("entitled"));
    }
    if present > entitled {
        return Err(InvalidValue::new(
            Code::ElectionNumbers,
            format!("{present} present is more than the {entitled} entitled to attend"),
        )
        .at("present"));
    }
    if issued > present {
        return Err(InvalidValue::new(
            Code::ElectionNumbers,
            format!("{issued} ballots issued to {present} voters present; one each at most"),
        )
        .at("issued"));
    }
    if ballots.0.is_empty() {
        return Err(InvalidValue::new(
            Code::ElectionNoBallots,
            "no ballots: a result needs the ballots that came back (a blank ballot is an empty line)",
        )
        .at("ballots"));
    }
    let threshold = majority(present);
    let returned = ballots.0.len() as u32;
    let mut result = RoundResult {
        valid: true,
        reason: None,
        reason_code: None,
        threshold,
        counts: BTreeMap::new(),
        elected: Vec::new(),
        runoff: None,
        runoff_among: Vec::new(),
        seats_left: seats,
        returned,
        invalid: 0,
        blank: 0,
        not_counted: BTreeMap::new(),
    };
    if present < quorum(entitled) {
        result.valid = false;
        result.reason_code = Some(Code::ElectionQuorum);
        result.reason = Some(format!(
            "only {present} of the {entitled} entitled to vote are present; more than four fifths ({} at least) must be for the election to count",
            quorum(entitled)
        ));
        return Ok(result);
    }
    if returned > issued {
        result.valid = false;
        result.reason_code = Some(Code::ElectionOverIssued);
        result.reason = Some(format!(
            "{returned} ballots came back but {issued} were issued; the round is void — vote again"
        ));
        return Ok(result);
    }

    for ballot in &ballots.0 {
        let names: BTreeSet<&str> = ballot
            .iter()
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
            .collect();
        if names.is_empty() {
            result.blank += 1;
            continue;
        }
        if names.len() > seats as usize {
            result.invalid += 1;
            continue;
        }
        for name in names {
            let counted = rules.eligible.as_ref().is_none_or(|e| e.contains(name));
            let tally = if counted {
                &mut result.counts
            } else {
                &mut result.not_counted
            };
            *tally.entry(name.to_owned()).or_insert(0) += 1;
        }
    }

    // Everyone with votes, most first, then by name: the order the sheet
    // prints and the order ties are listed in.
    let mut ranked: Vec<(&str, u32)> = result
        .counts
        .iter()
        .map(|(n, v)| (n.as_str(), *v))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let passed: Vec<(&str, u32)> = match rules.decide {
        Decide::First | Decide::Further => ranked
            .iter()
            .copied()
            .filter(|(_, v)| *v >= threshold)
            .collect(),
        Decide::Tie => ranked.clone(),
    };
    let seats = seats as usize;
    if passed.len() > seats && passed[seats].1 == passed[seats - 1].1 {
        let cut = passed[seats - 1].1;
        result.elected = passed
            .iter()
            .filter(|(_, v)| *v > cut)
            .map(|(n, _)| (*n).to_owned())
            .collect();
        result.runoff = Some(Runoff::Tie);
        result.runoff_among = passed
            .iter()
            .filter(|(_, v)| *v == cut)
            .map(|(n, _)| (*n).to_owned())
            .collect();
    } else {
        result.elected = passed
            .iter()
            .take(seats)
            .map(|(n, _)| (*n).to_owned())
            .collect();
        let left = (seats - result.elected.len()) as u32;
        if left > 0 && rules.decide == Decide::First {
            let rest: Vec<(&str, u32)> = ranked
                .iter()
                .copied()
                .filter(|(n, _)| !result.elected.iter().any(|e| e == n))
                .collect();
            let want = further_candidates(left) as usize;
            let cut = rest.get(want.saturating_sub(1)).map(|(_, v)| *v);
            let among: Vec<String> = rest
                .iter()
                .enumerate()
                .take_while(|(i, (_, v))| *i < want || Some(*v) == cut)
                .map(|(_, (n, _))| (*n).to_owned())
                .collect();
            if !among.is_empty() {
                result.runoff = Some(Runoff::Further);
                result.runoff_among = among;
            }
        }
    }
    result.seats_left = (seats - result.elected.len()) as u32;
    Ok(result)
}

#[cfg(test)]
mod tests;

/// What a round of an election is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The committee's members (支部委员).
    Committee,
    /// The secretary (书记), elected by the committee among itself.
    Secretary,
    /// The deputy secretary (副书记), the same way.
    Deputy,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [Purpose::Committee, Purpose::Secretary, Purpose::Deputy];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Committee => "committee",
            Purpose::Secretary => "secretary",
            Purpose::Deputy => "deputy",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The round an election holds next.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NextRound {
    pub purpose: Purpose,
    pub decide: Decide,
    pub seats: u32,
    /// Who may be elected: `None` for the branch's full members (the
    /// first committee round), else the candidates of a further or tie
    /// round, or the committee for its secretary and deputy.
    pub candidates: Option<Vec<String>>,
}

/// Where an election stands after its rounds so far.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Standing {
    /// The committee elected so far, in the order elected.
    pub committee: Vec<String>,
    pub secretary: Option<String>,
    pub deputy: Option<String>,
    /// Committee seats that stay empty after a further round.
    pub short: u32,
    /// The round to hold next; `None` once the deputy is chosen.
    pub next: Option<NextRound>,
}

/// Replays an election of a `seats`-member committee from its rounds, in
/// the order held: who is elected, and which round comes next. A round
/// that did not count is held again; a committee round's tie goes to a
/// vote among the tied, its seats left to a further round, whose seats
/// still left stay empty; a secretary or deputy round without a majority
/// goes to a further round between the two with most votes, and when that
/// elects nobody either, the vote starts over.
pub fn standing(seats: u32, rounds: &[(Purpose, Decide, &RoundResult)]) -> Standing {
    let mut s = Standing {
        committee: Vec::new(),
        secretary: None,
        deputy: None,
        short: 0,
        next: Some(NextRound {
            purpose: Purpose::Committee,
            decide: Decide::First,
            seats,
            candidates: None,
        }),
    };
    for (purpose, decide, r) in rounds {
        if !r.valid {
            continue;
        }
        let officers_among = |s: &Standing| -> Vec<String> {
            s.committee
                .iter()
                .filter(|m| s.secretary.as_ref() != Some(*m))
                .cloned()
                .collect()
        };
        match purpose {
            Purpose::Committee => {
                for e in &r.elected {
                    if !s.committee.contains(e) && (s.committee.len() as u32) < seats {
                        s.committee.push(e.clone());
                    }
                }
                let left = seats - s.committee.len() as u32;
                s.next = match (r.runoff, decide) {
                    _ if left == 0 => None,
                    (Some(Runoff::Tie), _) => Some(NextRound {
                        purpose: Purpose::Committee,
                        decide: Decide::Tie,
                        seats: left,
                        candidates: Some(r.runoff_among.clone()),
                    }),
                    (Some(Runoff::Further), Decide::First) if !r.runoff_among.is_empty() => {
                        Some(NextRound {
                            purpose: Purpose::Committee,
                            decide: Decide::Further,
                            seats: left,
                            candidates: Some(r.runoff_among.clone()),
                        })
                    }
                    _ => {
                        s.short = left;
                        None
                    }
                };
                if s.next.is_none() {
                    s.next = Some(NextRound {
                        purpose: Purpose::Secretary,
                        decide: Decide::First,
                        seats: 1,
                        candidates: Some(s.committee.clone()),
                    });
                }
            }
            Purpose::Secretary | Purpose::Deputy => {
                let among = if *purpose == Purpose::Secretary {
                    s.committee.clone()
                } else {
                    officers_among(&s)
                };
                match r.elected.first() {
                    Some(e) => {
                        if *purpose == Purpose::Secretary {
                            s.secretary = Some(e.clone());
                            let rest = officers_among(&s);
                            s.next = (!rest.is_empty()).then_some(NextRound {
                                purpose: Purpose::Deputy,
                                decide: Decide::First,
                                seats: 1,
                                candidates: Some(rest),
                            });
                        } else {
                            s.deputy = Some(e.clone());
                            s.next = None;
                        }
                    }
                    None => {
                        s.next = Some(match (r.runoff, decide) {
                            (Some(Runoff::Tie), _) => NextRound {
                                purpose: *purpose,
                                decide: Decide::Tie,
                                seats: 1,
                                candidates: Some(r.runoff_among.clone()),
                            },
                            (Some(Runoff::Further), Decide::First)
                                if !r.runoff_among.is_empty() =>
                            {
                                NextRound {
                                    purpose: *purpose,
                                    decide: Decide::Further,
                                    seats: 1,
                                    candidates: Some(r.runoff_among.clone()),
                                }
                            }
                            _ => NextRound {
                                purpose: *purpose,
                                decide: Decide::First,
                                seats: 1,
                                candidates: Some(among),
                            },
                        });
                    }
                }
            }
        }
    }
    s
}
