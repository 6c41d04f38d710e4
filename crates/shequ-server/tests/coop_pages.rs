//! Volunteering and call-ups through the pages, on both engines: a
//! secretary starts a team, adds a resident, plans an activity under way
//! and issues a call-up with a post; the resident's own link (and no
//! tampered one) opens their page, where they sign up, check in once (a
//! second check-in is refused), answer the post and check in on duty;
//! the secretary sees the hours and who is on duty. A grid worker changes
//! nothing; a full post is refused.

mod common;

use axum::http::StatusCode;
use common::pages::{cookie, form, page_get, send};
use common::*;

/// `2026-12-03T09:05` in the street's zone for `ms` from now.
fn local(ms: i64) -> String {
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(ms);
    at.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The first `href` starting with `prefix` in `body`.
fn link<'a>(body: &'a str, prefix: &str) -> &'a str {
    let at = body
        .find(&format!("href=\"{prefix}"))
        .unwrap_or_else(|| panic!("no link to {prefix} in {body}"));
    let rest = &body[at + 6..];
    &rest[..rest.find('"').expect("closing quote")]
}

#[engines]
async fn a_volunteer_signs_up_checks_in_once_and_answers_a_call_up_on_their_own_link() {
    let app = app().await;
    let sec = cookie(&app, "sec_a").await;
    let grid = cookie(&app, "grid_a").await;
    let person = app
        .store
        .monitored_people(None)
        .await
        .expect("people")
        .into_iter()
        .find(|p| p.region_path.contains("310104011001"))
        .expect("a resident of A")
        .id;

    let refused = send(
        &app,
        form("/coop/teams", Some(&grid), "name=x&category=venue"),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "a grid worker starts no team"
    );
    let r = send(
        &app,
        form(
            "/coop/teams",
            Some(&sec),
            "name=%E5%8C%BB%E7%96%97%E9%98%9F&category=health_visits",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let team = r.location().to_owned();
    let r = send(
        &app,
        form(&format!("{team}/members"), Some(&sec), "person=99999"),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no such resident"
    );
    let r = send(
        &app,
        form(
            &format!("{team}/members"),
            Some(&sec),
            &format!("person={person}"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    // An activity under way: from ten minutes ago for two hours.
    let body = format!(
        "title=%E4%B9%89%E8%AF%8A&place=A1&starts_at={}&ends_at={}&capacity=5",
        local(-600_000),
        local(6_600_000)
    );
    let r = send(&app, form(&format!("{team}/activities"), Some(&sec), &body)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let activity = r
        .location()
        .trim_start_matches("/coop/activities/")
        .to_owned();
    // Ending before it starts is refused.
    let backwards = format!(
        "title=x&place=A1&starts_at={}&ends_at={}&capacity=5",
        local(3_600_000),
        local(0)
    );
    let r = send(
        &app,
        form(&format!("{team}/activities"), Some(&sec), &backwards),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let page = send(&app, page_get(&team, Some(&sec))).await.text();
    let own = link(&page, "/v/").to_owned();
    let swap = if own.ends_with('A') { "B" } else { "A" };
    let tampered = format!("{}{swap}", &own[..own.len() - 1]);
    let r = send(&app, page_get(&tampered, None)).await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "a tampered link opens nothing"
    );
    let mine = send(&app, page_get(&own, None)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        mine.text().contains("义诊"),
        "the activity is on their page"
    );

    let signup = send(&app, form(&format!("{own}/signup/{activity}"), None, "")).await;
    assert_eq!(signup.status, StatusCode::SEE_OTHER, "{}", signup.text());
    let checkin = send(&app, form(&format!("{own}/checkin/{activity}"), None, "")).await;
    assert_eq!(checkin.status, StatusCode::SEE_OTHER, "{}", checkin.text());
    let again = send(&app, form(&format!("{own}/checkin/{activity}"), None, "")).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "checked in twice");
    let mine = send(&app, page_get(&own, None)).await.text();
    assert!(mine.contains("2.0"), "two hours credited: {mine}");
    let sheet = send(
        &app,
        page_get(&format!("/coop/activities/{activity}"), Some(&sec)),
    )
    .await
    .text();
    assert!(sheet.contains("2.0"), "the secretary sees the hours");

    // A call-up with one post of one person, under way.
    let r = send(
        &app,
        form("/coop/callups", Some(&sec), "title=%E9%98%B2%E6%B1%9B"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let callup = r.location().to_owned();
    let post = format!(
        "name=%E9%97%A8%E5%B2%97&starts_at={}&ends_at={}&needed=1",
        local(-600_000),
        local(3_000_000)
    );
    let r = send(&app, form(&format!("{callup}/posts"), Some(&sec), &post)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = send(&app, page_get(&own, None)).await.text();
    let answer = link_form(&page, "/answer/");
    let r = send(&app, form(&answer, None, "")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = send(&app, page_get(&own, None)).await.text();
    let duty = link_form(&page, "/duty/");
    let r = send(&app, form(&duty, None, "")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = send(&app, form(&duty, None, "")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "on duty twice");
    let board = send(&app, page_get(&callup, Some(&sec))).await.text();
    assert!(board.contains("1 / 1"), "answered 1 of 1: {board}");

    // Someone else of the team: the post is full.
    let other = app
        .store
        .monitored_people(None)
        .await
        .expect("people")
        .into_iter()
        .find(|p| p.region_path.contains("310104011001") && p.id != person)
        .expect("another resident of A")
        .id;
    let r = send(
        &app,
        form(
            &format!("{team}/members"),
            Some(&sec),
            &format!("person={other}"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = send(&app, page_get(&team, Some(&sec))).await.text();
    let theirs = page
        .match_indices("href=\"/v/")
        .map(|(i, _)| {
            let rest = &page[i + 6..];
            rest[..rest.find('"').expect("quote")].to_owned()
        })
        .find(|l| *l != own)
        .expect("the other member's link");
    let post_id = answer.rsplit('/').next().expect("post id");
    let r = send(&app, form(&format!("{theirs}/answer/{post_id}"), None, "")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the post is full");
    let r = send(&app, form(&format!("{callup}/close"), Some(&sec), "")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = send(&app, form(&format!("{theirs}/answer/{post_id}"), None, "")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "closed");
}

/// The action of the first form whose action contains `part`.
fn link_form(body: &str, part: &str) -> String {
    body.match_indices("action=\"")
        .map(|(i, m)| {
            let rest = &body[i + m.len()..];
            rest[..rest.find('"').expect("quote")].to_owned()
        })
        .find(|a| a.contains(part))
        .unwrap_or_else(|| panic!("no form to {part} in {body}"))
}
