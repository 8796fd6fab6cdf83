//! The completion scripts in `completions/` are what the binary generates
//! today. Regenerate them with `RDD_UPDATE_COMPLETIONS=1 cargo test --test completions`.

use std::path::Path;
use std::process::Command;

fn check(shell: &str, file: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_rdd")).args(["completion", shell]).output().expect("run rdd");
    assert!(out.status.success(), "rdd completion {shell}: {}", String::from_utf8_lossy(&out.stderr));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions").join(file);
    if std::env::var_os("RDD_UPDATE_COMPLETIONS").is_some() {
        std::fs::write(&path, &out.stdout).expect("write completion file");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == out.stdout,
        "{} is stale: regenerate with `RDD_UPDATE_COMPLETIONS=1 cargo test --test completions`",
        path.display()
    );
}

#[test]
fn bash_completion_is_current() {
    check("bash", "rdd.bash");
}

#[test]
fn zsh_completion_is_current() {
    check("zsh", "_rdd");
}

#[test]
fn fish_completion_is_current() {
    check("fish", "rdd.fish");
}
