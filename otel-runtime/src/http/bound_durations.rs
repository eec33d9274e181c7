//! The HTTP duration histograms bound to the attribute sets each thread records again and again
//! (the SDK's bound instruments): a request whose set is bound here is recorded without the SDK
//! hashing and comparing its attributes, about 2,000 of the ~2,350 instructions a record costs.
//!
//! Each thread keeps, per histogram, a table of [`SLOTS`] sets found by a quick hash of their
//! values. A set is bound once it has been seen twice in its slot, and stays bound: a set whose
//! slot is taken is recorded the SDK's usual way, so sets never evict each other (no binding
//! per request, whatever the mix). The sets are the conventions' low-cardinality attributes, so
//! a table holds at most [`SLOTS`] bound handles; they are released with the thread.

use std::cell::RefCell;

use opentelemetry::metrics::{BoundHistogram, Histogram};
use opentelemetry::{KeyValue, Value};

/// Slots of a thread's table for one histogram.
const SLOTS: usize = 128;

/// Tables a thread keeps (the server and the client histogram of the meter provider installed
/// now, and those of one installed before).
const TABLES: usize = 4;

/// An attribute set bound to its histogram.
struct Bound {
    hash: u64,
    attributes: Box<[KeyValue]>,
    histogram: BoundHistogram<f64>,
}

#[derive(Default)]
struct Slot {
    bound: Option<Bound>,
    /// The hash of the set last seen here while the slot was free (0: none).
    seen: u64,
}

/// One histogram's sets on this thread.
struct Table {
    /// The histogram's address (the instruments are leaked per meter provider: it is stable).
    histogram: *const Histogram<f64>,
    slots: Box<[Slot]>,
}

thread_local! {
    static THREAD_TABLES: RefCell<Vec<Table>> = const { RefCell::new(Vec::new()) };
}

/// Records `value` with `attributes` on `histogram`, through this thread's bound handle for the
/// set when there is one.
pub(crate) fn record(histogram: &'static Histogram<f64>, value: f64, attributes: &[KeyValue]) {
    let recorded = THREAD_TABLES
        .try_with(|tables| {
            let Ok(mut tables) = tables.try_borrow_mut() else {
                return false;
            };
            record_bound(table(&mut tables, histogram), histogram, value, attributes)
        })
        .unwrap_or(false);
    if !recorded {
        histogram.record(value, attributes);
    }
}

/// This thread's table for `histogram` (a new one, in place of all, once [`TABLES`] are kept).
fn table<'a>(tables: &'a mut Vec<Table>, histogram: &'static Histogram<f64>) -> &'a mut Table {
    let address: *const Histogram<f64> = histogram;
    let index = match tables.iter().position(|table| table.histogram == address) {
        Some(index) => index,
        None => {
            if tables.len() == TABLES {
                tables.clear();
            }
            tables.push(Table {
                histogram: address,
                slots: (0..SLOTS).map(|_| Slot::default()).collect(),
            });
            tables.len() - 1
        }
    };
    &mut tables[index]
}

/// Records through the slot of `attributes` if its set is bound there or is now seen there for
/// the second time; `false` when the caller must record it the usual way.
fn record_bound(
    table: &mut Table,
    histogram: &Histogram<f64>,
    value: f64,
    attributes: &[KeyValue],
) -> bool {
    let hash = quick_hash(attributes);
    let slot = &mut table.slots[hash as usize % SLOTS];
    match &slot.bound {
        Some(bound) => {
            let same = bound.hash == hash && same_set(&bound.attributes, attributes);
            if same {
                bound.histogram.record(value);
            }
            same
        }
        None if slot.seen == hash => {
            let bound = Bound {
                hash,
                attributes: attributes.into(),
                histogram: histogram.bind(attributes),
            };
            bound.histogram.record(value);
            slot.bound = Some(bound);
            true
        }
        None => {
            slot.seen = hash;
            false
        }
    }
}

/// A quick hash of the attribute values (the keys are the same for every set of one call
/// site), never 0: a string counts by its length and four of its bytes (its second, and those
/// a quarter, half and three quarters in: routes share their start and end more often). Sets
/// that hash alike are told apart by comparing them ([`same_set`]); two sets in one slot only
/// mean that the second is recorded the usual way.
fn quick_hash(attributes: &[KeyValue]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |hash: u64, word: u64| (hash.rotate_left(5) ^ word).wrapping_mul(K);
    let mut hash = attributes.len() as u64;
    for attribute in attributes {
        hash = match &attribute.value {
            Value::String(text) => {
                let bytes = text.as_str().as_bytes();
                let byte = |at: usize| bytes.get(at).copied().map_or(0, u64::from);
                let len = bytes.len();
                let sample =
                    byte(1) | byte(len / 4) << 8 | byte(len / 2) << 16 | byte(len * 3 / 4) << 24;
                mix(hash, (len as u64) << 32 | sample)
            }
            Value::I64(number) => mix(hash, *number as u64),
            Value::Bool(flag) => mix(hash, u64::from(*flag)),
            Value::F64(number) => mix(hash, number.to_bits()),
            // Not among the HTTP metrics' attributes: compared, not hashed.
            _ => mix(hash, 1),
        };
    }
    hash.max(1)
}

