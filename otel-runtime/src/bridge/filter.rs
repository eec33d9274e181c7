//! Which `tracing` spans and events the bridge takes: those `RUST_LOG` enables, as
//! tracing-subscriber's `EnvFilter` reads it (`info` when unset or invalid), and none made while
//! telemetry is suppressed (by the exporters, on their own threads).

use opentelemetry::Context;
use tracing::subscriber::Interest;
use tracing::Metadata;
use tracing_subscriber::filter::{EnvFilter, FilterExt as _, LevelFilter};
use tracing_subscriber::layer::{self, Filter};

use crate::config::Warning;
use crate::warn;

/// The variable read, in tracing-subscriber's directive syntax.
const VARIABLE: &str = "RUST_LOG";

/// The bridge's filter: [`from_env`], and [`NotSuppressed`].
pub(super) fn bridge_filter<S>() -> impl Filter<S> {
    from_env().and(NotSuppressed)
}

/// Refuses what is made while telemetry is suppressed: the exporters' HTTP and gRPC clients
/// (hyper, h2, tonic) log and open spans on the exporters' threads; exported, they would make
/// more to export. A span refused here never gets an OpenTelemetry context, so what happens
/// inside it stays suppressed too. Asked for each span and event (a thread-local read).
#[derive(Debug, Clone, Copy)]
struct NotSuppressed;

impl<S> Filter<S> for NotSuppressed {
    fn enabled(&self, _metadata: &Metadata<'_>, _cx: &layer::Context<'_, S>) -> bool {
        !Context::is_current_telemetry_suppressed()
    }

    fn callsite_enabled(&self, _metadata: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }

    /// No level is refused as such: the most verbose level the whole filter lets through stays
    /// `RUST_LOG`'s (`tracing` and `log` skip more verbose call sites at once).
    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }
}

/// The filter `RUST_LOG` describes; an invalid value is reported once and replaced by `info`.
fn from_env() -> EnvFilter {
    let value = crate::config::env::process_var(VARIABLE).unwrap_or_default();
    let builder = EnvFilter::builder().with_default_directive(LevelFilter::INFO.into());
    match builder.clone().parse(&value) {
        Ok(filter) => filter,
        Err(error) => {
            warn::report(&Warning::new(
                VARIABLE,
                &value,
                &format!("is invalid ({error})"),
                "tracing-subscriber directives such as info,my_crate=debug",
                "info",
            ));
            builder.parse_lossy("")
        }
    }
}
