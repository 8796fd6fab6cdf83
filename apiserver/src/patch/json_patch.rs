//! JSON patch (RFC 6902) with the semantics and error texts of
//! evanphx/json-patch v4, the library kube-apiserver uses: `add`,
//! `remove`, `replace`, `move`, `copy`, `test`, `-` for the array end,
//! negative array indices, `~0`/`~1` escapes. kube's leniencies are kept
//! (a `replace` of a missing object member adds it, a `copy` from a
//! missing member copies null) so clients see what a cluster does. One
//! kube bug is not copied: evanphx v4 lets a `test` pass when the expected
//! object has members the actual one lacks; here `test` compares exactly.

use serde_json::{Map, Value};

use super::PatchError;
use super::gojson;
use crate::validation::field::go_quote;

/// kube's `maxJSONPatchOperations` (kube answers 413 above it).
const MAX_OPERATIONS: usize = 10_000;

/// pkg/errors wraps `ErrMissing` this way.
const MISSING: &str = "missing value";

pub fn apply(current: &Value, body: &[u8]) -> Result<Value, PatchError> {
    let patch = gojson::decode(body).map_err(PatchError::InvalidDocument)?;
    let operations = match patch {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        other => return Err(PatchError::InvalidDocument(gojson::cannot_unmarshal(&other, "jsonpatch.Patch"))),
    };
    let mut ops = Vec::with_capacity(operations.len());
    for op in operations {
        match op {
            Value::Object(map) => ops.push(map),
            Value::Null => ops.push(Map::new()),
            other => {
                return Err(PatchError::InvalidDocument(gojson::cannot_unmarshal(&other, "jsonpatch.Operation")));
            }
        }
    }
    if ops.len() > MAX_OPERATIONS {
        return Err(PatchError::InvalidDocument(format!(
            "The allowed maximum operations in a JSON patch is {MAX_OPERATIONS}, got {}",
            ops.len()
        )));
    }
    let mut doc = current.clone();
    for op in &ops {
        apply_one(&mut doc, op).map_err(PatchError::NotApplicable)?;
    }
    Ok(doc)
}

fn apply_one(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let kind = match op.get("op") {
        Some(Value::String(kind)) => kind.as_str(),
        _ => "unknown",
    };
    match kind {
        "add" => add(doc, op),
        "remove" => remove(doc, op),
        "replace" => replace(doc, op),
        "move" => move_op(doc, op),
        "test" => test(doc, op),
        "copy" => copy(doc, op),
        other => Err(format!("Unexpected kind: {other}")),
    }
}

/// A string member of an operation, as `Operation.Path()`/`From()` read it.
fn string_field(op: &Map<String, Value>, field: &str, missing: &str) -> Result<String, String> {
    match op.get(field) {
        None | Some(Value::Null) => Err(format!("{missing}: {MISSING}")),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(gojson::cannot_unmarshal(other, "string")),
    }
}

fn path(op: &Map<String, Value>) -> Result<String, String> {
    string_field(op, "path", "operation missing path field")
}

fn from(op: &Map<String, Value>) -> Result<String, String> {
    string_field(op, "from", "operation, missing from field")
}

/// The `value` member: `None` when absent, `Some(Null)` when null.
fn value(op: &Map<String, Value>) -> Option<&Value> {
    op.get("value")
}

/// RFC 6901 unescaping in one left-to-right pass, as Go's Replacer does.
fn decode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut chars = key.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.peek() {
                Some('1') => {
                    chars.next();
                    out.push('/');
                    continue;
                }
                Some('0') => {
                    chars.next();
                    out.push('~');
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

/// Go's `strconv.Atoi` with its error texts.
fn atoi(key: &str) -> Result<i64, String> {
    key.parse::<i64>().map_err(|err| {
        let why = match err.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => "value out of range",
            _ => "invalid syntax",
        };
        format!("strconv.Atoi: parsing {}: {why}", go_quote(key))
    })
}

fn invalid_index(idx: i64) -> String {
    format!("Unable to access invalid index: {idx}: invalid index referenced")
}

/// An existing element's position (`partialArray.get`/`set`).
fn existing_index(len: usize, key: &str) -> Result<usize, String> {
    let len = len as i64;
    let mut idx = atoi(key)?;
    if idx < 0 {
        if idx < -len {
            return Err(invalid_index(idx));
        }
        idx += len;
    }
    if idx >= len {
        return Err(invalid_index(idx));
    }
    Ok(idx as usize)
}

/// The container (object or array) holding the last path segment, and
/// that segment, unescaped (`findObject`); `None` if the path leads nowhere.
fn find_object<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let split: Vec<&str> = path.split('/').collect();
    let (last, parents) = split.split_last()?;
    if parents.is_empty() {
        return None;
    }
    let mut container = doc;
    for part in &parents[1..] {
        let key = decode_key(part);
        let next = match container {
            Value::Object(map) => map.get_mut(&key)?,
            Value::Array(items) => {
                let idx = existing_index(items.len(), &key).ok()?;
                &mut items[idx]
            }
            _ => return None,
        };
        if !next.is_object() && !next.is_array() {
            return None;
        }
        container = next;
    }
    Some((container, decode_key(last)))
}

/// `container.get(key)`: a missing (or null) object member is `None`, not
/// an error; a bad array index is.
fn get<'a>(container: &'a Value, key: &str) -> Result<Option<&'a Value>, String> {
    match container {
        Value::Object(map) => Ok(map.get(key).filter(|v| !v.is_null())),
        Value::Array(items) => Ok(Some(&items[existing_index(items.len(), key)?])),
        _ => Ok(None),
    }
}

