//! The shape of the annotated function, decided once from the options, the signature and the
//! body, and used by both validation and expansion.

use syn::{
    Expr, ExprCall, GenericArgument, ItemFn, PathArguments, ReturnType, Signature, Stmt, Type,
    TypeParamBound,
};

use crate::options::Kind;

/// What kind of function `#[traced]` annotates: it decides when the span starts and ends.
pub(crate) enum Shape {
    /// `kind = server`: an actix-web handler (validation requires `async fn`). The request's
    /// headers give the parent and the response's status lands on the span.
    ServerHandler,
    /// An `async fn`: the body becomes a future that carries the span.
    AsyncFn,
    /// A plain `fn` whose body ends in an `async` block or `Box::pin(async ..)` (`-> impl
    /// Future`, async-trait's output): the span starts at the call and the returned future
    /// carries it to its end.
    FutureReturningFn(Box<ReturnedFuture>),
    /// Any other `fn`: the span is current for the body and ends when it returns or unwinds.
    PlainFn,
}

/// The body of a [`Shape::FutureReturningFn`], split where the future starts.
pub(crate) struct ReturnedFuture {
    /// The statements before the trailing future: they run at the call.
    pub(crate) setup: Vec<Stmt>,
    /// The trailing `async` block.
    pub(crate) future: Expr,
    /// The `Box::pin(..)` call around the block, if any (the expansion keeps it).
    pub(crate) pin: Option<ExprCall>,
}

impl Shape {
    /// The shape of `function` annotated with `kind`.
    pub(crate) fn of(kind: Kind, function: &ItemFn) -> Self {
        if kind == Kind::Server {
            Self::ServerHandler
        } else if function.sig.asyncness.is_some() {
            Self::AsyncFn
        } else if let Some(returned) = ReturnedFuture::of(&function.block) {
            Self::FutureReturningFn(Box::new(returned))
        } else {
            Self::PlainFn
        }
    }

    /// The type of what the function's work produces, which `err` and `ret` inspect: the
    /// declared return type (`()` when none), or the `Output` of the returned future; `None`
    /// when the signature does not say (a future type it cannot read).
    pub(crate) fn output(&self, sig: &Signature) -> Option<Type> {
        match self {
            Self::FutureReturningFn(_) => future_output(&sig.output),
            Self::ServerHandler | Self::AsyncFn | Self::PlainFn => Some(match &sig.output {
                ReturnType::Type(_, ty) => (**ty).clone(),
                ReturnType::Default => syn::parse_quote!(()),
            }),
        }
    }
}

impl ReturnedFuture {
    /// Splits `block` if it ends in `async { .. }` or `Box::pin(async { .. })`.
    fn of(block: &syn::Block) -> Option<Self> {
        let (Stmt::Expr(tail, None), setup) = block.stmts.split_last()? else {
            return None;
        };
        let (future, pin) = match tail {
            Expr::Async(_) => (tail.clone(), None),
            Expr::Call(call) if is_pin_of_async(call) => {
                let future = call.args.first()?.clone();
                (future, Some(call.clone()))
            }
            _ => return None,
        };
        Some(Self {
            setup: setup.to_vec(),
            future,
            pin,
        })
    }
}

/// Whether `call` is `..::pin(async ..)` (`Box::pin`, `std::boxed::Box::pin`).
fn is_pin_of_async(call: &ExprCall) -> bool {
    let Expr::Path(function) = call.func.as_ref() else {
        return false;
    };
    let is_pin = function
        .path
        .segments
        .last()
        .is_some_and(|last| last.ident == "pin");
    is_pin && call.args.len() == 1 && matches!(call.args.first(), Some(Expr::Async(_)))
}

/// The `Output` of a returned future: `impl Future<Output = T>` or
/// `Pin<Box<dyn Future<Output = T> + ...>>`.
fn future_output(output: &ReturnType) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let bounds = match ty.as_ref() {
        Type::ImplTrait(impl_trait) => &impl_trait.bounds,
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            let inner = single_type_argument(&last.arguments)?;
            let Type::Path(boxed) = inner else {
                return None;
            };
            let boxed = single_type_argument(&boxed.path.segments.last()?.arguments)?;
            let Type::TraitObject(object) = boxed else {
                return None;
            };
            &object.bounds
        }
        _ => return None,
    };
    bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        let PathArguments::AngleBracketed(arguments) = &last.arguments else {
            return None;
        };
        arguments.args.iter().find_map(|argument| match argument {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(assoc.ty.clone()),
            _ => None,
        })
    })
}

/// The first type argument of `Name<T, ..>`.
fn single_type_argument(arguments: &PathArguments) -> Option<&Type> {
    let PathArguments::AngleBracketed(arguments) = arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::{Kind, Shape};

    fn shape(kind: Kind, function: syn::ItemFn) -> &'static str {
        match Shape::of(kind, &function) {
            Shape::ServerHandler => "server",
            Shape::AsyncFn => "async",
            Shape::FutureReturningFn(_) => "future",
            Shape::PlainFn => "plain",
        }
    }

    #[test]
    fn each_shape_is_recognised() {
        let handler = syn::parse_quote!(
            async fn h() {}
        );
        assert_eq!(shape(Kind::Server, handler), "server");
        let async_fn = syn::parse_quote!(
            async fn a() {}
        );
        assert_eq!(shape(Kind::Internal, async_fn), "async");
        let future = syn::parse_quote!(
            fn f() -> impl Future<Output = u8> {
                let a = 1;
                async move { a }
            }
        );
        assert_eq!(shape(Kind::Internal, future), "future");
        let boxed = syn::parse_quote!(
            fn b() -> Pin<Box<dyn Future<Output = u8>>> {
                Box::pin(async { 1 })
            }
        );
        assert_eq!(shape(Kind::Client, boxed), "future");
        let plain = syn::parse_quote!(
            fn p() -> u8 {
                let _f = async { 1 };
                2
            }
        );
        assert_eq!(shape(Kind::Internal, plain), "plain");
    }

    #[test]
    fn output_is_what_the_work_produces() {
        let future: syn::ItemFn = syn::parse_quote!(
            fn f() -> impl Future<Output = Result<u8, E>> {
                async { Ok(1) }
            }
        );
        let output = Shape::of(Kind::Internal, &future).output(&future.sig);
        let output = output.map(|ty| ty.to_token_stream().to_string());
        assert_eq!(output.as_deref(), Some("Result < u8 , E >"));
        let plain: syn::ItemFn = syn::parse_quote!(
            fn p() {}
        );
        let output = Shape::of(Kind::Internal, &plain).output(&plain.sig);
        let output = output.map(|ty| ty.to_token_stream().to_string());
        assert_eq!(output.as_deref(), Some("()"));
    }
}
