//! Background workers: plain tokio tasks fed by the outbox table and the
//! order table. Each has a `run_once` that does one pass, which tests call
//! by hand with a manual clock; `spawn` starts the loops for a server.

pub mod sla;
pub mod sms;

use crate::orders::OrdersState;

/// Starts every worker on the current runtime. The server calls this once;
/// in-process tests leave it out and drive `run_once` themselves.
pub fn spawn(state: &OrdersState) {
    match sms::Gateway::new() {
        Ok(gateway) => {
            tokio::spawn(sms::run(state.clone(), gateway));
        }
        // Without an HTTP client nothing can be sent; the messages stay in
        // the outbox and go out after a restart.
        Err(e) => tracing::error!(error = %e, "SMS worker not started"),
    }
    tokio::spawn(sla::run(state.clone()));
}
