//! A small in-memory Kubernetes API server for the engine controller's
//! tests while the real embedded one is being built: the verbs and
//! semantics the controller relies on (create with AlreadyExists, get,
//! list with label/field selectors, watch from a resourceVersion, replace
//! with optimistic concurrency, `/status` replace, delete with finalizers
//! and deletionTimestamp, generation bumps on spec changes) and injectable
//! conflicts. Not a general API server: paths it does not know are 404.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::broadcast;

type Body = UnsyncBoxBody<Bytes, Infallible>;

#[derive(Clone, Debug)]
pub struct Change {
    pub revision: u64,
    pub collection: String,
    pub kind: &'static str,
    pub object: Value,
}

#[derive(Default)]
pub struct State {
    /// collection → name → object.
    pub objects: BTreeMap<String, BTreeMap<String, Value>>,
    pub revision: u64,
    pub log: Vec<Change>,
    /// Object names whose next PUTs answer 409.
    pub conflicts: HashMap<String, u32>,
    pub uid: u64,
    /// Requests answered so far (a controller at rest makes few).
    pub requests: u64,
}

#[derive(Clone)]
pub struct FakeApiServer {
    pub state: Arc<Mutex<State>>,
    events: broadcast::Sender<Change>,
    pub url: String,
}

fn status(code: u16, reason: &str, message: &str) -> Response<Body> {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code});
    respond(code, &body)
}

fn respond(code: u16, body: &Value) -> Response<Body> {
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())).boxed_unsync())
        .expect("valid response")
}

/// (collection, name, subresource) of a request path.
fn route(path: &str) -> Option<(String, Option<String>, Option<String>)> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (prefix, rest) = match segs.as_slice() {
        ["api", "v1", rest @ ..] => ("api/v1".to_owned(), rest),
        ["apis", g, v, rest @ ..] => (format!("apis/{g}/{v}"), rest),
        _ => return None,
    };
    let (collection, rest) = match rest {
        ["namespaces", ns, res, rest @ ..] => (format!("{prefix}/namespaces/{ns}/{res}"), rest),
        [res, rest @ ..] => (format!("{prefix}/{res}"), rest),
        [] => return None,
    };
    match rest {
        [] => Some((collection, None, None)),
        [name] => Some((collection, Some((*name).to_owned()), None)),
        [name, sub] => Some((collection, Some((*name).to_owned()), Some((*sub).to_owned()))),
        _ => None,
    }
}

fn selected(object: &Value, query: &HashMap<String, String>) -> bool {
    if let Some(labels) = query.get("labelSelector").filter(|s| !s.is_empty()) {
        for term in labels.split(',') {
            let (k, v) = term.split_once('=').unwrap_or((term, ""));
            if object["metadata"]["labels"][k].as_str() != Some(v) {
                return false;
            }
        }
    }
    if let Some(fields) = query.get("fieldSelector").filter(|s| !s.is_empty()) {
        for term in fields.split(',') {
            if let Some(name) = term.strip_prefix("metadata.name=")
                && object["metadata"]["name"].as_str() != Some(name)
            {
                return false;
            }
        }
    }
    true
}

