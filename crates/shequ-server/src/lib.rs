//! The shequ HTTP server, one folder per capability, each with its
//! service, API and pages: `accounts`, `registry`, `orders` (and `open311`,
//! an adapter over orders' intake), `sensing`, `command`, `party`. `app` is the kit
//! they share and knows none of them; this file nests each capability's
//! `api()` and `pages()`, and starts the workers.

pub mod accounts;
pub mod app;
pub mod assess;
pub mod branches;
pub mod circle;
pub mod command;
pub mod consult;
pub mod coop;
pub mod docs;
pub mod open311;
pub mod orders;
pub mod party;
pub mod registry;
pub mod sensing;
pub mod state;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use shequ_store::Store;
use tower_http::trace::TraceLayer;

pub use app::settings::Settings;
pub use state::AppState;

/// Every route of the server: each capability's routers get their part
/// of the state here.
pub fn router(state: AppState) -> Router {
    let s = &state;
    let pages = Router::new()
        .merge(accounts::pages().with_state(s.accounts.clone()))
        .merge(registry::pages().with_state(s.core.clone()))
        .merge(party::pages().with_state(s.party.clone()))
        .merge(branches::pages().with_state(s.core.clone()))
        .merge(coop::pages().with_state(s.coop.clone()))
        .merge(assess::pages().with_state(s.assess.clone()))
        .merge(circle::pages().with_state(s.circle.clone()))
        .merge(consult::pages().with_state(s.consult.clone()))
        .merge(orders::pages().with_state(s.orders.clone()))
        .merge(sensing::pages().with_state(s.sensing.clone()))
        .merge(command::pages().with_state(s.command.clone()));
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/metrics",
            get(sensing::api::devices::metrics).with_state(s.sensing.clone()),
        )
        .nest("/api/v1", api(s))
        .nest(
            "/open311/v2",
            open311::router().with_state(s.orders.clone()),
        )
        .route("/api/docs", get(docs::page))
        .route("/api/docs/openapi.json", get(docs::openapi_json))
        .merge(app::page::finish(pages, s.core.clone()))
        // A handler that panics answers 500 in the API's error body (and
        // is logged once, by `AppError`), instead of the connection
        // closing without an answer.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |panic: Box<dyn std::any::Any + Send>| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                axum::response::IntoResponse::into_response(app::error::AppError::Internal(
                    anyhow::anyhow!("a request handler panicked: {what}"),
                ))
            },
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let route = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map_or("", |p| p.as_str());
                tracing::info_span!("request", method = %req.method(), route)
            }),
        )
        // Outermost, so it also covers answers made by axum itself (405,
        // body limits, extractor rejections) and every fallback.
        .layer(axum::middleware::map_response(
            app::headers::security_headers,
        ))
        .with_state(state)
}

/// Every capability's routes under `/api/v1`, answering errors in the
/// API's one error body.
fn api(s: &AppState) -> Router<AppState> {
    Router::new()
        .merge(accounts::api().with_state(s.accounts.clone()))
        .merge(registry::api().with_state(s.core.clone()))
        .merge(party::api().with_state(s.party.clone()))
        .merge(branches::api().with_state(s.core.clone()))
        .merge(coop::api().with_state(s.coop.clone()))
        .merge(assess::api().with_state(s.assess.clone()))
        .merge(consult::api().with_state(s.consult.clone()))
        .merge(orders::api().with_state(s.orders.clone()))
        .merge(sensing::api().with_state(s.sensing.clone()))
        .fallback(app::json_errors::not_found)
        .layer(axum::middleware::map_response(app::json_errors::shape))
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database not answering");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

/// Serves until Ctrl-C or SIGTERM. `on_listening` is told the bound
/// address (useful with port 0).
pub async fn run(
    settings: Settings,
    store: Store,
    on_listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    run_with(settings, store, |s| s, on_listening).await
}

/// [`run`], letting `prepare` finish the state before serving (e.g.
/// [`AppState::with_rules_engine`] puts the rules engine in).
pub async fn run_with(
    settings: Settings,
    store: Store,
    prepare: impl FnOnce(AppState) -> AppState,
    on_listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listen = settings.listen;
    if orders::catalogue::ensure_default_catalogue(&store).await? {
        tracing::info!("installed the default catalogue of categories");
    }
    let state = prepare(AppState::new(settings, store.clone())?);
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {listen}: {e}; is another program using the port?")
    })?;
    let addr = listener.local_addr()?;
    on_listening(addr);
    tokio::spawn(purge_sessions(store.clone()));
    orders::workers::spawn(&state.orders);
    sensing::spawn(&state.sensing);
    party::meetings::spawn(&state.party);
    let hub = state.hub.clone();
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Open event streams never end by themselves; a graceful shutdown
        // would wait for them for ever.
        orders::api::events::end_streams(&hub);
    })
    .await?;
    store.close().await;
    Ok(())
}

