//! List merging for strategic merge patch (kube's `mergeSlice` family):
//! lists of scalars merge as sets (or lose the `$deleteFromPrimitiveList`
//! entries), lists of objects merge element-wise by merge key with
//! `$patch: delete|replace` elements, and the result is ordered the way
//! kube orders it (patch order, then live order), including Go's stable
//! sort so even kube's odd comparator gives kube's order.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::PatchError;
use super::gojson::go_v;
use super::meta::{FieldMeta, PatchStrategy};
use super::strategic::{
    DELETE_DIRECTIVE, DIRECTIVE, MERGE_DIRECTIVE, Merger, ORDER_PREFIX, REPLACE_DIRECTIVE, bad_arg_type,
    bad_patch_type, no_merge_key, unprocessable,
};

/// kube's error for a list of lists.
const NO_LIST_OF_LISTS: &str = "lists of lists are not supported";

/// The Go dynamic type of a decoded JSON value (with integers preserved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ElemKind {
    Nil,
    Bool,
    Int,
    Float,
    String,
    Slice,
    Map,
}

impl ElemKind {
    pub(super) fn of(value: &Value) -> ElemKind {
        match value {
            Value::Null => ElemKind::Nil,
            Value::Bool(_) => ElemKind::Bool,
            Value::Number(n) if n.is_f64() => ElemKind::Float,
            Value::Number(_) => ElemKind::Int,
            Value::String(_) => ElemKind::String,
            Value::Array(_) => ElemKind::Slice,
            Value::Object(_) => ElemKind::Map,
        }
    }
}

/// A hashable identity with Go's `==` on scalars (1 and 1.0 differ).
fn identity(value: &Value) -> String {
    value.to_string()
}

/// kube's `sliceElementType` over two lists.
pub(super) fn slice_element_kind(first: &[Value], second: &[Value]) -> Result<ElemKind, PatchError> {
    let mut kind = None;
    for value in first.iter().chain(second) {
        let this = ElemKind::of(value);
        match kind {
            None if this == ElemKind::Slice => return Err(unprocessable(NO_LIST_OF_LISTS.to_owned())),
            None => kind = Some(this),
            Some(kind) if kind != this => {
                let lists = [Value::Array(first.to_vec()), Value::Array(second.to_vec())];
                return Err(unprocessable(format!(
                    "list element types are not identical: [{} {}]",
                    go_v(&lists[0]),
                    go_v(&lists[1])
                )));
            }
            Some(_) => {}
        }
    }
    kind.ok_or_else(|| unprocessable("no elements in any of the given slices".to_owned()))
}

/// How kube's in-place slice edits show through its caller's view of the
/// original list (Go slices share their backing array): deletions shift
/// elements left, merges and appends that fit overwrite in place. kube's
/// `$setElementOrder` handling orders by that view, so it is kept here.
pub(super) struct AliasedView {
    items: Vec<Value>,
    live: bool,
}

impl AliasedView {
    pub(super) fn new(original: &[Value]) -> Self {
        AliasedView { items: original.to_vec(), live: true }
    }

    pub(super) fn into_items(self) -> Vec<Value> {
        self.items
    }

    /// `append(s[:i], s[i+1:]...)` on a slice of length `len`.
    fn removed(&mut self, index: usize, len: usize) {
        if self.live {
            for k in index..len.saturating_sub(1).min(self.items.len().saturating_sub(1)) {
                self.items[k] = self.items[k + 1].clone();
            }
        }
    }

    /// `s[index] = value`, also used for appends that stay within capacity
    /// (any position inside the original length is).
    fn set(&mut self, index: usize, value: &Value) {
        if self.live && index < self.items.len() {
            self.items[index] = value.clone();
        }
    }
}