impl FakeApiServer {
    pub async fn start() -> FakeApiServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let (events, _) = broadcast::channel(4096);
        let server = FakeApiServer { state: Arc::default(), events, url };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let s = s.clone();
                        async move { Ok::<_, Infallible>(s.handle(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        server
    }

    pub fn client(&self) -> kube::Client {
        let config = kube::Config::new(self.url.parse().expect("url"));
        kube::Client::try_from(config).expect("client")
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, collection: &str, name: &str) -> Option<Value> {
        self.lock().objects.get(collection).and_then(|c| c.get(name)).cloned()
    }

    pub fn names(&self, collection: &str) -> Vec<String> {
        self.lock().objects.get(collection).map(|c| c.keys().cloned().collect()).unwrap_or_default()
    }

    /// Stores `object` as a client write would, outside HTTP.
    pub fn put(&self, collection: &str, object: Value) {
        let mut state = self.lock();
        let name = object["metadata"]["name"].as_str().expect("named").to_owned();
        self.commit(&mut state, collection, &name, Some(object));
    }

    fn commit(&self, state: &mut State, collection: &str, name: &str, object: Option<Value>) -> Option<Value> {
        state.revision += 1;
        let revision = state.revision;
        let objects = state.objects.entry(collection.to_owned()).or_default();
        let (kind, stored) = match object {
            Some(mut o) => {
                o["metadata"]["resourceVersion"] = json!(revision.to_string());
                let kind = if objects.contains_key(name) { "MODIFIED" } else { "ADDED" };
                objects.insert(name.to_owned(), o.clone());
                (kind, o)
            }
            None => {
                let mut o = objects.remove(name)?;
                o["metadata"]["resourceVersion"] = json!(revision.to_string());
                ("DELETED", o)
            }
        };
        let change = Change { revision, collection: collection.to_owned(), kind, object: stored.clone() };
        state.log.push(change.clone());
        let _ = self.events.send(change);
        Some(stored)
    }

    async fn handle(&self, req: Request<Incoming>) -> Response<Body> {
        self.lock().requests += 1;
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let query: HashMap<String, String> =
            form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()).into_owned().collect();
        let Some((collection, name, sub)) = route(&path) else { return status(404, "NotFound", "unknown path") };
        let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let input: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        match (method, name, sub) {
            (Method::GET, None, None) if query.get("watch").is_some_and(|w| w == "true" || w == "1") => {
                self.watch(collection, query)
            }
            (Method::GET, None, None) => {
                let state = self.lock();
                let items: Vec<Value> = state
                    .objects
                    .get(&collection)
                    .map(|c| c.values().filter(|o| selected(o, &query)).cloned().collect())
                    .unwrap_or_default();
                respond(
                    200,
                    &json!({"kind": "List", "apiVersion": "v1",
                    "metadata": {"resourceVersion": state.revision.to_string()}, "items": items}),
                )
            }
            (Method::GET, Some(name), _) => match self.get(&collection, &name) {
                Some(o) => respond(200, &o),
                None => status(404, "NotFound", &format!("{name} not found")),
            },
            (Method::POST, None, None) => self.create(&collection, input),
            (Method::PUT, Some(name), sub) => self.replace(&collection, &name, input, sub.as_deref() == Some("status")),
            (Method::DELETE, Some(name), None) => self.delete(&collection, &name),
            _ => status(405, "MethodNotAllowed", "not supported by the fake"),
        }
    }

    fn create(&self, collection: &str, mut object: Value) -> Response<Body> {
        let mut state = self.lock();
        let name = match object["metadata"]["name"].as_str() {
            Some(n) => n.to_owned(),
            None => {
                let prefix = object["metadata"]["generateName"].as_str().unwrap_or("x-").to_owned();
                format!("{prefix}{}", state.revision + 1)
            }
        };
        if state.objects.get(collection).is_some_and(|c| c.contains_key(&name)) {
            return status(409, "AlreadyExists", &format!("{name} already exists"));
        }
        state.uid += 1;
        object["metadata"]["name"] = json!(name);
        object["metadata"]["uid"] = json!(format!("uid-{}", state.uid));
        object["metadata"]["generation"] = json!(1);
        object["metadata"]["creationTimestamp"] = json!("2024-01-01T00:00:00Z");
        // The status subresource: a create never writes status.
        if collection.starts_with("apis/")
            && let Some(map) = object.as_object_mut()
        {
            map.remove("status");
        }
        let stored = self.commit(&mut state, collection, &name, Some(object)).expect("stored");
        respond(201, &stored)
    }

    fn replace(&self, collection: &str, name: &str, input: Value, status_only: bool) -> Response<Body> {
        let mut state = self.lock();
        if let Some(n) = state.conflicts.get_mut(name)
            && *n > 0
        {
            *n -= 1;
            return status(409, "Conflict", "injected conflict");
        }
        let Some(current) = state.objects.get(collection).and_then(|c| c.get(name)).cloned() else {
            return status(404, "NotFound", &format!("{name} not found"));
        };
        let expected = input["metadata"]["resourceVersion"].as_str().unwrap_or("");
        if !expected.is_empty() && Some(expected) != current["metadata"]["resourceVersion"].as_str() {
            return status(
                409,
                "Conflict",
                "the object has been modified; please apply your changes to the latest version",
            );
        }
        let mut next = current.clone();
        if status_only {
            next["status"] = input["status"].clone();
        } else {
            for field in ["labels", "finalizers", "annotations"] {
                next["metadata"][field] = input["metadata"][field].clone();
            }
            if input.get("spec").is_some() && input["spec"] != current["spec"] {
                next["spec"] = input["spec"].clone();
                let generation = current["metadata"]["generation"].as_i64().unwrap_or(1);
                next["metadata"]["generation"] = json!(generation + 1);
            }
        }
        let terminating = next["metadata"]["deletionTimestamp"].is_string();
        let unfinalized = next["metadata"]["finalizers"].as_array().is_none_or(|f| f.is_empty());
        if terminating && unfinalized {
            let gone = self.commit(&mut state, collection, name, None).expect("exists");
            return respond(200, &gone);
        }
        let stored = self.commit(&mut state, collection, name, Some(next)).expect("stored");
        respond(200, &stored)
    }

    fn delete(&self, collection: &str, name: &str) -> Response<Body> {
        let mut state = self.lock();
        let Some(mut current) = state.objects.get(collection).and_then(|c| c.get(name)).cloned() else {
            return status(404, "NotFound", &format!("{name} not found"));
        };
        let finalized = current["metadata"]["finalizers"].as_array().is_some_and(|f| !f.is_empty());
        if finalized {
            if !current["metadata"]["deletionTimestamp"].is_string() {
                current["metadata"]["deletionTimestamp"] = json!("2024-01-01T00:00:01Z");
                let stored = self.commit(&mut state, collection, name, Some(current)).expect("stored");
                return respond(200, &stored);
            }
            return respond(200, &current);
        }
        let gone = self.commit(&mut state, collection, name, None).expect("exists");
        respond(200, &gone)
    }

    fn watch(&self, collection: String, query: HashMap<String, String>) -> Response<Body> {
        let live = self.events.subscribe();
        let since: u64 = query.get("resourceVersion").and_then(|r| r.parse().ok()).unwrap_or(0);
        let backlog: Vec<Change> = self.lock().log.iter().filter(|c| c.revision > since).cloned().collect();
        let last = backlog.last().map_or(since, |c| c.revision);
        let live = tokio_stream_broadcast(live).filter(move |c| {
            let fresh = c.revision > last;
            async move { fresh }
        });
        let q = query.clone();
        let col = collection.clone();
        let stream = futures::stream::iter(backlog)
            .chain(live)
            .filter(move |c| {
                let keep = c.collection == col && selected(&c.object, &q);
                async move { keep }
            })
            .map(|c| {
                let line = json!({"type": c.kind, "object": c.object}).to_string() + "\n";
                Ok::<_, Infallible>(Frame::data(Bytes::from(line)))
            });
        Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(BodyExt::boxed_unsync(StreamBody::new(stream)))
            .expect("valid response")
    }
}

fn tokio_stream_broadcast(rx: broadcast::Receiver<Change>) -> futures::stream::BoxStream<'static, Change> {
    futures::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(c) => return Some((c, rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
    .boxed()
}
