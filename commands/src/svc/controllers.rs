//! `rdd svc serve --controllers SPEC` (SPEC §3.1): which in-process
//! controllers to run. SPEC is a comma list of `*`, controller names and
//! `-name` exclusions, read like kube-controller-manager's `--controllers`:
//! for each controller the first entry that names it (`name` or `-name`)
//! decides, otherwise it runs when the list holds `*`. An empty SPEC runs
//! the API server alone.

use std::fmt;

/// A controller `rdd svc serve` can run in-process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Controller {
    /// Engine lifecycle: the App's `spec.running` (SPEC §5).
    App,
    /// The Docker ↔ Kubernetes mirror (SPEC §6).
    Engine,
}

impl Controller {
    pub const ALL: [Controller; 2] = [Controller::App, Controller::Engine];

    pub fn as_str(self) -> &'static str {
        match self {
            Controller::App => "app",
            Controller::Engine => "engine",
        }
    }

    pub fn parse(name: &str) -> Option<Controller> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Controller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The controllers to run, in [`Controller::ALL`] order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControllerSet {
    enabled: Vec<Controller>,
}

impl Default for ControllerSet {
    /// `*`: every controller.
    fn default() -> Self {
        ControllerSet { enabled: Controller::ALL.to_vec() }
    }
}

impl ControllerSet {
    /// Parses a SPEC; the error names the valid entries (clap shows it and
    /// exits 2).
    pub fn parse(spec: &str) -> Result<ControllerSet, String> {
        let entries: Vec<&str> = spec.split(',').map(str::trim).filter(|e| !e.is_empty()).collect();
        for entry in &entries {
            let name = entry.strip_prefix('-').unwrap_or(entry);
            if *entry != "*" && Controller::parse(name).is_none() {
                let valid = Controller::ALL.map(Controller::as_str).join(", ");
                return Err(format!(
                    "unknown controller {name:?}: valid controllers are {valid}; use * for all and -NAME to exclude one"
                ));
            }
        }
        // A list of exclusions only (`-engine`) means "all but these", as
        // `*,-engine` does: nobody writes a list that can only select nothing.
        let star = entries.contains(&"*") || (!entries.is_empty() && entries.iter().all(|e| e.starts_with('-')));
        let enabled = Controller::ALL
            .into_iter()
            .filter(|controller| {
                let name = controller.as_str();
                entries
                    .iter()
                    .find_map(|entry| match entry.strip_prefix('-') {
                        Some(excluded) if excluded == name => Some(false),
                        None if *entry == name => Some(true),
                        _ => None,
                    })
                    .unwrap_or(star)
            })
            .collect();
        Ok(ControllerSet { enabled })
    }

    pub fn contains(&self, controller: Controller) -> bool {
        self.enabled.contains(&controller)
    }

    pub fn iter(&self) -> impl Iterator<Item = Controller> + '_ {
        self.enabled.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.enabled.is_empty()
    }
}

impl fmt::Display for ControllerSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.enabled.iter().map(|c| c.as_str()).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(spec: &str) -> String {
        ControllerSet::parse(spec).unwrap().to_string()
    }

    #[test]
    fn specs_select_controllers_like_kube_controller_manager() {
        assert_eq!(names("*"), "app,engine");
        assert_eq!(ControllerSet::default().to_string(), "app,engine");
        assert_eq!(names("*,-engine"), "app");
        assert_eq!(names("-engine,*"), "app");
        assert_eq!(names("engine"), "engine");
        assert_eq!(names("app, engine"), "app,engine");
        assert_eq!(names(""), "");
        assert!(ControllerSet::parse("").unwrap().is_empty());
        assert_eq!(names("-app"), "engine");
        // The first entry naming a controller decides.
        assert_eq!(names("app,-app"), "app");
        assert_eq!(names("-app,app,*"), "engine");
    }

    #[test]
    fn unknown_names_are_refused_with_the_valid_ones() {
        let err = ControllerSet::parse("*,-dns").unwrap_err();
        assert_eq!(
            err,
            "unknown controller \"dns\": valid controllers are app, engine; use * for all and -NAME to exclude one"
        );
        assert!(ControllerSet::parse("app,bogus").is_err());
        assert!(ControllerSet::parse("**").is_err());
    }

    #[test]
    fn membership() {
        let set = ControllerSet::parse("*,-app").unwrap();
        assert!(!set.contains(Controller::App));
        assert!(set.contains(Controller::Engine));
        assert_eq!(set.iter().collect::<Vec<_>>(), [Controller::Engine]);
    }

    #[test]
    fn exclusions_alone_start_from_all() {
        assert_eq!(ControllerSet::parse("-engine").unwrap().iter().collect::<Vec<_>>(), [Controller::App]);
        assert!(ControllerSet::parse("-app,-engine").unwrap().is_empty());
        assert_eq!(ControllerSet::parse("app").unwrap().iter().collect::<Vec<_>>(), [Controller::App]);
    }
}
