//! The meter provider the runtime's own instruments (HTTP metrics, span export counts) record
//! to, and its generation: installing one bumps it, so instrument caches refill.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use opentelemetry::metrics::{Meter, MeterProvider};
use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::metrics::SdkMeterProvider;

use crate::recover::lock;

/// Bumped whenever a meter provider is installed or removed.
static METER_GENERATION: AtomicU64 = AtomicU64::new(0);

/// The meter provider installed by [`crate::init`], [`crate::Builder::install`] or
/// [`crate::set_meter_provider`]; `None` when metrics are off.
static METER_PROVIDER: Mutex<Option<SdkMeterProvider>> = Mutex::new(None);

/// Makes `provider` the one the runtime records to (`None`: record nothing).
pub(crate) fn meter_provider_installed(provider: Option<SdkMeterProvider>) {
    let mut slot = lock(&METER_PROVIDER);
    *slot = provider;
    METER_GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// The generation of the meter provider installed now.
#[cfg(any(feature = "actix-web", feature = "awc", feature = "reqwest"))]
pub(crate) fn meter_generation() -> u64 {
    METER_GENERATION.load(Ordering::Acquire)
}

/// The meter provider installed now, with its generation.
#[cfg(any(feature = "actix-web", feature = "awc", feature = "reqwest"))]
pub(crate) fn installed_meter_provider() -> (u64, Option<SdkMeterProvider>) {
    let slot = lock(&METER_PROVIDER);
    (METER_GENERATION.load(Ordering::Acquire), slot.clone())
}

/// The meter of the runtime's own instruments (the HTTP metrics, the span export counts) from
/// `provider`: scope `otel-runtime` at this crate's version.
pub(crate) fn runtime_meter(provider: &impl MeterProvider) -> Meter {
    let scope = InstrumentationScope::builder(env!("CARGO_PKG_NAME"))
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    provider.meter_with_scope(scope)
}
