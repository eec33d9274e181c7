//! Warnings about invalid configuration: one line on stderr, once per setting.

use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;

use crate::recover::lock;

static WARNED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// A setting that could not be used as given, and what is used instead.
///
/// Its [`Display`](fmt::Display) form is the one-line warning printed on stderr:
///
/// ```
/// use otel_runtime::config::Warning;
///
/// let warning = Warning::invalid("OTEL_TRACES_SAMPLER", "sometimes", "always_on, always_off", "parentbased_always_on");
/// assert_eq!(
///     warning.to_string(),
///     r#"otel-runtime: warning: OTEL_TRACES_SAMPLER="sometimes" is invalid: accepted always_on, always_off; using parentbased_always_on"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The setting: an environment variable name such as `OTEL_TRACES_SAMPLER`.
    pub setting: String,
    /// The value as given.
    pub value: String,
    /// What is wrong with it: `is invalid`, `is ignored`, `is not supported by this build`...
    pub problem: String,
    /// What the setting accepts.
    pub accepted: String,
    /// What is used instead (the specified default, or what remains of a list).
    pub fallback: String,
}

impl Warning {
    /// A value that does not parse; `fallback` is used instead.
    pub fn invalid(setting: &str, value: &str, accepted: &str, fallback: &str) -> Self {
        Self::new(setting, value, "is invalid", accepted, fallback)
    }

    /// A warning with its own description of the `problem` (`is ignored`, ...).
    pub fn new(setting: &str, value: &str, problem: &str, accepted: &str, fallback: &str) -> Self {
        Self {
            setting: setting.to_owned(),
            value: value.to_owned(),
            problem: problem.to_owned(),
            accepted: accepted.to_owned(),
            fallback: fallback.to_owned(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "otel-runtime: warning: {}={:?} {}: accepted {}; using {}",
            self.setting,
            self.value,
            OneLine(&self.problem),
            self.accepted,
            OneLine(&self.fallback)
        )
    }
}

/// Text from outside (a value, a span name, an error), with its control characters escaped so
/// that it stays on one line and cannot forge other lines or terminal escapes.
pub(crate) struct OneLine<'a>(pub(crate) &'a str);

impl fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_debug())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// Prints `warning` on stderr the first time its setting is reported in this process.
pub(crate) fn report(warning: &Warning) {
    let mut warned = lock(&WARNED);
    if warned
        .get_or_insert_with(HashSet::new)
        .insert(warning.setting.clone())
    {
        eprintln!("{warning}");
    }
}

/// Prints a one-line runtime problem (an export that failed, ...) on stderr.
pub(crate) fn problem(message: fmt::Arguments<'_>) {
    eprintln!("otel-runtime: warning: {message}");
}

/// Prints a one-line runtime notice (an exporter that recovered, ...) on stderr.
pub(crate) fn notice(message: fmt::Arguments<'_>) {
    eprintln!("otel-runtime: notice: {message}");
}

/// The failure causes an exporter has reported: each distinct cause gets one warning, and only
/// the first [`WarnedCauses::MAX`] do (a collector answering with ever-new messages must not
/// flood stderr; further ones are only counted).
#[derive(Debug, Default)]
pub(crate) struct WarnedCauses(Vec<String>);

impl WarnedCauses {
    /// How many distinct causes get a warning of their own.
    pub(crate) const MAX: usize = 8;

    /// Whether `cause` is to be reported now: not reported before, and room left (it is then
    /// remembered).
    pub(crate) fn first_time(&mut self, cause: &str) -> bool {
        let new = self.0.len() < Self::MAX && !self.0.iter().any(|seen| seen == cause);
        if new {
            self.0.push(cause.to_owned());
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::WarnedCauses;

    #[test]
    fn each_cause_is_reported_once_and_only_the_first_few() {
        let mut causes = WarnedCauses::default();
        assert!(causes.first_time("connection refused"));
        assert!(!causes.first_time("connection refused"));
        for n in 1..WarnedCauses::MAX {
            assert!(causes.first_time(&format!("status {n}")), "cause {n}");
        }
        assert!(!causes.first_time("one too many"));
        assert!(!causes.first_time("status 1"));
    }
}
