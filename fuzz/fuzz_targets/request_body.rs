//! Request decoding in the API handler: object bodies as JSON, YAML and
//! Kubernetes protobuf (the first byte picks the Content-Type), the query
//! options of every request, and routing of the request path. Never a
//! panic: a bad body is a 4xx `Status`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rdd_apiserver::handler::body::decode_object;
use rdd_apiserver::request::{QueryOptions, route};

const CONTENT_TYPES: &[Option<&str>] = &[
    Some("application/json"),
    Some("application/yaml"),
    Some("application/vnd.kubernetes.protobuf"),
    Some("application/json;charset=utf-8"),
    None,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    match selector % 8 {
        0..5 => {
            let content_type = CONTENT_TYPES[usize::from(selector % 8)];
            let _ = decode_object(body, content_type, selector & 0x80 != 0);
        }
        5 => {
            let _ = QueryOptions::parse(Some(&String::from_utf8_lossy(body)));
        }
        _ => {
            let path = String::from_utf8_lossy(body);
            for method in [http::Method::GET, http::Method::POST, http::Method::PATCH, http::Method::DELETE] {
                let _ = route(&method, &path, selector & 0x80 != 0);
            }
        }
    }
});
