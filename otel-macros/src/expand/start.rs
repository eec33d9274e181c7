//! The start of the span: the call site's tracer, the name, kind, parent, attributes and links,
//! and the no-op fast path.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{hidden, Generator};
use crate::options::{Format, Kind};

impl Generator<'_> {
    /// `{ static TRACER; &TRACER }`: the call site's own tracer cache.
    pub(super) fn tracer(&self) -> TokenStream {
        let private = &self.private;
        quote! {{
            static TRACER: #private::TracerCell = #private::TracerCell::new(
                ::core::env!("CARGO_PKG_NAME"),
                ::core::env!("CARGO_PKG_VERSION"),
            );
            &TRACER
        }}
    }

    /// The one converter per [`Format`]: `__private::native_value(value)`, `debug_value(..)` or
    /// `display_value(..)` for a `value` that is a reference, spanned on `span` so that a type
    /// that cannot be recorded is reported there.
    pub(super) fn convert(&self, format: Format, span: Span, value: TokenStream) -> TokenStream {
        let private = &self.private;
        let converter = match format {
            Format::Native => "native_value",
            Format::Debug => "debug_value",
            Format::Display => "display_value",
        };
        let converter = syn::Ident::new(converter, span);
        quote_spanned!(span=> #private::#converter(#value))
    }

    /// `vec![KeyValue::new(key, value), ...]` for `attributes(...)` and `code`.
    pub(super) fn attributes(&self) -> Option<TokenStream> {
        let private = &self.private;
        let mut pairs = Vec::new();
        if let Some((_, attributes)) = &self.options.attributes {
            for attribute in attributes {
                let key = &attribute.key;
                let value = &attribute.value;
                let span = value.span();
                let converted =
                    self.convert(attribute.format, span, quote_spanned!(span=> &(#value)));
                pairs.push(quote!(#private::KeyValue::new(#key, #converted)));
            }
        }
        if self.options.code.is_some() {
            let name = &self.fn_name;
            let span = self.fn_span;
            pairs.push(quote_spanned!(span=> #private::KeyValue::new(
                "code.function.name",
                ::core::concat!(::core::module_path!(), "::", #name),
            )));
            pairs.push(
                quote_spanned!(span=> #private::KeyValue::new("code.file.path", ::core::file!())),
            );
            pairs.push(quote_spanned!(span=> #private::KeyValue::new(
                "code.line.number",
                ::core::line!() as i64,
            )));
        }
        (!pairs.is_empty()).then(|| quote!(::std::vec![#(#pairs),*]))
    }

    /// The links of `links(...)`, as a `Vec<Link>` expression.
    pub(super) fn links(&self) -> Option<TokenStream> {
        let private = &self.private;
        let (_, links) = self.options.links.as_ref()?;
        let links = links
            .iter()
            .map(|link| quote_spanned!(link.span()=> #private::link_from(#link)));
        Some(quote! {
            ::core::iter::Iterator::collect(::core::iter::Iterator::flatten(
                ::core::iter::IntoIterator::into_iter([#(#links),*]),
            ))
        })
    }

    /// `let __otel_cx: Option<Started> = <the new span>;`, `None` when the call
    /// site's spans are known to be no-ops (no provider, `OTEL_SDK_DISABLED`): then nothing else
    /// runs, not even the attribute expressions.
    pub(super) fn start(&self) -> TokenStream {
        let cx = &self.cx;
        let private = &self.private;
        self.start_as(
            cx,
            quote!(::core::option::Option<#private::Started>),
            quote!(::core::option::Option::None),
            |started| quote!(::core::option::Option::Some(#started)),
        )
    }

    /// `let #binding: #ty = <wrap(context holding the new span)>;`, or `= #skipped` when the
    /// call site's spans are known to be no-ops.
    pub(super) fn start_as(
        &self,
        binding: &syn::Ident,
        ty: TokenStream,
        skipped: TokenStream,
        wrap: impl FnOnce(TokenStream) -> TokenStream,
    ) -> TokenStream {
        let private = &self.private;
        let cx = &self.cx;
        let tracer_cell = self.tracer();
        let tracer = hidden("__otel_tracer");
        let options = self.options;
        let kind = options.kind();
        let variant = kind.variant();
        let name = match &options.name {
            Some(name) => quote!(#name),
            None => {
                let name = &self.fn_name;
                quote!(#name)
            }
        };
        let parent = if options.root.is_some() {
            quote!(#private::Parent::Context(#private::Context::new()))
        } else if let Some((span, parent)) = &options.parent {
            quote_spanned!(*span=> #private::Parent::Context(#private::parent_from(#parent)))
        } else {
            quote!(#private::Parent::Current)
        };
        let attributes = self
            .attributes()
            .unwrap_or_else(|| quote!(::std::vec::Vec::new()));
        let links = self
            .links()
            .unwrap_or_else(|| quote!(::std::vec::Vec::new()));
        let start = quote! {
            #private::start_traced(#tracer, #name, #private::SpanKind::#variant, #parent, #attributes, #links)
        };
        let mark = (kind == Kind::Client).then(|| {
            let named = options.name.is_some();
            quote!(let #cx = #cx.client(#named);)
        });
        let started = wrap(quote! {{
            let #cx = #start;
            #mark
            #cx
        }});
        // A span under an explicit parent (or none) changes what is current even when it is a
        // no-op: only a child of the current context can be skipped.
        let default_parent = options.root.is_none() && options.parent.is_none();
        let value = if default_parent {
            quote! {
                if #tracer.is_noop() {
                    #skipped
                } else {
                    #started
                }
            }
        } else {
            started
        };
        quote! {
            let #tracer: &'static #private::TracerCell = #tracer_cell;
            let #binding: #ty = #value;
        }
    }
}
