//! A party member's standing: full (正式党员) or probationary (预备党员,
//! with the end of probation and, once decided, the conversion 转正).

use chrono::NaiveDate;

use crate::{Code, InvalidValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// 正式党员; `converted_on` is the conversion date for one who was
    /// probationary here, `None` for one who joined before the records.
    Full { converted_on: Option<NaiveDate> },
    /// 预备党员 until `probation_end`.
    Probationary { probation_end: NaiveDate },
}

/// The dates of a member's standing, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberStanding {
    pub joined_on: NaiveDate,
    pub standing: Standing,
}

impl MemberStanding {
    /// Refuses a conversion or a probation end that is not after joining.
    pub fn new(joined_on: NaiveDate, standing: Standing) -> Result<MemberStanding, InvalidValue> {
        let (day, field) = match standing {
            Standing::Full {
                converted_on: Some(c),
            } => (c, "converted_on"),
            Standing::Probationary { probation_end } => (probation_end, "probation_end"),
            Standing::Full { converted_on: None } => {
                return Ok(MemberStanding {
                    joined_on,
                    standing,
                });
            }
        };
        if day <= joined_on {
            return Err(InvalidValue::new(
                Code::PartyMemberDates,
                format!("{day} is not after the join date {joined_on}"),
            )
            .at(field));
        }
        Ok(MemberStanding {
            joined_on,
            standing,
        })
    }

    /// Whether the member may vote and be elected (full members only).
    pub fn is_full(&self) -> bool {
        matches!(self.standing, Standing::Full { .. })
    }

    /// A probation past its end with no conversion recorded.
    pub fn conversion_overdue(&self, today: NaiveDate) -> bool {
        matches!(self.standing, Standing::Probationary { probation_end } if today > probation_end)
    }

    /// Records the conversion on `on`.
    pub fn convert(&mut self, on: NaiveDate) -> Result<(), InvalidValue> {
        if self.is_full() {
            return Err(InvalidValue::new(
                Code::PartyMemberDates,
                "the member is already full",
            ));
        }
        *self = MemberStanding::new(
            self.joined_on,
            Standing::Full {
                converted_on: Some(on),
            },
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).expect("date")
    }

    #[test]
    fn a_conversion_before_joining_is_refused_naming_its_field() {
        let e = MemberStanding::new(
            d(6, 1),
            Standing::Full {
                converted_on: Some(d(5, 1)),
            },
        )
        .expect_err("before");
        assert_eq!(
            (e.code, e.field()),
            (Code::PartyMemberDates, Some("converted_on"))
        );
        let e = MemberStanding::new(
            d(6, 1),
            Standing::Probationary {
                probation_end: d(6, 1),
            },
        )
        .expect_err("same day");
        assert_eq!(e.field(), Some("probation_end"));
    }

    #[test]
    fn an_overdue_conversion_is_flagged_until_recorded() {
        let mut m = MemberStanding::new(
            d(1, 10),
            Standing::Probationary {
                probation_end: d(11, 30),
            },
        )
        .expect("probationary");
        assert!(!m.is_full());
        assert!(!m.conversion_overdue(d(11, 30)));
        assert!(m.conversion_overdue(d(12, 1)));
        m.convert(d(12, 2)).expect("convert");
        assert!(m.is_full() && !m.conversion_overdue(d(12, 3)));
        assert!(m.convert(d(12, 4)).is_err());
    }
}
