//! `/circle`: the 15-minute circle of the caller's area — every type with
//! its threshold, facilities and the share of residents, 60+ and 80+
//! within it; for the type chosen, each neighbourhood's shares, the map
//! with the buildings outside drawn, and where next (k sites, counting the
//! residents 80+, 60+ or all not yet within); the street sets thresholds.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::circle::{CircleType, Coverage, DETOUR_FACTOR};
use shequ_store::Scope;

use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult, Viewer};
use crate::app::page::layout::{Nav, page};
use crate::app::page::map::{Area, Marker, Mode, draw};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::circle::CircleState;
use crate::circle::service::{self, Who};

/// What the page is asked.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CircleQuery {
    #[serde(rename = "type")]
    pub kind: String,
    pub k: String,
    pub who: String,
}

fn pct(s: shequ_domain::circle::Share) -> String {
    s.percent()
        .map_or_else(|| "—".to_owned(), |p| format!("{p:.1}%"))
}

fn shares(ctx: &Ctx, c: &Coverage) -> Markup {
    html! {
        td data-label=(ctx.t("circle-residents")) { (pct(c.residents)) " " small.muted { (c.residents.covered) "/" (c.residents.total) } }
        td data-label=(ctx.t("circle-aged-60")) { (pct(c.aged_60)) }
        td data-label=(ctx.t("circle-aged-80")) { (pct(c.aged_80)) }
        td data-label=(ctx.t("circle-outside")) { (c.buildings.total - c.buildings.covered) }
    }
}

/// `GET /circle`
pub async fn show(
    State(core): State<CircleState>,
    v: Viewer,
    Query(q): Query<CircleQuery>,
) -> PageResult<Markup> {
    render(&core, &v, &q, None).await
}

