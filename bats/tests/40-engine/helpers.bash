# Shared set-up of the engine controller suites (SPEC §6): a real service,
# its managed dockerd, and a busybox image made without a registry.
# Load after ../../helpers/load and ../50-set/helpers.

MIRROR_NS=rancher-desktop

# kubectl in the mirror namespace.
kn() {
    k -n "${MIRROR_NS}" "$@"
}

# The Image mirror name of ID and TAG (no TAG: the dangling mirror), SPEC §4.3.
image_mirror() {
    local id="$1" tag="${2:-}" hash
    if [[ -n "${tag}" ]]; then
        hash="$(printf '%s\0%s' "${id}" "${tag}" | sha256sum | cut -d' ' -f1)"
    else
        hash="$(printf '%s' "${id}" | sha256sum | cut -d' ' -f1)"
    fi
    echo "img-${hash}"
}

# The Volume mirror name of a docker volume name, SPEC §4.4.
volume_mirror() {
    echo "vol-$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)"
}

# Waits (at most 30 s) until KIND/NAME exists: kubectl wait needs an object.
wait_exists() {
    local kind="$1" name="$2"
    for _ in $(seq 1 150); do
        kn get "${kind}" "${name}" -o name >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "${kind}/${name} did not appear" >&2
    return 1
}

# Waits until KIND/NAME has JSONPATH = VALUE.
wait_field() {
    local kind="$1" name="$2" path="$3" value="$4"
    wait_exists "${kind}" "${name}"
    kn wait --timeout=30s --for=jsonpath="${path}=${value}" "${kind}/${name}" >/dev/null
}

# Waits until KIND/NAME is gone.
wait_gone() {
    kn wait --timeout=30s --for=delete "$1/$2" >/dev/null 2>&1 || ! kn get "$1" "$2" -o name >/dev/null 2>&1
}

# Imports a busybox rootfs as TAG into the managed engine; MARK makes the
# image distinct from others (a different file, so a different ID).
import_busybox() {
    local tag="$1" mark="${2:-}" root="${BATS_FILE_TMPDIR}/rootfs-${RANDOM}"
    mkdir -p "${root}/bin"
    cp /bin/busybox "${root}/bin/"
    for a in sh sleep true; do ln -s busybox "${root}/bin/${a}"; done
    [[ -z "${mark}" ]] || echo "${mark}" >"${root}/mark"
    tar -C "${root}" -c . | d import - "${tag}" >/dev/null
    rm -rf "${root}"
}

image_id() {
    d image inspect --format '{{.Id}}' "$1"
}

# `STATUS REASON` of a Container mirror condition.
container_condition() {
    kn get container "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].status} {.status.conditions[?(@.type==\"$2\")].reason}"
}

# Polls until `app_condition TYPE` matches REGEX (at most 30 s).
wait_condition() {
    local type="$1" regex="$2"
    for _ in $(seq 1 150); do
        [[ "$(app_condition "${type}")" =~ ${regex} ]] && return 0
        sleep 0.2
    done
    echo "last ${type}: $(app_condition "${type}")" >&2
    return 1
}

# Starts one watcher per mirror kind in the mirror namespace (kubectl
# watches a single resource type at a time), each appending
# `TYPE Kind/name` lines to LOG, the current objects first (as ADDED).
# kubectl writes a line's text and its newline separately, so four of them
# appending to one file could interleave mid-line: each line goes through
# a reader that appends it whole (one write). kubectl runs as the
# background job itself, so that WATCHERS holds kubectl's pids; its reader
# ends when kubectl does.
start_watchers() {
    local log="$1" kind config
    config="$(rdd svc paths config)"
    WATCHERS=()
    for kind in containers images volumes cns; do
        "${KUBECTL}" --kubeconfig "${config}" -n "${MIRROR_NS}" get "${kind}" --watch --output-watch-events \
            -o jsonpath='{.type} {.object.kind}/{.object.metadata.name}{"\n"}' \
            > >(exec 3>&-; while IFS= read -r line; do printf '%s\n' "${line}" >>"${log}"; done) 2>&1 3>&- &
        WATCHERS+=("$!")
    done
}

stop_watchers() {
    local pid
    for pid in "${WATCHERS[@]}"; do
        kill "${pid}" 2>/dev/null || true
        wait "${pid}" 2>/dev/null || true
    done
    WATCHERS=()
}

# Waits (at most 10 s) until LOG has a line matching REGEX.
wait_logged() {
    for _ in $(seq 1 50); do
        grep -q -E "$2" "$1" && return 0
        sleep 0.2
    done
    echo "no line matching $2 in $1:" >&2
    cat "$1" >&2
    return 1
}

# The set-up the engine suites share: a fresh instance, its service and its
# managed dockerd running, and the busybox image the tests run.
engine_setup_file() {
    app_setup_file
    rdd svc start >/dev/null
    rdd start >/dev/null
    import_busybox rdd-test/busybox:1
}
