//! Error accumulation and did-you-mean suggestions.
//!
//! Every problem in one `#[traced]` is collected (as serde_derive's `Ctxt` does) and reported in
//! one compile, each spanned on its own token, instead of stopping at the first.

use proc_macro2::TokenStream;

/// The errors found so far in one `#[traced]`.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// Adds `error` to the report.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Whether nothing went wrong.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// One `compile_error!` per error, or nothing.
    pub(crate) fn to_compile_error(&self) -> TokenStream {
        self.0
            .as_ref()
            .map_or_else(TokenStream::new, syn::Error::to_compile_error)
    }
}

/// `` `a`, `b`, `c` ``: the names a message lists as accepted.
pub(crate) fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `` ; did you mean `x`?`` for the closest candidate within two edits, or nothing.
pub(crate) fn did_you_mean(given: &str, candidates: &[&str]) -> String {
    candidates
        .iter()
        .map(|candidate| (edit_distance(given, candidate), candidate))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map_or_else(String::new, |(_, candidate)| {
            format!("; did you mean `{candidate}`?")
        })
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::{did_you_mean, edit_distance, Errors};

    #[test]
    fn suggests_the_closest_name_within_two_edits() {
        assert_eq!(
            did_you_mean("nmae", &["name", "kind"]),
            "; did you mean `name`?"
        );
        assert_eq!(did_you_mean("colour", &["name", "kind"]), "");
        assert_eq!(edit_distance("sever", "server"), 1);
    }

    #[test]
    fn collects_every_error() {
        let mut errors = Errors::default();
        assert!(errors.is_empty());
        let span = proc_macro2::Span::call_site();
        errors.push(syn::Error::new(span, "first"));
        errors.push(syn::Error::new(span, "second"));
        let report = errors.to_compile_error().to_string();
        assert!(
            report.contains("first") && report.contains("second"),
            "{report}"
        );
    }
}