async fn render(
    core: &CircleState,
    v: &Viewer,
    q: &CircleQuery,
    refused: Option<&AppError>,
) -> PageResult<Markup> {
    let ctx = &v.ctx;
    let who = Principal::User(Box::new(v.user.clone()));
    let view = service::view(core, &who).await?;
    let chosen = CircleType::parse(&q.kind).unwrap_or(CircleType::ElderlyCanteen);
    let Some(t) = view.types.iter().find(|t| t.kind == chosen) else {
        return Err(PageError(AppError::NotFound("circle type")));
    };
    let k: usize = q.k.trim().parse().unwrap_or(3).clamp(1, 10);
    let counted = Who::parse(&q.who);
    let suggestions = service::where_next_for(&view, t, counted, k);
    let street = v.user.role.runs_command_centre();
    let shapes = core
        .store
        .region_shapes_in(&Scope::under(&v.user.region_path))
        .await
        .map_err(AppError::from)?;
    let names: std::collections::HashMap<String, String> = shapes
        .iter()
        .map(|r| (r.region.path.clone(), r.region.name.clone()))
        .collect();
    let areas: Vec<Area<'_>> = shapes
        .iter()
        .filter(|r| r.region.kind == "neighbourhood")
        .map(|r| Area {
            code: &r.region.code,
            name: &r.region.name,
            polygon: r.polygon.as_deref(),
            href: None,
            class: "neighbourhood",
            label: false,
        })
        .collect();
    let mut markers: Vec<Marker> = view
        .buildings
        .iter()
        .zip(&t.walks)
        .map(|(b, w)| {
            let inside = w.is_some_and(|w| w.metres <= f64::from(t.metres));
            Marker {
                lon: b.lon,
                lat: b.lat,
                title: format!(
                    "{} · {}",
                    b.name,
                    w.map_or("—".to_owned(), |w| format!("{:.0} m", w.metres))
                ),
                class: if inside { "circle-in" } else { "circle-out" },
                href: None,
            }
        })
        .collect();
    markers.extend(t.facilities.iter().map(|f| Marker {
        lon: f.lon,
        lat: f.lat,
        title: f.name.clone(),
        class: "circle-facility",
        href: Some(format!("/places/{}", f.id)),
    }));
    markers.extend(suggestions.iter().map(|s| Marker {
        lon: s.point.0,
        lat: s.point.1,
        title: s.near.clone(),
        class: "circle-next",
        href: None,
    }));
    let map = draw(&ctx.t("circle-map"), &areas, &markers, Mode::Show);
    let type_name = |k: CircleType| ctx.label("circle-type", k.as_str());
    let body = html! {
        p.muted { (ctx.t("circle-intro")) }
        @if let Some(e) = refused { (refusal(ctx, e)) }
        p #network {
            @if let Some((n, row)) = &view.network {
                (ctx.t_args("circle-network", &[("name", row.name.clone().into()), ("nodes", (n.node_count() as i64).into()), ("edges", (n.edge_count() as i64).into())]))
            } @else {
                (ctx.t_args("circle-no-network", &[("factor", DETOUR_FACTOR.into())]))
            }
        }
        div.table-wrap { table.cards #types {
            thead { tr {
                th { (ctx.t("circle-type")) } th { (ctx.t("circle-threshold")) } th { (ctx.t("circle-facilities")) }
                th { (ctx.t("circle-residents")) } th { (ctx.t("circle-aged-60")) } th { (ctx.t("circle-aged-80")) } th { (ctx.t("circle-outside")) }
            } }
            tbody { @for x in &view.types { tr.here[x.kind == chosen] data-type=(x.kind.as_str()) {
                td data-label=(ctx.t("circle-type")) { a href={ "/circle?type=" (x.kind.as_str()) } { (type_name(x.kind)) } }
                td data-label=(ctx.t("circle-threshold")) { (x.metres) " m " small.muted { "(" (x.kind.minutes()) " min)" } }
                td data-label=(ctx.t("circle-facilities")) { (x.facilities.len()) }
                (shares(ctx, &x.area))
            } } }
        } }
        h2 #chosen { (type_name(t.kind)) " · " (t.metres) " m" }
        @if t.straight() > 0 {
            p.muted #straight { (ctx.t_args("circle-straight", &[("count", (t.straight() as i64).into()), ("factor", DETOUR_FACTOR.into())])) }
        }
        @if let Some(m) = map { figure.circle-map { (m) figcaption.muted { (ctx.t("circle-legend")) } } }
        div.table-wrap { table.cards #neighbourhoods {
            thead { tr {
                th { (ctx.t("circle-neighbourhood")) }
                th { (ctx.t("circle-residents")) } th { (ctx.t("circle-aged-60")) } th { (ctx.t("circle-aged-80")) } th { (ctx.t("circle-outside")) }
            } }
            tbody { @for (path, c) in &t.by_neighbourhood { tr {
                td data-label=(ctx.t("circle-neighbourhood")) { (names.get(path).cloned().unwrap_or_else(|| path.clone())) }
                (shares(ctx, c))
            } } }
        } }
        h2 #where-next { (ctx.t("circle-where-next")) }
        form.inline method="get" action="/circle#where-next" {
            input type="hidden" name="type" value=(t.kind.as_str());
            label { (ctx.t("circle-k")) " " input name="k" size="3" inputmode="numeric" value=(k); }
            label { (ctx.t("circle-counting")) " "
                select name="who" {
                    @for w in [Who::Aged80, Who::Aged60, Who::All] {
                        option value=(w.as_str()) selected[w == counted] { (ctx.label("circle-who", w.as_str())) }
                    }
                }
            }
            button type="submit" { (ctx.t("circle-where-next-submit")) }
        }
        @if suggestions.is_empty() {
            p.muted { (ctx.t("circle-nothing-left")) }
        } @else {
            ol #suggestions { @for s in &suggestions { li {
                (ctx.t_args("circle-suggestion", &[
                    ("type", type_name(t.kind).into()),
                    ("near", s.near.clone().into()),
                    ("gain", (s.gain as i64).into()),
                    ("who", ctx.label("circle-who", counted.as_str()).into()),
                    ("buildings", (s.buildings as i64).into()),
                ]))
            } } }
        }
        @if street {
            h2 { (ctx.t("circle-set-threshold")) }
            form.inline method="post" action="/circle/thresholds" {
                input type="hidden" name="type" value=(t.kind.as_str());
                label { (type_name(t.kind)) " " input name="metres" size="6" inputmode="numeric" value=(t.metres); " m" }
                button type="submit" { (ctx.t("circle-set-threshold-submit")) }
            }
        }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::Circle,
        &ctx.t("circle-title"),
        body,
    ))
}

/// The threshold form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ThresholdForm {
    #[serde(rename = "type")]
    pub kind: String,
    pub metres: String,
}

/// `POST /circle/thresholds`
pub async fn set_threshold(
    State(core): State<CircleState>,
    v: Viewer,
    Form(f): Form<ThresholdForm>,
) -> PageResult<Response> {
    let who = Principal::User(Box::new(v.user.clone()));
    match service::set_threshold(&core, &who, &f.kind, &f.metres).await {
        Ok(()) => Ok(Redirect::to(&format!("/circle?type={}", f.kind)).into_response()),
        Err(e) if shown_on_form(&e) => {
            let status = e.status();
            let q = CircleQuery {
                kind: f.kind.clone(),
                ..CircleQuery::default()
            };
            Ok((status, render(&core, &v, &q, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}
