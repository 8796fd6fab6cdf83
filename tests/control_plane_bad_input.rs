//! Bad input to the embedded control plane (SPEC §12, issue 3 item 7):
//! every malformed request gets a `metav1.Status` with a 4xx code and a
//! message naming what was wrong, and nothing is stored.

mod support;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams};
use serde_json::Value;
use support::{Service, api_error};

async fn send(
    client: &kube::Client,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> kube::core::Status {
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(body)
        .unwrap();
    match client.request::<Value>(request).await {
        Ok(value) => panic!("{method} {path} succeeded: {value}"),
        Err(err) => api_error(err),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_a_status() {
    let service = Service::start().await;
    let client = service.client().await;
    let path = "/api/v1/namespaces/default/configmaps";

    let status = send(&client, "POST", path, "application/json", b"{\"apiVersion\": \"v1\", ".to_vec()).await;
    assert_eq!((status.code, status.reason.as_str()), (400, "BadRequest"), "{status:?}");

    let status = send(&client, "POST", path, "application/yaml", b"metadata: [unclosed".to_vec()).await;
    assert_eq!(status.code, 400, "{status:?}");

    let status = send(&client, "POST", path, "text/plain", b"hello".to_vec()).await;
    assert_eq!((status.code, status.reason.as_str()), (415, "UnsupportedMediaType"), "{status:?}");

    let mut huge = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"huge"},"data":{"x":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'a', 3 * 1024 * 1024 + 1));
    huge.extend(br#""}}"#);
    let status = send(&client, "POST", path, "application/json", huge).await;
    assert_eq!((status.code, status.reason.as_str()), (413, "RequestEntityTooLarge"), "{status:?}");

    let status = send(&client, "GET", "/apis/nope.example.com/v1/things", "application/json", Vec::new()).await;
    assert_eq!((status.code, status.reason.as_str()), (404, "NotFound"), "{status:?}");

    let body = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"UPPER"}}"#.to_vec();
    let status = send(&client, "POST", path, "application/json", body).await;
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"), "{status:?}");

    let body = br#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"wrong-kind"}}"#.to_vec();
    let status = send(&client, "POST", path, "application/json", body).await;
    assert_eq!(status.code, 400, "{status:?}");

    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let err = api_error(cms.list(&ListParams::default().labels("a in (b")).await.unwrap_err());
    assert_eq!(err.code, 400);
    let err = api_error(cms.list(&ListParams::default().fields("metadata.name")).await.unwrap_err());
    assert_eq!(err.code, 400);

    let status =
        send(&client, "PATCH", &format!("{path}/missing"), "application/json-patch+json", b"[]".to_vec()).await;
    assert_eq!(status.code, 404, "{status:?}");

    // Nothing above was stored.
    assert!(cms.list(&ListParams::default()).await.unwrap().items.is_empty());
}

/// `GET` of a path with the root client: the status code, and the body
/// when it is 200.
async fn get(client: &kube::Client, path: &str) -> Result<String, kube::core::Status> {
    client.request_text(http::Request::get(path).body(Vec::new()).unwrap()).await.map_err(api_error)
}

/// The server still serves: ready, and a write and a read succeed.
async fn still_serving(client: &kube::Client, name: &str) {
    assert_eq!(get(client, "/readyz").await.expect("/readyz answers").trim(), "ok");
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some(name.into());
    cms.create(&Default::default(), &cm).await.expect("a good create after bad input");
    cms.get(name).await.expect("a read after bad input");
}

