//! How pressing a need is, and who raised it.

use crate::Code;

coded_enum! {
    /// How soon a need should be met; the needs list and the year's
    /// project list put the more urgent first.
    Urgency, Code::CoopUrgencyUnknown, "urgency", "need urgency", {
        /// 低: can wait for next year's list.
        Low => "low", "低",
        /// 一般
        Normal => "normal", "一般",
        /// 较急: within the quarter.
        High => "high", "较急",
        /// 紧急: within weeks (a broken lift, an elder left without meals).
        Urgent => "urgent", "紧急",
    }
}

impl Urgency {
    /// 0 for the most urgent, so sorting by it puts urgent first.
    pub fn rank(self) -> u8 {
        match self {
            Urgency::Urgent => 0,
            Urgency::High => 1,
            Urgency::Normal => 2,
            Urgency::Low => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgency_reads_code_or_chinese_and_ranks_urgent_first() {
        assert_eq!(Urgency::parse("紧急"), Ok(Urgency::Urgent));
        assert_eq!(Urgency::parse("high"), Ok(Urgency::High));
        let mut all = Urgency::ALL.to_vec();
        all.sort_by_key(|u| u.rank());
        assert_eq!(
            all,
            [
                Urgency::Urgent,
                Urgency::High,
                Urgency::Normal,
                Urgency::Low
            ]
        );
        let e = Urgency::parse("soon").expect_err("unknown");
        assert_eq!(
            (e.code, e.field()),
            (Code::CoopUrgencyUnknown, Some("urgency"))
        );
    }
}
