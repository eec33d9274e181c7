//! `http.server.active_requests`, counted by the runtime in a small fixed table of atomics and
//! reported to the SDK by an observable up-down counter's callback at each collection.
//!
//! A request is two relaxed atomic adds (in and out) instead of two SDK measurements (each a
//! hashed look-up of its attribute set under a lock). The table is keyed by the conventions'
//! required attributes: the method (one of the known methods, or `_OTHER`) and the scheme
//! (`http`, `https` or none). It is one for the process and outlives meter providers; each
//! provider registers its own callback reading it. Every combination ever counted is reported
//! with its current value, 0 included, so that "back to 0" is visible.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::LazyLock;

use opentelemetry::metrics::{AsyncInstrument, Meter};
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{HTTP_REQUEST_METHOD, URL_SCHEME};
use opentelemetry_semantic_conventions::metric::HTTP_SERVER_ACTIVE_REQUESTS;

use crate::http::attributes::known_methods_in_use;

/// The schemes a count is kept for: none (not known), `http`, `https`.
const SCHEMES: [Option<&str>; 3] = [None, Some("http"), Some("https")];

/// The method recorded for one outside the known ones.
const OTHER_METHOD: &str = "_OTHER";

/// One (method, scheme) combination's count of requests being answered.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    count: AtomicI64,
    /// Set on its first request: from then on it is reported, at 0 too.
    used: AtomicBool,
}

impl Slot {
    /// Counts a request in.
    #[inline]
    pub(crate) fn enter(&self) {
        if !self.used.load(Ordering::Relaxed) {
            self.used.store(true, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request out.
    #[inline]
    pub(crate) fn leave(&self) {
        self.count.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The counts of active requests by method and scheme.
#[derive(Debug)]
pub(crate) struct ActiveRequests {
    /// The known methods; `_OTHER` is the index after the last.
    methods: Vec<Cow<'static, str>>,
    /// `methods.len() + 1` rows of [`SCHEMES`].
    slots: Box<[Slot]>,
}

/// The table of the process.
static ACTIVE_REQUESTS: LazyLock<ActiveRequests> =
    LazyLock::new(|| ActiveRequests::new(known_methods_in_use().to_vec()));

impl ActiveRequests {
    /// A table for these known methods, all counts at 0 and unreported.
    pub(crate) fn new(methods: Vec<Cow<'static, str>>) -> Self {
        let slots = (0..(methods.len() + 1) * SCHEMES.len())
            .map(|_| Slot::default())
            .collect();
        Self { methods, slots }
    }

    /// The table of the process.
    pub(crate) fn global() -> &'static Self {
        &ACTIVE_REQUESTS
    }

    /// The slot of `method` (as recorded: a known method or `_OTHER`) and `scheme` (`http`,
    /// `https` or `None`).
    pub(crate) fn slot(&self, method: &str, scheme: Option<&str>) -> &Slot {
        let method = self
            .methods
            .iter()
            .position(|known| known == method)
            .unwrap_or(self.methods.len());
        let scheme = SCHEMES
            .iter()
            .position(|known| *known == scheme)
            .unwrap_or(0);
        &self.slots[method * SCHEMES.len() + scheme]
    }

    /// Registers `http.server.active_requests` with `meter`, reading this table at each
    /// collection.
    pub(crate) fn register(&'static self, meter: &Meter) {
        meter
            .i64_observable_up_down_counter(HTTP_SERVER_ACTIVE_REQUESTS)
            .with_unit("{request}")
            .with_description("Number of active HTTP server requests.")
            .with_callback(move |observer| self.observe(observer))
            .build();
    }

    /// Reports every combination counted so far.
    fn observe(&self, observer: &dyn AsyncInstrument<i64>) {
        for (index, slot) in self.slots.iter().enumerate() {
            if !slot.used.load(Ordering::Relaxed) {
                continue;
            }
            let method = self
                .methods
                .get(index / SCHEMES.len())
                .cloned()
                .unwrap_or(Cow::Borrowed(OTHER_METHOD));
            let count = slot.count.load(Ordering::Relaxed);
            match SCHEMES.get(index % SCHEMES.len()).copied().flatten() {
                Some(scheme) => observer.observe(
                    count,
                    &[
                        KeyValue::new(HTTP_REQUEST_METHOD, method),
                        KeyValue::new(URL_SCHEME, scheme),
                    ],
                ),
                None => observer.observe(count, &[KeyValue::new(HTTP_REQUEST_METHOD, method)]),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_and_scheme_has_a_slot_of_its_own_and_unknown_methods_share_other() {
        let table = ActiveRequests::new(vec![Cow::Borrowed("GET"), Cow::Borrowed("POST")]);
        let slots: Vec<*const Slot> = [
            ("GET", None),
            ("GET", Some("http")),
            ("GET", Some("https")),
            ("POST", Some("http")),
            ("_OTHER", Some("http")),
        ]
        .into_iter()
        .map(|(method, scheme)| std::ptr::from_ref(table.slot(method, scheme)))
        .collect();
        let mut distinct = slots.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), slots.len());
        assert!(std::ptr::eq(
            table.slot("BREW", Some("http")),
            table.slot("_OTHER", Some("http"))
        ));
    }
}
