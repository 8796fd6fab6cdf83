# `rdd set`, `start`, `stop`, `run`, `delete` against a real service and a
# real managed dockerd (SPEC §7, issue 6). Tests run in order and share one
# service: the App goes from missing to running, to stopped, to deleted.

load ../../helpers/load
load helpers

setup_file() {
    app_setup_file
    rdd svc start >/dev/null
}

teardown_file() {
    app_teardown_file
}

@test "a bad property, value or namespace is a usage error naming what is valid" {
    run -2 rdd set runing=true
    assert_output 'error: unknown property "runing": valid properties are containerEngine.endpoint, containerEngine.name, containerEngine.provider, running'
    run -2 rdd set running=yes
    assert_output 'error: invalid value "yes" for running: must be true or false'
    run -2 rdd set containerEngine.name=docker
    assert_output 'error: invalid value "docker" for containerEngine.name: must be one of moby, containerd'
    run -2 rdd set namespace=other
    assert_output --partial 'error: property "namespace" cannot be set'
    # The first bad argument in command-line order is the one reported.
    run -2 rdd set running=maybe nope=1
    assert_output --partial '"maybe"'
    run -2 rdd set
    assert_output --partial 'PROP=VALUE'
    run -1 k get app app
}

@test "rdd set --help reads the property table from the running service" {
    run -0 rdd set --help
    assert_output --partial "Settable properties (from the App CRD of the running service):"
    assert_line --regexp '^containerEngine\.provider +managed\|external +'
}

@test "rdd stop and rdd delete without an App exit 0 and create nothing" {
    run -0 rdd stop
    assert_output "no App: the engine is not running"
    run -0 rdd delete
    assert_output 'App "app" does not exist: nothing to delete'
    run -1 k get app app
}

@test "--dry-run validates on the server and stores nothing" {
    run -0 rdd set --dry-run running=true
    assert_output "apps.app.rancherdesktop.io/app created (server dry run)"
    run -1 k get app app
    run -3 rdd set --dry-run containerEngine.provider=external
    assert_output --partial "spec.containerEngine.endpoint is required when provider is external"
}

@test "two concurrent rdd set on a missing App both succeed" {
    rdd set --wait=false containerEngine.name=moby >"${BATS_TEST_TMPDIR}/a.out" 2>&1 &
    local a=$!
    rdd set --wait=false running=false >"${BATS_TEST_TMPDIR}/b.out" 2>&1 &
    local b=$!
    wait "${a}" || { cat "${BATS_TEST_TMPDIR}/a.out"; false; }
    wait "${b}" || { cat "${BATS_TEST_TMPDIR}/b.out"; false; }
    run -0 app_field '{.spec.running} {.spec.containerEngine.name} {.spec.namespace}'
    assert_output "false moby rancher-desktop"
    run -0 rdd set running=false
}

@test "an admission rejection exits 3 with the server's message" {
    run -3 rdd set containerEngine.provider=external
    assert_output --partial 'App.app.rancherdesktop.io "app" is invalid'
    assert_output --partial "spec.containerEngine.endpoint is required when provider is external"
    run -0 app_field '{.spec.containerEngine.provider}'
    assert_output "managed"
}

@test "a merge keeps the fields it does not name" {
    run -0 rdd set containerEngine.endpoint=unix:///nowhere.sock
    assert_output "apps.app.rancherdesktop.io/app configured"
    run -0 rdd set running=false
    assert_output "apps.app.rancherdesktop.io/app unchanged"
    run -0 app_field '{.spec.containerEngine.endpoint} {.spec.containerEngine.name}'
    assert_output "unix:///nowhere.sock moby"
}

@test "running=true returns when Settled and the instance's dockerd answers" {
    run -0 rdd set running=true
    assert_output "apps.app.rancherdesktop.io/app configured"
    local generation
    generation="$(app_field '{.metadata.generation}')"
    run -0 app_condition Settled
    assert_output "True Settled ${generation}"
    run -0 app_condition Running
    assert_output "True Started ${generation}"
    run -0 d info --format '{{.ServerVersion}}'
}

@test "running=true again is a no-op that returns at once" {
    local start
    start="$(now_ms)"
    run -0 rdd set running=true
    assert_output "apps.app.rancherdesktop.io/app unchanged"
    (($(now_ms) - start < 1500))
}

@test "a multi-property set while running returns promptly" {
    local start
    start="$(now_ms)"
    # A managed engine ignores the endpoint: a new generation, nothing to restart.
    run -0 rdd set running=true containerEngine.endpoint=unix:///elsewhere.sock containerEngine.provider=managed
    assert_output "apps.app.rancherdesktop.io/app configured"
    (($(now_ms) - start < 5000))
    run -0 d info --format '{{.ServerVersion}}'
}

@test "the README's flow: rdd start prints DOCKER_HOST for docker" {
    run -0 rdd start
    assert_output "export DOCKER_HOST=unix://$(docker_sock)"
    eval "${output}"
    run -0 docker version --format '{{.Server.Version}}'
    assert_output --regexp '^[0-9]+\.'
}

@test "rdd run passes DOCKER_HOST, KUBECONFIG and the exit code through" {
    run -7 rdd run sh -c 'exit 7'
    run -0 rdd run sh -c 'echo "${DOCKER_HOST} ${KUBECONFIG}"'
    assert_output "unix://$(docker_sock) $(rdd svc paths config)"
    run -0 rdd run docker version --format '{{.Server.Version}}'
    run -127 rdd run /nonexistent/program
    assert_output --partial "cannot run /nonexistent/program"
    echo 'echo hi' >"${BATS_TEST_TMPDIR}/not-executable"
    chmod 0644 "${BATS_TEST_TMPDIR}/not-executable"
    run -126 rdd run "${BATS_TEST_TMPDIR}/not-executable"
    assert_output --partial "Permission denied"
}

@test "switching the engine to containerd and back waits for each switch" {
    command -v containerd >/dev/null || skip "containerd is not installed"
    run -0 rdd set containerEngine.name=containerd
    run -0 app_condition Running
    assert_output --regexp '^True Started '
    run -0 app_field '{.status.conditions[?(@.type=="Running")].message}'
    assert_output --partial "containerd.sock"
    run -1 d info
    run -0 rdd start
    assert_output --partial "# the engine is containerd"
    run -1 rdd run true
    assert_output --partial "has no Docker API for DOCKER_HOST"
    run -0 rdd set containerEngine.name=moby
    run -0 d info --format '{{.ServerVersion}}'
}

@test "rdd stop stops the engine and settles" {
    run -0 rdd stop
    assert_output "engine stopped"
    local generation
    generation="$(app_field '{.metadata.generation}')"
    run -0 app_condition Settled
    assert_output "True Settled ${generation}"
    run -0 app_condition Running
    assert_output "False Stopped ${generation}"
    run -1 d info
}

@test "a service restart with running=true starts the engine again" {
    run -0 rdd start
    run -0 rdd svc stop
    run -1 d info
    run -0 rdd svc start
    # The App still says running=true: the no-op set waits for it to settle.
    run -0 rdd set running=true
    run -0 d info --format '{{.ServerVersion}}'
}

@test "rdd delete waits until the App is gone and the engine stopped" {
    run -0 rdd delete
    assert_output 'app.app.rancherdesktop.io "app" deleted'
    run -1 k get app app
    assert_output --partial 'not found'
    run -1 d info
    run -0 rdd delete
    assert_output 'App "app" does not exist: nothing to delete'
}
