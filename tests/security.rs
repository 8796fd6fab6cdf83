//! Security promises of the control plane (SPEC §3.2, §12; issue 10 item
//! 6), checked against a real `rdd svc serve`: anonymous and wrong-token
//! requests get 401 on every path but the health endpoints, the read-only
//! token cannot write with any verb, secret files are 0600 in 0700
//! directories, the listener is on loopback only, and the tokens change at
//! every start and are written nowhere but the kubeconfig.

mod support;

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use http::{HeaderValue, Method, Request, header};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, PostParams};
use kube::config::{AuthInfo, KubeConfigOptions, Kubeconfig};
use serde_json::{Value, json};
use support::Service;

/// A client of the service's kubeconfig (context `root`) whose credentials
/// are replaced: none at all, or this bearer token.
async fn client_with_token(service: &Service, token: Option<&str>) -> kube::Client {
    let kubeconfig = Kubeconfig::read_from(service.kubeconfig_path()).unwrap();
    let options = KubeConfigOptions { context: Some("root".into()), ..Default::default() };
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.unwrap();
    config.auth_info = AuthInfo::default();
    if let Some(token) = token {
        config.headers.push((header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {token}")).unwrap()));
    }
    kube::Client::try_from(config).unwrap()
}

/// The two tokens of the kubeconfig: (root, user).
fn tokens(service: &Service) -> (String, String) {
    let text = std::fs::read_to_string(service.kubeconfig_path()).unwrap();
    let kubeconfig: Value = serde_saphyr::from_str(&text).unwrap();
    let token = |name: &str| {
        let users = kubeconfig["users"].as_array().unwrap();
        let user = users.iter().find(|u| u["name"] == name).unwrap_or_else(|| panic!("no user {name}: {text}"));
        user["user"]["token"].as_str().expect("a bearer token").to_owned()
    };
    (token("root"), token("user"))
}

/// Sends a request and returns its HTTP status code and body text.
async fn status_of(client: &kube::Client, method: Method, path: &str, body: Vec<u8>) -> (u16, String) {
    let content_type = if method == Method::PATCH { "application/merge-patch+json" } else { "application/json" };
    let request = Request::builder()
        .method(method.clone())
        .uri(path)
        .header(header::CONTENT_TYPE, content_type)
        .body(body)
        .unwrap();
    match client.request_text(request).await {
        Ok(text) => (200, text),
        Err(kube::Error::Api(status)) => (status.code, status.message.clone()),
        Err(other) => panic!("{method} {path}: {other:?}"),
    }
}

async fn get_json(client: &kube::Client, path: &str) -> Value {
    let text = client.request_text(Request::get(path).body(Vec::new()).unwrap()).await.unwrap();
    serde_json::from_str(&text).unwrap()
}

/// One served resource as discovery lists it.
struct Resource {
    /// `/api/v1` or `/apis/G/V`.
    prefix: String,
    /// `configmaps`, or `containers/status` for a subresource.
    name: String,
    namespaced: bool,
}

impl Resource {
    fn collection(&self) -> String {
        let base = self.name.split('/').next().unwrap_or_default();
        if self.namespaced {
            format!("{}/namespaces/default/{base}", self.prefix)
        } else {
            format!("{}/{base}", self.prefix)
        }
    }

    /// The path of one object, or of its subresource.
    fn item(&self, object: &str) -> String {
        match self.name.split_once('/') {
            Some((_, sub)) => format!("{}/{object}/{sub}", self.collection()),
            None => format!("{}/{object}", self.collection()),
        }
    }

    fn is_subresource(&self) -> bool {
        self.name.contains('/')
    }
}

/// Every resource (and subresource) discovery lists, for every served version.
async fn discover(client: &kube::Client) -> Vec<Resource> {
    let mut prefixes = vec!["/api/v1".to_owned()];
    let groups = get_json(client, "/apis").await;
    for group in groups["groups"].as_array().unwrap() {
        for version in group["versions"].as_array().unwrap() {
            prefixes.push(format!("/apis/{}", version["groupVersion"].as_str().unwrap()));
        }
    }
    let mut resources = Vec::new();
    for prefix in prefixes {
        let list = get_json(client, &prefix).await;
        for resource in list["resources"].as_array().unwrap() {
            resources.push(Resource {
                prefix: prefix.clone(),
                name: resource["name"].as_str().unwrap().to_owned(),
                namespaced: resource["namespaced"].as_bool().unwrap(),
            });
        }
    }
    resources
}

/// Every path a client can name: discovery, OpenAPI, version, each
/// resource's collection, object and subresource paths, and a path that
/// does not exist.
async fn all_paths(client: &kube::Client) -> Vec<String> {
    let mut paths: BTreeSet<String> =
        ["/api", "/api/v1", "/apis", "/openapi/v2", "/openapi/v3", "/version", "/version/", "/metrics", "/nope", "/"]
            .into_iter()
            .map(str::to_owned)
            .collect();
    let groups = get_json(client, "/apis").await;
    for group in groups["groups"].as_array().unwrap() {
        paths.insert(format!("/apis/{}", group["name"].as_str().unwrap()));
    }
    let openapi = get_json(client, "/openapi/v3").await;
    for (_, entry) in openapi["paths"].as_object().unwrap() {
        paths.insert(entry["serverRelativeURL"].as_str().unwrap().to_owned());
    }
    for resource in discover(client).await {
        paths.insert(resource.prefix.clone());
        paths.insert(resource.collection());
        paths.insert(resource.item("x"));
        paths.insert(format!("{}?watch=1", resource.collection()));
    }
    paths.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_and_wrong_tokens_get_401_everywhere_but_health() {
    let service = Service::start().await;
    let root = service.client().await;
    let paths = all_paths(&root).await;
    assert!(paths.len() > 40, "discovery lists the served resources: {paths:?}");
    let (root_token, user_token) = tokens(&service);

    let wrong = [
        ("anonymous", client_with_token(&service, None).await),
        ("a wrong token", client_with_token(&service, Some("0123456789abcdef")).await),
        ("the root token with one more character", client_with_token(&service, Some(&format!("{root_token}0"))).await),
        ("the user token cut short", client_with_token(&service, Some(&user_token[..user_token.len() - 1])).await),
    ];
    let methods = [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE];
    for (who, client) in &wrong {
        for path in &paths {
            for method in &methods {
                let (code, message) = status_of(client, method.clone(), path, b"{}".to_vec()).await;
                assert_eq!((code, message.as_str()), (401, "Unauthorized"), "{who}: {method} {path}");
            }
        }
    }

    // Health answers anyone without credentials, as kube's does; a wrong
    // token is refused there too (kube never falls back to anonymous).
    let (_, anonymous) = &wrong[0];
    for path in ["/healthz", "/livez", "/readyz", "/readyz?verbose", "/livez?verbose"] {
        let (code, text) = status_of(anonymous, Method::GET, path, Vec::new()).await;
        assert_eq!(code, 200, "{path}: {text}");
    }
    for (who, client) in &wrong[1..] {
        let (code, _) = status_of(client, Method::GET, "/readyz", Vec::new()).await;
        assert_eq!(code, 401, "{who}: GET /readyz");
    }
    // The same paths answer the root token: the 401s above were about the
    // credentials, not the paths.
    assert_eq!(status_of(&root, Method::GET, "/version", Vec::new()).await.0, 200);
    assert_eq!(status_of(&root, Method::GET, "/api/v1/namespaces/default/configmaps", Vec::new()).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_only_token_reads_but_cannot_write() {
    let service = Service::start().await;
    let root = service.client().await;
    let user = service.user_client().await;

    let cms: Api<ConfigMap> = Api::namespaced(root.clone(), "default");
    let mut keep = ConfigMap::default();
    keep.metadata.name = Some("keep".into());
    keep.data = Some([("a".to_owned(), "1".to_owned())].into());
    let keep = cms.create(&PostParams::default(), &keep).await.unwrap();

    let resources = discover(&root).await;
    let mut denied = 0;
    for resource in &resources {
        let body = serde_json::to_vec(&json!({"metadata": {"name": "x"}})).unwrap();
        let mut attempts = vec![
            (Method::PUT, resource.item("x")),
            (Method::PATCH, resource.item("x")),
            (Method::PUT, resource.item("keep")),
            (Method::PATCH, resource.item("keep")),
        ];
        if !resource.is_subresource() {
            attempts.extend([
                (Method::POST, resource.collection()),
                (Method::DELETE, resource.item("x")),
                (Method::DELETE, resource.item("keep")),
                (Method::DELETE, resource.collection()),
            ]);
        }
        for (method, path) in attempts {
            let (code, message) = status_of(&user, method.clone(), &path, body.clone()).await;
            if code == 405 {
                // A verb the resource does not serve (e.g. PUT on a
                // subresource that only reads) is refused for everyone.
                continue;
            }
            assert_eq!(code, 403, "user: {method} {path}: {message}");
            assert!(message.contains("User \"user\" cannot"), "{method} {path}: {message}");
            denied += 1;
        }
        // Reading is allowed.
        if !resource.is_subresource() {
            let (code, message) = status_of(&user, Method::GET, &resource.collection(), Vec::new()).await;
            assert_eq!(code, 200, "user: GET {}: {message}", resource.collection());
        }
    }
    assert!(denied > 50, "only {denied} writes were tried");

    // dryRun does not make a write a read.
    let (code, _) = status_of(
        &user,
        Method::POST,
        "/api/v1/namespaces/default/configmaps?dryRun=All",
        serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dry"}})).unwrap(),
    )
    .await;
    assert_eq!(code, 403);

    // Nothing the user tried changed anything.
    let after = cms.get("keep").await.unwrap();
    assert_eq!(after.metadata.resource_version, keep.metadata.resource_version);
    let names: Vec<String> =
        cms.list(&ListParams::default()).await.unwrap().items.into_iter().filter_map(|c| c.metadata.name).collect();
    assert_eq!(names, ["keep"]);

    // Watch works for the user.
    let user_cms: Api<ConfigMap> = Api::namespaced(user.clone(), "default");
    let list = user_cms.list(&ListParams::default()).await.unwrap();
    let path = format!(
        "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&resourceVersion={}",
        list.metadata.resource_version.unwrap()
    );
    let (code, _) = status_of(&user, Method::GET, &path, Vec::new()).await;
    assert_eq!(code, 200);
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).mode() & 0o777
}

fn path_of(paths: &Value, key: &str) -> PathBuf {
    PathBuf::from(paths[key].as_str().unwrap_or_else(|| panic!("rdd svc paths has no {key}: {paths}")))
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            out.extend(files_under(&path));
        } else if kind.is_file() {
            out.push(path);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_files_are_private() {
    let service = Service::start().await;
    // A write, so the database has its WAL and shared-memory files.
    let cms: Api<ConfigMap> = Api::namespaced(service.client().await, "default");
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("a".into());
    cms.create(&PostParams::default(), &cm).await.unwrap();

    let paths = service.paths();
    let config = path_of(&paths, "config");
    let db = path_of(&paths, "db");
    let tls_dir = path_of(&paths, "tls_dir");
    assert_eq!(mode(&config), 0o600, "{}", config.display());
    assert_eq!(mode(config.parent().unwrap()), 0o700, "{}", config.parent().unwrap().display());
    assert_eq!(mode(db.parent().unwrap()), 0o700, "{}", db.parent().unwrap().display());
    assert_eq!(mode(&tls_dir), 0o700, "{}", tls_dir.display());
    let db_files = files_under(db.parent().unwrap());
    let names: BTreeSet<String> =
        db_files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert!(names.contains("state.db") && names.contains("state.db-wal"), "{names:?}");
    let tls_files = files_under(&tls_dir);
    assert!(!tls_files.is_empty(), "the serving key and certificate are in {}", tls_dir.display());
    for file in db_files.iter().chain(&tls_files) {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
}

/// The local addresses of the TCP sockets process `pid` listens on.
fn listening_addresses(pid: u32) -> Vec<String> {
    let mut inodes = BTreeSet::new();
    for fd in std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().flatten() {
        if let Ok(target) = std::fs::read_link(fd.path())
            && let Some(inode) = target.to_string_lossy().strip_prefix("socket:[").and_then(|s| s.strip_suffix(']'))
        {
            inodes.insert(inode.to_owned());
        }
    }
    let mut out = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local_address, state (0A = LISTEN), inode.
            if fields.len() > 9 && fields[3] == "0A" && inodes.contains(fields[9]) {
                out.push(fields[1].to_owned());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_is_loopback_only() {
    let service = Service::start().await;
    let kubeconfig = Kubeconfig::read_from(service.kubeconfig_path()).unwrap();
    for cluster in &kubeconfig.clusters {
        let server = cluster.cluster.as_ref().unwrap().server.as_deref().unwrap();
        assert!(server.starts_with("https://127.0.0.1:"), "{server}");
    }
    let listening = listening_addresses(service.pid().unwrap());
    assert!(!listening.is_empty(), "the service listens somewhere");
    for address in &listening {
        // /proc/net/tcp writes 127.0.0.1 as 0100007F; tcp6's ::1 ends in 01000000.
        let loopback = address.starts_with("0100007F:") || address.starts_with("00000000000000000000000001000000:");
        assert!(loopback, "rdd svc serve listens on {address}, beyond loopback: {listening:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_change_at_every_start_and_stay_out_of_logs() {
    // Logs at trace, every library included, so that any line that could
    // carry a header or a token is written.
    let mut service = Service::start_with_env("app,-engine", &[("RDD_LOG_LEVEL", "trace")]).await;
    let first = tokens(&service);
    assert_ne!(first.0, first.1);
    // Requests with right and wrong tokens, so their handling is logged.
    for token in [first.0.clone(), first.1.clone(), format!("{}x", first.0)] {
        let client = client_with_token(&service, Some(&token)).await;
        let _ = status_of(&client, Method::GET, "/api/v1/namespaces", Vec::new()).await;
        let _ = status_of(&client, Method::POST, "/api/v1/namespaces/default/configmaps", b"{}".to_vec()).await;
    }
    let old_client = client_with_token(&service, Some(&first.0)).await;
    // Checked before the restart as well, so a leak names its run.
    tokens_only_in_kubeconfig(&service, &[&first.0, &first.1]);

    service.restart("app,-engine").await;
    let second = tokens(&service);
    assert_ne!(first.0, second.0, "the root token changed");
    assert_ne!(first.1, second.1, "the user token changed");
    let (code, _) = status_of(&old_client, Method::GET, "/api/v1/namespaces", Vec::new()).await;
    assert_eq!(code, 401, "the token of the previous start is refused");
    let client = client_with_token(&service, Some(&second.0)).await;
    let _ = status_of(&client, Method::GET, "/api/v1/namespaces", Vec::new()).await;
    service.stop();
    tokens_only_in_kubeconfig(&service, &[&first.0, &first.1, &second.0, &second.1]);
}

/// No file of the instance but its kubeconfig holds any of `tokens`: not
/// the service log (at trace level), not the database, not the TLS files.
fn tokens_only_in_kubeconfig(service: &Service, tokens: &[&str]) {
    let log = service.log();
    assert!(log.contains("TRACE"), "the service logged at trace:\n{log}");
    let config = service.kubeconfig_path();
    let mut checked = 0;
    for file in files_under(service.home.path()) {
        if file == config {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        for token in tokens {
            assert!(!text.contains(token), "a token is written in {}", file.display());
        }
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} files were searched");
}
