# `rdd engine-controller` as its own process (SPEC §6, issue 5 item 7):
# the service runs without its in-process engine controller, the App uses
# an external dockerd of this test, and the standalone controller mirrors
# that dockerd into a second namespace, serves metrics, and stops cleanly
# on SIGTERM.

load ../../helpers/load
load ../50-set/helpers
load helpers

setup_file() {
    app_setup_file
    # Short: unix socket paths must stay under ~100 bytes.
    PRIVATE="/tmp/rdd-e2-$$"
    export PRIVATE
    mkdir -p "${PRIVATE}"
    dockerd --host "unix://${PRIVATE}/d.sock" --data-root "${PRIVATE}/data" --exec-root "${PRIVATE}/exec" \
        --pidfile "${PRIVATE}/d.pid" --bridge=none --iptables=false --ip6tables=false \
        >"${PRIVATE}/log" 2>&1 3>&- &
    echo $! >"${PRIVATE}/dockerd.pid"
    for _ in $(seq 1 150); do
        docker -H "unix://${PRIVATE}/d.sock" info >/dev/null 2>&1 && break
        sleep 0.2
    done
    rdd_serve app
    rdd set --wait=false running=true containerEngine.provider=external \
        "containerEngine.endpoint=unix://${PRIVATE}/d.sock" >/dev/null
}

teardown_file() {
    # A test that failed left its controller running (teardown_file cannot see the test's variables).
    [[ ! -f "${BATS_FILE_TMPDIR}/controller.pid" ]] || kill -KILL "$(cat "${BATS_FILE_TMPDIR}/controller.pid")" 2>/dev/null || true
    rdd_serve_stop
    local pid
    pid="$(cat "${PRIVATE}/dockerd.pid")"
    kill -TERM "${pid}" 2>/dev/null || true
    for _ in $(seq 1 150); do
        kill -0 "${pid}" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL "${pid}" 2>/dev/null || true
    # A killed dockerd may leave its mounts behind.
    grep -o " ${PRIVATE}/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "${PRIVATE}"
}

# docker against this test's private dockerd.
d() {
    docker -H "unix://${PRIVATE}/d.sock" "$@"
}

@test "the standalone engine-controller mirrors a private dockerd into a second namespace, with metrics, until SIGTERM" {
    MIRROR_NS=engine-two
    wait_condition Running '^True Started '
    local port=$((20000 + $$ % 20000))
    # The binary itself, not the rdd() wrapper: $! must be rdd's pid.
    "${RDD_BIN}" engine-controller --kubeconfig "$(rdd svc paths config)" --docker-host "unix://${PRIVATE}/d.sock" \
        --namespace engine-two --resync-period 1m --metrics-addr "127.0.0.1:${port}" \
        2>"${BATS_TEST_TMPDIR}/controller.log" 3>&- &
    CONTROLLER_PID=$!
    echo "${CONTROLLER_PID}" >"${BATS_FILE_TMPDIR}/controller.pid"
    wait_condition ContainerEngineReady '^True Connected '
    wait_exists cns moby
    import_busybox rdd-test/standalone:1
    local id mirror
    id="$(image_id rdd-test/standalone:1)"
    mirror="$(image_mirror "${id}" rdd-test/standalone:1)"
    wait_field image "${mirror}" '{.status.repoTag}' rdd-test/standalone:1
    # Nothing lands in the App's own mirror namespace.
    run -0 k -n rancher-desktop get images -o name
    assert_output ""
    run -0 curl -sf "http://127.0.0.1:${port}/metrics"
    assert_output --partial "rdd_engine_events_processed_total"
    assert_output --regexp "rdd_engine_sync_duration_seconds_count [1-9]"
    kill -TERM "${CONTROLLER_PID}"
    local controller_status=0
    wait "${CONTROLLER_PID}" || controller_status=$?
    assert_equal "${controller_status}" 0
    CONTROLLER_PID=""
    run -0 cat "${BATS_TEST_TMPDIR}/controller.log"
    assert_output --partial "engine controller started"
    assert_output --partial "engine controller stopped"
    # Mirrors stay when the controller stops: the next start re-syncs in place.
    run -0 kn get image "${mirror}" -o name
    d rmi rdd-test/standalone:1 >/dev/null
}

@test "the standalone engine-controller follows a restarted service (new tokens in its kubeconfig)" {
    MIRROR_NS=engine-two
    "${RDD_BIN}" engine-controller --kubeconfig "$(rdd svc paths config)" --docker-host "unix://${PRIVATE}/d.sock" \
        --namespace engine-two 2>"${BATS_TEST_TMPDIR}/controller.log" 3>&- &
    CONTROLLER_PID=$!
    echo "${CONTROLLER_PID}" >"${BATS_FILE_TMPDIR}/controller.pid"
    import_busybox rdd-test/before:1 before
    local before after
    before="$(image_mirror "$(image_id rdd-test/before:1)" rdd-test/before:1)"
    wait_field image "${before}" '{.status.repoTag}' rdd-test/before:1
    local token
    token="$(k config view --raw -o jsonpath='{.users[0].user.token}')"
    rdd_serve_stop
    rdd_serve app
    # Every start issues new tokens: the old one is refused now.
    run -0 k config view --raw -o jsonpath='{.users[0].user.token}'
    refute_output "${token}"
    import_busybox rdd-test/after:1 after
    after="$(image_mirror "$(image_id rdd-test/after:1)" rdd-test/after:1)"
    wait_field image "${after}" '{.status.repoTag}' rdd-test/after:1
    run -0 grep -c "the kubeconfig changed: restarting with its credentials" "${BATS_TEST_TMPDIR}/controller.log"
    kill -TERM "${CONTROLLER_PID}"
    local controller_status=0
    wait "${CONTROLLER_PID}" || controller_status=$?
    assert_equal "${controller_status}" 0
    CONTROLLER_PID=""
    d rmi rdd-test/before:1 rdd-test/after:1 >/dev/null
}
