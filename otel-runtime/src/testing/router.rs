//! The span processor behind every capture: it hands each ended span to the capture whose scope
//! the span started in (directly, or through its trace), and to a process-wide capture if one is
//! running.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use opentelemetry::trace::{Span as _, TraceContextExt as _, TraceId};
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use crate::recover::lock;

/// Carried by the context a scoped capture makes current: spans started under it (and later
/// spans of the same traces, wherever they start) belong to that capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct ScopeId(pub(super) u64);

/// Where ended spans go.
#[derive(Debug, Default)]
pub(super) struct Routes {
    next_scope: u64,
    /// The spans of each live scoped capture.
    scopes: HashMap<ScopeId, Vec<SpanData>>,
    /// Which capture each trace started under belongs to.
    traces: HashMap<TraceId, ScopeId>,
    /// Every span, while a process-wide capture runs.
    all: Option<Vec<SpanData>>,
}

impl Routes {
    /// A new scope, empty.
    pub(super) fn open_scope(&mut self) -> ScopeId {
        self.next_scope += 1;
        let scope = ScopeId(self.next_scope);
        self.scopes.insert(scope, Vec::new());
        scope
    }

    /// Forgets `scope` and its traces.
    pub(super) fn close_scope(&mut self, scope: ScopeId) {
        self.scopes.remove(&scope);
        self.traces.retain(|_, owner| *owner != scope);
    }

    /// The spans of `scope` so far (for the process-wide capture: `None`).
    pub(super) fn spans(&self, scope: Option<ScopeId>) -> Vec<SpanData> {
        match scope {
            Some(scope) => self.scopes.get(&scope).cloned().unwrap_or_default(),
            None => self.all.clone().unwrap_or_default(),
        }
    }

    /// Forgets the spans of `scope` (or of the process-wide capture) so far.
    pub(super) fn clear(&mut self, scope: Option<ScopeId>) {
        match scope {
            Some(scope) => {
                if let Some(spans) = self.scopes.get_mut(&scope) {
                    spans.clear();
                }
            }
            None => {
                if let Some(all) = &mut self.all {
                    all.clear();
                }
            }
        }
    }

    /// Starts (`true`) or ends the process-wide capture.
    pub(super) fn capture_all(&mut self, on: bool) {
        self.all = on.then(Vec::new);
    }
}

/// Routes spans as they end, on the thread that ends them (tests read them right after).
#[derive(Debug, Clone, Default)]
pub(super) struct Router(pub(super) Arc<Mutex<Routes>>);

impl SpanProcessor for Router {
    fn on_start(&self, span: &mut Span, parent: &Context) {
        // An explicit parent (`root`, `parent = ...`, a context extracted from headers) may
        // not carry the scope; the thread's current context still does when the span starts
        // under the capture.
        let Some(scope) = parent
            .get::<ScopeId>()
            .copied()
            .or_else(|| Context::map_current(|current| current.get::<ScopeId>().copied()))
        else {
            return;
        };
        let trace_id = span.span_context().trace_id();
        lock(&self.0).traces.entry(trace_id).or_insert(scope);
        // A remote parent's trace started elsewhere: it now belongs here too.
        let parent_trace = parent.span().span_context().trace_id();
        if parent_trace != trace_id && parent_trace != TraceId::INVALID {
            lock(&self.0).traces.entry(parent_trace).or_insert(scope);
        }
    }

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        let mut routes = lock(&self.0);
        if let Some(all) = &mut routes.all {
            all.push(span.clone());
        }
        let trace_id = span.span_context.trace_id();
        if let Some(scope) = routes.traces.get(&trace_id).copied() {
            if let Some(spans) = routes.scopes.get_mut(&scope) {
                spans.push(span);
            }
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        Ok(())
    }
}
