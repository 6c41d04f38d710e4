//! Residents and households. Numbers are always masked here; the only way
//! to see one in full is the reveal form, which needs a role that may, a
//! reason, and writes the access log (through `reveal_person`).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fluent_bundle::FluentValue;
use maud::{Markup, html};
use serde::Deserialize;
use shequ_domain::person::age_on;
use shequ_domain::{CareTag, RevealField, Role};
use shequ_store::Paging;
use shequ_store::people::{Household, PeopleQuery, Person};
use shequ_store::regions::Region;

use crate::app::access::ClientAddr;
use crate::app::access::scope_for_region;
use crate::app::auth::AuthUser;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::error::FieldError;
use crate::app::page::ctx::Ctx;
use crate::app::page::ctx::PageError;
use crate::app::page::ctx::PageResult;
use crate::app::page::ctx::Viewer;
use crate::app::page::layout::Nav;
use crate::app::page::layout::empty;
use crate::app::page::layout::page;
use crate::app::page::layout::pager;
use crate::app::state::Core;
use crate::registry::api::people::REASON_CHARS;
use crate::registry::api::people::Revealed;
use crate::registry::api::people::household_for;
use crate::registry::api::people::person_for;
use crate::registry::api::people::reveal_person;

const PAGE_SIZE: u32 = 50;

/// Well-known care tags offered in the filter.
const TAGS: [&str; 3] = [
    CareTag::ELDERLY_LIVING_ALONE,
    CareTag::DISABLED,
    CareTag::LOW_INCOME,
];

/// Filters of the people list; every value is text so that a hand-edited
/// URL never fails to parse.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PeopleFilter {
    pub name: String,
    pub tag: String,
    pub region: String,
    pub page: String,
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn require_reader(user: &AuthUser) -> PageResult<()> {
    Ok(user.require_role(|r| r.reads_residents())?)
}

fn age(ctx: &Ctx, birth: &str) -> String {
    chrono::NaiveDate::parse_from_str(birth, "%Y-%m-%d")
        .map_or_else(|_| "–".to_owned(), |b| age_on(b, ctx.today()).to_string())
}

fn tags(ctx: &Ctx, p: &Person) -> Markup {
    html! { @for t in p.tags() { span.tag { (ctx.label("tag", t)) } " " } }
}

/// A table of residents, masked, each row a link to the person.
fn people_table(ctx: &Ctx, people: &[Person], current: Option<i64>) -> Markup {
    html! {
        div.table-wrap {
            table.cards {
                thead {
                    tr {
                        th scope="col" { (ctx.t("person-name")) }
                        th scope="col" { (ctx.t("person-gender")) }
                        th scope="col" { (ctx.t("person-age")) }
                        th scope="col" { (ctx.t("person-identity-number")) }
                        th scope="col" { (ctx.t("person-phone")) }
                        th scope="col" { (ctx.t("person-address")) }
                        th scope="col" { (ctx.t("person-grid")) }
                        th scope="col" { (ctx.t("person-tags")) }
                    }
                }
                tbody {
                    @for p in people {
                        tr {
                            td data-label=(ctx.t("person-name")) {
                                @if current == Some(p.id) {
                                    strong { (p.name) } " " span.muted { (ctx.t("household-this-person")) }
                                } @else {
                                    a href={ "/people/" (p.id) } { (p.name) }
                                }
                            }
                            td data-label=(ctx.t("person-gender")) { (ctx.label("gender", &p.gender)) }
                            td data-label=(ctx.t("person-age")) { (age(ctx, &p.birth_date)) }
                            td.num data-label=(ctx.t("person-identity-number")) { (p.identity_number.masked()) }
                            td.num data-label=(ctx.t("person-phone")) { (p.phone.masked()) }
                            td data-label=(ctx.t("person-address")) { (p.address) " " (p.room) }
                            td data-label=(ctx.t("person-grid")) { (p.region_name) }
                            td data-label=(ctx.t("person-tags")) { (tags(ctx, p)) }
                        }
                    }
                }
            }
        }
    }
}

/// The regions offered in the filter: the user's own and two levels below
/// (a street user sees neighbourhoods and grids; a city user, districts
/// and streets), indented by depth.
fn region_options(user: &AuthUser, regions: &[Region]) -> Vec<(String, String)> {
    let base = user.region_path.depth();
    regions
        .iter()
        .filter_map(|r| {
            let depth = r.path.matches('/').count().saturating_sub(2);
            (depth <= base + 2).then(|| {
                (
                    r.code.clone(),
                    format!("{}{}", "\u{3000}".repeat(depth - base.min(depth)), r.name),
                )
            })
        })
        .collect()
}

