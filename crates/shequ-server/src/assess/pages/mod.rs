//! The assessment pages: the periods (`/assess`), a period's ranking with
//! the appeals to decide, printable and as XLSX, and a subject's score
//! traced down to its orders.

pub mod period;
pub mod periods;
pub mod subject;

use maud::{Markup, html};
use shequ_domain::assess::score::IndicatorPart;
use shequ_domain::assess::{Indicator, Rater};

use crate::app::auth::{AuthUser, Principal};
use crate::app::page::ctx::Ctx;
use crate::assess::export::Words;

/// The caller as the service takes them.
pub(crate) fn principal(user: &AuthUser) -> Principal {
    Principal::User(Box::new(user.clone()))
}

/// An indicator's name: a computed one's from the messages, a hand-scored
/// one's from the scheme.
pub(crate) fn indicator_name(ctx: &Ctx, i: &Indicator) -> String {
    match i {
        Indicator::Computed { measure } => ctx.label("assess-measure", measure.as_str()),
        Indicator::Manual { name, .. } => name.clone(),
    }
}

/// An indicator's definition, printed beside its number.
pub(crate) fn definition(ctx: &Ctx, i: &Indicator) -> String {
    match i {
        Indicator::Computed { measure } => ctx.label("assess-def", measure.as_str()),
        Indicator::Manual { .. } => ctx.t("assess-def-manual"),
    }
}

pub(crate) fn rater(ctx: &Ctx, r: Rater) -> String {
    ctx.label("assess-rater", r.as_str())
}

pub(crate) fn kind(ctx: &Ctx, k: &str) -> String {
    ctx.label("assess-kind", k)
}

/// The words of the XLSX export in the page's language.
pub(crate) fn with_words<T>(ctx: &Ctx, f: impl FnOnce(&Words<'_>) -> T) -> T {
    let indicator = |i: &Indicator| indicator_name(ctx, i);
    let def = |i: &Indicator| definition(ctx, i);
    let k = |s: &str| kind(ctx, s);
    let r = |x: Rater| rater(ctx, x);
    f(&Words {
        indicator: &indicator,
        definition: &def,
        kind: &k,
        rater: &r,
    })
}

/// A score to two decimals, or a dash.
pub(crate) fn score_text(s: Option<f64>) -> String {
    s.map_or_else(|| "—".to_owned(), |x| format!("{x:.2}"))
}

/// An indicator's value with its rate (`75.0 · 6/8`), or "nothing to
/// judge".
pub(crate) fn part_cell(ctx: &Ctx, p: &IndicatorPart) -> Markup {
    html! {
        @match (p.value, p.rate) {
            (Some(v), Some(rate)) => { (format!("{v:.1}")) " " small.muted { (rate.numerator) "/" (rate.denominator) } }
            (Some(v), None) => { (format!("{v:.1}")) }
            (None, _) => { span.muted title=(ctx.t("assess-nothing-to-judge")) { "—" } }
        }
    }
}

/// The definitions of a scheme's indicators, each beside its weight.
pub(crate) fn definitions(ctx: &Ctx, scheme: &shequ_domain::assess::Scheme) -> Markup {
    html! {
        dl.definitions #definitions {
            @for i in &scheme.indicators {
                dt { (indicator_name(ctx, &i.indicator)) " " small.muted { (rater(ctx, i.rater)) " " (scheme.weight_of(i.rater)) "% × " (i.weight) "%" } }
                dd { (definition(ctx, &i.indicator)) }
            }
        }
    }
}