pub(super) fn merge_slice_handler(
    merger: &Merger<'_>,
    original: Vec<Value>,
    patch: Vec<Value>,
    meta: &FieldMeta,
    is_delete_list: bool,
    path: &[String],
    view: &mut AliasedView,
) -> Result<Vec<Value>, PatchError> {
    // Deletion lists apply whatever the field's strategy.
    if meta.strategy == PatchStrategy::Merge || is_delete_list {
        let merge_key = meta.merge_key.as_deref().unwrap_or_default();
        merge_slice(merger, original, patch, merge_key, is_delete_list, path, view)
    } else {
        Ok(patch)
    }
}

fn merge_slice(
    merger: &Merger<'_>,
    original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
    is_delete_list: bool,
    path: &[String],
    view: &mut AliasedView,
) -> Result<Vec<Value>, PatchError> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let kind = slice_element_kind(&original, &patch)?;
    let (server_order, patch_order, merged) = if kind != ElemKind::Map {
        if is_delete_list {
            return Ok(delete_from_slice(original, &patch));
        }
        let both: Vec<Value> = original.iter().chain(&patch).cloned().collect();
        let merged = deduplicate_scalars(both);
        (original, patch, merged)
    } else {
        if merge_key.is_empty() {
            return Err(unprocessable("cannot merge lists without merge key for struct".to_owned()));
        }
        let (original, patch) = merge_slice_with_special_elements(original, patch, merge_key, view)?;
        let merged = merge_slice_without_special_elements(merger, original.clone(), &patch, merge_key, path, view)?;
        (original, patch, merged)
    };
    let (in_patch, server_only) = if merge_key.is_empty() {
        partition_primitives(merged, &patch_order)
    } else {
        partition_maps(merged, &patch_order, merge_key)?
    };
    normalize_element_order(in_patch, server_only, &patch_order, &server_order, merge_key, kind)
}

/// Apply the `$patch` elements of a list of objects; returns the updated
/// original and the patch without them.
fn merge_slice_with_special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
    view: &mut AliasedView,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut plain = Vec::new();
    let mut replace = false;
    for value in patch {
        let Value::Object(map) = &value else { return Err(bad_arg_type("map[string]interface {}", &value)) };
        let Some(directive) = map.get(DIRECTIVE) else {
            plain.push(value);
            continue;
        };
        match directive.as_str() {
            Some(DELETE_DIRECTIVE) => {
                let Some(merge_value) = map.get(merge_key) else { return Err(no_merge_key(map, merge_key)) };
                while let Some(index) = find_map_in_slice(&original, merge_key, merge_value)? {
                    view.removed(index, original.len());
                    original.remove(index);
                }
            }
            // Keep going: other `$patch` elements must still be pruned.
            Some(REPLACE_DIRECTIVE) => replace = true,
            Some(MERGE_DIRECTIVE) => {
                return Err(unprocessable("merging lists cannot yet be specified in the patch".to_owned()));
            }
            _ => return Err(bad_patch_type(directive, map)),
        }
    }
    if replace {
        // The list is a new slice from here on; the caller's view is done.
        view.live = false;
        Ok((plain, Vec::new()))
    } else {
        Ok((original, plain))
    }
}

fn merge_slice_without_special_elements(
    merger: &Merger<'_>,
    mut original: Vec<Value>,
    patch: &[Value],
    merge_key: &str,
    path: &[String],
    view: &mut AliasedView,
) -> Result<Vec<Value>, PatchError> {
    for value in patch {
        let Value::Object(map) = value else { return Err(bad_arg_type("map[string]interface {}", value)) };
        let Some(merge_value) = map.get(merge_key) else { return Err(no_merge_key(map, merge_key)) };
        match find_map_in_slice(&original, merge_key, merge_value)? {
            Some(index) => {
                let current = match original[index].take() {
                    Value::Object(current) => current,
                    _ => Map::new(),
                };
                original[index] = Value::Object(merger.merge_map(current, map.clone(), path)?);
                view.set(index, &original[index]);
            }
            None => {
                view.set(original.len(), value);
                original.push(value.clone());
            }
        }
    }
    Ok(original)
}