/// `GET /people?name=&tag=&region=&page=`
pub async fn list(
    State(state): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Query(f): Query<PeopleFilter>,
) -> PageResult<Markup> {
    require_reader(&v.user)?;
    let ctx = &v.ctx;
    let who = Principal::User(Box::new(v.user.clone()));
    let region = some(&f.region);
    let scope = scope_for_region(&state, &who, region.as_deref(), &addr).await?;
    let page_no = f.page.trim().parse().ok();
    let found = state
        .store
        .search_people(
            &scope,
            &PeopleQuery {
                name_prefix: some(&f.name),
                tag: some(&f.tag),
                household_id: None,
            },
            Paging::new(page_no, Some(PAGE_SIZE)),
        )
        .await?;
    let regions = state.store.regions_in(&v.user.scope).await?;
    let options = region_options(&v.user, &regions);
    let params = [
        ("name", f.name.trim().to_owned()),
        ("tag", f.tag.clone()),
        ("region", f.region.clone()),
    ];
    let body = html! {
        form.filters method="get" action="/people" role="search" {
            div.field {
                label for="f-name" { (ctx.t("people-filter-name")) }
                input #f-name type="search" name="name" value=(f.name) autocomplete="off";
            }
            div.field {
                label for="f-tag" { (ctx.t("people-filter-tag")) }
                select #f-tag name="tag" {
                    option value="" { (ctx.t("filter-any")) }
                    @for t in TAGS {
                        option value=(t) selected[f.tag == t] { (ctx.label("tag", t)) }
                    }
                }
            }
            div.field {
                label for="f-region" { (ctx.t("people-filter-region")) }
                select #f-region name="region" {
                    option value="" { (ctx.t("filter-any")) }
                    @for (code, name) in &options {
                        option value=(code) selected[&f.region == code] { (name) }
                    }
                }
            }
            div.field.field-button { button.primary type="submit" { (ctx.t("filter-apply")) } }
        }
        p.result-count { (ctx.t_args("people-total", &[("count", FluentValue::from(found.total))])) }
        @if found.items.is_empty() {
            (empty(ctx, "people-none"))
        } @else {
            (people_table(ctx, &found.items, None))
            (pager(ctx, "/people", &params, found.page, found.page_size, found.total))
        }
        p.muted.small { (ctx.t("people-masked-note")) }
    };
    Ok(page(
        ctx,
        Some(&v.user),
        Nav::People,
        &ctx.t("people-title"),
        body,
    ))
}

/// What the person page shows beyond the person: a reveal result or the
/// reveal form's problems.
#[derive(Debug, Default)]
struct RevealState {
    revealed: Option<(Revealed, String)>,
    errors: Vec<FieldError>,
    reason: String,
}

fn fields_offered(role: Role, p: &Person) -> Vec<RevealField> {
    [RevealField::Phone, RevealField::IdentityNumber]
        .into_iter()
        .filter(|f| role.may_reveal(*f))
        .filter(|f| *f != RevealField::Phone || !p.phone.reveal().is_empty())
        .collect()
}

fn person_page(
    ctx: &Ctx,
    user: &AuthUser,
    p: &Person,
    household: Option<&Household>,
    st: &RevealState,
) -> Markup {
    let shown = st.revealed.as_ref().map(|(r, _)| r);
    let id_number = shown
        .and_then(|r| r.identity_number.clone())
        .unwrap_or_else(|| p.identity_number.masked());
    let phone = shown
        .and_then(|r| r.phone.clone())
        .unwrap_or_else(|| p.phone.masked());
    let offered = fields_offered(user.role, p);
    let body = html! {
        @if let Some((_, reason)) = &st.revealed {
            div.notice.notice-ok role="status" {
                p { strong { (ctx.t("reveal-done")) } }
                p { (ctx.t_args("reveal-logged", &[("reason", FluentValue::from(reason.as_str()))])) }
            }
        }
        dl.facts {
            dt { (ctx.t("person-gender")) } dd { (ctx.label("gender", &p.gender)) }
            dt { (ctx.t("person-birth-date")) } dd { (p.birth_date) " " (ctx.t_args("person-age-years", &[("age", FluentValue::from(age(ctx, &p.birth_date)))])) }
            dt { (ctx.t("person-residency")) } dd { (ctx.label("residency", &p.residency)) }
            dt { (ctx.t("person-identity-number")) } dd.num.revealed[shown.is_some_and(|r| r.identity_number.is_some())] { (id_number) }
            dt { (ctx.t("person-phone")) } dd.num.revealed[shown.is_some_and(|r| r.phone.is_some())] { (phone) }
            dt { (ctx.t("person-address")) } dd { (p.address) " " (p.room) }
            dt { (ctx.t("person-grid")) } dd { (p.region_name) }
            dt { (ctx.t("person-tags")) } dd { @if p.care_tags.is_empty() { span.muted { "–" } } @else { (tags(ctx, p)) } }
        }
        @if !offered.is_empty() && st.revealed.is_none() {
            section.card.reveal {
                h2 { (ctx.t("reveal-title")) }
                p.muted { (ctx.t("reveal-intro")) }
                @if !st.errors.is_empty() {
                    div.notice.notice-error role="alert" {
                        @for e in &st.errors { p { (ctx.label("error", &e.code)) } }
                    }
                }
                form.stack method="post" action={ "/people/" (p.id) "/reveal" } {
                    fieldset {
                        legend { (ctx.t("reveal-fields")) }
                        @for f in &offered {
                            label.check {
                                input type="checkbox" name=(f.as_str()) value="1" checked[*f == RevealField::Phone];
                                " " (ctx.label("field", f.as_str()))
                            }
                        }
                    }
                    label for="reason" { (ctx.t("reveal-reason")) }
                    input #reason type="text" name="reason" value=(st.reason) required
                        minlength=(REASON_CHARS.start()) maxlength=(REASON_CHARS.end())
                        placeholder=(ctx.t("reveal-reason-placeholder"));
                    button.primary type="submit" { (ctx.t("reveal-submit")) }
                }
            }
        }
        @if let Some(h) = household {
            section {
                h2 { (ctx.t("household-members")) " · " a href={ "/households/" (h.id) } { (h.building_name) " " (h.room) } }
                (people_table(ctx, &h.members, Some(p.id)))
            }
        }
    };
    page(ctx, Some(user), Nav::People, &p.name, body)
}