/// Whether two attribute sets are equal; strings at the same address (the static ones, or a
/// value shared by both) are equal without comparing their bytes.
fn same_set(bound: &[KeyValue], attributes: &[KeyValue]) -> bool {
    let same_text = |a: &str, b: &str| std::ptr::eq(a, b) || a == b;
    bound.len() == attributes.len()
        && bound.iter().zip(attributes).all(|(a, b)| {
            same_text(a.key.as_str(), b.key.as_str())
                && match (&a.value, &b.value) {
                    (Value::String(a), Value::String(b)) => same_text(a.as_str(), b.as_str()),
                    (a, b) => a == b,
                }
        })
}

#[cfg(test)]
mod tests {
    use opentelemetry::metrics::MeterProvider as _;
    use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};

    use super::*;
    use crate::export::metrics::memory::MemoryMetricExporter;
    use crate::export::metrics::snapshot::PointValue;

    fn set(route: &'static str, status: i64) -> Vec<KeyValue> {
        vec![
            KeyValue::new("http.request.method", "GET"),
            KeyValue::new("http.response.status_code", status),
            KeyValue::new("http.route", route),
        ]
    }

    /// Bound handles in this thread's table for `histogram`.
    fn bound_here(histogram: &'static Histogram<f64>) -> usize {
        let address: *const Histogram<f64> = histogram;
        THREAD_TABLES.with(|tables| {
            tables
                .borrow()
                .iter()
                .filter(|table| table.histogram == address)
                .flat_map(|table| table.slots.iter())
                .filter(|slot| slot.bound.is_some())
                .count()
        })
    }

    /// Every record counts, in its own set, whether it went through a bound handle or not.
    #[test]
    fn bound_and_unbound_records_land_in_their_sets() {
        let exporter = MemoryMetricExporter::default();
        let provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(exporter.clone()).build())
            .build();
        let histogram: &'static Histogram<f64> = Box::leak(Box::new(
            provider.meter("test").f64_histogram("duration").build(),
        ));
        record(histogram, 1.0, &set("/a", 200));
        assert_eq!(bound_here(histogram), 0, "seen once: not bound yet");
        for _ in 0..4 {
            record(histogram, 1.0, &set("/a", 200));
        }
        assert_eq!(bound_here(histogram), 1);
        for round in 0..3 {
            record(histogram, 2.0, &set("/b", 500));
            // The same values, owned rather than static: the same set.
            let owned = vec![
                KeyValue::new("http.request.method", String::from("GET")),
                KeyValue::new("http.response.status_code", 200),
                KeyValue::new("http.route", format!("/{}", "a")),
            ];
            record(histogram, f64::from(round), &owned);
        }
        assert_eq!(bound_here(histogram), 2);
        provider.force_flush().expect("flushed");
        let metrics = exporter.last();
        let duration = metrics
            .iter()
            .find(|metric| metric.name == "duration")
            .expect("the histogram is exported");
        let count = |route: &str, status: i64| -> u64 {
            duration
                .points
                .iter()
                .filter(|point| {
                    point.attribute("http.route") == Some(&Value::from(route.to_owned()))
                        && point.attribute("http.response.status_code") == Some(&Value::I64(status))
                })
                .map(|point| match &point.value {
                    PointValue::Histogram(histogram) => histogram.count,
                    other => panic!("not a histogram: {other:?}"),
                })
                .sum()
        };
        assert_eq!(count("/a", 200), 8);
        assert_eq!(count("/b", 500), 3);
        assert_eq!(duration.points.len(), 2);
    }

    #[test]
    fn sets_that_differ_hash_apart_and_compare_unequal() {
        assert_ne!(quick_hash(&set("/a", 200)), quick_hash(&set("/a", 500)));
        assert_ne!(quick_hash(&set("/a", 200)), quick_hash(&set("/b", 200)));
        assert_ne!(
            quick_hash(&set("/items/{id}", 200)),
            quick_hash(&set("/users/{id}", 200))
        );
        assert_ne!(quick_hash(&[]), 0);
        assert!(same_set(&set("/a", 200), &set("/a", 200)));
        let owned = [
            KeyValue::new("http.request.method", String::from("GET")),
            KeyValue::new("http.response.status_code", 200),
            KeyValue::new("http.route", String::from("/a")),
        ];
        assert!(same_set(&set("/a", 200), &owned));
        assert!(!same_set(&set("/a", 200), &set("/a", 500)));
        assert!(!same_set(&set("/a", 200), &set("/b", 200)));
        assert!(!same_set(&set("/a", 200), &set("/a", 200)[..2]));
    }
}
