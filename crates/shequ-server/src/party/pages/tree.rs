//! `/party`: the organisations of the user's area as a tree, each with
//! its kind and members (its own, and with everything under it).

use axum::extract::State;
use maud::{Markup, html};

use super::{kind_label, principal, tabs};
use crate::app::page::ctx::{Ctx, PageResult, Viewer};
use crate::app::page::layout::{Nav, figures, page};
use crate::app::state::Core;
use crate::party::service::{self, OrgNode};

fn node(ctx: &Ctx, n: &OrgNode, depth: usize, members: bool) -> Markup {
    let line = html! {
        a href={ "/party/orgs/" (n.code) } { (n.name) }
        " " span.tag { (kind_label(ctx, &n.kind)) }
        @if members {
            " " span.muted { (ctx.t_args("party-members-count", &[("n", n.members_total.into())])) }
        }
    };
    html! {
        li {
            @if n.children.is_empty() {
                span.leaf { (line) }
            } @else {
                // The top two levels open; a street's branches stay folded.
                details open[depth < 2] {
                    summary { (line) }
                    ul.tree { @for c in &n.children { (node(ctx, c, depth + 1, members)) } }
                }
            }
        }
    }
}

fn count(forest: &[OrgNode]) -> (usize, i64) {
    forest.iter().fold((0, 0), |(orgs, members), n| {
        let (o, _) = count(&n.children);
        (orgs + 1 + o, members + n.members_total)
    })
}

/// `GET /party`
pub async fn show(State(core): State<Core>, v: Viewer) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = principal(&v.user);
    let forest = service::tree(&core, &who).await?;
    let members = service::reads_members(&who);
    let (orgs, total) = count(&forest);
    let mut figs = vec![(ctx.t("party-fig-orgs"), orgs.to_string(), None)];
    if members {
        figs.push((ctx.t("party-fig-members"), total.to_string(), None));
    }
    let body = html! {
        (tabs(ctx, &v.user, "/party"))
        p.muted { (ctx.t("party-tree-intro")) }
        @if members { (super::search::search_box(ctx, "")) }
        (figures(&figs))
        @if forest.is_empty() {
            p.empty { (ctx.t("party-tree-none")) }
        } @else {
            ul.tree.tree-root { @for n in &forest { (node(ctx, n, 0, members)) } }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Party,
        &ctx.t("party-title"),
        body,
    ))
}
