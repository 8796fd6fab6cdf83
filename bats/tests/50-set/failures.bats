# How `rdd set` reports an engine that does not do what was asked (SPEC §7,
# issue 6): StartFailed and StopFailed exit 5 with the reason and message, a
# short --timeout exits 4 naming Settled's last state, SIGINT exits 130.
# The engine is a fake dockerd given to the service through RDD_DOCKERD,
# which the service reads when it starts: each test restarts the service.

load ../../helpers/load
load helpers

setup_file() {
    app_setup_file
    fake_engine "${BATS_FILE_TMPDIR}/slow-dockerd" 'exec sleep 300'
    fake_engine "${BATS_FILE_TMPDIR}/delayed-dockerd" "sleep 3
exec $(command -v dockerd) \"\$@\""
    # Ignores SIGTERM (and so does the dockerd it starts): only SIGKILL stops it.
    fake_engine "${BATS_FILE_TMPDIR}/stubborn-dockerd" "trap '' TERM
$(command -v dockerd) \"\$@\" &
wait"
}

teardown_file() {
    app_teardown_file
}

# Restarts the service so that it reads RDD_DOCKERD afresh.
restart_service() {
    rdd svc stop >/dev/null
    rdd svc start >/dev/null
}

teardown() {
    # Leave the App stopped for the next test's service.
    rdd set --timeout 60s running=false >/dev/null 2>&1 || true
}

@test "a missing dockerd: StartFailed exits 5 within seconds, naming the path" {
    export RDD_DOCKERD=/nonexistent/dockerd
    restart_service
    local start
    start="$(now_ms)"
    run -5 rdd set running=true
    assert_output --partial "error: StartFailed: dockerd not found at /nonexistent/dockerd (from RDD_DOCKERD)"
    (($(now_ms) - start < 10000))
}

@test "a short --timeout against a slow start exits 4 naming Settled's last state" {
    export RDD_DOCKERD="${BATS_FILE_TMPDIR}/slow-dockerd"
    restart_service
    run -4 rdd set --timeout 1s running=true
    assert_output --regexp '^error: timed out after 1s waiting for App to settle \(last: Settled=False Starting: starting managed dockerd at unix://.*docker.sock\)$'
}

@test "--wait=false returns at once, before the App settles" {
    export RDD_DOCKERD="${BATS_FILE_TMPDIR}/slow-dockerd"
    restart_service
    local start
    start="$(now_ms)"
    run -0 rdd set --wait=false running=true
    assert_output --regexp '^apps.app.rancherdesktop.io/app (created|configured)$'
    (($(now_ms) - start < 2000))
    # Settled may still be True from the previous spec (the teardown's
    # running=false): what must not be True yet is Settled for this spec.
    local generation
    generation="$(app_field '{.metadata.generation}')"
    run -0 app_condition Settled
    refute_output --regexp "^True [^ ]+ ${generation}\$"
}

@test "SIGINT during a wait exits 130 with 'wait cancelled'" {
    export RDD_DOCKERD="${BATS_FILE_TMPDIR}/slow-dockerd"
    restart_service
    run -130 timeout --preserve-status -s INT 2 "${RDD_BIN}" set running=true 3>&-
    assert_output "error: wait cancelled"
}

@test "a service restart during the wait: the wait follows it with the new credentials" {
    export RDD_DOCKERD="${BATS_FILE_TMPDIR}/delayed-dockerd"
    restart_service
    rdd set --timeout 60s running=true >"${BATS_TEST_TMPDIR}/set.out" 2>&1 &
    local waiter=$!
    sleep 1
    rdd svc stop >/dev/null
    rdd svc start >/dev/null
    wait "${waiter}" || { cat "${BATS_TEST_TMPDIR}/set.out"; false; }
    run -0 cat "${BATS_TEST_TMPDIR}/set.out"
    assert_output --regexp '^apps.app.rancherdesktop.io/app (created|configured)$'
    run -0 d info --format '{{.ServerVersion}}'
}

@test "an engine that ignores SIGTERM: StopFailed exits 5 after the grace period" {
    export RDD_DOCKERD="${BATS_FILE_TMPDIR}/stubborn-dockerd"
    restart_service
    run -0 rdd set running=true
    run -0 d info --format '{{.ServerVersion}}'
    run -5 rdd set running=false
    assert_output --regexp '^error: StopFailed: .*did not stop within 30s; killed'
    run -1 d info
}

@test "an engine the mirror cannot sync: ConnectFailed exits 5 with the cause" {
    command -v python3 >/dev/null || skip "python3 is needed for the fake Docker endpoint"
    unset RDD_DOCKERD
    local dir="/tmp/rdd-cf-$$"
    mkdir -p "${dir}"
    python3 "${BATS_TEST_DIRNAME}/fake-docker-api.py" "${dir}/d.sock" 3>&- &
    local fake=$!
    for _ in $(seq 1 50); do
        [[ -S "${dir}/d.sock" ]] && break
        sleep 0.1
    done
    # The engine controller gives up (ConnectFailed) after retrying for 20 s.
    run -5 rdd set --timeout 90s containerEngine.provider=external "containerEngine.endpoint=unix://${dir}/d.sock" running=true
    assert_output --regexp "^error: ConnectFailed: cannot connect to Docker at unix://${dir}/d.sock: .*not implemented"
    run -0 rdd set running=false containerEngine.provider=managed
    kill "${fake}"
    rm -rf "${dir}"
}