/// The first object in `list` whose `key` member equals `value`.
fn find_map_in_slice(list: &[Value], key: &str, value: &Value) -> Result<Option<usize>, PatchError> {
    for (index, item) in list.iter().enumerate() {
        let Value::Object(map) = item else {
            return Err(unprocessable(format!("value for key {index} is not a map")));
        };
        if map.get(key) == Some(value) {
            return Ok(Some(index));
        }
    }
    Ok(None)
}

fn delete_from_slice(current: Vec<Value>, to_delete: &[Value]) -> Vec<Value> {
    let doomed: HashSet<String> = to_delete.iter().map(identity).collect();
    current.into_iter().filter(|v| !doomed.contains(&identity(v))).collect()
}

/// kube's `deduplicateScalars`, including the order it leaves behind.
fn deduplicate_scalars(mut s: Vec<Value>) -> Vec<Value> {
    let mut length = s.len() as isize - 1;
    let mut i: isize = 0;
    while i < length {
        let mut j = i + 1;
        while j <= length {
            if s[i as usize] == s[j as usize] {
                s[j as usize] = s[length as usize].clone();
                s.truncate(length as usize);
                length -= 1;
                j -= 1;
            }
            j += 1;
        }
        i += 1;
    }
    s
}

pub(super) fn partition_primitives(merged: Vec<Value>, partition_by: &[Value]) -> (Vec<Value>, Vec<Value>) {
    let present: HashSet<String> = partition_by.iter().map(identity).collect();
    merged.into_iter().partition(|v| present.contains(&identity(v)))
}

pub(super) fn partition_maps(
    merged: Vec<Value>,
    partition_by: &[Value],
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut in_patch = Vec::new();
    let mut server_only = Vec::new();
    for value in merged {
        let Value::Object(map) = &value else { return Err(bad_arg_type("map[string]interface {}", &value)) };
        let Some(merge_value) = map.get(merge_key) else { return Err(no_merge_key(map, merge_key)) };
        if find_map_in_slice(partition_by, merge_key, merge_value)?.is_some() {
            in_patch.push(value);
        } else {
            server_only.push(value);
        }
    }
    Ok((in_patch, server_only))
}

/// kube's `validatePatchWithSetOrderList`: the patch list must follow the
/// `$setElementOrder` list's relative order.
pub(super) fn validate_patch_with_set_order_list(
    patch: &[Value],
    order: &[Value],
    merge_key: &str,
) -> Result<(), PatchError> {
    if order.is_empty() || patch.is_empty() {
        return Ok(());
    }
    let non_delete = if merge_key.is_empty() { patch.to_vec() } else { extract_to_delete_items(patch.to_vec())?.0 };
    let (mut p, mut o) = (0, 0);
    while p < non_delete.len() && o < order.len() {
        if non_delete[p].get(DIRECTIVE).is_some() {
            p += 1;
            continue;
        }
        if merge_key_value_equal(&non_delete[p], &order[o], merge_key)? {
            p += 1;
        }
        o += 1;
    }
    if p < non_delete.len() && o >= order.len() {
        return Err(unprocessable(format!(
            "the order in patch list:\n{}\n doesn't match {ORDER_PREFIX} list:\n{}",
            go_v(&Value::Array(patch.to_vec())),
            go_v(&Value::Array(order.to_vec()))
        )));
    }
    Ok(())
}

fn merge_key_value_equal(left: &Value, right: &Value, merge_key: &str) -> Result<bool, PatchError> {
    if merge_key.is_empty() {
        return Ok(left == right);
    }
    let Value::Object(left) = left else { return Err(bad_arg_type("map[string]interface {}", left)) };
    let Value::Object(right) = right else { return Err(bad_arg_type("map[string]interface {}", right)) };
    let Some(l) = left.get(merge_key) else { return Err(no_merge_key(left, merge_key)) };
    let Some(r) = right.get(merge_key) else { return Err(no_merge_key(right, merge_key)) };
    Ok(l == r)
}

