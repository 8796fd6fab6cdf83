//! `api-resources` output as kubectl prints it from discovery: resources
//! without verbs and subresources left out, filters for `--namespaced`,
//! `--api-group` and `--verbs`, sorted by group (or `--sort-by=name|kind`)
//! and then name, as a table (wide adds VERBS and CATEGORIES) or as
//! `-o name` lines (`plural.group`).

use serde_json::Value;

use super::tabwriter::TabWriter;

/// One resource of discovery.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApiResource {
    pub name: String,
    pub short_names: Vec<String>,
    /// The API group, empty for the core group.
    pub group: String,
    /// `v1` or `group/version`.
    pub group_version: String,
    pub namespaced: bool,
    pub kind: String,
    pub verbs: Vec<String>,
    pub categories: Vec<String>,
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The resources of one `APIResourceList` (its `groupVersion` names the
/// group), subresources and verb-less resources left out as kubectl does.
pub fn resources_from_discovery(list: &Value) -> Vec<ApiResource> {
    let group_version = list.get("groupVersion").and_then(Value::as_str).unwrap_or_default();
    let group = group_version.rsplit_once('/').map_or("", |(group, _)| group);
    let Some(resources) = list.get("resources").and_then(Value::as_array) else {
        return Vec::new();
    };
    resources
        .iter()
        .filter_map(|r| {
            let name = r.get("name").and_then(Value::as_str)?;
            let verbs = strings(r.get("verbs"));
            if name.contains('/') || verbs.is_empty() {
                return None;
            }
            Some(ApiResource {
                name: name.to_owned(),
                short_names: strings(r.get("shortNames")),
                group: group.to_owned(),
                group_version: group_version.to_owned(),
                namespaced: r.get("namespaced").and_then(Value::as_bool).unwrap_or(false),
                kind: r.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned(),
                verbs,
                categories: strings(r.get("categories")),
            })
        })
        .collect()
}

/// `-o` for api-resources.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum ApiResourcesOutput {
    #[default]
    Table,
    Wide,
    Name,
}

/// The flags of `api-resources`.
#[derive(Debug, Clone, Default)]
pub struct ApiResourcesOptions {
    pub output: ApiResourcesOutput,
    pub no_headers: bool,
    /// `--sort-by=name` or `--sort-by=kind`; otherwise by group.
    pub sort_by: Option<String>,
    /// `--namespaced=true|false`, when given.
    pub namespaced: Option<bool>,
    /// `--api-group=...`, when given (empty: the core group).
    pub api_group: Option<String>,
    /// `--verbs=...`: a resource must support all of them.
    pub verbs: Vec<String>,
}

/// The whole output of `api-resources` for the discovered resources.
pub fn print_api_resources(resources: &[ApiResource], options: &ApiResourcesOptions) -> String {
    let mut selected: Vec<&ApiResource> = resources
        .iter()
        .filter(|r| options.api_group.as_ref().is_none_or(|g| &r.group == g))
        .filter(|r| options.namespaced.is_none_or(|n| r.namespaced == n))
        .filter(|r| options.verbs.iter().all(|v| r.verbs.contains(v)))
        .collect();
    let key = |r: &ApiResource| -> String {
        match options.sort_by.as_deref() {
            Some("name") => r.name.clone(),
            Some("kind") => r.kind.clone(),
            _ => r.group.clone(),
        }
    };
    selected.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.name.cmp(&b.name)));

    let mut writer = TabWriter::new();
    let wide = options.output == ApiResourcesOutput::Wide;
    if !options.no_headers && options.output != ApiResourcesOutput::Name {
        let mut headers = vec!["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"];
        if wide {
            headers.extend(["VERBS", "CATEGORIES"]);
        }
        writer.write(&headers.join("\t"));
        writer.write("\n");
    }
    for r in selected {
        let line = match options.output {
            ApiResourcesOutput::Name if r.group.is_empty() => format!("{}\n", r.name),
            ApiResourcesOutput::Name => format!("{}.{}\n", r.name, r.group),
            _ => {
                let mut cells = vec![
                    r.name.clone(),
                    r.short_names.join(","),
                    r.group_version.clone(),
                    r.namespaced.to_string(),
                    r.kind.clone(),
                ];
                if wide {
                    cells.push(r.verbs.join(","));
                    cells.push(r.categories.join(","));
                }
                format!("{}\n", cells.join("\t"))
            }
        };
        writer.write(&line);
    }
    writer.flush()
}
