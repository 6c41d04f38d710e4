//! What the accounts' handlers hold: the shared core, the login limits,
//! the key that signs device cookies, and the orders' state, told when the
//! roster changes (a new user may be the one an order routes to).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OnceCell;

use crate::accounts::device::DeviceKey;
use crate::accounts::limiter::LoginLimiter;
use crate::app::state::Core;
use crate::orders::OrdersState;

/// The accounts' state (cheap to clone); derefs to the [`Core`].
#[derive(Debug, Clone)]
pub struct AccountsState {
    pub core: Core,
    pub limiter: Arc<LoginLimiter>,
    /// Signs device cookies; read from the store on first use.
    device_key: Arc<OnceCell<DeviceKey>>,
    pub orders: OrdersState,
}

crate::core_parts!(AccountsState);

impl AccountsState {
    pub fn new(orders: OrdersState) -> Self {
        let s = &orders.core.settings;
        let limiter = LoginLimiter::new(
            s.login_max_failures,
            Duration::from_secs(u64::from(s.login_window_minutes) * 60),
        );
        Self {
            core: orders.core.clone(),
            limiter: Arc::new(limiter),
            device_key: Arc::new(OnceCell::new()),
            orders,
        }
    }

    /// The key that signs device cookies, loaded (or made) in the store on
    /// first use so building the state needs no database round trip.
    pub async fn device_key(&self) -> shequ_store::Result<&DeviceKey> {
        self.device_key
            .get_or_try_init(|| DeviceKey::load(&self.store))
            .await
    }
}
