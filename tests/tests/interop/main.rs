//! Interop with Python's OpenTelemetry SDK (needs the packages of interop/requirements.txt).

mod interop_python;
