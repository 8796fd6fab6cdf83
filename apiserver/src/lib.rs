//! The embedded control plane of `rdd svc serve` (SPEC §3): a
//! Kubernetes-compatible API server for one desktop, backed by SQLite.
//!
//! Layers, each in its own module: `server` (listener, TLS, tokens,
//! kubeconfig, authentication, health), `storage` (SQLite revision log,
//! in-memory state, watch hub), and the pure libraries the request
//! pipeline uses: `schema` (structural-schema validation, defaulting and
//! pruning), `patch` (merge, JSON and strategic merge patch) and
//! `selector` (label and field selectors).

pub mod apply;
pub mod cel;
pub mod discovery;
pub mod error;
pub mod events;
pub mod gc;
pub mod handler;
pub mod openapi;
pub mod patch;
pub mod protobuf;
pub mod registry;
pub mod request;
pub mod schema;
pub mod selector;
pub mod server;
pub mod storage;
pub mod table;
pub mod validation;
