//! Pairing (结对帮扶): a unit's party organisation with a neighbourhood's
//! (组织结对), or a cadre with a household in difficulty (干部联系困难户),
//! and how long a pair may go without a visit.

use chrono::NaiveDate;

use crate::{CareTag, Code};

coded_enum! {
    /// Who is paired with whom.
    PairKind, Code::CoopPairKindUnknown, "kind", "pairing kind", {
        /// 组织结对: two party organisations (a unit's and a neighbourhood's).
        OrgOrg => "org_org", "组织结对" | "结对共建",
        /// 干部联系困难户: a cadre and a household in difficulty.
        CadreHousehold => "cadre_household", "干部联系困难户" | "结对帮扶",
    }
}

/// Days a pair may go without a visit before it is overdue.
pub const DEFAULT_VISIT_DAYS: u32 = 60;

/// Whether a pair is overdue a visit on `today`: more than `days` days
/// since its last visit, or since it was paired when no visit has been
/// made (a visit recorded before the pairing counts from the pairing).
/// Exactly `days` days is not overdue — the visit is due that day — and
/// one more is.
pub fn overdue(
    last_visit: Option<NaiveDate>,
    paired_on: NaiveDate,
    today: NaiveDate,
    days: u32,
) -> bool {
    let since = last_visit.map_or(paired_on, |v| v.max(paired_on));
    (today - since).num_days() > i64::from(days)
}

/// The registry's care tags that make a household one in difficulty
/// (困难户), a cadre's to look after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DifficultyTag {
    /// 低保 / 低收入
    LowIncome,
    /// 残疾
    Disabled,
    /// 独居老人 / 孤寡老人: counted with the others, as streets' 困难群体
    /// lists do, since living alone in old age is what visits guard.
    ElderlyLivingAlone,
}

impl DifficultyTag {
    pub const ALL: [DifficultyTag; 3] = [
        DifficultyTag::LowIncome,
        DifficultyTag::Disabled,
        DifficultyTag::ElderlyLivingAlone,
    ];

    /// The care tag's code, as the registry stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            DifficultyTag::LowIncome => CareTag::LOW_INCOME,
            DifficultyTag::Disabled => CareTag::DISABLED,
            DifficultyTag::ElderlyLivingAlone => CareTag::ELDERLY_LIVING_ALONE,
        }
    }

    /// The difficulty a care tag marks, if it marks one.
    pub fn of(tag: &CareTag) -> Option<DifficultyTag> {
        Self::ALL.into_iter().find(|d| d.as_str() == tag.as_str())
    }
}

/// Whether a household whose members' care tags are `tags` (a list as the
/// registry writes it: codes or Chinese names, separated by commas of
/// either width, `;` or `、`) is in difficulty. A tag that is not a valid
/// care tag marks nothing.
pub fn in_difficulty(tags: &str) -> bool {
    tags.split([';', ',', '|', '；', '，', '、'])
        .filter_map(|t| CareTag::parse(t).ok())
        .any(|t| DifficultyTag::of(&t).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("day")
    }

    #[test]
    fn sixty_days_without_a_visit_is_due_and_sixty_one_overdue() {
        let paired = day(1, 1);
        let visit = day(3, 1);
        let sixty = day(4, 30); // 60 days after 1 March
        assert!(!overdue(Some(visit), paired, sixty, DEFAULT_VISIT_DAYS));
        assert!(overdue(Some(visit), paired, day(5, 1), DEFAULT_VISIT_DAYS));
        // No visit yet: counted from the pairing (1 January + 60 = 2 March).
        assert!(!overdue(None, paired, day(3, 2), DEFAULT_VISIT_DAYS));
        assert!(overdue(None, paired, day(3, 3), DEFAULT_VISIT_DAYS));
        // A visit dated before the pairing does not push it back.
        assert!(overdue(Some(day(1, 1)), day(2, 1), day(4, 3), 60));
        assert!(!overdue(Some(day(1, 1)), day(2, 1), day(4, 2), 60));
    }

    #[test]
    fn a_household_is_in_difficulty_by_its_care_tags() {
        assert!(in_difficulty("low_income"));
        assert!(in_difficulty("elderly_living_alone,diabetic"));
        assert!(in_difficulty("独居老人；需要照看"));
        assert!(in_difficulty("残疾人"));
        assert!(in_difficulty(" veteran ， 低保 "));
        assert!(!in_difficulty("veteran,diabetic"));
        assert!(!in_difficulty(""));
        assert!(!in_difficulty("low income")); // not a care tag
        assert_eq!(
            DifficultyTag::of(&CareTag::parse("低收入").expect("tag")),
            Some(DifficultyTag::LowIncome)
        );
        assert_eq!(
            PairKind::parse("干部联系困难户"),
            Ok(PairKind::CadreHousehold)
        );
        assert_eq!(
            PairKind::parse("friends").expect_err("unknown").code,
            Code::CoopPairKindUnknown
        );
    }
}