async fn household_of(state: &Core, user: &AuthUser, p: &Person) -> PageResult<Option<Household>> {
    match p.household_id {
        Some(h) => Ok(state.store.household_in(&user.scope, h).await?),
        None => Ok(None),
    }
}

/// `GET /people/{id}`; a person outside the scope is refused and logged.
pub async fn detail(
    State(state): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    require_reader(&v.user)?;
    let p = person_for(&state, &v.user, id, &addr).await?;
    let household = household_of(&state, &v.user, &p).await?;
    Ok(person_page(
        &v.ctx,
        &v.user,
        &p,
        household.as_ref(),
        &RevealState::default(),
    ))
}

/// The reveal form: a checkbox per field, and the reason.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RevealForm {
    pub phone: Option<String>,
    pub identity_number: Option<String>,
    pub reason: String,
}

/// `POST /people/{id}/reveal`: shows the full values once, on this
/// response only (never cached), and says that the read was logged.
pub async fn reveal(
    State(state): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> PageResult<Response> {
    let mut fields = Vec::new();
    if f.phone.is_some() {
        fields.push(RevealField::Phone.as_str().to_owned());
    }
    if f.identity_number.is_some() {
        fields.push(RevealField::IdentityNumber.as_str().to_owned());
    }
    let (status, st) = match reveal_person(&state, &v.user, id, &fields, &f.reason, &addr).await {
        Ok(r) => (
            StatusCode::OK,
            RevealState {
                revealed: Some((r, f.reason.trim().to_owned())),
                ..Default::default()
            },
        ),
        Err(AppError::Unprocessable(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            RevealState {
                errors,
                reason: f.reason.clone(),
                revealed: None,
            },
        ),
        Err(e) => return Err(PageError(e)),
    };
    let p = person_for(&state, &v.user, id, &addr).await?;
    let household = household_of(&state, &v.user, &p).await?;
    Ok((
        status,
        person_page(&v.ctx, &v.user, &p, household.as_ref(), &st),
    )
        .into_response())
}

/// `GET /households/{id}`
pub async fn household(
    State(state): State<Core>,
    v: Viewer,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    require_reader(&v.user)?;
    let ctx = &v.ctx;
    let h = household_for(&state, &v.user, id, &addr).await?;
    let title = format!("{} {}", h.building_name, h.room);
    let body = html! {
        dl.facts {
            dt { (ctx.t("household-building")) } dd { a href={ "/places/" (h.building_id) } { (h.building_name) } }
            dt { (ctx.t("household-room")) } dd { (h.room) }
            dt { (ctx.t("person-address")) } dd { (h.address) }
            dt { (ctx.t("person-grid")) } dd { (h.region_name) }
            dt { (ctx.t("household-code")) } dd.num { (h.code) }
        }
        h2 { (ctx.t("household-members")) " (" (h.members.len()) ")" }
        @if h.members.is_empty() {
            (empty(ctx, "people-none"))
        } @else {
            (people_table(ctx, &h.members, None))
        }
    };
    Ok(page(ctx, Some(&v.user), Nav::People, &title, body))
}
