# The app controller drives a real engine (SPEC §5, issue 4), seen through
# the App's conditions and the engine itself: start and stop a managed
# dockerd, a dockerd that dies at once, a dockerd killed while running,
# an external engine rdd must never stop, and two instances side by side.

load ../../helpers/load
load ../50-set/helpers

setup_file() {
    app_setup_file
    rdd svc start >/dev/null
}

teardown_file() {
    app_teardown_file
}

dockerd_pid() {
    cat "$(rdd svc paths engine_dir)/dockerd.pid"
}

# `STATUS REASON: MESSAGE` of the Running condition, read at once.
running_state() {
    app_field '{.status.conditions[?(@.type=="Running")].status} {.status.conditions[?(@.type=="Running")].reason}: {.status.conditions[?(@.type=="Running")].message}'
}

# Polls until `running_state` matches REGEX (at most 30 s).
wait_running() {
    local regex="$1" state
    for _ in $(seq 1 150); do
        state="$(running_state)"
        [[ "${state}" =~ ${regex} ]] && return 0
        sleep 0.2
    done
    echo "last Running: ${state}" >&2
    return 1
}

@test "start: Running True/Started and the instance socket answers; stop: Stopped, dockerd gone" {
    run -0 rdd start
    run -0 app_field '{.status.conditions[?(@.type=="Running")].reason}: {.status.conditions[?(@.type=="Running")].message}'
    assert_output "Started: managed dockerd at unix://$(docker_sock) answers"
    run -0 d info --format '{{.DockerRootDir}}'
    assert_output "$(rdd svc paths engine_dir)/data"
    local pid
    pid="$(dockerd_pid)"
    kill -0 "${pid}"
    run -0 rdd stop
    run -0 app_field '{.status.conditions[?(@.type=="Running")].reason}'
    assert_output "Stopped"
    ! kill -0 "${pid}" 2>/dev/null
    run -1 d info
}

@test "dockerd killed while running is restarted" {
    run -0 rdd start
    local pid
    pid="$(dockerd_pid)"
    kill -KILL "${pid}"
    # StartFailed with the cause while the restart is pending, then Started.
    wait_running '^False StartFailed: dockerd exited unexpectedly \(killed by signal 9'
    wait_running '^True Started: '
    [[ "$(dockerd_pid)" != "${pid}" ]]
    run -0 d info --format '{{.ServerVersion}}'
    run -0 rdd stop
}

@test "a dockerd that exits at once: StartFailed quoting its output" {
    rdd svc stop >/dev/null
    RDD_DOCKERD_ARGS="--no-such-flag" rdd svc start >/dev/null
    run -5 rdd set running=true
    assert_output --partial "StartFailed: dockerd exited during start"
    assert_output --partial "no-such-flag"
    run -0 rdd stop
    rdd svc stop >/dev/null
    rdd svc start >/dev/null
}

@test "an external engine is used, and stop leaves it running" {
    local dir="/tmp/rdd-ext-$$"
    mkdir -p "${dir}"
    dockerd --host "unix://${dir}/d.sock" --data-root "${dir}/data" --exec-root "${dir}/exec" \
        --pidfile "${dir}/d.pid" --bridge=none --iptables=false --ip6tables=false \
        >"${dir}/log" 2>&1 3>&- &
    local ext=$!
    for _ in $(seq 1 100); do
        docker -H "unix://${dir}/d.sock" version >/dev/null 2>&1 && break
        sleep 0.1
    done
    run -0 rdd set containerEngine.provider=external "containerEngine.endpoint=unix://${dir}/d.sock" running=true
    run -0 rdd run sh -c 'echo "${DOCKER_HOST}"'
    assert_output "unix://${dir}/d.sock"
    run -0 rdd run docker info --format '{{.DockerRootDir}}'
    assert_output "${dir}/data"
    run -0 rdd stop
    run -0 docker -H "unix://${dir}/d.sock" version --format '{{.Server.Version}}'
    run -0 rdd set containerEngine.provider=managed
    kill -TERM "${ext}"
    wait "${ext}" || true
    umount "${dir}/data" 2>/dev/null || true
    rm -rf "${dir}"
}

@test "two instances run their own dockerds side by side" {
    run -0 rdd start
    local other_sock
    other_sock="$(RDD_INSTANCE=other-30 rdd svc paths docker_socket)"
    [[ "${other_sock}" != "$(docker_sock)" ]]
    RDD_INSTANCE=other-30 rdd start >"${BATS_TEST_TMPDIR}/other.out" 2>&1 || {
        cat "${BATS_TEST_TMPDIR}/other.out"
        RDD_INSTANCE=other-30 rdd svc delete >/dev/null 2>&1
        false
    }
    run -0 docker -H "unix://${other_sock}" info --format '{{.DockerRootDir}}'
    assert_output "$(RDD_INSTANCE=other-30 rdd svc paths engine_dir)/data"
    run -0 d info --format '{{.DockerRootDir}}'
    assert_output "$(rdd svc paths engine_dir)/data"
    run -0 env RDD_INSTANCE=other-30 "${RDD_BIN}" svc delete
    run -0 d info --format '{{.ServerVersion}}'
    run -1 docker -H "unix://${other_sock}" info
}
