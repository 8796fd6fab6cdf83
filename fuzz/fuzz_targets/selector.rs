//! Label and field selector parsing (the `labelSelector` and
//! `fieldSelector` query parameters) and matching: any text, never a
//! panic.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use rdd_apiserver::selector::{FieldSelector, LabelSelector};

fuzz_target!(|data: &[u8]| {
    let (selector, labels) = rdd_fuzz::split(data);
    let text = String::from_utf8_lossy(selector);
    let labels: BTreeMap<String, String> = String::from_utf8_lossy(labels)
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    if let Ok(parsed) = LabelSelector::parse(&text) {
        let _ = parsed.matches(&labels);
        let _ = parsed.is_empty();
    }
    if let Ok(parsed) = FieldSelector::parse(&text) {
        let _ = parsed.fields().count();
        let _ = parsed.matches(|field| labels.get(field).cloned());
    }
});