/// Deletes expired sessions once an hour so the table does not grow.
async fn purge_sessions(store: Store) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match store.purge_expired_sessions(shequ_store::now_ms()).await {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "purged expired sessions"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "purging sessions failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

/// Every message key a page uses, in both languages. Here, where every
/// capability's pages are in reach.
#[cfg(test)]
mod messages {
    use crate::app::i18n::EN_FTL;
    use crate::app::i18n::ZH_FTL;
    use crate::app::i18n::message_ids;

    /// The page sources, scanned for the message keys they use.
    const SOURCES: &[&str] = &[
        include_str!("accounts/pages/admin.rs"),
        include_str!("command/mod.rs"),
        include_str!("command/panel.rs"),
        include_str!("command/map.rs"),
        include_str!("orders/pages/ops.rs"),
        include_str!("registry/pages/home.rs"),
        include_str!("app/page/layout.rs"),
        include_str!("accounts/pages/login.rs"),
        include_str!("orders/pages/act.rs"),
        include_str!("orders/pages/detail.rs"),
        include_str!("orders/pages/fields.rs"),
        include_str!("orders/pages/file.rs"),
        include_str!("orders/pages/list.rs"),
        include_str!("orders/pages/mod.rs"),
        include_str!("orders/pages/offers.rs"),
        include_str!("orders/pages/parse.rs"),
        include_str!("orders/pages/trail.rs"),
        include_str!("orders/pages/report.rs"),
        include_str!("orders/pages/status.rs"),
        include_str!("registry/pages/people.rs"),
        include_str!("registry/pages/places.rs"),
        include_str!("registry/pages/regions.rs"),
        include_str!("party/pages/mod.rs"),
        include_str!("party/pages/tree.rs"),
        include_str!("party/pages/org.rs"),
        include_str!("party/pages/member.rs"),
        include_str!("party/pages/transfers.rs"),
        include_str!("party/pages/coverage.rs"),
        include_str!("party/pages/registrations.rs"),
        include_str!("party/pages/meetings.rs"),
        include_str!("party/pages/evaluation.rs"),
        include_str!("party/pages/search.rs"),
        include_str!("app/page/refusal.rs"),
        include_str!("branches/pages/mod.rs"),
        include_str!("branches/pages/rounds.rs"),
        include_str!("branches/pages/form.rs"),
        include_str!("branches/pages/elections.rs"),
        include_str!("coop/pages/mod.rs"),
        include_str!("coop/pages/year.rs"),
        include_str!("coop/pages/needs.rs"),
        include_str!("coop/pages/resources.rs"),
        include_str!("coop/pages/units.rs"),
        include_str!("coop/pages/projects.rs"),
        include_str!("coop/pages/teams.rs"),
        include_str!("coop/pages/volunteer.rs"),
        include_str!("coop/pages/pairs.rs"),
        include_str!("coop/pages/callups.rs"),
        include_str!("assess/pages/mod.rs"),
        include_str!("assess/pages/periods.rs"),
        include_str!("assess/pages/period.rs"),
        include_str!("assess/pages/subject.rs"),
        include_str!("circle/page.rs"),
        include_str!("consult/page.rs"),
    ];

    fn keys_used() -> Vec<String> {
        let mut keys = Vec::new();
        for src in SOURCES {
            for pat in [".t(\"", ".t_args(\"", "empty(ctx, \""] {
                for (i, _) in src.match_indices(pat) {
                    let rest = &src[i + pat.len()..];
                    if let Some(end) = rest.find('"') {
                        keys.push(rest[..end].to_owned());
                    }
                }
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }

    #[test]
    fn every_literal_key_exists_in_both_languages() {
        let keys = keys_used();
        assert!(keys.len() > 40, "scanner found too few keys: {keys:?}");
        let zh = message_ids(&ZH_FTL);
        let en = message_ids(&EN_FTL);
        let missing: Vec<_> = keys
            .iter()
            .filter(|k| !zh.contains(k) || !en.contains(k))
            .collect();
        assert!(
            missing.is_empty(),
            "keys used by pages but not defined: {missing:?}"
        );
    }

    /// Labels looked up from stored codes (states, actions, sources…) and
    /// the error codes the order pages show: each in both languages.
    #[test]
    fn labels_of_codes_exist_in_both_languages() {
        use crate::orders::pages::offers::Offer;
        use shequ_domain::order::OrderState;
        let mut keys: Vec<String> = Vec::new();
        keys.extend(OrderState::ALL.map(|s| format!("order-state-{}", s.as_str())));
        for o in Offer::ALL {
            keys.push(format!("action-{}", o.name()));
            keys.push(format!("order-step-{}", o.name()));
        }
        for step in ["create", "dispatch", "rate", "auto_close"] {
            keys.push(format!("order-step-{step}"));
        }
        keys.extend(
            crate::orders::intake::SOURCES
                .iter()
                .map(|s| format!("order-source-{s}")),
        );
        for r in ["satisfied", "basically_satisfied", "unsatisfied"] {
            keys.push(format!("rating-{r}"));
        }
        for p in ["low", "normal", "high", "urgent"] {
            keys.push(format!("order-priority-{p}"));
        }
        for code in [
            "order_wrong_state",
            "order_action_not_allowed",
            "order_field_missing",
            "order_clock_state",
            "order_reopen_used",
            "photo_too_large",
            "photo_not_image",
            "photo_empty",
            "photo_missing",
            "photo_stage_invalid",
            "category_missing",
            "description_missing",
            "description_too_long",
            "location_missing",
            "location_invalid",
            "location_outside",
            "address_too_long",
            "name_too_long",
            "phone_invalid",
            "attribute_required",
            "attribute_invalid",
            "attribute_number",
            "attribute_datetime",
            "form_too_large",
            "form_invalid",
            "source_invalid",
            "rating_missing",
            "to_user_missing",
            "of_missing",
            "teams_missing",
            "minutes_invalid",
            "team_missing",
            "action_invalid",
        ] {
            keys.push(format!("error-{code}"));
        }
        keys.extend(
            [
                "order-overdue-accept",
                "order-overdue-resolve",
                "action-file",
            ]
            .map(String::from),
        );
        keys.extend(["order-photo-intake", "order-photo-resolution"].map(String::from));
        for kind in [
            "new_order",
            "reassigned",
            "escalated",
            "reopened",
            "summoned",
            "returned",
        ] {
            keys.push(format!("popup-kind-{kind}"));
        }
        keys.extend(
            [
                "order-actor-reporter",
                "order-actor-system",
                "participant-summoned",
            ]
            .map(String::from),
        );
        let zh = message_ids(&ZH_FTL);
        let en = message_ids(&EN_FTL);
        let missing: Vec<_> = keys
            .iter()
            .filter(|k| !zh.contains(k) || !en.contains(k))
            .collect();
        assert!(missing.is_empty(), "labels missing: {missing:?}");
    }
}
