//! The instance model of SPEC §1: an instance suffix `S` names
//! `rancher-desktop-S`, derives a port index, and fixes every file the
//! instance owns. Path functions are pure: they compute, never create
//! (seed r5 S6); whoever needs a directory creates it at the point of use.

use std::fmt;
use std::path::{Path, PathBuf};

/// Instance suffix used when neither `--instance` nor `RDD_INSTANCE` is set.
pub const DEFAULT_INSTANCE: &str = "2";
/// First port of the per-instance API server range: `6443 + index`.
pub const BASE_PORT: u16 = 6443;
/// Longest accepted suffix. The docker socket lives at `~/.rdS/docker.sock`
/// and a Unix socket path must fit in 108 bytes.
pub const MAX_SUFFIX_LEN: usize = 32;

/// Why an instance suffix or the environment cannot name an instance.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InstanceError {
    #[error(
        "invalid instance name {0:?}: use 1 to {MAX_SUFFIX_LEN} characters from A-Z, a-z, 0-9, '.', '_' and '-', not starting with '.' or '-'"
    )]
    InvalidName(String),
    #[error("HOME is not set: rdd keeps each instance's files under the home directory; set HOME")]
    NoHome,
}

/// A validated instance suffix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    suffix: String,
}

impl Instance {
    pub fn new(suffix: &str) -> Result<Self, InstanceError> {
        let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        let valid = !suffix.is_empty()
            && suffix.len() <= MAX_SUFFIX_LEN
            && suffix.chars().all(valid_char)
            && !suffix.starts_with(['.', '-']);
        if valid {
            Ok(Instance { suffix: suffix.to_owned() })
        } else {
            Err(InstanceError::InvalidName(suffix.to_owned()))
        }
    }

    /// The suffix `S` as given.
    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    /// `rancher-desktop-S`.
    pub fn full_name(&self) -> String {
        format!("rancher-desktop-{}", self.suffix)
    }

    /// A canonical decimal 1..99 is its own index; anything else maps to
    /// `100 + (sum of code points mod 100)`. Canonical means no sign and no
    /// leading zero, so `05` is not `5`: different directories must not
    /// share a port.
    pub fn index(&self) -> u16 {
        if let Ok(n) = self.suffix.parse::<u16>()
            && (1..=99).contains(&n)
            && n.to_string() == self.suffix
        {
            return n;
        }
        let sum: u32 = self.suffix.chars().map(u32::from).sum();
        100 + (sum % 100) as u16
    }

    /// The API server's preferred port, `6443 + index`.
    pub fn preferred_port(&self) -> u16 {
        BASE_PORT + self.index()
    }
}

impl fmt::Display for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.suffix)
    }
}

/// The parts of the process environment that decide where files go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    pub home: PathBuf,
    pub xdg_data_home: Option<PathBuf>,
    pub xdg_state_home: Option<PathBuf>,
    pub rdd_log_dir: Option<PathBuf>,
}

impl Environment {
    /// Reads HOME, XDG_DATA_HOME, XDG_STATE_HOME and RDD_LOG_DIR. Empty and
    /// relative XDG values are ignored, as the XDG base directory
    /// specification requires.
    pub fn from_process() -> Result<Self, InstanceError> {
        let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let home = var("HOME").filter(|h| !h.as_os_str().is_empty()).ok_or(InstanceError::NoHome)?;
        Ok(Environment {
            home,
            xdg_data_home: var("XDG_DATA_HOME"),
            xdg_state_home: var("XDG_STATE_HOME"),
            rdd_log_dir: var("RDD_LOG_DIR").filter(|p| !p.as_os_str().is_empty()),
        })
    }
}

fn absolute(path: &Option<PathBuf>) -> Option<&Path> {
    path.as_deref().filter(|p| p.is_absolute())
}

/// Names of the instance paths, in the order `rdd svc paths` prints them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathKey {
    Dir,
    LogDir,
    Config,
    Db,
    TlsDir,
    PidFile,
    ShortDir,
    DockerSocket,
    EngineDir,
}