/// Split off the `$patch: delete` elements of a list of objects.
fn extract_to_delete_items(list: Vec<Value>) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut keep = Vec::new();
    let mut delete = Vec::new();
    for value in list {
        let Value::Object(map) = &value else { return Err(bad_arg_type("map[string]interface {}", &value)) };
        if map.get(DIRECTIVE).and_then(Value::as_str) == Some(DELETE_DIRECTIVE) {
            delete.push(value);
        } else {
            keep.push(value);
        }
    }
    Ok((keep, delete))
}

/// What an element is identified by: its merge key for objects, itself
/// otherwise (a missing key reads as null, as in Go).
fn sort_identity(value: &Value, merge_key: &str, kind: ElemKind) -> String {
    if kind == ElemKind::Map {
        identity(value.as_object().and_then(|m| m.get(merge_key)).unwrap_or(&Value::Null))
    } else {
        identity(value)
    }
}

/// The first position of each identity in `order`.
fn positions(order: &[Value], merge_key: &str, kind: ElemKind) -> HashMap<String, usize> {
    let mut map = HashMap::new();
    for (i, value) in order.iter().enumerate() {
        map.entry(sort_identity(value, merge_key, kind)).or_insert(i);
    }
    map
}

/// Sort the patch items by the patch order and the server-only items by
/// the live order, then interleave them.
pub(super) fn normalize_element_order(
    in_patch: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: &str,
    kind: ElemKind,
) -> Result<Vec<Value>, PatchError> {
    let in_patch = normalize_slice_order(in_patch, patch_order, merge_key, kind)?;
    let server_only = normalize_slice_order(server_only, server_order, merge_key, kind)?;
    Ok(merge_sorted_slice(server_only, in_patch, server_order, merge_key, kind))
}

fn normalize_slice_order(
    to_sort: Vec<Value>,
    order: &[Value],
    merge_key: &str,
    kind: ElemKind,
) -> Result<Vec<Value>, PatchError> {
    let (to_sort, to_delete) = if kind == ElemKind::Map {
        for value in to_sort.iter().chain(order) {
            let Value::Object(map) = value else { return Err(bad_arg_type("map[string]interface {}", value)) };
            if !map.contains_key(merge_key) {
                return Err(no_merge_key(map, merge_key));
            }
        }
        extract_to_delete_items(to_sort)?
    } else {
        (to_sort, Vec::new())
    };
    let index = positions(order, merge_key, kind);
    let mut keyed: Vec<(Option<usize>, Value)> =
        to_sort.into_iter().map(|v| (index.get(&sort_identity(&v, merge_key, kind)).copied(), v)).collect();
    // kube's comparator: by position when both are known, else "less".
    go_stable_sort(&mut keyed, |a, b| match (a.0, b.0) {
        (Some(a), Some(b)) => a < b,
        _ => true,
    });
    Ok(keyed.into_iter().map(|(_, v)| v).chain(to_delete).collect())
}

/// kube's `mergeSortedSlice`: insert the server-only items among the
/// patch items where the live order puts them.
fn merge_sorted_slice(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[Value],
    merge_key: &str,
    kind: ElemKind,
) -> Vec<Value> {
    let index = positions(server_order, merge_key, kind);
    let at = |v: &Value| index.get(&sort_identity(v, merge_key, kind)).copied();
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
        let take_left = matches!((at(l), at(r)), (Some(li), Some(ri)) if li < ri);
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    out.extend(left);
    out.extend(right);
    out
}

