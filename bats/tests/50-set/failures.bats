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

@test "SIGINT during a wait exits 130 with 'wait cancelled'" {
    export RDD_DOCKERD="${BATS_FILE_TMPDIR}/slow-dockerd"
    restart_service
    run -130 timeout --preserve-status -s INT 2 "${RDD_BIN}" set running=true 3>&-
    assert_output "error: wait cancelled"
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
