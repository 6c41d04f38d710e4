//! The web pages, driven in-process through the router on a seeded street
//! (SQLite, and PostgreSQL in each test's `_postgres` variant): login and
//! logout, redirects, data scope refusals and their log rows, masking, the
//! reveal form, languages and cross-site posts.

use shequ_testkit::db::Keep;
use shequ_testkit::{engines, seed};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use shequ_server::AppState;
use shequ_server::Settings;
use shequ_store::{Paging, Scope, Store};
use tower::ServiceExt;

const HOST: &str = "shequ.test";
const SAME_ORIGIN: &str = "http://shequ.test";

struct App {
    router: Router,
    store: Store,
    seeded: seed::Seeded,
    _keep: Keep,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

async fn app() -> App {
    let db = shequ_testkit::TestDb::fresh(shequ_testkit::current_engine()).await;
    let (store, _, keep) = db.into_parts();
    let seeded = seed::seed(&store).await;
    let state = AppState::new(Settings::default(), store.clone()).expect("state");
    App {
        router: shequ_server::router(state),
        store,
        seeded,
        _keep: keep,
    }
}

impl App {
    async fn send(&self, req: Request<Body>) -> Reply {
        let resp = self.router.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut req = Request::get(path).header(header::HOST, HOST);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }

    async fn post(&self, path: &str, cookie: Option<&str>, form: &str, origin: &str) -> Reply {
        let mut req = Request::post(path)
            .header(header::HOST, HOST)
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(form.to_owned())).expect("request"))
            .await
    }

    /// Logs in through the form; returns the `Cookie` header value.
    async fn login(&self, username: &str) -> String {
        let r = self
            .post(
                "/login",
                None,
                &format!("username={username}&password={}&next=/", seed::PASSWORD),
                SAME_ORIGIN,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {username}: {}",
            r.body
        );
        let set = r.set_cookies();
        let pair = set
            .iter()
            .find(|c| c.starts_with("shequ_session="))
            .and_then(|c| c.split(';').next())
            .expect("session cookie");
        pair.to_owned()
    }

    async fn log_rows(&self) -> Vec<shequ_store::access_log::Access> {
        self.store
            .access_log_in(&Scope::everything(), Paging::new(None, Some(500)))
            .await
            .expect("access log")
            .items
    }
}

#[engines]
async fn login_sets_the_session_cookie_and_goes_to_next() {
    let app = app().await;
    let r = app
        .post(
            "/login",
            None,
            &format!(
                "username=sec_a&password={}&next=/people?tag=disabled",
                seed::PASSWORD
            ),
            SAME_ORIGIN,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/people?tag=disabled");
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("shequ_session=shequ_u_"))
        .expect("session cookie");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(part), "{part} missing in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "not over HTTPS by default: {cookie}"
    );
    let session = cookie.split(';').next().expect("pair");
    let page = app.get("/", Some(session)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("李书记"), "user's name in the header");
    assert!(page.body.contains("居民区书记"), "role label in the header");

    // `next` never leaves the site.
    let r = app
        .post(
            "/login",
            None,
            &format!(
                "username=sec_a&password={}&next=//evil.example/x",
                seed::PASSWORD
            ),
            SAME_ORIGIN,
        )
        .await;
    assert_eq!(r.location(), "/");
}

#[engines]
async fn wrong_password_shows_the_form_again_without_saying_which_part() {
    let app = app().await;
    let wrong_pw = app
        .post(
            "/login",
            None,
            "username=sec_a&password=nope&next=/",
            SAME_ORIGIN,
        )
        .await;
    let no_user = app
        .post(
            "/login",
            None,
            "username=nobody&password=nope&next=/",
            SAME_ORIGIN,
        )
        .await;
    for r in [&wrong_pw, &no_user] {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("用户名或密码错误"), "{}", r.body);
        assert!(r.body.contains("name=\"password\""), "the form again");
        assert!(r.set_cookies().is_empty());
    }
    assert_eq!(
        wrong_pw.body.replace("sec_a", "X"),
        no_user.body.replace("nobody", "X"),
        "an unknown user and a wrong password must look the same"
    );
}