fn add_at(container: &mut Value, key: &str, val: Value) -> Result<(), String> {
    match container {
        Value::Object(map) => {
            map.insert(key.to_owned(), val);
            Ok(())
        }
        Value::Array(items) => {
            if key == "-" {
                items.push(val);
                return Ok(());
            }
            let mut idx = atoi(key).map_err(|err| format!("value was not a proper array index: '{key}': {err}"))?;
            let size = items.len() as i64 + 1;
            if idx >= size {
                return Err(invalid_index(idx));
            }
            if idx < 0 {
                if idx < -size {
                    return Err(invalid_index(idx));
                }
                idx += size;
            }
            items.insert(idx as usize, val);
            Ok(())
        }
        _ => Ok(()),
    }
}

fn remove_at(container: &mut Value, key: &str) -> Result<(), String> {
    match container {
        Value::Object(map) => match map.remove(key) {
            Some(_) => Ok(()),
            None => Err(format!("Unable to remove nonexistent key: {key}: {MISSING}")),
        },
        Value::Array(items) => {
            let len = items.len() as i64;
            let mut idx = atoi(key)?;
            if idx >= len {
                return Err(invalid_index(idx));
            }
            if idx < 0 {
                if idx < -len {
                    return Err(invalid_index(idx));
                }
                idx += len;
            }
            items.remove(idx as usize);
            Ok(())
        }
        _ => Ok(()),
    }
}

fn add(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = path(op).map_err(|_| format!("add operation failed to decode path: {MISSING}"))?;
    let Some((container, key)) = find_object(doc, &path) else {
        return Err(format!("add operation does not apply: doc is missing path: \"{path}\": {MISSING}"));
    };
    let val = value(op).cloned().unwrap_or(Value::Null);
    add_at(container, &key, val).map_err(|err| format!("error in add for path: '{path}': {err}"))
}

fn remove(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = path(op).map_err(|_| format!("remove operation failed to decode path: {MISSING}"))?;
    let Some((container, key)) = find_object(doc, &path) else {
        return Err(format!("remove operation does not apply: doc is missing path: \"{path}\": {MISSING}"));
    };
    remove_at(container, &key).map_err(|err| format!("error in remove for path: '{path}': {err}"))
}

fn replace(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = path(op).map_err(|err| format!("replace operation failed to decode path: {err}"))?;
    if path.is_empty() {
        // kube replaces the whole document only with an object or array and
        // silently ignores anything else.
        if let Some(val @ (Value::Object(_) | Value::Array(_))) = value(op) {
            *doc = val.clone();
        }
        return Ok(());
    }
    let Some((container, key)) = find_object(doc, &path) else {
        return Err(format!("replace operation does not apply: doc is missing path: {path}: {MISSING}"));
    };
    if get(container, &key).is_err() {
        return Err(format!("replace operation does not apply: doc is missing key: {path}: {MISSING}"));
    }
    let val = value(op).cloned().unwrap_or(Value::Null);
    match container {
        Value::Object(map) => {
            map.insert(key, val);
        }
        Value::Array(items) => {
            let idx = existing_index(items.len(), &key)?;
            items[idx] = val;
        }
        _ => {}
    }
    Ok(())
}

fn move_op(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let from = from(op).map_err(|err| format!("move operation failed to decode from: {err}"))?;
    let Some((container, key)) = find_object(doc, &from) else {
        return Err(format!("move operation does not apply: doc is missing from path: {from}: {MISSING}"));
    };
    let val = get(container, &key).map_err(|err| format!("error in move for path: '{key}': {err}"))?.cloned();
    remove_at(container, &key).map_err(|err| format!("error in move for path: '{key}': {err}"))?;
    let path = path(op).map_err(|err| format!("move operation failed to decode path: {err}"))?;
    let Some((container, key)) = find_object(doc, &path) else {
        return Err(format!("move operation does not apply: doc is missing destination path: {path}: {MISSING}"));
    };
    add_at(container, &key, val.unwrap_or(Value::Null))
        .map_err(|err| format!("error in move for path: '{path}': {err}"))
}

fn test(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = path(op).map_err(|err| format!("test operation failed to decode path: {err}"))?;
    let failed = || format!("testing value {path} failed: test failed");
    let want = value(op);
    if path.is_empty() {
        return if want == Some(&*doc) { Ok(()) } else { Err(failed()) };
    }
    let Some((container, key)) = find_object(doc, &path) else {
        return Err(format!("test operation does not apply: is missing path: {path}: {MISSING}"));
    };
    let have = get(container, &key).map_err(|err| format!("error in test for path: '{path}': {err}"))?;
    match (have, want) {
        // An absent or null member passes only a test against null.
        (None, Some(Value::Null)) => Ok(()),
        (Some(have), Some(want)) if have == want => Ok(()),
        _ => Err(failed()),
    }
}

fn copy(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let from = from(op).map_err(|err| format!("copy operation failed to decode from: {err}"))?;
    let Some((container, key)) = find_object(doc, &from) else {
        return Err(format!("copy operation does not apply: doc is missing from path: {from}: {MISSING}"));
    };
    let val = get(container, &key).map_err(|err| format!("error in copy for from: '{from}': {err}"))?.cloned();
    let path = path(op).map_err(|_| format!("copy operation failed to decode path: {MISSING}"))?;
    let Some((container, key)) = find_object(doc, &path) else {
        return Err(format!("copy operation does not apply: doc is missing destination path: {path}: {MISSING}"));
    };
    add_at(container, &key, val.unwrap_or(Value::Null))
        .map_err(|err| format!("error while adding value during copy: {err}"))
}

#[cfg(test)]
#[path = "json_patch_tests.rs"]
mod tests;
