//! `/branches/form/{round}/{person}/{tag}`: a member's own preference
//! form, on a phone, behind the signed link the secretary sends them (no
//! login: the link opens that member's form and no other). Up to three
//! branches in order; sent again, it replaces the earlier form while the
//! round is open.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::kind_label;
use crate::app::error::AppError;
use crate::app::page::ctx::{Ctx, PageError, PageResult};
use crate::app::page::layout::{Nav, page};
use crate::app::page::refusal::{refusal, shown_on_form};
use crate::app::state::Core;
use crate::branches::service::{self, OwnForm};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChoicesForm {
    pub choice1: String,
    pub choice2: String,
    pub choice3: String,
}

/// `GET /branches/form/{round}/{person}/{tag}`
pub async fn show(
    State(core): State<Core>,
    ctx: Ctx,
    Path((round, person, tag)): Path<(i64, i64, String)>,
) -> PageResult<Markup> {
    let form = service::own_form(&core, round, person, &tag).await?;
    Ok(render(&ctx, &form, &form.choices, false, None))
}

fn render(
    ctx: &Ctx,
    form: &OwnForm,
    choices: &[String],
    sent: bool,
    refused: Option<&AppError>,
) -> Markup {
    let open = form.round.state == "open";
    let chosen = |i: usize| choices.get(i).map(String::as_str).unwrap_or("");
    let label_of = |code: &str| {
        form.offers
            .iter()
            .find(|o| o.code == code)
            .map(|o| format!("{}·{}", kind_label(ctx, &o.kind), o.name))
            .unwrap_or_else(|| code.to_owned())
    };
    let body = html! {
        div.phone-form {
            p { (ctx.t_args("branches-own-hello", &[("name", form.name.clone().into())])) }
            p.muted { (form.round.org_name) }
            @if sent {
                div.notice role="status" #sent {
                    p { strong { (ctx.t("branches-own-sent")) } }
                    @if choices.is_empty() { p { (ctx.t("branches-ranked-nothing")) } }
                    ol { @for c in choices { li { (label_of(c)) } } }
                }
            }
            @if let Some(e) = refused { (refusal(ctx, e)) }
            @if open {
                p.muted { (ctx.t("branches-own-hint")) }
                form.stack method="post" {
                    @for i in 1..=3usize {
                        div.field { label for={ "c" (i) } { (ctx.t_args("branches-choice-n", &[("n", i.into())])) }
                            select id={ "c" (i) } name={ "choice" (i) } {
                                option value="" { (ctx.t("branches-choice-none")) }
                                @for o in &form.offers {
                                    option value=(o.code) selected[o.code == chosen(i - 1)] {
                                        (kind_label(ctx, &o.kind)) "·" (o.name)
                                    }
                                }
                            } }
                    }
                    button.primary type="submit" { (ctx.t("branches-own-submit")) }
                }
            } @else {
                div.notice role="status" { p { (ctx.t("branches-own-closed")) } }
                @if !choices.is_empty() { ol { @for c in choices { li { (label_of(c)) } } } }
            }
        }
    };
    page(ctx, None, Nav::None, &form.round.title, body)
}

/// `POST /branches/form/{round}/{person}/{tag}`
pub async fn send(
    State(core): State<Core>,
    ctx: Ctx,
    Path((round, person, tag)): Path<(i64, i64, String)>,
    Form(f): Form<ChoicesForm>,
) -> PageResult<Response> {
    let choices = [f.choice1, f.choice2, f.choice3];
    match service::send_own_form(&core, round, person, &tag, &choices).await {
        Ok(()) => {
            let form = service::own_form(&core, round, person, &tag).await?;
            Ok(render(&ctx, &form, &form.choices, true, None).into_response())
        }
        Err(e) if shown_on_form(&e) => {
            let form = service::own_form(&core, round, person, &tag).await?;
            let typed: Vec<String> = choices.iter().map(|c| c.trim().to_owned()).collect();
            Ok((e.status(), render(&ctx, &form, &typed, false, Some(&e))).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}
