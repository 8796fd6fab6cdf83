//! kube-apiserver's validation rules and messages for object metadata and
//! CustomResourceDefinitions and the data of ConfigMaps and Secrets (k8s.io/apimachinery `api/validation`,
//! `util/validation`, apiextensions-apiserver), Go's decoding errors for
//! built-in kinds, and the field error type both they and
//! [`crate::schema`] report with.

pub mod config_data;
pub mod crd;
mod crd_version;
pub mod field;
pub mod go_decode;
pub mod names;
pub mod object_meta;

pub use crd::{validate_crd, validate_crd_update};
pub use field::{BadValue, FieldError, FieldErrorKind, causes};
pub use names::NameRule;
pub use object_meta::{validate_object_meta, validate_object_meta_update};
