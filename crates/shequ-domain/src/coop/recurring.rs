//! Proposing a need from recurring work orders: when one neighbourhood
//! files the same kind of complaint again and again, the fix may be a
//! resident unit's help rather than one more order.

use std::collections::BTreeMap;

use chrono::NaiveDate;

/// A proposed need: `count` orders of `category` in `neighbourhood`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The neighbourhood's region code.
    pub neighbourhood: String,
    /// The work orders' category code (`environment.garbage`): orders'
    /// categories are a street's own tree, not the cooperation
    /// [`Category`](super::Category), so a worker picks that when adopting
    /// the proposal.
    pub category: String,
    /// The orders behind it, ascending, each once.
    pub order_ids: Vec<i64>,
    pub count: usize,
}

/// The (neighbourhood, category) pairs with at least `min_count` orders
/// filed in the last `days` days, as proposals: most orders first, then by
/// neighbourhood and category.
///
/// `orders` are `(order id, neighbourhood code, category code, filed on)`.
/// "The last `days` days" ends with `today` and counts it: with 30, orders
/// filed from 29 days before today to today; orders dated after today are
/// ignored. An order listed twice counts once.
pub fn recurring<N: AsRef<str>, C: AsRef<str>>(
    orders: &[(i64, N, C, NaiveDate)],
    today: NaiveDate,
    days: u32,
    min_count: usize,
) -> Vec<Proposal> {
    let Some(first) = today.checked_sub_days(chrono::Days::new(u64::from(days))) else {
        return Vec::new();
    };
    let mut groups: BTreeMap<(&str, &str), Vec<i64>> = BTreeMap::new();
    for (id, hood, category, filed_on) in orders {
        if first < *filed_on && *filed_on <= today {
            groups
                .entry((hood.as_ref(), category.as_ref()))
                .or_default()
                .push(*id);
        }
    }
    let mut out: Vec<Proposal> = groups
        .into_iter()
        .filter_map(|((hood, category), mut ids)| {
            ids.sort_unstable();
            ids.dedup();
            (ids.len() >= min_count.max(1)).then(|| Proposal {
                neighbourhood: hood.to_owned(),
                category: category.to_owned(),
                count: ids.len(),
                order_ids: ids,
            })
        })
        .collect();
    // The map gave them by neighbourhood and category; a stable sort keeps
    // that order among equal counts.
    out.sort_by_key(|p| std::cmp::Reverse(p.count));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("day")
    }

    #[test]
    fn recurring_orders_of_one_kind_in_one_neighbourhood_are_proposed() {
        let g = "environment.garbage";
        let p = "facility.parking";
        let orders = [
            (11, "310104011001", g, day(6, 1)),
            (12, "310104011001", g, day(5, 20)),
            (10, "310104011001", g, day(5, 3)), // the first of the 30 days
            (9, "310104011001", g, day(5, 2)),  // a day too old
            (20, "310104011002", p, day(5, 30)),
            (21, "310104011002", p, day(5, 31)),
            (22, "310104011002", p, day(6, 1)),
            (23, "310104011002", p, day(6, 2)), // after today
            (30, "310104011002", g, day(5, 15)),
            (31, "310104011002", g, day(5, 16)),
            (31, "310104011002", g, day(5, 16)), // listed twice
            (40, "310104011003", g, day(5, 10)),
        ];
        let got = recurring(&orders, day(6, 1), 30, 2);
        let summary: Vec<(&str, &str, Vec<i64>, usize)> = got
            .iter()
            .map(|p| {
                (
                    p.neighbourhood.as_str(),
                    p.category.as_str(),
                    p.order_ids.clone(),
                    p.count,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("310104011001", g, vec![10, 11, 12], 3),
                ("310104011002", p, vec![20, 21, 22], 3),
                ("310104011002", g, vec![30, 31], 2),
            ]
        );
        assert_eq!(recurring(&orders, day(6, 1), 30, 4), []);
        assert_eq!(recurring(&orders, day(6, 1), 0, 1), []);
        // Owned strings work the same.
        let owned = [(1, "a".to_owned(), "x".to_owned(), day(6, 1))];
        assert_eq!(recurring(&owned, day(6, 1), 1, 0).len(), 1);
    }
}
