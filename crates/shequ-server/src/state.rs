//! What every handler gets: the store, settings, message bundles, the
//! login and public-report limiters. Built once at start; tests build it literally.

use std::sync::Arc;
use std::time::Duration;

use shequ_store::Store;
use tokio::sync::{Notify, OnceCell, RwLock};

use crate::Settings;
use crate::accounts::device::DeviceKey;
use crate::accounts::limiter::LoginLimiter;
use crate::app::clock::Clock;
use crate::app::clock::SystemClock;
use crate::app::i18n::I18n;
use crate::app::live::Hub;
use crate::app::proxy::TrustedProxies;
use crate::orders::geo::GridIndex;
use crate::orders::limit::ReportLimiter;

/// Shared application state (cheap to clone).
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub i18n: Arc<I18n>,
    pub limiter: Arc<LoginLimiter>,
    /// Public reports per client address and hour.
    pub report_limiter: Arc<ReportLimiter>,
    /// Whose forwarded client addresses to believe (`trusted_proxies`).
    pub proxies: Arc<TrustedProxies>,
    /// Signs device cookies; read from the store on first use.
    device_key: Arc<OnceCell<DeviceKey>>,
    /// The street's time zone, in which times are shown.
    pub tz: chrono_tz::Tz,
    /// The time as the platform sees it (a manual clock in tests).
    pub clock: Arc<dyn Clock>,
    /// Live events for open pages.
    pub hub: Hub,
    /// Pop-ups shown, to mark sent in the outbox.
    pub popup_marks: crate::app::live::PopupMarks,
    /// Group commit for new orders.
    pub orders: crate::orders::writer::OrderWriter,
    /// Who holds which role where, and their loads, for routing.
    pub people: Arc<crate::orders::memory::People>,
    /// Open orders of the last day, for the near-duplicate check.
    pub recent: Arc<crate::orders::memory::RecentOrders>,
    /// Where stored door events go (the rules engine).
    pub sensing: Arc<dyn crate::sensing::EventSink>,
    /// Door event ingest: registry in memory, counters, group-commit writer.
    pub ingest: Arc<crate::sensing::ingest::Ingest>,
    /// API tokens recently used.
    pub tokens: crate::app::cache::TokenCache,
    /// Categories and routing rules, read on every intake.
    pub config: crate::app::cache::ConfigCache,
    /// This month's command-centre figures, reused for a minute.
    pub command: crate::command::QualityCache,
    /// Wakes the SMS worker after a commit that queued an SMS.
    pub sms_wake: Arc<Notify>,
    /// Grid polygons for locating reports, loaded on first use.
    grids: Arc<RwLock<Option<Arc<GridIndex>>>>,
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
        let proxies = TrustedProxies::parse(&settings.trusted_proxies, &settings.forwarded_header)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let limiter = LoginLimiter::new(
            settings.login_max_failures,
            Duration::from_secs(u64::from(settings.login_window_minutes) * 60),
        );
        let clock: Arc<dyn Clock> = if settings.clock_speed > 1.0 {
            tracing::warn!(
                speed = settings.clock_speed,
                "the platform clock runs faster than real time (clock_speed); for demonstrations only"
            );
            Arc::new(crate::app::clock::ScaledClock::new(settings.clock_speed))
        } else {
            Arc::new(SystemClock)
        };
        Ok(Self {
            orders: crate::orders::writer::OrderWriter::new(store.clone()),
            popup_marks: crate::app::live::PopupMarks::new(store.clone()),
            store,
            i18n: Arc::new(I18n::load()?),
            limiter: Arc::new(limiter),
            report_limiter: Arc::new(ReportLimiter::new(settings.public_reports_per_hour)),
            proxies: Arc::new(proxies),
            device_key: Arc::new(OnceCell::new()),
            settings: Arc::new(settings),
            tz,
            clock,
            hub: Hub::default(),
            config: crate::app::cache::ConfigCache::default(),
            tokens: crate::app::cache::TokenCache::default(),
            people: Arc::default(),
            sensing: Arc::new(crate::sensing::NoSink),
            ingest: Arc::default(),
            recent: Arc::default(),
            sms_wake: Arc::new(Notify::new()),
            command: Default::default(),
            grids: Arc::new(RwLock::new(None)),
        })
    }

    /// The same state reading time from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The same state handing stored door events to `sink`.
    pub fn with_sensing(mut self, sink: Arc<dyn crate::sensing::EventSink>) -> Self {
        self.sensing = sink;
        self
    }

    /// The grid index, loading it on first use.
    pub async fn grids(&self) -> shequ_store::Result<Arc<GridIndex>> {
        if let Some(g) = self.grids.read().await.as_ref() {
            return Ok(g.clone());
        }
        let loaded = Arc::new(GridIndex::load(&self.store).await?);
        *self.grids.write().await = Some(loaded.clone());
        Ok(loaded)
    }

    /// The key that signs device cookies, loaded (or made) in the store on
    /// first use so building the state needs no database round trip.
    pub async fn device_key(&self) -> shequ_store::Result<&DeviceKey> {
        self.device_key
            .get_or_try_init(|| DeviceKey::load(&self.store))
            .await
    }

    /// Forgets the grid index (after regions change).
    pub async fn invalidate_grids(&self) {
        *self.grids.write().await = None;
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
