//! How much a resource offers (20 hours a month of a lawyer, 40 places in a
//! canteen) and how much of it projects have already taken.

use crate::{Code, InvalidValue};

coded_enum! {
    /// What a resource's capacity is counted in.
    CapacityUnit, Code::CoopCapacityUnitUnknown, "unit", "capacity unit", {
        /// 小时/月: hours of service a month.
        HoursPerMonth => "hours_per_month", "小时/月" | "小时每月",
        /// 名额: places (seats at a class, meals a day).
        Places => "places", "名额" | "个",
        /// 次/月: visits a month.
        VisitsPerMonth => "visits_per_month", "次/月" | "次每月",
        /// 元: money, in yuan.
        MoneyYuan => "money_yuan", "元" | "资金",
    }
}

impl CapacityUnit {
    /// Whether the amount renews each month.
    pub fn per_month(self) -> bool {
        matches!(
            self,
            CapacityUnit::HoursPerMonth | CapacityUnit::VisitsPerMonth
        )
    }

    /// The English noun for `n` of the unit, without "a month": `hours`,
    /// `place`, `yuan`.
    pub fn noun_en(self, n: u32) -> &'static str {
        match (self, n == 1) {
            (CapacityUnit::HoursPerMonth, true) => "hour",
            (CapacityUnit::HoursPerMonth, false) => "hours",
            (CapacityUnit::Places, true) => "place",
            (CapacityUnit::Places, false) => "places",
            (CapacityUnit::VisitsPerMonth, true) => "visit",
            (CapacityUnit::VisitsPerMonth, false) => "visits",
            (CapacityUnit::MoneyYuan, _) => "yuan",
        }
    }

    /// The Chinese measure word written after a number: `小时`, `个名额`.
    pub fn noun_zh(self) -> &'static str {
        match self {
            CapacityUnit::HoursPerMonth => "小时",
            CapacityUnit::Places => "个名额",
            CapacityUnit::VisitsPerMonth => "次",
            CapacityUnit::MoneyYuan => "元",
        }
    }

    /// `12 hours a month`, `1 place`, `300 yuan`.
    pub fn amount_en(self, n: u32) -> String {
        let month = if self.per_month() { " a month" } else { "" };
        format!("{n} {}{month}", self.noun_en(n))
    }
}

/// What a resource offers: an amount above zero in a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Capacity {
    pub amount: u32,
    pub unit: CapacityUnit,
}

impl Capacity {
    /// A capacity of `amount` (more than zero) in `unit`.
    pub fn new(amount: u32, unit: CapacityUnit) -> Result<Capacity, InvalidValue> {
        if amount == 0 {
            return Err(InvalidValue::new(
                Code::CoopCapacity,
                "a resource offers an amount above zero; write e.g. 20",
            )
            .at("amount"));
        }
        Ok(Capacity { amount, unit })
    }

    /// Reads an amount as a form gives it ("20") and a unit by its code
    /// or Chinese name (`hours_per_month`, `小时/月`).
    pub fn parse(amount: &str, unit: &str) -> Result<Capacity, InvalidValue> {
        let unit = CapacityUnit::parse(unit)?;
        let n: u32 = amount.trim().parse().map_err(|_| {
            InvalidValue::new(
                Code::CoopCapacity,
                format!("{amount:?} is not a whole number above zero; write e.g. 20"),
            )
            .at("amount")
        })?;
        Capacity::new(n, unit)
    }
}

/// What is left of `capacity` once the `committed` amounts are taken; never
/// below zero (commitments recorded beyond it leave nothing, not a debt).
pub fn remaining(capacity: u32, committed: &[u32]) -> u32 {
    committed
        .iter()
        .fold(capacity, |left, c| left.saturating_sub(*c))
}

/// Refuses committing `wanted` of `capacity` when `already_committed` of it
/// is taken and less than `wanted` is left, naming the numbers; a
/// commitment of nothing is refused too.
pub fn check_commitment(
    capacity: Capacity,
    already_committed: u32,
    wanted: u32,
) -> Result<(), InvalidValue> {
    if wanted == 0 {
        return Err(InvalidValue::new(
            Code::CoopCapacity,
            "a commitment takes an amount above zero",
        )
        .at("amount"));
    }
    let left = remaining(capacity.amount, &[already_committed]);
    if wanted > left {
        return Err(InvalidValue::new(
            Code::CoopCommitmentExceeds,
            format!(
                "asks for {} but {left} of {} are left",
                capacity.unit.amount_en(wanted),
                capacity.amount
            ),
        )
        .at("amount"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_capacity_is_a_whole_amount_above_zero_in_a_known_unit() {
        assert_eq!(
            Capacity::parse(" 20 ", "小时/月"),
            Ok(Capacity {
                amount: 20,
                unit: CapacityUnit::HoursPerMonth
            })
        );
        assert_eq!(
            Capacity::parse("40", "places").map(|c| c.unit),
            Ok(CapacityUnit::Places)
        );
        for bad in ["0", "-3", "2.5", "twenty", ""] {
            let e = Capacity::parse(bad, "places").expect_err(bad);
            assert_eq!(
                (e.code, e.field()),
                (Code::CoopCapacity, Some("amount")),
                "{bad}"
            );
        }
        let e = Capacity::parse("20", "days").expect_err("unit");
        assert_eq!(
            (e.code, e.field()),
            (Code::CoopCapacityUnitUnknown, Some("unit"))
        );
    }

    #[test]
    fn what_is_left_never_goes_below_zero() {
        assert_eq!(remaining(20, &[4, 10]), 6);
        assert_eq!(remaining(20, &[]), 20);
        assert_eq!(remaining(20, &[15, 15]), 0);
    }

    #[test]
    fn a_commitment_beyond_what_is_left_names_the_numbers() {
        let hours = Capacity::new(20, CapacityUnit::HoursPerMonth).expect("capacity");
        assert_eq!(check_commitment(hours, 14, 6), Ok(()));
        let e = check_commitment(hours, 14, 12).expect_err("too much");
        assert_eq!(
            (e.code, e.field()),
            (Code::CoopCommitmentExceeds, Some("amount"))
        );
        assert_eq!(e.message, "asks for 12 hours a month but 6 of 20 are left");
        let places = Capacity::new(40, CapacityUnit::Places).expect("capacity");
        assert_eq!(
            check_commitment(places, 40, 1).expect_err("full").message,
            "asks for 1 place but 0 of 40 are left"
        );
        assert_eq!(
            check_commitment(places, 0, 0).expect_err("nothing").code,
            Code::CoopCapacity
        );
    }

    proptest! {
        /// A commitment is accepted exactly when it fits in what is left.
        #[test]
        fn a_commitment_fits_exactly_when_enough_is_left(
            cap in 1u32..500, taken in 0u32..600, wanted in 1u32..600,
        ) {
            let c = Capacity::new(cap, CapacityUnit::VisitsPerMonth).expect("capacity");
            let fits = wanted <= cap.saturating_sub(taken);
            prop_assert_eq!(check_commitment(c, taken, wanted).is_ok(), fits);
            prop_assert_eq!(remaining(cap, &[taken]), cap.saturating_sub(taken));
        }
    }
}
