//! The body moved into a closure or an `async` block, its value type still pinned to the
//! function's return type.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ReturnType, Type};

use super::hidden;

/// The body as a block whose value type is pinned to the function's return type by a fake
/// `return` that never runs, so inference inside an async block or closure (`?`,
/// `Box<dyn Trait>` coercions) works as in the original function.
pub(super) fn typed_body(output: &ReturnType, block: &syn::Block) -> TokenStream {
    let ReturnType::Type(_, ty) = output else {
        return quote!(#block);
    };
    // `impl Trait` cannot name a local's type, and `!` needs no pinning.
    if contains_impl_trait(ty) || matches!(ty.as_ref(), Type::Never(_)) {
        return quote!(#block);
    }
    let fake = hidden("__otel_fake_return");
    let statements = &block.stmts;
    quote_spanned! {ty.span()=>
        {
            #[allow(
                unreachable_code,
                clippy::diverging_sub_expression,
                clippy::empty_loop,
                clippy::let_unit_value,
                clippy::needless_return
            )]
            if false {
                let #fake: #ty = loop {};
                return #fake;
            }
            #(#statements)*
        }
    }
}

/// Whether `ty` mentions `impl Trait`.
fn contains_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}
