//! Label and field selectors (SPEC §3.4): kube's string syntaxes for the
//! `labelSelector` and `fieldSelector` query parameters of list, watch and
//! deletecollection, parsed the way kube parses them and failing with
//! kube's message texts, so clients see the same errors as on a cluster.

mod field;
mod label;

pub use field::FieldSelector;
pub use label::LabelSelector;

/// A selector that does not parse; the text is kube's message for the
/// same input (the handler answers 400 BadRequest with it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SelectorError {
    message: String,
}

impl SelectorError {
    fn new(message: String) -> Self {
        SelectorError { message }
    }
}