#[engines]
async fn too_many_failures_are_refused_with_429() {
    let app = app().await;
    let mut last = None;
    for _ in 0..6 {
        last = Some(
            app.post("/login", None, "username=sec_a&password=nope", SAME_ORIGIN)
                .await,
        );
    }
    let r = last.expect("reply");
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("尝试次数过多"), "{}", r.body);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
}

#[engines]
async fn pages_without_a_session_redirect_to_login() {
    let app = app().await;
    let r = app.get("/people?name=%E7%8E%8B", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        "/login?next=%2Fpeople%3Fname%3D%25E7%258E%258B"
    );
    let r = app.get("/", None).await;
    assert_eq!(r.location(), "/login?next=%2F");
    let r = app.get("/", Some("shequ_session=shequ_u_forged")).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "an unknown session is no session"
    );
    let form = app.get("/login?next=/places", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("value=\"/places\""),
        "next kept in the form"
    );
}

#[engines]
async fn a_resident_of_another_neighbourhood_is_refused_and_the_attempt_logged() {
    let app = app().await;
    let cookie = app.login("sec_a").await;
    let own = app
        .get(&format!("/people/{}", app.seeded.person_a), Some(&cookie))
        .await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(
        app.log_rows().await.is_empty(),
        "a plain read is not logged"
    );

    let other = app
        .get(&format!("/people/{}", app.seeded.person_b), Some(&cookie))
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert!(other.body.contains("不在您负责的区域内"), "{}", other.body);
    assert!(
        other.body.contains("李书记"),
        "the error page keeps the shell"
    );
    assert!(
        !other.body.contains("王芳"),
        "nothing about the person leaks"
    );
    let rows = app.log_rows().await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].action, "denied");
    assert_eq!(rows[0].subject_kind, "person");
    assert_eq!(rows[0].subject_id, app.seeded.person_b.to_string());
    assert_eq!(rows[0].actor_username, "sec_a");

    // The same for a region outside the scope, and for filtering by one.
    let region_b = app.get("/regions/310104011002", Some(&cookie)).await;
    assert_eq!(region_b.status, StatusCode::FORBIDDEN);
    let filter_b = app.get("/people?region=310104011002", Some(&cookie)).await;
    assert_eq!(filter_b.status, StatusCode::FORBIDDEN);
    let rows = app.log_rows().await;
    assert_eq!(rows.iter().filter(|r| r.action == "denied").count(), 3);
    let missing = app.get("/people/999999", Some(&cookie)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[engines]
async fn listings_and_person_pages_never_show_a_full_number() {
    let app = app().await;
    let cookie = app.login("admin").await;
    let s = &app.seeded;
    let pages = [
        "/people".to_owned(),
        "/people?tag=elderly_living_alone".to_owned(),
        format!("/people/{}", s.person_a),
        format!("/households/{}", s.household_a),
        format!("/places/{}", s.building_a),
    ];
    for path in &pages {
        let r = app.get(path, Some(&cookie)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        for full in &s.full_numbers {
            assert!(!r.body.contains(full.as_str()), "{path} shows {full}");
        }
    }
    let list = app.get("/people", Some(&cookie)).await;
    assert!(list.body.contains("共 5 人"), "{}", list.body);
    let masked_id = shequ_domain::person::mask_middle(&s.person_a_id_number);
    assert!(list.body.contains(&masked_id), "masked id {masked_id}");
    assert!(list.body.contains("139****5678"), "masked phone");
    assert!(list.body.contains("独居老人"), "tags translated");
    let filtered = app
        .get(
            "/people?tag=elderly_living_alone&name=%E5%BC%A0",
            Some(&cookie),
        )
        .await;
    assert!(filtered.body.contains("张桂兰") && !filtered.body.contains("王秀英"));
}

#[engines]
async fn reveal_needs_a_reason_and_is_logged() {
    let app = app().await;
    let cookie = app.login("sec_a").await;
    let path = format!("/people/{}/reveal", app.seeded.person_a);

    let page = app
        .get(&format!("/people/{}", app.seeded.person_a), Some(&cookie))
        .await;
    assert!(
        page.body.contains("name=\"identity_number\""),
        "secretaries may see the id"
    );

    let no_reason = app
        .post(&path, Some(&cookie), "phone=1&reason=+", SAME_ORIGIN)
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason.body.contains("请填写查看原因"),
        "{}",
        no_reason.body
    );
    assert!(!no_reason.body.contains(&app.seeded.person_a_phone));
    assert!(
        app.log_rows().await.is_empty(),
        "nothing logged without a reason"
    );

    let ok = app
        .post(
            &path,
            Some(&cookie),
            "phone=1&reason=%E4%B8%8A%E9%97%A8%E8%B5%B0%E8%AE%BF",
            SAME_ORIGIN,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(
        ok.body.contains(&app.seeded.person_a_phone),
        "full phone shown"
    );
    assert!(
        !ok.body.contains(&app.seeded.person_a_id_number),
        "only what was asked"
    );
    assert!(ok.body.contains("已记入查阅日志"));
    assert_eq!(
        ok.headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let rows = app.log_rows().await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].action, "reveal");
    assert_eq!(rows[0].fields, "phone");
    assert_eq!(rows[0].reason, "上门走访");
    assert_eq!(rows[0].actor_username, "sec_a");

    // The admin sees the entry, newest first, in street time.
    let admin = app.login("admin").await;
    let log = app.get("/admin/access-log", Some(&admin)).await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(log.body.contains("上门走访") && log.body.contains("查看完整号码"));
}

#[engines]
async fn a_grid_worker_is_not_offered_the_identity_number() {
    let app = app().await;
    let cookie = app.login("grid_a1").await;
    let page = app
        .get(&format!("/people/{}", app.seeded.person_a), Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("name=\"phone\""), "phones may be shown");
    assert!(
        !page.body.contains("name=\"identity_number\""),
        "{}",
        page.body
    );
    let r = app
        .post(
            &format!("/people/{}/reveal", app.seeded.person_a),
            Some(&cookie),
            "identity_number=1&reason=%E6%A0%B8%E5%AF%B9",
            SAME_ORIGIN,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("您的角色无权"), "{}", r.body);
    assert!(!r.body.contains(&app.seeded.person_a_id_number));
    assert!(app.log_rows().await.is_empty());
}

#[engines]
async fn cross_site_posts_are_refused() {
    let app = app().await;
    let cookie = app.login("sec_a").await;
    let r = app
        .post(
            &format!("/people/{}/reveal", app.seeded.person_a),
            Some(&cookie),
            "phone=1&reason=%E8%B5%B0%E8%AE%BF",
            "https://evil.example",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("请求来自其他网站"), "{}", r.body);
    assert!(!r.body.contains(&app.seeded.person_a_phone));
    assert!(app.log_rows().await.is_empty());
    let login = app
        .post(
            "/login",
            None,
            &format!("username=sec_a&password={}", seed::PASSWORD),
            "https://evil.example",
        )
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN, "no login CSRF");
    assert!(login.set_cookies().is_empty());
}

