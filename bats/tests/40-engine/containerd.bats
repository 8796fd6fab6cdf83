# The engine controller with the containerd backend (SPEC §6.1, §6.7,
# issue 5): it mirrors only moby, so switching to containerd sweeps the
# moby mirrors and says True/NotApplicable, starting with containerd never
# creates a mirror, and switching back mirrors moby again.

load ../../helpers/load
load ../50-set/helpers
load helpers

setup_file() {
    engine_setup_file
}

teardown_file() {
    app_teardown_file
}

teardown() {
    stop_watchers
}

setup() {
    command -v containerd >/dev/null || skip "containerd is not installed"
}

mirror_names() {
    kn get containers,images,volumes,cns -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}{"\n"}{end}'
}

@test "switching to containerd sweeps the moby mirrors and says NotApplicable" {
    local cid
    cid="$(d create --network none --name kept rdd-test/busybox:1 true)"
    wait_exists container "${cid}"
    wait_exists cns moby
    run -0 rdd set containerEngine.name=containerd
    # The sweep finished before the App settled.
    run -0 mirror_names
    assert_output ""
    local generation
    generation="$(app_field '{.metadata.generation}')"
    run -0 app_condition ContainerEngineReady
    assert_output "True NotApplicable ${generation}"
    run -0 app_condition Running
    assert_output --regexp '^True Started '
}

@test "starting with containerd creates no mirror at all" {
    run -0 rdd set running=false
    local log="${BATS_TEST_TMPDIR}/watch"
    start_watchers "${log}"
    run -0 rdd set running=true
    local generation
    generation="$(app_field '{.metadata.generation}')"
    run -0 app_condition ContainerEngineReady
    assert_output "True NotApplicable ${generation}"
    # Give a wrong-headed controller time to write something.
    sleep 3
    run -0 mirror_names
    assert_output ""
    # The watchers are live: each sees an object of the test's own
    # (unlabelled, so no controller may touch it either).
    local kind spec
    for kind in Container Image Volume ContainerNamespace; do
        spec=""
        [[ "${kind}" != Container ]] || spec='spec: {}'
        printf 'apiVersion: containers.rancherdesktop.io/v1alpha1\nkind: %s\nmetadata:\n  name: probe\n%s\n' \
            "${kind}" "${spec}" | kn create -f - >/dev/null
        wait_logged "${log}" "^ADDED ${kind}/probe$"
    done
    stop_watchers
    kn delete containers,images,volumes,cns probe >/dev/null
    # Nothing else happened in the mirror namespace.
    run grep -v -E '^ADDED [A-Za-z]+/probe$' "${log}"
    assert_output ""
}

@test "switching back to moby mirrors it again" {
    run -0 rdd set containerEngine.name=moby
    run -0 app_condition ContainerEngineReady
    assert_output --regexp '^True Connected '
    local cid
    cid="$(d inspect --format '{{.Id}}' kept)"
    wait_exists container "${cid}"
    wait_exists cns moby
    wait_exists image "$(image_mirror "$(image_id rdd-test/busybox:1)" rdd-test/busybox:1)"
}
