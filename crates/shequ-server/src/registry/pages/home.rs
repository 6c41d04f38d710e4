//! The home page: the user's region and its headline figures.

use axum::extract::State;
use fluent_bundle::FluentValue;
use maud::{Markup, html};
use shequ_domain::CareTag;

use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::layout::Nav;
use crate::app::page::layout::figures;
use crate::app::page::layout::page;
use crate::app::state::Core;

/// `GET /`
pub async fn show(State(state): State<Core>, v: Viewer) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let u = &v.user;
    let region = state.store.region_by_code(&u.user.region_code).await?;
    let kind = region
        .as_ref()
        .map(|r| ctx.label("region", &r.region.kind))
        .unwrap_or_default();
    let places = state.store.count_places_by_kind(&u.scope).await?;
    let people = if u.role.reads_residents() {
        Some(state.store.population_summary(&u.scope).await?)
    } else {
        None
    };
    let mut figs = Vec::new();
    if let Some(p) = &people {
        let alone = p
            .tags
            .iter()
            .find(|(t, _)| t == CareTag::ELDERLY_LIVING_ALONE)
            .map_or(0, |(_, n)| *n);
        let share = if p.residents > 0 {
            format!("{:.1}%", p.migrants as f64 * 100.0 / p.residents as f64)
        } else {
            "–".to_owned()
        };
        figs.push((
            ctx.t("home-residents"),
            p.residents.to_string(),
            Some("/people".to_owned()),
        ));
        figs.push((ctx.t("home-households"), p.households.to_string(), None));
        figs.push((ctx.t("home-migrant-share"), share, None));
        figs.push((
            ctx.t("home-elderly-alone"),
            alone.to_string(),
            Some(format!("/people?tag={}", CareTag::ELDERLY_LIVING_ALONE)),
        ));
    }
    let total_places: i64 = places.iter().map(|(_, n)| n).sum();
    figs.push((
        ctx.t("home-places"),
        total_places.to_string(),
        Some("/places".to_owned()),
    ));

    let body = html! {
        section.card {
            h2 { (ctx.t("home-your-region")) }
            p.region-line {
                a href={ "/regions/" (u.user.region_code) } { (u.user.region_name) }
                " " span.tag { (kind) }
            }
            p.muted { (ctx.t_args("home-scope-note", &[("region", FluentValue::from(u.user.region_name.as_str()))])) }
        }
        section {
            h2 { (ctx.t("home-figures")) }
            (figures(&figs))
        }
        @if let Some(p) = &people {
            @if !p.tags.is_empty() {
                section {
                    h2 { (ctx.t("home-care-tags")) }
                    ul.counts {
                        @for (tag, n) in &p.tags {
                            li { a href={ "/people?tag=" (tag) } { (ctx.label("tag", tag)) } span.count { (n) } }
                        }
                    }
                }
            }
        }
        section {
            h2 { (ctx.t("home-places-by-kind")) }
            @if places.is_empty() {
                p.empty { (ctx.t("places-none")) }
            } @else {
                ul.counts {
                    @for (kind, n) in &places {
                        li { a href={ "/places?kind=" (kind) } { (ctx.label("place", kind)) } span.count { (n) } }
                    }
                }
            }
        }
        section {
            h2 { (ctx.t("home-links")) }
            ul.links {
                li { a href="/regions" { (ctx.t("nav-regions")) } }
                @if u.role.reads_residents() {
                    li { a href="/people" { (ctx.t("nav-people")) } }
                }
                li { a href="/places" { (ctx.t("nav-places")) } }
                li { a href="/api/docs" { (ctx.t("nav-api-docs")) } }
            }
        }
    };
    Ok(page(ctx, Some(u), Nav::Home, &ctx.t("home-title"), body))
}