#[engines]
async fn the_language_switch_changes_the_labels() {
    let app = app().await;
    let cookie = app.login("sec_a").await;
    let zh = app.get("/people", Some(&cookie)).await;
    assert!(zh.body.contains(">人口<") && zh.body.contains("lang=\"zh-CN\""));
    let en = app.get("/people?lang=en", Some(&cookie)).await;
    assert!(
        en.body.contains(">People<") && !en.body.contains(">人口<"),
        "{}",
        en.body
    );
    assert!(en.body.contains("Neighbourhood secretary"));

    let switch = app
        .get("/lang/en?next=%2Fpeople%3Ftag%3Ddisabled", Some(&cookie))
        .await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.location(), "/people?tag=disabled");
    let lang = switch
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("lang=en"))
        .expect("lang cookie");
    let both = format!("{cookie}; {}", lang.split(';').next().expect("pair"));
    let en = app.get("/people", Some(&both)).await;
    assert!(en.body.contains(">People<") && en.body.contains("lang=\"en\""));
    assert!(
        en.body.contains("/lang/zh-CN?next="),
        "a way back to Chinese"
    );
    let bad = app.get("/lang/fr", Some(&cookie)).await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
    let evil = app.get("/lang/en?next=https://evil.example", None).await;
    assert_eq!(evil.location(), "/");
}

