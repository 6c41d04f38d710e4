//! The party pages: the tree (`/party`), an organisation, a member, the
//! transfers queue and coverage of the new sectors. Each reads through
//! the party service, so the caller's scope and role apply as in the API.

pub mod coverage;
pub mod evaluation;
pub mod meetings;
pub mod member;
pub mod org;
pub mod registrations;
pub mod search;
pub mod transfers;
pub mod tree;

use maud::{Markup, html};

use crate::app::auth::{AuthUser, Principal};
use crate::app::page::ctx::Ctx;

/// The caller as the service takes them.
pub(crate) fn principal(user: &AuthUser) -> Principal {
    Principal::User(Box::new(user.clone()))
}

/// The sub-navigation of the party pages.
pub(crate) fn tabs(ctx: &Ctx, user: &AuthUser, current: &str) -> Markup {
    let mut items = vec![
        ("/party", "party-tab-tree"),
        ("/party/coverage", "party-tab-coverage"),
        ("/party/meetings", "party-tab-meetings"),
    ];
    if user.role.reads_party_members() {
        items.push(("/party/transfers", "party-tab-transfers"));
        items.push(("/party/registrations", "party-tab-registrations"));
        items.push(("/branches", "branches-tab-rounds"));
    }
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

pub(crate) use crate::app::page::refusal::{refusal, shown_on_form};

/// The label of an organisation kind.
pub(crate) fn kind_label(ctx: &Ctx, kind: &str) -> String {
    ctx.label("party-kind", kind)
}
