//! Assessment periods (考核周期): a month, a quarter or a year of the
//! street's calendar, named by a code (`2026-07`, `2026-Q3`, `2026`). The
//! orders filed within a period are the ones it judges.

use chrono::{Datelike, NaiveDate};

use crate::{Code, InvalidValue};

coded_enum! {
    /// How long a period is.
    PeriodKind, Code::AssessPeriodKindUnknown, "kind", "period kind", {
        Month => "month", "月度" | "月",
        Quarter => "quarter", "季度" | "季",
        Year => "year", "年度" | "年",
    }
}

/// One period: its kind, its year and its number within the year (the
/// month 1–12, the quarter 1–4, 1 for a year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub kind: PeriodKind,
    pub year: i32,
    pub number: u32,
}

impl Period {
    /// The period of `kind` that `day` falls in.
    pub fn containing(kind: PeriodKind, day: NaiveDate) -> Self {
        let number = match kind {
            PeriodKind::Month => day.month(),
            PeriodKind::Quarter => (day.month() - 1) / 3 + 1,
            PeriodKind::Year => 1,
        };
        Self {
            kind,
            year: day.year(),
            number,
        }
    }

    /// Reads a period's code: `2026-07` (a month), `2026-Q3` (a quarter)
    /// or `2026` (a year).
    pub fn parse(code: &str) -> Result<Self, InvalidValue> {
        let bad = || {
            InvalidValue::new(
                Code::AssessPeriodCode,
                format!(
                    "{code:?} is not a period; write a month as 2026-07, a quarter as 2026-Q3, a year as 2026"
                ),
            )
            .at("period")
        };
        let code = code.trim();
        let (year, rest) = match code.split_once('-') {
            Some((year, rest)) => (year, Some(rest)),
            None => (code, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        let (kind, number) = if let Some(rest) = rest {
            if let Some(q) = rest.strip_prefix(['Q', 'q']) {
                (PeriodKind::Quarter, q.parse().map_err(|_| bad())?)
            } else if rest.len() == 2 {
                (PeriodKind::Month, rest.parse().map_err(|_| bad())?)
            } else {
                return Err(bad());
            }
        } else {
            (PeriodKind::Year, 1)
        };
        let max = match kind {
            PeriodKind::Month => 12,
            PeriodKind::Quarter => 4,
            PeriodKind::Year => 1,
        };
        if !(1..=max).contains(&number) {
            return Err(bad());
        }
        Ok(Self { kind, year, number })
    }

    /// The period's code, as [`Period::parse`] reads it.
    pub fn code(self) -> String {
        match self.kind {
            PeriodKind::Month => format!("{}-{:02}", self.year, self.number),
            PeriodKind::Quarter => format!("{}-Q{}", self.year, self.number),
            PeriodKind::Year => self.year.to_string(),
        }
    }

    /// Its name in Chinese: 2026年7月, 2026年第三季度, 2026年度.
    pub fn zh(self) -> String {
        match self.kind {
            PeriodKind::Month => format!("{}年{}月", self.year, self.number),
            PeriodKind::Quarter => {
                let n = ["一", "二", "三", "四"]
                    .get(self.number as usize - 1)
                    .copied()
                    .unwrap_or("?");
                format!("{}年第{n}季度", self.year)
            }
            PeriodKind::Year => format!("{}年度", self.year),
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        let month = match self.kind {
            PeriodKind::Month => self.number,
            PeriodKind::Quarter => (self.number - 1) * 3 + 1,
            PeriodKind::Year => 1,
        };
        NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The first day after it: the period is `[first_day, end_day)`.
    pub fn end_day(self) -> NaiveDate {
        let months = match self.kind {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::Year => 12,
        };
        self.first_day()
            .checked_add_months(chrono::Months::new(months))
            .unwrap_or(NaiveDate::MAX)
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("day")
    }

    #[test]
    fn codes_read_and_print_the_same() {
        for code in ["2026-07", "2026-Q3", "2026", "2026-12", "2026-Q1"] {
            assert_eq!(Period::parse(code).expect(code).code(), code);
        }
        assert_eq!(Period::parse("2026-q4").expect("q4").code(), "2026-Q4");
        assert_eq!(Period::parse("2026-Q3").expect("q3").zh(), "2026年第三季度");
    }

    #[test]
    fn a_period_spans_its_days_and_no_more() {
        let q3 = Period::parse("2026-Q3").expect("q3");
        assert_eq!(
            (q3.first_day(), q3.end_day()),
            (day(2026, 7, 1), day(2026, 10, 1))
        );
        let dec = Period::parse("2026-12").expect("dec");
        assert_eq!(dec.end_day(), day(2027, 1, 1));
        assert_eq!(
            Period::containing(PeriodKind::Quarter, day(2026, 9, 30)),
            q3
        );
        assert_eq!(
            Period::containing(PeriodKind::Quarter, day(2026, 10, 1)).code(),
            "2026-Q4"
        );
        assert_eq!(
            Period::containing(PeriodKind::Year, day(2026, 2, 3)).end_day(),
            day(2027, 1, 1)
        );
    }

    #[test]
    fn bad_codes_say_how_to_write_one() {
        for bad in [
            "", "26-Q1", "2026-Q5", "2026-13", "2026-00", "2026-Qx", "abc", "2026-", "2026-7",
            "+2026",
        ] {
            let e = Period::parse(bad).expect_err(bad);
            assert_eq!(e.code, Code::AssessPeriodCode, "{bad}");
            assert!(e.message.contains("2026-Q3"), "{}", e.message);
        }
    }
}
