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
