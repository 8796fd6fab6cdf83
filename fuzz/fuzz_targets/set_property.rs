//! `rdd set PROP=VALUE...` argument parsing against the App spec schema
//! rdd ships, or against any schema the input carries (the schema is read
//! from the cluster's CRD, which need not be rdd's): never a panic.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use rdd_commands::app::property::{fill_required, help_table, parse_assignments};
use serde_json::Value;

static APP_SPEC_SCHEMA: LazyLock<Value> = LazyLock::new(|| {
    let crd = serde_json::to_value(rdd_api::crds::all().remove(0)).expect("the App CRD serializes");
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"].clone()
});

fuzz_target!(|data: &[u8]| {
    let (arguments, schema) = rdd_fuzz::split(data);
    let schema = serde_json::from_slice::<Value>(schema).unwrap_or_else(|_| APP_SPEC_SCHEMA.clone());
    let args: Vec<String> = String::from_utf8_lossy(arguments).split('\n').map(str::to_owned).collect();
    let _ = help_table(&schema);
    if let Ok(mut spec) = parse_assignments(&args, &schema) {
        fill_required(&mut spec, &schema);
    }
});
