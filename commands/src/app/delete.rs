//! `rdd delete`: delete the App and wait until it is gone. The App's
//! cleanup finalizer makes the app controller stop the engine first, so
//! when this returns the engine is stopped and the mirrors are swept.

use std::time::Duration;

use futures::StreamExt;
use kube::Client;
use kube::api::{Api, DeleteParams};
use kube::runtime::watcher::Event;
use rdd_api::App;
use rdd_api::app::APP_NAME;

use super::progress::Progress;
use super::reconnect::Reconnect;
use super::wait::{renewed_client, watch_app};
use crate::kube_error::{from_kube, is_not_found};
use crate::{CommandError, output};

/// Deletes the App; with `wait`, returns once it no longer exists.
pub async fn delete(
    client: &Client,
    wait: bool,
    timeout: Option<Duration>,
    timeout_text: &str,
    reconnect: Option<&mut Reconnect>,
) -> Result<(), CommandError> {
    let api: Api<App> = Api::all(client.clone());
    match api.delete(APP_NAME, &DeleteParams::default()).await {
        Ok(_) => {}
        Err(err) if is_not_found(&err) => {
            return output::print("App \"app\" does not exist: nothing to delete\n");
        }
        Err(err) => return Err(from_kube(err, "deleting the App")),
    }
    if !wait {
        return output::print("app.app.rancherdesktop.io \"app\" deleted\n");
    }
    let mut progress = Progress::new("the App to be deleted (the engine stops first)");
    let result = wait_until_gone(&api, &mut progress, timeout, timeout_text, reconnect).await;
    progress.finish();
    result?;
    output::print("app.app.rancherdesktop.io \"app\" deleted\n")
}

async fn wait_until_gone(
    api: &Api<App>,
    progress: &mut Progress,
    timeout: Option<Duration>,
    timeout_text: &str,
    mut reconnect: Option<&mut Reconnect>,
) -> Result<(), CommandError> {
    let mut stream = watch_app(api.clone());
    let mut present = true;
    let deadline = super::wait::deadline(timeout);
    tokio::pin!(deadline);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            () = &mut deadline => {
                return Err(CommandError::deadline_exceeded(format!(
                    "timed out after {timeout_text} waiting for the App to be deleted; its engine may still be stopping (see `rdd ctl get app app -o yaml`)"
                )));
            }
            _ = &mut ctrl_c => return Err(CommandError::interrupted()),
            event = stream.next() => match event {
                None => return Err(CommandError::failure("the watch on the App ended unexpectedly")),
                Some(Err(err)) => {
                    tracing::debug!(error = %err, "watch on the App failed; re-establishing it");
                    if let Some(client) = renewed_client(&mut reconnect).await {
                        stream = watch_app(Api::all(client));
                    }
                }
                Some(Ok(Event::Delete(_))) => return Ok(()),
                Some(Ok(Event::Init)) => present = false,
                Some(Ok(Event::InitApply(app) | Event::Apply(app))) => {
                    present = true;
                    progress.observe(app.status.as_ref().map(|s| s.conditions.as_slice()).unwrap_or_default());
                }
                // A relist that no longer contains the App: it is gone.
                Some(Ok(Event::InitDone)) if !present => return Ok(()),
                Some(Ok(Event::InitDone)) => {}
            }
        }
    }
}

/// Whether the App exists (for callers that must not create it).
pub async fn exists(client: &Client) -> Result<bool, CommandError> {
    let api: Api<App> = Api::all(client.clone());
    match api.get_opt(APP_NAME).await {
        Ok(app) => Ok(app.is_some()),
        Err(err) if is_not_found(&err) => Ok(false),
        Err(err) => Err(from_kube(err, "reading the App")),
    }
}
