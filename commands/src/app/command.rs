//! The App commands as a user runs them (SPEC §7): each makes sure the
//! instance's service runs (SPEC §3.1), does its work through
//! [`super::set`], [`super::delete`] or [`super::run`], and prints what
//! happened on stdout. `rdd set --help`'s property table is here too.

use std::ffi::OsString;
use std::time::Duration;

use kube::Client;
use kube::api::Api;
use rdd_api::App;
use rdd_api::app::APP_NAME;
use rdd_api::instance::{Environment, Instance, Paths};
use rdd_controller::app::{EngineSettings, engine_address};

use super::reconnect::Reconnect;
use super::set::{SetOutcome, SetRequest, set};
use super::{delete, property, run};
use crate::kube_error::from_kube;
use crate::svc::{Context, Service, State, client_config};
use crate::{CommandError, output};

/// `--wait` and `--timeout` of an App command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitOptions {
    pub wait: bool,
    /// Zero waits forever.
    pub timeout: Duration,
}

impl WaitOptions {
    fn timeout(self) -> Option<Duration> {
        Some(self.timeout).filter(|t| !t.is_zero())
    }
}

/// A timeout as a user writes it (`5m`, `1s`, `1m30s`, `250ms`), for messages.
pub fn timeout_text(timeout: Duration) -> String {
    if timeout.subsec_millis() != 0 || timeout.as_secs() == 0 {
        return format!("{}ms", timeout.as_millis());
    }
    let secs = timeout.as_secs();
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut text = String::new();
    for (value, unit) in [(h, "h"), (m, "m"), (s, "s")] {
        if value != 0 {
            text.push_str(&format!("{value}{unit}"));
        }
    }
    text
}

/// The instance's files, as every App command needs them.
pub struct Target<'a> {
    pub instance: &'a Instance,
    pub env: &'a Environment,
}

impl Target<'_> {
    fn paths(&self) -> Paths {
        Paths::new(self.instance, self.env)
    }

    /// Starts the service when needed; a client with full access.
    async fn client(&self) -> Result<Client, CommandError> {
        crate::svc::ready_client(self.instance, self.env).await.map(|(client, _)| client)
    }
}

impl Target<'_> {
    fn request(
        &self,
        assignments: Vec<String>,
        dry_run: bool,
        wait: WaitOptions,
        create_if_missing: bool,
    ) -> SetRequest {
        SetRequest {
            assignments,
            dry_run,
            wait: wait.wait,
            timeout: wait.timeout(),
            timeout_text: timeout_text(wait.timeout),
            create_if_missing,
            paths: Some(self.paths()),
        }
    }
}

/// `rdd set [--dry-run] [--wait=BOOL] [--timeout D] PROP=VALUE...`.
pub async fn set_command(
    target: &Target<'_>,
    assignments: Vec<String>,
    dry_run: bool,
    wait: WaitOptions,
) -> Result<(), CommandError> {
    let client = target.client().await?;
    let outcome = set(&client, &target.request(assignments, dry_run, wait, true)).await?;
    output::print(&outcome.line(dry_run))
}

/// `rdd start`: `set running=true`, then `export DOCKER_HOST=...` for `eval`.
pub async fn start(target: &Target<'_>, wait: WaitOptions) -> Result<(), CommandError> {
    let client = target.client().await?;
    set(&client, &target.request(vec!["running=true".into()], false, wait, true)).await?;
    let app = read_app(&client).await?;
    let paths = target.paths();
    match run::docker_host(&paths, &app) {
        Ok(host) => output::print(&format!("export DOCKER_HOST={}\n", shell_quote(&host))),
        Err(_) => output::print(&format!(
            "# the engine is containerd at {}: it has no Docker API, so no DOCKER_HOST\n",
            engine_address(&paths, &EngineSettings::from_spec(&app.spec.container_engine))
        )),
    }
}

/// `rdd stop`: `set running=false`, except that a missing App stays missing.
pub async fn stop(target: &Target<'_>, wait: WaitOptions) -> Result<(), CommandError> {
    let client = target.client().await?;
    match set(&client, &target.request(vec!["running=false".into()], false, wait, false)).await? {
        SetOutcome::NoApp => output::print("no App: the engine is not running\n"),
        _ if wait.wait => output::print("engine stopped\n"),
        _ => output::print("engine stopping\n"),
    }
}

