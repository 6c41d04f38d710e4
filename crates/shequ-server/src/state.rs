//! What every handler gets: the store, settings, message bundles and the
//! login limiter. Built once at start; tests build it literally.

use std::sync::Arc;
use std::time::Duration;

use shequ_store::Store;

use crate::Settings;
use crate::auth::limiter::LoginLimiter;
use crate::i18n::I18n;

/// Shared application state (cheap to clone).
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub i18n: Arc<I18n>,
    pub limiter: Arc<LoginLimiter>,
    /// The street's time zone, in which times are shown.
    pub tz: chrono_tz::Tz,
}

impl AppState {
    /// Builds the state, checking settings that can be wrong.
    pub fn new(settings: Settings, store: Store) -> anyhow::Result<Self> {
        let tz: chrono_tz::Tz = settings.timezone.parse().map_err(|_| {
            anyhow::anyhow!(
                "unknown time zone {:?} in settings; use e.g. Asia/Shanghai",
                settings.timezone
            )
        })?;
        let limiter = LoginLimiter::new(
            settings.login_max_failures,
            Duration::from_secs(u64::from(settings.login_window_minutes) * 60),
        );
        Ok(Self {
            store,
            i18n: Arc::new(I18n::load()?),
            limiter: Arc::new(limiter),
            settings: Arc::new(settings),
            tz,
        })
    }

    /// Today's date in the street's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now().with_timezone(&self.tz).date_naive()
    }
}