impl PathKey {
    pub const ALL: [PathKey; 9] = [
        PathKey::Dir,
        PathKey::LogDir,
        PathKey::Config,
        PathKey::Db,
        PathKey::TlsDir,
        PathKey::PidFile,
        PathKey::ShortDir,
        PathKey::DockerSocket,
        PathKey::EngineDir,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PathKey::Dir => "dir",
            PathKey::LogDir => "log_dir",
            PathKey::Config => "config",
            PathKey::Db => "db",
            PathKey::TlsDir => "tls_dir",
            PathKey::PidFile => "pid_file",
            PathKey::ShortDir => "short_dir",
            PathKey::DockerSocket => "docker_socket",
            PathKey::EngineDir => "engine_dir",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Every file and directory an instance owns (SPEC §1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    pub dir: PathBuf,
    pub log_dir: PathBuf,
    pub config: PathBuf,
    pub db: PathBuf,
    pub tls_dir: PathBuf,
    pub pid_file: PathBuf,
    pub short_dir: PathBuf,
    pub docker_socket: PathBuf,
    pub engine_dir: PathBuf,
}

impl Paths {
    pub fn new(instance: &Instance, env: &Environment) -> Self {
        let name = instance.full_name();
        let (data_base, state_base) = if cfg!(target_os = "macos") {
            let library = env.home.join("Library");
            (library.join("Application Support"), library.join("Logs"))
        } else {
            (
                absolute(&env.xdg_data_home).map_or_else(|| env.home.join(".local/share"), Path::to_path_buf),
                absolute(&env.xdg_state_home).map_or_else(|| env.home.join(".local/state"), Path::to_path_buf),
            )
        };
        let dir = data_base.join(&name);
        let log_dir = env.rdd_log_dir.clone().unwrap_or_else(|| state_base.join(&name));
        let short_dir = env.home.join(format!(".rd{}", instance.suffix()));
        Paths {
            config: dir.join("config.yaml"),
            db: dir.join("db").join("state.db"),
            tls_dir: dir.join("tls"),
            pid_file: dir.join("rdd.pid"),
            engine_dir: dir.join("engine"),
            docker_socket: short_dir.join("docker.sock"),
            short_dir,
            log_dir,
            dir,
        }
    }

    pub fn get(&self, key: PathKey) -> &Path {
        match key {
            PathKey::Dir => &self.dir,
            PathKey::LogDir => &self.log_dir,
            PathKey::Config => &self.config,
            PathKey::Db => &self.db,
            PathKey::TlsDir => &self.tls_dir,
            PathKey::PidFile => &self.pid_file,
            PathKey::ShortDir => &self.short_dir,
            PathKey::DockerSocket => &self.docker_socket,
            PathKey::EngineDir => &self.engine_dir,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(home: &str) -> Environment {
        Environment { home: home.into(), ..Environment::default() }
    }

    #[test]
    fn index_rule_matches_the_spec_examples() {
        for (suffix, index) in [("5", 5), ("bats", 126), ("test", 148), ("100", 145), ("0", 148), ("99", 99), ("2", 2)]
        {
            assert_eq!(Instance::new(suffix).unwrap().index(), index, "suffix {suffix}");
        }
        // A non-canonical number is a name, not a number.
        assert_eq!(Instance::new("05").unwrap().index(), 100 + (48 + 53) % 100);
        assert_eq!(Instance::new("2").unwrap().preferred_port(), 6445);
    }

    #[test]
    fn invalid_names_are_rejected() {
        for bad in ["", "a/b", "..", "-x", ".hidden", "a b", "é", &"x".repeat(33)] {
            assert_eq!(Instance::new(bad), Err(InstanceError::InvalidName(bad.to_owned())), "{bad:?}");
        }
        assert!(Instance::new("my_inst-1.2").is_ok());
    }

    #[cfg(not(target_os = "macos"))]
    #[test]
    fn linux_defaults_follow_xdg() {
        let paths = Paths::new(&Instance::new("2").unwrap(), &env("/home/u"));
        assert_eq!(paths.dir, PathBuf::from("/home/u/.local/share/rancher-desktop-2"));
        assert_eq!(paths.log_dir, PathBuf::from("/home/u/.local/state/rancher-desktop-2"));
        assert_eq!(paths.config, PathBuf::from("/home/u/.local/share/rancher-desktop-2/config.yaml"));
        assert_eq!(paths.db, PathBuf::from("/home/u/.local/share/rancher-desktop-2/db/state.db"));
        assert_eq!(paths.tls_dir, PathBuf::from("/home/u/.local/share/rancher-desktop-2/tls"));
        assert_eq!(paths.pid_file, PathBuf::from("/home/u/.local/share/rancher-desktop-2/rdd.pid"));
        assert_eq!(paths.short_dir, PathBuf::from("/home/u/.rd2"));
        assert_eq!(paths.docker_socket, PathBuf::from("/home/u/.rd2/docker.sock"));
        assert_eq!(paths.engine_dir, PathBuf::from("/home/u/.local/share/rancher-desktop-2/engine"));
    }

    #[cfg(not(target_os = "macos"))]
    #[test]
    fn xdg_and_log_dir_overrides() {
        let mut e = env("/home/u");
        e.xdg_data_home = Some("/data".into());
        e.xdg_state_home = Some("/state".into());
        let paths = Paths::new(&Instance::new("x").unwrap(), &e);
        assert_eq!(paths.dir, PathBuf::from("/data/rancher-desktop-x"));
        assert_eq!(paths.log_dir, PathBuf::from("/state/rancher-desktop-x"));
        e.rdd_log_dir = Some("/logs".into());
        assert_eq!(Paths::new(&Instance::new("x").unwrap(), &e).log_dir, PathBuf::from("/logs"));
        // Relative XDG values are invalid per the specification: ignored.
        e.xdg_data_home = Some("relative".into());
        assert_eq!(
            Paths::new(&Instance::new("x").unwrap(), &e).dir,
            PathBuf::from("/home/u/.local/share/rancher-desktop-x")
        );
    }

    #[test]
    fn two_instances_share_no_path() {
        let e = env("/home/u");
        let a = Paths::new(&Instance::new("a").unwrap(), &e);
        let b = Paths::new(&Instance::new("b").unwrap(), &e);
        for key in PathKey::ALL {
            assert_ne!(a.get(key), b.get(key), "{}", key.as_str());
        }
    }

    #[test]
    fn keys_round_trip() {
        for key in PathKey::ALL {
            assert_eq!(PathKey::parse(key.as_str()), Some(key));
        }
        assert_eq!(PathKey::parse("nope"), None);
    }
}
