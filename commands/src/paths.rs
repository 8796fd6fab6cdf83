//! `rdd svc paths [KEY] [-o table|json|shell]`: the files an instance owns
//! (SPEC §1), for people (table), programs (json) and shells (shell).

use rdd_api::instance::{PathKey, Paths};

/// Output format of `rdd svc paths`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PathsFormat {
    #[default]
    Table,
    Json,
    Shell,
}

/// Renders the paths; with a key, only that path.
///
/// A single key prints the bare path in table format (for
/// `cd "$(rdd svc paths dir)"`), a JSON string in json format, and one
/// assignment in shell format.
pub fn render(paths: &Paths, key: Option<PathKey>, format: PathsFormat) -> String {
    let keys: Vec<PathKey> = key.map_or_else(|| PathKey::ALL.to_vec(), |k| vec![k]);
    let value = |k: PathKey| paths.get(k).to_string_lossy().into_owned();
    match (format, key) {
        (PathsFormat::Table, Some(k)) => format!("{}\n", value(k)),
        (PathsFormat::Table, None) => {
            let width = keys.iter().map(|k| k.as_str().len()).max().unwrap_or(0);
            keys.iter().map(|k| format!("{:<width$}  {}\n", k.as_str(), value(*k))).collect()
        }
        (PathsFormat::Json, Some(k)) => format!("{}\n", serde_json::Value::String(value(k))),
        // Written by hand to keep the keys in the documented order.
        (PathsFormat::Json, None) => {
            let fields: Vec<String> = keys
                .iter()
                .map(|k| format!("  \"{}\": {}", k.as_str(), serde_json::Value::String(value(*k))))
                .collect();
            format!("{{\n{}\n}}\n", fields.join(",\n"))
        }
        (PathsFormat::Shell, _) => keys
            .iter()
            .map(|k| format!("RDD_{}={}\n", k.as_str().to_ascii_uppercase(), shell_quote(&value(*k))))
            .collect(),
    }
}

/// Single-quotes a value for POSIX shells.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdd_api::instance::{Environment, Instance};

    fn paths() -> Paths {
        let env = Environment { home: "/home/o'neil".into(), ..Environment::default() };
        Paths::new(&Instance::new("t").unwrap(), &env)
    }

    #[test]
    fn single_key_prints_the_bare_path() {
        assert_eq!(render(&paths(), Some(PathKey::ShortDir), PathsFormat::Table), "/home/o'neil/.rdt\n");
    }

    #[test]
    fn table_aligns_keys() {
        let table = render(&paths(), None, PathsFormat::Table);
        assert_eq!(table.lines().count(), PathKey::ALL.len());
        assert!(table.starts_with("dir            /home/o'neil/"), "{table}");
    }

    #[test]
    fn json_is_an_object_of_all_keys() {
        let json: serde_json::Value = serde_json::from_str(&render(&paths(), None, PathsFormat::Json)).unwrap();
        assert_eq!(json["docker_socket"], "/home/o'neil/.rdt/docker.sock");
        assert_eq!(json.as_object().unwrap().len(), 9);
        let rendered = render(&paths(), None, PathsFormat::Json);
        assert!(rendered.find("\"dir\"").unwrap() < rendered.find("\"config\"").unwrap(), "{rendered}");
    }

    #[test]
    fn shell_output_is_quoted() {
        let shell = render(&paths(), Some(PathKey::ShortDir), PathsFormat::Shell);
        assert_eq!(shell, "RDD_SHORT_DIR='/home/o'\\''neil/.rdt'\n");
    }
}
