//! The shequ HTTP server: JSON API under `/api/v1`, OpenAPI docs, the web
//! pages, and the background workers.

pub mod api;
pub mod auth;
pub mod cache;
pub mod clock;
pub mod error;
pub mod headers;
pub mod i18n;
pub mod live;
pub mod open311;
pub mod orders;
pub mod proxy;
pub mod sensing;
pub mod settings;
pub mod state;
pub mod web;
pub mod workers;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use shequ_store::Store;
use tower_http::trace::TraceLayer;

pub use settings::Settings;
pub use state::AppState;

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(api::devices::metrics))
        .nest("/api/v1", api::router())
        .nest("/open311/v2", open311::router())
        .route("/api/docs", get(api::docs::page))
        .route("/api/docs/openapi.json", get(api::docs::openapi_json))
        .merge(web::router(state.clone()))
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
                axum::response::IntoResponse::into_response(error::AppError::Internal(
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
        .layer(axum::middleware::map_response(headers::security_headers))
        .with_state(state)
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
/// [`sensing::engine::install`] puts the rules engine in).
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
    workers::spawn(&state);
    let hub = state.hub.clone();
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Open event streams never end by themselves; a graceful shutdown
        // would wait for them for ever.
        api::events::end_streams(&hub);
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
