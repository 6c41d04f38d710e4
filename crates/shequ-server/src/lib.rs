//! The shequ HTTP server: JSON API under `/api/v1`, OpenAPI docs, the web
//! pages, and (in later issues) the background workers.

pub mod auth;
pub mod settings;

pub use settings::Settings;

use std::net::SocketAddr;

use shequ_store::Store;

/// Serves until Ctrl-C or SIGTERM. `on_listening` is told the bound
/// address (useful with port 0).
pub async fn run(
    settings: Settings,
    store: Store,
    on_listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let _ = (settings, store, on_listening);
    anyhow::bail!("the server is not built yet")
}
