//! Tests of schema compilation, defaulting, pruning and validation.

use super::*;
use serde_json::json;

#[test]
fn placeholder_compiles() {
    assert!(Schema::compile(&json!({"type": "object"})).is_ok());
}