/// `rdd delete [--wait=BOOL] [--timeout D]`.
pub async fn delete(target: &Target<'_>, wait: WaitOptions) -> Result<(), CommandError> {
    let client = target.client().await?;
    let mut reconnect = Reconnect::new(target.paths()).await;
    delete::delete(&client, wait.wait, wait.timeout(), &timeout_text(wait.timeout), Some(&mut reconnect)).await
}

/// `rdd run [--timeout D] CMD...`: returns only when CMD could not be run
/// (or the engine could not be started); otherwise CMD replaced rdd.
pub async fn run(target: &Target<'_>, program: &[OsString], timeout: Duration) -> Result<(), CommandError> {
    let client = target.client().await?;
    let wait = WaitOptions { wait: true, timeout };
    set(&client, &target.request(vec!["running=true".into()], false, wait, true)).await?;
    let app = read_app(&client).await?;
    let paths = target.paths();
    let host = run::docker_host(&paths, &app)?;
    Err(run::exec(program, &host, &paths.config))
}

async fn read_app(client: &Client) -> Result<App, CommandError> {
    let api: Api<App> = Api::all(client.clone());
    api.get(APP_NAME).await.map_err(|err| from_kube(err, "reading the App"))
}

/// Quotes a value for a POSIX shell when it needs it.
fn shell_quote(value: &str) -> String {
    if value.chars().all(|c| c.is_ascii_alphanumeric() || "/:._-+=@%,".contains(c)) {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// How long `rdd set --help` waits for a running service's CRD before
/// falling back to the built-in one: help must never hang.
const HELP_FETCH_TIMEOUT: Duration = Duration::from_secs(2);

/// The text `rdd set --help` appends: the settable properties from the
/// App CRD of the running service; when the service is not running (or does
/// not answer in time), from the CRD built into this rdd, saying so. Help
/// never starts the service: that could start an engine as a side effect.
pub async fn set_help(target: &Target<'_>) -> String {
    let live = match tokio::time::timeout(HELP_FETCH_TIMEOUT, live_schema(target)).await {
        Ok(result) => result,
        Err(_) => Err(format!("the service did not answer within {}", timeout_text(HELP_FETCH_TIMEOUT))),
    };
    let (schema, source) = match live {
        Ok(schema) => (schema, "from the App CRD of the running service".to_owned()),
        Err(why) => (
            builtin_schema(),
            format!("from the App CRD built into this rdd, since {why}; the service's CRD may add more"),
        ),
    };
    format!("Settable properties ({source}):\n\n{}", property::help_table(&schema))
}

async fn live_schema(target: &Target<'_>) -> Result<serde_json::Value, String> {
    let service = Service::new(target.instance.clone(), target.env.clone()).map_err(|err| err.message)?;
    if service.state().map_err(|err| err.message)? == State::Stopped {
        return Err(format!("the service of instance {} is not running", target.instance));
    }
    let config = client_config(service.paths(), Context::User).await.map_err(|err| err.message)?;
    let client = Client::try_from(config).map_err(|err| err.to_string())?;
    super::set::app_spec_schema(&client).await.map_err(|err| err.message)
}

/// The App's `spec` schema as this rdd's own CRD declares it.
pub fn builtin_schema() -> serde_json::Value {
    rdd_api::crds::all()
        .into_iter()
        .find(|crd| crd.metadata.name.as_deref() == Some(super::set::APP_CRD))
        .and_then(|crd| crd.spec.versions.into_iter().find(|v| v.storage))
        .and_then(|version| version.schema)
        .and_then(|schema| schema.open_api_v3_schema)
        .and_then(|schema| serde_json::to_value(schema).ok())
        .and_then(|schema| schema.pointer("/properties/spec").cloned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_read_as_typed() {
        assert_eq!(timeout_text(Duration::from_secs(300)), "5m");
        assert_eq!(timeout_text(Duration::from_secs(1)), "1s");
        assert_eq!(timeout_text(Duration::from_secs(90)), "1m30s");
        assert_eq!(timeout_text(Duration::from_secs(3600)), "1h");
        assert_eq!(timeout_text(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn builtin_schema_lists_the_app_properties() {
        let table = property::help_table(&builtin_schema());
        assert!(table.contains("containerEngine.name"), "{table}");
        assert!(table.contains("running"), "{table}");
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("unix:///home/u/.rd2/docker.sock"), "unix:///home/u/.rd2/docker.sock");
        assert_eq!(shell_quote("unix:///a b/it's"), r"'unix:///a b/it'\''s'");
    }
}
