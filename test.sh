#!/usr/bin/env bash
# Runs every check and test of rdd. On a fresh machine it first installs
# what is missing (as root, from Debian's packages). With arguments, it
# builds rdd and runs only those BATS files or directories.
#
#   ./test.sh                         everything: fmt, clippy, Rust tests, fuzzers (10 s each), all BATS suites
#   ./test.sh bats/tests/10-cli       build, then just these BATS tests
set -euo pipefail
cd "$(dirname "$0")"

packages=(docker.io busybox-static bats bats-assert bats-support bats-file jq bsdutils curl python3 g++)

install_missing() {
    local missing=()
    for pkg in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null | grep -q 'install ok installed' || missing+=("${pkg}")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    if [[ $(id -u) -ne 0 ]]; then
        echo "test.sh: missing packages: ${missing[*]}; install them or run as root" >&2
        exit 1
    fi
    echo "test.sh: installing ${missing[*]}" >&2
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

step() {
    printf '\n=== %s\n' "$*" >&2
}

install_missing

if [[ $# -gt 0 ]]; then
    step "cargo build"
    cargo build --locked
    step "bats $*"
    exec bats --print-output-on-failure --timing "$@"
fi

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo test"
cargo test --workspace --locked
# RDD_FUZZ_SECONDS: how long each fuzz target runs (0: build them only).
step "fuzz (every target for ${RDD_FUZZ_SECONDS:-10} s)"
fuzz/run "${RDD_FUZZ_SECONDS:-10}"
step "cargo build"
cargo build --locked
step "bats bats/tests"
bats --print-output-on-failure --timing --recursive bats/tests
