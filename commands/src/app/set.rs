//! `rdd set`, `rdd start`, `rdd stop` (SPEC §7): write the App's spec from
//! `PROP=VALUE` arguments — creating the App when it is missing, merging
//! otherwise — and wait until the controllers report it Settled at the
//! generation written, or say exactly why not.

use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::ApiResource;
use kube::{Client, Resource};
use rdd_api::App;
use rdd_api::app::APP_NAME;
use rdd_api::instance::Paths;
use serde_json::{Value, json};

use super::progress::Progress;
use super::reconnect::Reconnect;
use super::{property, wait};
use crate::CommandError;
use crate::kube_error::{from_kube, is_already_exists, is_not_found};

/// Name of the App CRD, whose schema defines the settable properties.
pub const APP_CRD: &str = "apps.app.rancherdesktop.io";

/// How `rdd set` (or start/stop) was asked to behave.
#[derive(Clone, Debug)]
pub struct SetRequest {
    pub assignments: Vec<String>,
    pub dry_run: bool,
    pub wait: bool,
    /// None waits forever (`--timeout 0`).
    pub timeout: Option<Duration>,
    /// The user's spelling of the timeout, for messages.
    pub timeout_text: String,
    /// `rdd stop` leaves a missing App missing.
    pub create_if_missing: bool,
    /// The instance whose kubeconfig to follow when the service restarts
    /// during the wait (None: against another cluster, nothing to follow).
    pub paths: Option<Paths>,
}

/// The `spec` schema of the App as the server defines it now.
pub async fn app_spec_schema(client: &Client) -> Result<Value, CommandError> {
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd = crds.get(APP_CRD).await.map_err(|err| {
        if is_not_found(&err) {
            CommandError::failure(format!(
                "the App CRD {APP_CRD} is not installed on this cluster: install it with `rdd crds | kubectl apply -f -`"
            ))
        } else {
            from_kube(err, "reading the App CRD")
        }
    })?;
    let version = crd
        .spec
        .versions
        .iter()
        .find(|v| v.storage)
        .or_else(|| crd.spec.versions.first())
        .ok_or_else(|| CommandError::failure(format!("the CRD {APP_CRD} declares no version")))?;
    let schema = version
        .schema
        .as_ref()
        .and_then(|s| s.open_api_v3_schema.as_ref())
        .ok_or_else(|| CommandError::failure(format!("the CRD {APP_CRD} has no schema")))?;
    let schema =
        serde_json::to_value(schema).map_err(|err| CommandError::failure(format!("reading the App schema: {err}")))?;
    Ok(schema.pointer("/properties/spec").cloned().unwrap_or_else(|| json!({})))
}

fn dynamic_api(client: &Client) -> Api<DynamicObject> {
    Api::all_with(client.clone(), &ApiResource::erase::<App>(&()))
}

fn generation_of(object: &DynamicObject) -> i64 {
    object.metadata.generation.unwrap_or(0)
}

/// What a set did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOutcome {
    /// There was no App; this created it.
    Created,
    /// The App's spec changed (a new generation).
    Configured,
    /// The patch changed nothing (same generation).
    Unchanged,
    /// There was no App and none was created (`rdd stop`).
    NoApp,
}

impl SetOutcome {
    /// kubectl's line for a write, e.g. `app.app.rancherdesktop.io/app configured`.
    pub fn line(self, dry_run: bool) -> String {
        let verb = match self {
            SetOutcome::Created => "created",
            SetOutcome::Configured => "configured",
            SetOutcome::Unchanged => "unchanged",
            SetOutcome::NoApp => {
                return format!("{} \"{APP_NAME}\" does not exist: nothing to do\n", app_resource_name());
            }
        };
        let dry = if dry_run { " (server dry run)" } else { "" };
        format!("{}/{APP_NAME} {verb}{dry}\n", app_resource_name())
    }
}

/// Runs `rdd set` against a client: validates the arguments against the
/// server's schema, writes, and (unless told not to) waits for Settled.
pub async fn set(client: &Client, request: &SetRequest) -> Result<SetOutcome, CommandError> {
    let schema = app_spec_schema(client).await?;
    let spec = property::parse_assignments(&request.assignments, &schema)
        .map_err(|err| CommandError::usage(err.to_string()))?;
    let api = dynamic_api(client);
    let post = PostParams { dry_run: request.dry_run, ..PostParams::default() };
    let patch_params = PatchParams { dry_run: request.dry_run, ..PatchParams::default() };
    let patch = Patch::Merge(json!({ "spec": spec }));

    let existing = api.get_opt(APP_NAME).await.map_err(|err| from_kube(err, "reading the App"))?;
    let (outcome, written) = match existing {
        Some(existing) => {
            let written =
                api.patch(APP_NAME, &patch_params, &patch).await.map_err(|err| from_kube(err, "updating the App"))?;
            let outcome = if generation_of(&written) == generation_of(&existing) {
                SetOutcome::Unchanged
            } else {
                SetOutcome::Configured
            };
            (outcome, written)
        }
        None if !request.create_if_missing => return Ok(SetOutcome::NoApp),
        None => {
            let mut full_spec = spec.clone();
            property::fill_required(&mut full_spec, &schema);
            let mut app = DynamicObject::new(APP_NAME, &ApiResource::erase::<App>(&()));
            app.data = json!({ "spec": full_spec });
            match api.create(&post, &app).await {
                Ok(created) => (SetOutcome::Created, created),
                // Another `rdd set` created it first: merge into theirs.
                Err(err) if is_already_exists(&err) => {
                    let written = api
                        .patch(APP_NAME, &patch_params, &patch)
                        .await
                        .map_err(|err| from_kube(err, "updating the App"))?;
                    (SetOutcome::Configured, written)
                }
                Err(err) => return Err(from_kube(err, "creating the App")),
            }
        }
    };
    if request.dry_run || !request.wait {
        return Ok(outcome);
    }
    let mut progress = Progress::new("the App to settle");
    let typed: Api<App> = Api::all(client.clone());
    let mut reconnect = match &request.paths {
        Some(paths) => Some(Reconnect::new(paths.clone()).await),
        None => None,
    };
    let result = wait::wait_for_settled(
        typed,
        generation_of(&written),
        request.timeout,
        &request.timeout_text,
        &mut progress,
        reconnect.as_mut(),
    )
    .await;
    progress.finish();
    result.map(|()| outcome)
}

/// `apps.app.rancherdesktop.io`, as kubectl names the resource.
fn app_resource_name() -> String {
    format!("{}.{}", App::plural(&()), App::group(&()))
}
