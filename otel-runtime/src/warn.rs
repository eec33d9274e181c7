//! Warnings about invalid configuration: one line on stderr, once per setting.

use std::collections::HashSet;
use std::sync::Mutex;

static WARNED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Prints `otel-runtime: warning: {setting}={value:?} is invalid: accepted {accepted}; using {fallback}`
/// the first time `setting` is reported in this process.
pub(crate) fn invalid_setting(setting: &str, value: &str, accepted: &str, fallback: &str) {
    let mut warned = WARNED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if warned
        .get_or_insert_with(HashSet::new)
        .insert(setting.to_owned())
    {
        eprintln!(
            "otel-runtime: warning: {setting}={value:?} is invalid: accepted {accepted}; using {fallback}"
        );
    }
}
