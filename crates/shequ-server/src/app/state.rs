//! The part of the state every capability shares: the store, settings,
//! words, the street's time zone and the platform's clock, the live-event
//! hub, trusted proxies and the API-token cache. Each capability's state
//! holds one (and derefs to it); `crate::state` composes them.

use std::sync::Arc;

use shequ_store::Store;

use crate::app::cache::TokenCache;
use crate::app::clock::{Clock, ScaledClock, SystemClock};
use crate::app::i18n::I18n;
use crate::app::live::Hub;
use crate::app::proxy::TrustedProxies;
use crate::app::settings::Settings;

/// Shared application state (cheap to clone).
#[derive(Debug, Clone)]
pub struct Core {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub i18n: Arc<I18n>,
    /// The street's time zone, in which times are shown.
    pub tz: chrono_tz::Tz,
    /// The time as the platform sees it (a manual clock in tests).
    pub clock: Arc<dyn Clock>,
    /// Live events for open pages.
    pub hub: Hub,
    /// Whose forwarded client addresses to believe (`trusted_proxies`).
    pub proxies: Arc<TrustedProxies>,
    /// API tokens recently used.
    pub tokens: TokenCache,
}

impl Core {
    /// Builds the shared state, checking settings that can be wrong.
    pub fn new(settings: Settings, store: Store) -> anyhow::Result<Self> {
        let tz: chrono_tz::Tz = settings.timezone.parse().map_err(|_| {
            anyhow::anyhow!(
                "unknown time zone {:?} in settings; use e.g. Asia/Shanghai",
                settings.timezone
            )
        })?;
        let proxies = TrustedProxies::parse(&settings.trusted_proxies, &settings.forwarded_header)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let clock: Arc<dyn Clock> = if settings.clock_speed > 1.0 {
            tracing::warn!(
                speed = settings.clock_speed,
                "the platform clock runs faster than real time (clock_speed); for demonstrations only"
            );
            Arc::new(ScaledClock::new(settings.clock_speed))
        } else {
            Arc::new(SystemClock)
        };
        Ok(Self {
            store,
            i18n: Arc::new(I18n::load()?),
            proxies: Arc::new(proxies),
            settings: Arc::new(settings),
            tz,
            clock,
            hub: Hub::default(),
            tokens: TokenCache::default(),
        })
    }

    /// Today's date in the street's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::DateTime::from_timestamp_millis(self.clock.now_ms())
            .unwrap_or_default()
            .with_timezone(&self.tz)
            .date_naive()
    }

    /// The start of today in the street's time zone (epoch ms).
    pub fn today_start_ms(&self) -> i64 {
        midnight_ms(self.tz, self.today()).unwrap_or(0)
    }
}

/// Midnight at the start of `day` in `tz`, as epoch milliseconds (the
/// earlier one if the zone repeats it).
pub fn midnight_ms(tz: chrono_tz::Tz, day: chrono::NaiveDate) -> Option<i64> {
    day.and_time(chrono::NaiveTime::MIN)
        .and_local_timezone(tz)
        .earliest()
        .map(|t| t.timestamp_millis())
}

/// Lets a capability's state be taken apart by the kit's extractors
/// (`AuthUser`, `Ctx`, `ClientAddr`…), which need only the shared part:
/// `core_parts!(OrdersState)` makes `State<OrdersState>` routers work with
/// them, and the state deref to its `core`.
#[macro_export]
macro_rules! core_parts {
    ($state:ty) => {
        impl axum::extract::FromRef<$state> for $crate::app::state::Core {
            fn from_ref(state: &$state) -> Self {
                state.core.clone()
            }
        }
        impl std::ops::Deref for $state {
            type Target = $crate::app::state::Core;
            fn deref(&self) -> &Self::Target {
                &self.core
            }
        }
    };
}
