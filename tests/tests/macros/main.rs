//! `#[traced]` and the runtime's setup, in this process: what each function shape and option
//! records, the runtime's fast paths, and `otel_runtime::builder()` driven by an `env_lookup`.
//!
//! The tracer provider and the propagator are global to the process, and the tests of this
//! binary run in parallel. A test that only makes spans holds `otel_runtime::testing::capture()`,
//! which sees the spans started under it, so these run side by side; a test that installs a
//! provider of its own (`config_builder`, one of `macro_shapes`) holds
//! `otel_runtime::testing::capture_all()` instead, which runs alone; `macro_fast_paths`, which
//! needs a process where no provider was ever installed, runs its steps in a child process.

mod config_builder;
mod macro_fast_paths;
mod macro_fn_shapes;
mod macro_options;
mod macro_shapes;
mod readme_example;
mod tracing_bridge;
mod tracing_setup;
