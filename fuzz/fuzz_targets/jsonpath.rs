//! The JSONPath template engine (`-o jsonpath`, custom columns, printer
//! columns, `wait --for=jsonpath`): any template, strict and relaxed,
//! executed on any JSON data, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rdd_api::jsonpath::JsonPath;

fuzz_target!(|data: &[u8]| {
    let (template, document) = rdd_fuzz::split(data);
    let template = String::from_utf8_lossy(template);
    let document = rdd_fuzz::document_or_default(document);
    for parsed in [JsonPath::parse(&template), JsonPath::parse_relaxed(&template)].into_iter().flatten() {
        for allow_missing in [false, true] {
            let path = parsed.clone().allow_missing_keys(allow_missing);
            let _ = path.execute(&document);
            let _ = path.execute_json(&document);
        }
    }
});