/// Go's `sort.SliceStable` (insertion sort in blocks of 20, then
/// SymMerge), so that an inconsistent `less` orders exactly as in Go.
fn go_stable_sort<T>(data: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let n = data.len();
    let lt = |d: &[T], i: usize, j: usize| less(&d[i], &d[j]);
    let insertion_sort = |d: &mut [T], a: usize, b: usize| {
        for i in a + 1..b {
            let mut j = i;
            while j > a && lt(d, j, j - 1) {
                d.swap(j, j - 1);
                j -= 1;
            }
        }
    };
    let mut block = 20;
    let (mut a, mut b) = (0, block);
    while b <= n {
        insertion_sort(data, a, b);
        a = b;
        b += block;
    }
    insertion_sort(data, a, n);
    while block < n {
        let (mut a, mut b) = (0, 2 * block);
        while b <= n {
            sym_merge(data, a, a + block, b, &lt);
            a = b;
            b += 2 * block;
        }
        let m = a + block;
        if m < n {
            sym_merge(data, a, m, n, &lt);
        }
        block *= 2;
    }
}

fn sym_merge<T>(d: &mut [T], a: usize, m: usize, b: usize, lt: &impl Fn(&[T], usize, usize) -> bool) {
    if m - a == 1 {
        let (mut i, mut j) = (m, b);
        while i < j {
            let h = (i + j) / 2;
            if lt(d, h, a) { i = h + 1 } else { j = h }
        }
        for k in a..i.saturating_sub(1) {
            d.swap(k, k + 1);
        }
        return;
    }
    if b - m == 1 {
        let (mut i, mut j) = (a, m);
        while i < j {
            let h = (i + j) / 2;
            if !lt(d, m, h) { i = h + 1 } else { j = h }
        }
        let mut k = m;
        while k > i {
            d.swap(k, k - 1);
            k -= 1;
        }
        return;
    }
    let mid = (a + b) / 2;
    let n = mid + m;
    let (mut start, mut r) = if m > mid { (n - b, mid) } else { (a, m) };
    let p = n - 1;
    while start < r {
        let c = (start + r) / 2;
        if !lt(d, p - c, c) { start = c + 1 } else { r = c }
    }
    let end = n - start;
    if start < m && m < end {
        rotate(d, start, m, end);
    }
    if a < start && start < mid {
        sym_merge(d, a, start, mid, lt);
    }
    if mid < end && end < b {
        sym_merge(d, mid, end, b, lt);
    }
}

fn rotate<T>(d: &mut [T], a: usize, m: usize, b: usize) {
    let (mut i, mut j) = (m - a, b - m);
    while i != j {
        if i > j {
            swap_range(d, m - i, m, j);
            i -= j;
        } else {
            swap_range(d, m - i, m + j - i, i);
            j -= i;
        }
    }
    swap_range(d, m - i, m, i);
}

fn swap_range<T>(d: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        d.swap(a + i, b + i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_stable_sort_is_a_stable_sort() {
        let mut state: u64 = 42;
        for len in [0, 1, 5, 20, 21, 45, 100, 257] {
            let mut items: Vec<(u64, usize)> = (0..len)
                .map(|i| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state % 7, i)
                })
                .collect();
            let mut want = items.clone();
            want.sort_by_key(|x| x.0);
            go_stable_sort(&mut items, |a, b| a.0 < b.0);
            assert_eq!(items, want, "len {len}");
        }
        // kube's always-true comparator reverses short lists (Go does too)
        // and must not misbehave on long ones.
        let mut items: Vec<usize> = (0..5).collect();
        go_stable_sort(&mut items, |_, _| true);
        assert_eq!(items, vec![4, 3, 2, 1, 0]);
        let mut long: Vec<usize> = (0..1000).collect();
        go_stable_sort(&mut long, |_, _| true);
        long.sort_unstable();
        assert_eq!(long, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn deduplication_keeps_kubes_order() {
        let got = deduplicate_scalars(vec![Value::from("a"), "b".into(), "a".into(), "c".into(), "b".into()]);
        assert_eq!(got, vec![Value::from("a"), "b".into(), "c".into()]);
        let got = deduplicate_scalars(vec![Value::from(1), 2.into(), 1.into(), 3.into(), 4.into()]);
        assert_eq!(got, vec![Value::from(1), 2.into(), 4.into(), 3.into()]);
    }
}
