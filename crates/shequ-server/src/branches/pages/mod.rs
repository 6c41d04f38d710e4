//! The branches pages: the rounds (`/branches`) and one round with its
//! assignment, the member's own form behind a signed link, and the
//! elections with their printable result sheet (计票结果报告单).

pub mod elections;
pub mod form;
pub mod rounds;

use maud::{Markup, html};

use crate::app::auth::{AuthUser, Principal};
use crate::app::page::ctx::Ctx;

/// The caller as the service takes them.
pub(crate) fn principal(user: &AuthUser) -> Principal {
    Principal::User(Box::new(user.clone()))
}

/// The sub-navigation of the branches pages.
pub(crate) fn tabs(ctx: &Ctx, current: &str) -> Markup {
    let items = [
        ("/party", "party-tab-tree"),
        ("/branches", "branches-tab-rounds"),
        ("/branches/elections", "branches-tab-elections"),
    ];
    html! {
        nav.subnav aria-label=(ctx.t("party-tabs")) {
            ul.links.inline {
                @for (href, key) in items {
                    li {
                        @if href == current {
                            a href=(href) aria-current="page" { (ctx.t(key)) }
                        } @else {
                            a href=(href) { (ctx.t(key)) }
                        }
                    }
                }
            }
        }
    }
}

/// A branch kind's label (趣缘 interest…).
pub(crate) fn kind_label(ctx: &Ctx, kind: &str) -> String {
    ctx.label("branches-kind", kind)
}

/// How a member was placed: their choice, their home, or elsewhere.
pub(crate) fn rank_label(ctx: &Ctx, rank: &str) -> String {
    ctx.label("branches-rank", rank)
}
