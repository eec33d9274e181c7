//! What `#[traced(parent = ..., links(...))]` accept: a `Context` or a `SpanContext`.

use opentelemetry::trace::{Link, SpanContext, TraceContextExt};
use opentelemetry::Context;

/// Something that names a parent: a [`Context`] (its span is the parent) or a [`SpanContext`]
/// (local or remote), by value, by reference, or in an `Option` (`None`: a new root).
pub trait IntoParent {
    /// The context to start the span in.
    fn into_parent(self) -> Context;
}

impl IntoParent for Context {
    fn into_parent(self) -> Context {
        self
    }
}

impl IntoParent for &Context {
    fn into_parent(self) -> Context {
        self.clone()
    }
}

impl IntoParent for SpanContext {
    fn into_parent(self) -> Context {
        Context::new().with_remote_span_context(self)
    }
}

impl IntoParent for &SpanContext {
    fn into_parent(self) -> Context {
        self.clone().into_parent()
    }
}

impl<T: IntoParent> IntoParent for Option<T> {
    fn into_parent(self) -> Context {
        self.map_or_else(Context::new, IntoParent::into_parent)
    }
}

/// Something a span can link to: a [`SpanContext`], or the span of a [`Context`].
pub trait IntoLink {
    /// The link (none for an invalid span context).
    fn into_link(self) -> Option<Link>;
}

impl IntoLink for SpanContext {
    fn into_link(self) -> Option<Link> {
        self.is_valid().then(|| Link::with_context(self))
    }
}

impl IntoLink for &SpanContext {
    fn into_link(self) -> Option<Link> {
        self.clone().into_link()
    }
}

impl IntoLink for Context {
    fn into_link(self) -> Option<Link> {
        self.span().span_context().clone().into_link()
    }
}

impl IntoLink for &Context {
    fn into_link(self) -> Option<Link> {
        self.span().span_context().clone().into_link()
    }
}

/// The parent for `parent = expr`.
#[doc(hidden)]
pub fn parent_from(parent: impl IntoParent) -> Context {
    parent.into_parent()
}

/// The link for one element of `links(...)`.
#[doc(hidden)]
pub fn link_from(link: impl IntoLink) -> Option<Link> {
    link.into_link()
}
