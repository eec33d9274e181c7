//! `RUST_LOG`: which `tracing` spans and events the bridge takes, as tracing-subscriber's
//! `EnvFilter` reads it (`info` when unset or invalid).

use tracing_subscriber::filter::{EnvFilter, LevelFilter};

use crate::config::Warning;
use crate::warn;

/// The variable read, in tracing-subscriber's directive syntax.
const VARIABLE: &str = "RUST_LOG";

/// The filter `RUST_LOG` describes; an invalid value is reported once and replaced by `info`.
pub(super) fn from_env() -> EnvFilter {
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