fn configmap(name: &str, data: Value) -> Vec<u8> {
    serde_json::to_vec(
        &serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_writes_to_an_existing_object_change_nothing() {
    let service = Service::start().await;
    let client = service.client().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let collection = "/api/v1/namespaces/default/configmaps";
    let item = format!("{collection}/keep");
    let original = cms
        .create(
            &Default::default(),
            &serde_json::from_slice(&configmap("keep", serde_json::json!({"a": "1"}))).unwrap(),
        )
        .await
        .unwrap();

    let cases: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        // Malformed patches of every type.
        ("PATCH", "application/merge-patch+json", b"{\"data\": ".to_vec(), 400),
        ("PATCH", "application/merge-patch+json", b"null".to_vec(), 400),
        ("PATCH", "application/merge-patch+json", b"\"just a string\"".to_vec(), 400),
        ("PATCH", "application/json-patch+json", b"{\"op\": \"add\"}".to_vec(), 400),
        // kube decodes the operation list first and rejects an unknown op when applying it.
        ("PATCH", "application/json-patch+json", br#"[{"op": "frobnicate", "path": "/data/a"}]"#.to_vec(), 422),
        ("PATCH", "application/json-patch+json", br#"[{"op": "add", "path": "/nope/deeper/a", "value": "x"}]"#.to_vec(), 422),
        // A patch whose first operation applies and whose second fails: all or nothing.
        (
            "PATCH",
            "application/json-patch+json",
            br#"[{"op": "replace", "path": "/data/a", "value": "changed"}, {"op": "test", "path": "/data/a", "value": "1"}]"#.to_vec(),
            422,
        ),
        (
            "PATCH",
            "application/json-patch+json",
            br#"[{"op": "replace", "path": "/data/a", "value": "changed"}, {"op": "remove", "path": "/nope/x"}]"#.to_vec(),
            422,
        ),
        ("PATCH", "application/strategic-merge-patch+json", b"[1, 2".to_vec(), 400),
        ("PATCH", "application/strategic-merge-patch+json", br#"{"metadata": {"$patch": "explode"}}"#.to_vec(), 422),
        ("PATCH", "application/apply-patch+yaml", b"metadata: {name: [".to_vec(), 400),
        ("PATCH", "text/plain", b"{}".to_vec(), 415),
        // A patch that makes the object invalid.
        ("PATCH", "application/merge-patch+json", br#"{"metadata": {"labels": {"bad key!": "x"}}, "data": {"a": "changed"}}"#.to_vec(), 422),
        ("PATCH", "application/merge-patch+json", br#"{"data": {"a": 5}}"#.to_vec(), 400),
        // Updates: malformed, invalid, mismatched name, wrong kind, unknown fields under Strict.
        ("PUT", "application/json", b"{\"metadata\": {".to_vec(), 400),
        ("PUT", "application/json", configmap("other", serde_json::json!({"a": "changed"})), 400),
        ("PUT", "application/json", configmap("keep", serde_json::json!({"bad key!": "changed"})), 422),
        ("PUT", "application/yaml", b"apiVersion: v1\nkind: Secret\nmetadata: {name: keep}\n".to_vec(), 400),
        ("PUT", "application/json", b"[]".to_vec(), 400),
    ];
    for (method, content_type, body, code) in cases {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{item}?fieldManager=bad-input"))
            .header(http::header::CONTENT_TYPE, content_type)
            .body(body)
            .unwrap();
        let status = match client.request::<Value>(request).await {
            Ok(value) => panic!("{method} {content_type} {shown} succeeded: {value}"),
            Err(err) => api_error(err),
        };
        assert_eq!(status.code, code, "{method} {content_type} {shown}: {status:?}");
        assert_eq!(status.status, Some(kube::core::response::StatusSummary::Failure), "{status:?}");
        assert!(!status.message.is_empty(), "{method} {content_type} {shown}: a message says what was wrong");
        let now = cms.get("keep").await.unwrap();
        assert_eq!(
            now.metadata.resource_version, original.metadata.resource_version,
            "{method} {shown} changed the object"
        );
    }

    // Unknown fields: rejected with fieldValidation=Strict (kubectl's default).
    let mut body: Value = serde_json::from_slice(&configmap("keep", serde_json::json!({"a": "changed"}))).unwrap();
    body["bogus"] = serde_json::json!(1);
    body["metadata"]["resourceVersion"] = serde_json::json!(original.metadata.resource_version);
    let status = send(
        &client,
        "PUT",
        &format!("{item}?fieldValidation=Strict"),
        "application/json",
        serde_json::to_vec(&body).unwrap(),
    )
    .await;
    assert_eq!((status.code, status.reason.as_str()), (400, "BadRequest"), "{status:?}");
    assert!(status.message.contains("unknown field \"bogus\""), "{status:?}");
    let status = send(
        &client,
        "PATCH",
        &format!("{item}?fieldValidation=Strict"),
        "application/merge-patch+json",
        br#"{"spec": {"x": 1}, "data": {"a": "changed"}}"#.to_vec(),
    )
    .await;
    assert_eq!(status.code, 400, "{status:?}");
    assert_eq!(cms.get("keep").await.unwrap().data, original.data);

    // An oversized update or patch is refused whole.
    let mut huge = br#"{"data":{"a":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'a', 3 * 1024 * 1024));
    huge.extend(br#""}}"#);
    let status = send(&client, "PATCH", &item, "application/merge-patch+json", huge.clone()).await;
    assert_eq!((status.code, status.reason.as_str()), (413, "RequestEntityTooLarge"), "{status:?}");
    let status = send(&client, "PUT", &item, "application/json", huge).await;
    assert_eq!(status.code, 413, "{status:?}");

    let now = cms.get("keep").await.unwrap();
    assert_eq!(now.metadata.resource_version, original.metadata.resource_version);
    assert_eq!(now.data, original.data);
    still_serving(&client, "after-bad-writes").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bodies_are_refused_and_the_server_keeps_serving() {
    let service = Service::start().await;
    let client = service.client().await;
    let collection = "/api/v1/namespaces/default/configmaps";

    // Nesting deeper than any decoder allows, in JSON and YAML (flow and block).
    let deep_json = format!(
        r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"deep","annotations":{}1{}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let status = send(&client, "POST", collection, "application/json", deep_json.into_bytes()).await;
    assert_eq!(status.code, 400, "{status:?}");
    let deep_flow = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nx: {}1{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let status = send(&client, "POST", collection, "application/yaml", deep_flow.into_bytes()).await;
    assert_eq!(status.code, 400, "{status:?}");
    let mut deep_block = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nx:\n".to_owned();
    for depth in 1..1_000 {
        deep_block.push_str(&" ".repeat(depth));
        deep_block.push_str("- \n");
    }
    let status = send(&client, "POST", collection, "application/yaml", deep_block.into_bytes()).await;
    assert_eq!(status.code, 400, "{status:?}");

    // A YAML alias bomb ("billion laughs") must not be expanded.
    let mut bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\na0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n".to_owned();
    for level in 1..10 {
        let refs = vec![format!("*a{}", level - 1); 9].join(",");
        bomb.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
    }
    let started = std::time::Instant::now();
    let status = send(&client, "POST", collection, "application/yaml", bomb.into_bytes()).await;
    assert_eq!(status.code, 400, "{status:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "the alias bomb took {:?}", started.elapsed());

    // Bytes that are not text; a body that ends early; several YAML documents.
    let status = send(&client, "POST", collection, "application/json", vec![0xff, 0xfe, 0x00, 0x7b]).await;
    assert_eq!(status.code, 400, "{status:?}");
    let status = send(&client, "POST", collection, "application/yaml", vec![b'a', b':', b' ', 0xff, 0xfe]).await;
    assert_eq!(status.code, 400, "{status:?}");
    let status = send(&client, "POST", collection, "application/json", Vec::new()).await;
    assert_eq!(status.code, 400, "{status:?}");
    let two = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\n";
    let status = send(&client, "POST", collection, "application/yaml", two.to_vec()).await;
    assert_eq!(status.code, 400, "{status:?}");

    // Invalid names, in every way kube refuses them.
    for name in ["", "UPPER", "a_b", "-a", "a-", &"a".repeat(254), "a/b", "..", "a b", "ä"] {
        let status =
            send(&client, "POST", collection, "application/json", configmap(name, serde_json::json!({}))).await;
        assert!(status.code == 400 || status.code == 422, "{name:?}: {status:?}");
    }
    // Wrong types where the schema says otherwise, in the words of kube's
    // Go decoder: the innermost struct, the field path and the Go type.
    let body = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"types","labels":"not-a-map"}}"#.to_vec();
    let status = send(&client, "POST", collection, "application/json", body).await;
    assert_eq!(status.code, 400, "{status:?}");
    assert_eq!(
        status.message,
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type map[string]string"
    );
    let body = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"types"},"data":{"a":["x"]}}"#.to_vec();
    let status = send(&client, "POST", collection, "application/json", body).await;
    assert_eq!(status.code, 400, "{status:?}");
    assert_eq!(
        status.message,
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal array into Go struct field ConfigMap.data of type string"
    );
    // Plain text where a Secret holds base64: Go's base64 error, no field named.
    let body =
        br#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"types"},"data":{"a":"not base64!"}}"#.to_vec();
    let status = send(&client, "POST", "/api/v1/namespaces/default/secrets", "application/json", body).await;
    assert_eq!(status.code, 400, "{status:?}");
    assert_eq!(
        status.message,
        "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 3"
    );
    let body = br#"{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"types"},"spec":{"leaseDurationSeconds":"15"}}"#.to_vec();
    let status =
        send(&client, "POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", "application/json", body).await;
    assert_eq!(
        status.message,
        "Lease in version \"v1\" cannot be handled as a Lease: json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32"
    );

    // Bad query parameters.
    for query in [
        "labelSelector=a%20in%20(b",
        "labelSelector=!!a",
        "labelSelector=a%3D%3D%3Db",
        "fieldSelector=metadata.name",
        "fieldSelector=spec.nope%3Dx",
        "limit=abc",
        "resourceVersion=abc&resourceVersionMatch=Exact",
        "timeoutSeconds=x&watch=1",
        "continue=not-a-token&limit=1",
    ] {
        let status = get(&client, &format!("{collection}?{query}")).await.expect_err(query);
        assert!((400..500).contains(&status.code), "{query}: {status:?}");
    }
    let status = send(
        &client,
        "POST",
        &format!("{collection}?dryRun=Maybe"),
        "application/json",
        configmap("d", serde_json::json!({})),
    )
    .await;
    assert_eq!(status.code, 400, "{status:?}");
    let status = send(
        &client,
        "POST",
        &format!("{collection}?fieldValidation=Sometimes"),
        "application/json",
        configmap("d", serde_json::json!({})),
    )
    .await;
    assert_eq!(status.code, 400, "{status:?}");

    // Nothing above was stored, and the server still serves.
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    assert!(cms.list(&ListParams::default()).await.unwrap().items.is_empty());
    still_serving(&client, "after-hostile-bodies").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_resources_refuse_invalid_enums_and_unknown_fields() {
    let service = Service::start().await;
    let client = service.client().await;
    let apps = "/apis/app.rancherdesktop.io/v1alpha1/apps";
    let app = |engine: &str| {
        serde_json::to_vec(&serde_json::json!({
            "apiVersion": "app.rancherdesktop.io/v1alpha1",
            "kind": "App",
            "metadata": {"name": "app"},
            "spec": {"running": false, "containerEngine": {"name": engine}}
        }))
        .unwrap()
    };
    let status = send(&client, "POST", apps, "application/json", app("docker")).await;
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"), "{status:?}");
    assert!(status.message.contains("spec.containerEngine.name"), "{status:?}");
    let mut unknown: Value = serde_json::from_slice(&app("moby")).unwrap();
    unknown["spec"]["bogus"] = serde_json::json!(true);
    let status = send(
        &client,
        "POST",
        &format!("{apps}?fieldValidation=Strict"),
        "application/json",
        serde_json::to_vec(&unknown).unwrap(),
    )
    .await;
    assert_eq!(status.code, 400, "{status:?}");
    assert!(status.message.contains("bogus"), "{status:?}");
    let status = send(&client, "POST", apps, "application/json", br#"{"apiVersion":"app.rancherdesktop.io/v1alpha1","kind":"App","metadata":{"name":"app"},"spec":{"running":"yes"}}"#.to_vec()).await;
    assert_eq!(status.code, 422, "{status:?}");

    // None of them was stored; a good App is, and a patch to a bad enum is refused.
    assert!(get(&client, &format!("{apps}/app")).await.is_err());
    client
        .request_text(
            http::Request::post(apps).header(http::header::CONTENT_TYPE, "application/json").body(app("moby")).unwrap(),
        )
        .await
        .expect("a valid App");
    let before: Value = serde_json::from_str(&get(&client, &format!("{apps}/app")).await.unwrap()).unwrap();
    let status = send(
        &client,
        "PATCH",
        &format!("{apps}/app"),
        "application/merge-patch+json",
        br#"{"spec": {"running": true, "containerEngine": {"provider": "carrier-pigeon"}}}"#.to_vec(),
    )
    .await;
    assert_eq!(status.code, 422, "{status:?}");
    let after: Value = serde_json::from_str(&get(&client, &format!("{apps}/app")).await.unwrap()).unwrap();
    assert_eq!(before, after);
}

/// A JSON patch can put a deep value under a deep path, nesting the result
/// deeper than any body may: it is refused before anything is stored, so
/// the object stays readable and writable (it used to be stored, answered
/// with a 500, and fail every later write with "recursion limit exceeded").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_cannot_nest_an_object_too_deep() {
    let service = Service::start().await;
    let client = service.client().await;
    let crd = serde_json::json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "things", "singular": "thing", "kind": "Thing", "listKind": "ThingList"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    });
    client
        .request_text(
            http::Request::post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(&crd).unwrap())
                .unwrap(),
        )
        .await
        .unwrap();
    let things = "/apis/example.com/v1/namespaces/default/things";
    let nested = (0..60).fold(serde_json::json!(1), |inner, _| serde_json::json!({"a": inner}));
    let thing = serde_json::json!({"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "deep"}, "spec": nested});
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let request = http::Request::post(things)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&thing).unwrap())
            .unwrap();
        match client.request_text(request).await {
            Ok(_) => break,
            // The new resource is served once the CRD is established.
            Err(err) if std::time::Instant::now() < deadline => {
                let _ = err;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(err) => panic!("creating a Thing: {err}"),
        }
    }
    let before = get(&client, &format!("{things}/deep")).await.unwrap();
    let path = format!("/spec{}", "/a".repeat(59));
    let patch = serde_json::to_vec(&serde_json::json!([{"op": "replace", "path": path, "value": nested}])).unwrap();
    let status = send(&client, "PATCH", &format!("{things}/deep"), "application/json-patch+json", patch).await;
    assert_eq!(status.code, 400, "{status:?}");
    assert!(status.message.contains("levels deep"), "{status:?}");
    assert_eq!(get(&client, &format!("{things}/deep")).await.unwrap(), before, "nothing was stored");
    // The object is still writable.
    let status = client
        .request_text(
            http::Request::patch(format!("{things}/deep"))
                .header(http::header::CONTENT_TYPE, "application/merge-patch+json")
                .body(br#"{"metadata": {"labels": {"still": "writable"}}}"#.to_vec())
                .unwrap(),
        )
        .await;
    assert!(status.is_ok(), "{status:?}");
}
