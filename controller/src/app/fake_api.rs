//! A fake of the few API server calls the app controller makes on the App
//! (list, watch, get, replace, replace status), over plain HTTP, so that
//! reconciler tests can inject conflicts and play the engine controller.
//! Only what the tests need: one cluster-scoped object, resourceVersion
//! preconditions, generation bumps on spec changes, finalizer-gated
//! deletion, and watches replayed from a resourceVersion.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Notify;

const PREFIX: &str = "/apis/app.rancherdesktop.io/v1alpha1/apps";

#[derive(Default)]
struct State {
    app: Option<Value>,
    rv: u64,
    history: Vec<(u64, &'static str, Value)>,
    /// Status writes to refuse with 409 (after a concurrent change).
    conflicts: u32,
    status_writes: u32,
}

impl State {
    fn commit(&mut self, kind: &'static str, mut app: Value) -> Value {
        self.rv += 1;
        app["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.history.push((self.rv, kind, app.clone()));
        self.app = (kind != "DELETED").then(|| app.clone());
        app
    }
}

#[derive(Clone)]
pub struct FakeApi {
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
    url: String,
}

type Body = BoxBody<Bytes, Infallible>;

impl FakeApi {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let api = FakeApi { state: Arc::default(), changed: Arc::default(), url };
        let server = api.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let api = server.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let api = api.clone();
                        async move { Ok::<_, Infallible>(api.handle(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        api
    }

    pub fn client(&self) -> kube::Client {
        let config = kube::Config::new(self.url.parse().unwrap());
        kube::Client::try_from(config).unwrap()
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let result = f(&mut self.state.lock().unwrap());
        self.changed.notify_waiters();
        result
    }

    /// The App as stored.
    pub fn app(&self) -> Option<Value> {
        self.state.lock().unwrap().app.clone()
    }

    pub fn status_writes(&self) -> u32 {
        self.state.lock().unwrap().status_writes
    }

    pub fn inject_conflicts(&self, n: u32) {
        self.with(|s| s.conflicts = n);
    }

    pub fn create(&self, running: bool) {
        self.with(|s| {
            let app = json!({
                "apiVersion": "app.rancherdesktop.io/v1alpha1",
                "kind": "App",
                "metadata": {"name": "app", "uid": format!("uid-{}", s.rv), "generation": 1,
                             "creationTimestamp": "2026-01-01T00:00:00Z"},
                "spec": {"running": running, "namespace": "rancher-desktop",
                         "containerEngine": {"name": "moby", "provider": "managed"}},
            });
            s.commit("ADDED", app);
        });
    }

    /// A user edit of the spec: bumps the generation.
    pub fn edit_spec(&self, edit: impl FnOnce(&mut Value)) {
        self.with(|s| {
            let mut app = s.app.clone().expect("no App to edit");
            edit(&mut app["spec"]);
            let generation = app["metadata"]["generation"].as_i64().unwrap();
            app["metadata"]["generation"] = json!(generation + 1);
            s.commit("MODIFIED", app);
        });
    }

    /// The engine controller's write of ContainerEngineReady.
    pub fn set_engine_ready(&self, status: &str, reason: &str, generation: i64) {
        self.with(|s| {
            let mut app = s.app.clone().expect("no App");
            let condition = json!({"type": "ContainerEngineReady", "status": status, "reason": reason,
                "message": "", "observedGeneration": generation, "lastTransitionTime": "2026-01-01T00:00:00Z"});
            let conditions = app["status"]["conditions"].as_array().cloned().unwrap_or_default();
            let mut conditions: Vec<Value> =
                conditions.into_iter().filter(|c| c["type"] != "ContainerEngineReady").collect();
            conditions.push(condition);
            app["status"] = json!({"conditions": conditions});
            s.commit("MODIFIED", app);
        });
    }

    /// A user delete: gone at once without finalizers, else terminating.
    pub fn delete(&self) {
        self.with(|s| {
            let mut app = s.app.clone().expect("no App to delete");
            let finalizers = app["metadata"]["finalizers"].as_array().is_some_and(|f| !f.is_empty());
            if finalizers {
                app["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:01Z");
                s.commit("MODIFIED", app);
            } else {
                s.commit("DELETED", app);
            }
        });
    }

    /// Polls until `check` holds on the stored App (or its absence).
    pub async fn wait_for(&self, what: &str, check: impl Fn(Option<&Value>) -> bool) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let app = self.app();
            if check(app.as_ref()) {
                return app;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("timed out waiting for {what}; App is {}", serde_json::to_string_pretty(&app).unwrap());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn handle(&self, req: Request<Incoming>) -> Response<Body> {
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let query = req.uri().query().unwrap_or("").to_owned();
        let param = |name: &str| form_pairs(&query).into_iter().find(|(k, _)| k == name).map(|(_, v)| v);
        let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        match (method, path.strip_prefix(PREFIX).unwrap_or("?")) {
            (Method::GET, "") if param("watch").as_deref() == Some("true") => {
                let from = param("resourceVersion").and_then(|v| v.parse().ok()).unwrap_or(0);
                self.watch(from)
            }
            (Method::GET, "") => self.with(|s| {
                let items: Vec<Value> = s.app.iter().cloned().collect();
                reply(
                    StatusCode::OK,
                    json!({"apiVersion": "app.rancherdesktop.io/v1alpha1", "kind": "AppList",
                    "metadata": {"resourceVersion": s.rv.to_string()}, "items": items}),
                )
            }),
            (Method::GET, "/app") => match self.app() {
                Some(app) => reply(StatusCode::OK, app),
                None => status(StatusCode::NOT_FOUND, "NotFound"),
            },
            (Method::PUT, "/app") => self.replace(&body, false),
            (Method::PUT, "/app/status") => self.replace(&body, true),
            _ => status(StatusCode::NOT_FOUND, "NotFound"),
        }
    }

    fn replace(&self, body: &[u8], status_only: bool) -> Response<Body> {
        let Ok(new) = serde_json::from_slice::<Value>(body) else {
            return status(StatusCode::BAD_REQUEST, "BadRequest");
        };
        self.with(|s| {
            let Some(mut stored) = s.app.clone() else { return status(StatusCode::NOT_FOUND, "NotFound") };
            if status_only {
                s.status_writes += 1;
                if s.conflicts > 0 {
                    s.conflicts -= 1;
                    // Someone else wrote meanwhile.
                    s.commit("MODIFIED", stored);
                    return status(StatusCode::CONFLICT, "Conflict");
                }
            }
            if new["metadata"]["resourceVersion"] != stored["metadata"]["resourceVersion"] {
                return status(StatusCode::CONFLICT, "Conflict");
            }
            if status_only {
                stored["status"] = new["status"].clone();
            } else {
                if new["spec"] != stored["spec"] {
                    let generation = stored["metadata"]["generation"].as_i64().unwrap();
                    stored["metadata"]["generation"] = json!(generation + 1);
                    stored["spec"] = new["spec"].clone();
                }
                stored["metadata"]["finalizers"] = new["metadata"]["finalizers"].clone();
                let released = stored["metadata"]["finalizers"].as_array().is_none_or(|f| f.is_empty());
                if stored["metadata"].get("deletionTimestamp").is_some() && released {
                    return reply(StatusCode::OK, s.commit("DELETED", stored));
                }
            }
            reply(StatusCode::OK, s.commit("MODIFIED", stored))
        })
    }

    /// Events after `from`, then live ones, as JSON lines.
    fn watch(&self, from: u64) -> Response<Body> {
        let api = self.clone();
        let stream = futures::stream::unfold(from, move |mut last| {
            let api = api.clone();
            async move {
                loop {
                    let notified = api.changed.notified();
                    let events: Vec<(u64, Value)> = {
                        let s = api.state.lock().unwrap();
                        s.history
                            .iter()
                            .filter(|(rv, _, _)| *rv > last)
                            .map(|(rv, kind, object)| (*rv, json!({"type": kind, "object": object})))
                            .collect()
                    };
                    if let Some((newest, _)) = events.last() {
                        last = *newest;
                        let mut text = String::new();
                        for (_, event) in events {
                            text.push_str(&event.to_string());
                            text.push('\n');
                        }
                        return Some((Ok::<_, Infallible>(Frame::data(Bytes::from(text))), last));
                    }
                    notified.await;
                }
            }
        });
        Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/json")
            .body(BodyExt::boxed(StreamBody::new(stream)))
            .unwrap()
    }
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn reply(code: StatusCode, body: Value) -> Response<Body> {
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())).boxed())
        .unwrap()
}

fn status(code: StatusCode, reason: &str) -> Response<Body> {
    let body = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
        "message": format!("apps.app.rancherdesktop.io \"app\": {reason}"), "reason": reason, "code": code.as_u16()});
    reply(code, body)
}
