//! Reading variables through a lookup function, and the parsers every setting shares.
//!
//! Nothing here reads `std::env` directly: [`Env`] wraps any `Fn(&str) -> Option<String>`, so tests
//! configure a parse without touching the process environment.

use std::time::Duration;

use super::Warning;

/// The process environment's `name`. A value that is not UTF-8 is read with its invalid bytes
/// replaced (U+FFFD), so that it is reported as invalid instead of being taken for unset.
pub(crate) fn process_var(name: &str) -> Option<String> {
    std::env::var_os(name).map(|value| value.to_string_lossy().into_owned())
}

/// Where variables come from, and the warnings collected while reading them.
pub(crate) struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    pub(crate) warnings: Vec<Warning>,
}

impl<'a> Env<'a> {
    pub(crate) fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            lookup,
            warnings: Vec::new(),
        }
    }

    /// The value of `name`, or `None` when unset. As the specification says, an empty value (or
    /// one of only spaces) counts as unset.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|value| !value.trim().is_empty())
    }

    /// Records that `name=value` is invalid and `fallback` is used instead.
    pub(crate) fn invalid(&mut self, name: &str, value: &str, accepted: &str, fallback: &str) {
        self.warnings
            .push(Warning::invalid(name, value, accepted, fallback));
    }

    /// Records a warning with its own description of the problem.
    pub(crate) fn warn(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }

    /// A boolean: `true` / `false` in any case; anything else warns and gives `false`, as the
    /// specification requires.
    pub(crate) fn boolean(&mut self, name: &str) -> bool {
        let Some(value) = self.get(name) else {
            return false;
        };
        match value.trim().to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => {
                self.invalid(name, &value, "true, false", "false");
                false
            }
        }
    }

    /// A count (a non-negative integer), or `default`.
    pub(crate) fn count(&mut self, name: &str, default: usize) -> usize {
        self.number(name, default, 0, "a non-negative integer")
    }

    /// A size that must be at least 1, or `default`.
    pub(crate) fn positive_count(&mut self, name: &str, default: usize) -> usize {
        self.number(name, default, 1, "a positive integer")
    }

    /// A duration in milliseconds that must be at least 1 ms, or `default`.
    pub(crate) fn millis(&mut self, name: &str, default: Duration) -> Duration {
        let default_ms = usize::try_from(default.as_millis()).unwrap_or(usize::MAX);
        let millis = self.number(
            name,
            default_ms,
            1,
            "a positive integer number of milliseconds",
        );
        Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX))
    }

    fn number(&mut self, name: &str, default: usize, minimum: usize, accepted: &str) -> usize {
        let Some(value) = self.get(name) else {
            return default;
        };
        match value.trim().parse::<usize>() {
            Ok(number) if number >= minimum => number,
            _ => {
                self.invalid(name, &value, accepted, &default.to_string());
                default
            }
        }
    }
}

/// Splits a comma-separated list, trimming items and skipping empty ones.
pub(crate) fn list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// Decodes `%XX` escapes (W3C Baggage octets, as `OTEL_RESOURCE_ATTRIBUTES` and the OTLP headers
/// use them). `None` if an escape is malformed or the result is not UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            // Two hex digits; `u8::from_str_radix` would also take a sign (`%+A`).
            let digit = |offset: usize| char::from(*bytes.get(index + offset)?).to_digit(16);
            decoded.push(u8::try_from(digit(1)? * 16 + digit(2)?).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// Parses `key1=value1,key2=value2` with percent-encoded values. Entries that are not
/// `key=value` with a non-empty key are returned separately, so the caller can name them.
pub(crate) fn key_values(value: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut pairs = Vec::new();
    let mut bad = Vec::new();
    for entry in list(value) {
        let parsed = entry.split_once('=').and_then(|(key, value)| {
            let key = key.trim();
            let value = percent_decode(value.trim())?;
            (!key.is_empty()).then(|| (key.to_owned(), value))
        });
        match parsed {
            Some(pair) => pairs.push(pair),
            None => bad.push(entry.to_owned()),
        }
    }
    (pairs, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn empty_values_count_as_unset() {
        let lookup = env_of(&[("A", ""), ("B", "  ")]);
        let env = Env::new(&lookup);
        assert_eq!(env.get("A"), None);
        assert_eq!(env.get("B"), None);
        assert_eq!(env.get("C"), None);
    }

    #[test]
    fn booleans_accept_true_and_false_in_any_case() {
        let lookup = env_of(&[("T", "TRUE"), ("F", "False"), ("X", "yes")]);
        let mut env = Env::new(&lookup);
        assert!(env.boolean("T"));
        assert!(!env.boolean("F"));
        assert!(env.warnings.is_empty());
        assert!(!env.boolean("X"));
        assert_eq!(
            env.warnings,
            vec![Warning::invalid("X", "yes", "true, false", "false")]
        );
    }

    #[test]
    fn numbers_below_their_minimum_warn() {
        let lookup = env_of(&[("ZERO", "0"), ("NEG", "-1"), ("OK", " 42 ")]);
        let mut env = Env::new(&lookup);
        assert_eq!(env.count("ZERO", 7), 0);
        assert_eq!(env.positive_count("ZERO", 7), 7);
        assert_eq!(env.count("NEG", 7), 7);
        assert_eq!(env.count("OK", 7), 42);
        assert_eq!(
            env.millis("ZERO", Duration::from_millis(5)),
            Duration::from_millis(5)
        );
        assert_eq!(env.warnings.len(), 3);
        assert_eq!(env.warnings[0].setting, "ZERO");
        assert_eq!(env.warnings[0].fallback, "7");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%2Cc").as_deref(), Some("a b,c"));
        assert_eq!(percent_decode("caf%C3%A9").as_deref(), Some("café"));
        assert_eq!(percent_decode("50%"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
    }

    #[test]
    fn percent_escapes_are_exactly_two_hex_digits() {
        assert_eq!(percent_decode("%4a%4A").as_deref(), Some("JJ"));
        for bad in ["%+A", "%+a", "%-1", "% A", "%A", "%", "%\u{e9}", "%4\u{e9}"] {
            assert_eq!(percent_decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn key_values_separate_malformed_entries() {
        let (pairs, bad) = key_values("a=1, b = x%20y ,,noequals,=novalue,c=");
        assert_eq!(
            pairs,
            vec![
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "x y".to_owned()),
                ("c".to_owned(), String::new()),
            ]
        );
        assert_eq!(bad, vec!["noequals".to_owned(), "=novalue".to_owned()]);
    }
}
