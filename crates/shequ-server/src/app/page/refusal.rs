//! A refused change shown above the form it was made on, for every
//! capability's pages: which refusals a form shows again, and how.

use maud::{Markup, html};

use crate::app::error::{AppError, FieldError};
use crate::app::page::ctx::Ctx;

/// Whether a refusal is the form's to show — the page again, the refusal
/// above it: a wrong field, a rule, a value taken. Anything else is the
/// error page.
pub fn shown_on_form(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Unprocessable(_) | AppError::Refused { .. } | AppError::Conflict { .. }
    )
}

/// A refused change, shown above the page it was made on: each field's
/// problem in the page's language, with the detail the rule gave.
pub fn refusal(ctx: &Ctx, e: &AppError) -> Markup {
    let fields: Vec<FieldError> = match e {
        AppError::Unprocessable(f) => f.clone(),
        other => vec![FieldError::new(
            "",
            shequ_domain::Code::Conflict,
            other.to_string(),
        )],
    };
    let code_of = |f: &FieldError| f.code.clone();
    html! {
        div.notice.notice-error role="alert" {
            p { strong { (ctx.t("form-has-errors")) } }
            ul {
                @for f in &fields {
                    li {
                        @if e.code() == "invalid_input" {
                            (ctx.label("error", &code_of(f)))
                        } @else {
                            (ctx.label("error", &e.code()))
                        }
                        @if !f.message.is_empty() {
                            " " span.muted lang="en" { "(" (f.message) ")" }
                        }
                    }
                }
            }
        }
    }
}