#[engines]
async fn logout_ends_the_session() {
    let app = app().await;
    let cookie = app.login("sec_a").await;
    let r = app.post("/logout", Some(&cookie), "", SAME_ORIGIN).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    assert!(
        r.set_cookies()
            .iter()
            .any(|c| c.starts_with("shequ_session=;") && c.contains("Max-Age=0"))
    );
    let after = app.get("/", Some(&cookie)).await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "the old cookie no longer works"
    );
}

#[engines]
async fn regions_places_and_admin_pages_render_in_scope() {
    let app = app().await;
    let admin = app.login("admin").await;
    let tree = app.get("/regions", Some(&admin)).await;
    assert_eq!(tree.status, StatusCode::OK);
    assert!(tree.body.contains("<details") && tree.body.contains("一村第2网格"));
    let street = app.get("/regions/310104011", Some(&admin)).await;
    assert_eq!(street.status, StatusCode::OK);
    assert!(street.body.contains("<svg"), "outline drawn");
    assert!(street.body.contains("href=\"/regions/310104011001\""));
    assert!(
        street.body.contains("徐汇区"),
        "ancestors in the breadcrumbs"
    );
    let places = app.get("/places?kind=market", Some(&admin)).await;
    assert!(places.body.contains("田林菜场") && !places.body.contains("田林一村1号楼"));
    let bad_kind = app.get("/places?kind=castle", Some(&admin)).await;
    assert_eq!(bad_kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    let building = app
        .get(&format!("/places/{}", app.seeded.building_a), Some(&admin))
        .await;
    assert!(
        building
            .body
            .contains(&format!("/households/{}", app.seeded.household_a))
    );
    let users = app.get("/admin/users", Some(&admin)).await;
    assert!(users.body.contains("grid_a1") && users.body.contains("网格员"));
    let home = app.get("/", Some(&admin)).await;
    assert!(home.body.contains("独居老人"), "{}", home.body);
    assert!(
        home.body.contains("40.0%"),
        "2 of 5 are migrants: {}",
        home.body
    );

    let sec = app.login("sec_a").await;
    let r = app.get("/admin/users", Some(&sec)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        !app.get("/", Some(&sec)).await.body.contains("/admin/users"),
        "no admin links"
    );
    let r = app.get("/places?region=310104011002", Some(&sec)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The district organisation department sees places, not residents.
    let org = app.login("organiser").await;
    let home = app.get("/", Some(&org)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.body.contains("href=\"/people\""));
    assert_eq!(
        app.get("/people", Some(&org)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[engines]
async fn static_files_and_unknown_pages() {
    let app = app().await;
    let css = app.get("/static/shequ.css", None).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(
        css.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("text/css; charset=utf-8")
    );
    assert!(css.headers.contains_key(header::CACHE_CONTROL));
    assert!(css.body.contains("PingFang SC"));
    assert_eq!(
        app.get("/static/nope.css", None).await.status,
        StatusCode::NOT_FOUND
    );
    let cookie = app.login("sec_a").await;
    let r = app.get("/no/such/page", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("未找到"));
    let api = app.get("/api/v1/nope", None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(
        api.body.contains("\"code\""),
        "JSON under /api: {}",
        api.body
    );
}
