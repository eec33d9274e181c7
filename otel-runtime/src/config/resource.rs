//! The resource: `service.name`, `service.version`, `telemetry.sdk.*`, `host.name`, `process.pid`,
//! plus `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`.

use opentelemetry::KeyValue;
use opentelemetry_sdk::resource::{Resource, TelemetryResourceDetector};

use super::env::{key_values, Env};
use super::Warning;

const SERVICE_NAME: &str = "OTEL_SERVICE_NAME";
const RESOURCE_ATTRIBUTES: &str = "OTEL_RESOURCE_ATTRIBUTES";

/// `OTEL_SERVICE_NAME`, if set.
pub(crate) fn service_name(env: &mut Env<'_>) -> Option<String> {
    env.get(SERVICE_NAME).map(|name| name.trim().to_owned())
}

/// `OTEL_RESOURCE_ATTRIBUTES` as `(key, value)` pairs. As the specification asks, a value with any
/// malformed entry is discarded whole (with a warning), not used in part.
pub(crate) fn resource_attributes(env: &mut Env<'_>) -> Vec<(String, String)> {
    let Some(value) = env.get(RESOURCE_ATTRIBUTES) else {
        return Vec::new();
    };
    let (pairs, bad) = key_values(&value);
    if bad.is_empty() {
        return pairs;
    }
    env.warn(Warning::new(
        RESOURCE_ATTRIBUTES,
        &value,
        &format!("has malformed entries {}", bad.join(", ")),
        "comma-separated key=value pairs, values percent-encoded",
        "no attributes from it",
    ));
    Vec::new()
}

/// What code gave for the resource (see [`crate::Builder`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct CodeResource {
    /// The fallback service name.
    pub(crate) service_name: Option<String>,
    /// `service.version`.
    pub(crate) service_version: Option<String>,
    /// Further attributes; they win over `OTEL_RESOURCE_ATTRIBUTES`.
    pub(crate) attributes: Vec<KeyValue>,
}

/// Builds the resource. Lowest to highest precedence: what the SDK and the process report,
/// `OTEL_RESOURCE_ATTRIBUTES`, attributes given in code; `service.name` is `OTEL_SERVICE_NAME`,
/// else `service.name` from `OTEL_RESOURCE_ATTRIBUTES`, else the name given in code, else
/// `unknown_service:{executable}`.
pub(crate) fn build(
    env_service_name: Option<&str>,
    env_attributes: &[(String, String)],
    code: &CodeResource,
) -> Resource {
    let mut attributes: Vec<KeyValue> = Vec::new();
    if let Some(host) = host_name() {
        attributes.push(KeyValue::new("host.name", host));
    }
    attributes.push(KeyValue::new("process.pid", i64::from(std::process::id())));
    attributes.extend(
        env_attributes
            .iter()
            .map(|(key, value)| KeyValue::new(key.clone(), value.clone())),
    );
    if let Some(version) = &code.service_version {
        attributes.push(KeyValue::new("service.version", version.clone()));
    }
    attributes.extend(code.attributes.iter().cloned());
    let service_name = env_service_name
        .map(str::to_owned)
        .or_else(|| {
            env_attributes
                .iter()
                .find(|(key, _)| key == "service.name")
                .map(|(_, value)| value.clone())
        })
        .or_else(|| code.service_name.clone())
        .unwrap_or_else(unknown_service);
    attributes.push(KeyValue::new("service.name", service_name));
    Resource::builder_empty()
        .with_detector(Box::new(TelemetryResourceDetector))
        .with_attributes(attributes)
        .build()
}

/// `unknown_service:{executable name}`, as the specification defaults `service.name`.
fn unknown_service() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .map(|name| format!("unknown_service:{name}"))
        })
        .unwrap_or_else(|| "unknown_service".to_owned())
}

/// The machine's host name, if the system reports one.
#[cfg(unix)]
pub(crate) fn host_name() -> Option<String> {
    let mut buffer = [0u8; 256];
    // SAFETY: the pointer and length describe `buffer`, which outlives the call; gethostname
    // writes at most `len` bytes into it.
    let result = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    if result != 0 {
        return None;
    }
    let end = buffer.iter().position(|&byte| byte == 0)?;
    let name = std::str::from_utf8(&buffer[..end]).ok()?;
    (!name.is_empty()).then(|| name.to_owned())
}

/// The machine's host name, if the system reports one.
#[cfg(not(unix))]
pub(crate) fn host_name() -> Option<String> {
    std::env::var("COMPUTERNAME")
        .ok()
        .filter(|name| !name.is_empty())
}
