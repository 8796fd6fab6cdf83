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
