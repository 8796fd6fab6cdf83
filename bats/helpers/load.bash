# Common set-up for every BATS file: Debian's bats libraries, the freshly
# built rdd binary, and an isolated HOME and RDD_INSTANCE per file.
#
# Use in a test file:
#   load ../../helpers/load
#   setup_file() { rdd_setup_file; }

bats_require_minimum_version 1.5.0

bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

REPO_ROOT="$(cd "${BATS_TEST_DIRNAME}/../../.." && pwd)"
RDD_BIN="${RDD_BIN:-${REPO_ROOT}/target/debug/rdd}"
export REPO_ROOT RDD_BIN

# `rdd` in tests is always the binary under test, never one on PATH.
rdd() {
    "${RDD_BIN}" "$@"
}

# A fresh HOME and an instance name of its own for this file, and none of
# the caller's settings that would change where rdd puts things or what
# it prints.
rdd_setup_file() {
    if [[ ! -x "${RDD_BIN}" ]]; then
        echo "rdd binary not found at ${RDD_BIN}: run 'cargo build' first or set RDD_BIN" >&2
        return 1
    fi
    export HOME="${BATS_FILE_TMPDIR}/home"
    mkdir -p "${HOME}"
    local suite file
    suite="$(basename "${BATS_TEST_DIRNAME}")"
    file="$(basename "${BATS_TEST_FILENAME}" .bats)"
    RDD_INSTANCE="${suite%%-*}-${file}"
    RDD_INSTANCE="$(printf '%s' "${RDD_INSTANCE}" | tr -c 'A-Za-z0-9._-' '-' | cut -c1-32)"
    export RDD_INSTANCE
    unset XDG_DATA_HOME XDG_STATE_HOME XDG_CONFIG_HOME RDD_LOG_DIR RDD_LOG_LEVEL RUST_LOG NO_COLOR KUBECONFIG
}

# The reference kubectl: 1.33 where installed, else the one on PATH.
KUBECTL="${KUBECTL:-/usr/lib/google-cloud-sdk/bin/kubectl.1.33}"
[[ -x "${KUBECTL}" ]] || KUBECTL="$(command -v kubectl || true)"
export KUBECTL

# kubectl with this instance's kubeconfig.
k() {
    "${KUBECTL}" --kubeconfig "$(rdd svc paths config)" "$@"
}

# rdd_serve [CONTROLLERS]: `rdd svc serve` in the background for this file
# (default: the API server alone) until it answers /readyz. The binary
# itself, not the `rdd` function, so that `$!` is the service and
# rdd_serve_stop can stop it (an orphan would keep bats waiting).
rdd_serve() {
    "${RDD_BIN}" svc serve --controllers="${1:--app,-engine}" >"${BATS_FILE_TMPDIR}/serve.log" 2>&1 3>&- &
    echo $! >"${BATS_FILE_TMPDIR}/serve.pid"
    local config
    config="$(rdd svc paths config)"
    for _ in $(seq 1 300); do
        if [[ -f "${config}" ]] && k get --raw /readyz >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    cat "${BATS_FILE_TMPDIR}/serve.log" >&2
    return 1
}

# stop_pid PID: SIGTERM, up to 10 s to exit, then SIGKILL.
stop_pid() {
    kill -TERM "$1" 2>/dev/null || return 0
    for _ in $(seq 1 100); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$1" 2>/dev/null || true
}

# Stops the service rdd_serve started.
rdd_serve_stop() {
    stop_pid "$(cat "${BATS_FILE_TMPDIR}/serve.pid")"
}
