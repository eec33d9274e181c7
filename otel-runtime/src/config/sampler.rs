//! `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`.

use std::fmt;

use opentelemetry_sdk::trace::Sampler;

use super::env::Env;
use super::Warning;

/// Which spans are recorded and exported, as `OTEL_TRACES_SAMPLER` names it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum SamplerConfig {
    /// `always_on`: every span.
    AlwaysOn,
    /// `always_off`: no span.
    AlwaysOff,
    /// `traceidratio`: this fraction of traces, decided from the trace id.
    TraceIdRatio(f64),
    /// `parentbased_always_on` (the default): as the parent decided; roots always.
    #[default]
    ParentBasedAlwaysOn,
    /// `parentbased_always_off`: as the parent decided; roots never.
    ParentBasedAlwaysOff,
    /// `parentbased_traceidratio`: as the parent decided; roots by trace-id ratio.
    ParentBasedTraceIdRatio(f64),
}

impl SamplerConfig {
    /// The values `OTEL_TRACES_SAMPLER` accepts, for messages.
    pub const ACCEPTED: &'static str = "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio";

    /// The SDK sampler.
    pub fn to_sampler(self) -> Sampler {
        match self {
            Self::AlwaysOn => Sampler::AlwaysOn,
            Self::AlwaysOff => Sampler::AlwaysOff,
            Self::TraceIdRatio(ratio) => Sampler::TraceIdRatioBased(ratio),
            Self::ParentBasedAlwaysOn => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
            Self::ParentBasedAlwaysOff => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
            Self::ParentBasedTraceIdRatio(ratio) => {
                Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(ratio)))
            }
        }
    }
}

impl fmt::Display for SamplerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlwaysOn => f.write_str("always_on"),
            Self::AlwaysOff => f.write_str("always_off"),
            Self::TraceIdRatio(ratio) => write!(f, "traceidratio {ratio}"),
            Self::ParentBasedAlwaysOn => f.write_str("parentbased_always_on"),
            Self::ParentBasedAlwaysOff => f.write_str("parentbased_always_off"),
            Self::ParentBasedTraceIdRatio(ratio) => write!(f, "parentbased_traceidratio {ratio}"),
        }
    }
}

const SAMPLER: &str = "OTEL_TRACES_SAMPLER";
const SAMPLER_ARG: &str = "OTEL_TRACES_SAMPLER_ARG";

/// Reads the sampler and its argument.
pub(crate) fn sampler(env: &mut Env<'_>) -> SamplerConfig {
    let argument = env.get(SAMPLER_ARG);
    let Some(value) = env.get(SAMPLER) else {
        if let Some(argument) = argument {
            ignored_argument(env, &argument, SamplerConfig::default());
        }
        return SamplerConfig::default();
    };
    let name = value.trim().to_ascii_lowercase();
    let sampler = match name.as_str() {
        "always_on" => SamplerConfig::AlwaysOn,
        "always_off" => SamplerConfig::AlwaysOff,
        "parentbased_always_on" => SamplerConfig::ParentBasedAlwaysOn,
        "parentbased_always_off" => SamplerConfig::ParentBasedAlwaysOff,
        "traceidratio" => return SamplerConfig::TraceIdRatio(ratio(env, argument.as_deref())),
        "parentbased_traceidratio" => {
            return SamplerConfig::ParentBasedTraceIdRatio(ratio(env, argument.as_deref()))
        }
        "jaeger_remote" | "parentbased_jaeger_remote" | "xray" => {
            env.warn(Warning::new(
                SAMPLER,
                &value,
                "is not supported by this SDK",
                SamplerConfig::ACCEPTED,
                "parentbased_always_on",
            ));
            SamplerConfig::default()
        }
        _ => {
            env.invalid(
                SAMPLER,
                &value,
                SamplerConfig::ACCEPTED,
                "parentbased_always_on",
            );
            SamplerConfig::default()
        }
    };
    if let Some(argument) = argument {
        ignored_argument(env, &argument, sampler);
    }
    sampler
}

/// The ratio argument: a number in `[0, 1]`, by default 1.
fn ratio(env: &mut Env<'_>, argument: Option<&str>) -> f64 {
    let Some(argument) = argument else {
        return 1.0;
    };
    match argument.trim().parse::<f64>() {
        Ok(ratio) if (0.0..=1.0).contains(&ratio) => ratio,
        _ => {
            env.invalid(
                SAMPLER_ARG,
                argument,
                "a number from 0 to 1, e.g. 0.25",
                "1.0",
            );
            1.0
        }
    }
}

fn ignored_argument(env: &mut Env<'_>, argument: &str, sampler: SamplerConfig) {
    env.warn(Warning::new(
        SAMPLER_ARG,
        argument,
        "is ignored",
        "an argument only with OTEL_TRACES_SAMPLER=traceidratio or parentbased_traceidratio",
        &sampler.to_string(),
    ));
}
