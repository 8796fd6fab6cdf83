# The engine controller's start and stop against a real service and its
# managed dockerd (SPEC §6.2, §6.7, issue 5): `rdd set running=false`
# returns only after every mirror is gone, and containers created while
# the controller starts (its snapshot racing the creations) all end up
# mirrored, each exactly once.

load ../../helpers/load
load ../50-set/helpers
load helpers

setup_file() {
    engine_setup_file
}

teardown_file() {
    app_teardown_file
}

# `Kind/name` of every mirror, one a line, sorted.
mirror_names() {
    kn get containers,images,volumes,cns -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}{"\n"}{end}' | sort
}

@test "rdd set running=false returns with every mirror gone and ContainerEngineReady Stopped" {
    local cid vol
    cid="$(d create --network none --name before-stop rdd-test/busybox:1 true)"
    d volume create before-stop >/dev/null
    vol="$(volume_mirror before-stop)"
    wait_exists container "${cid}"
    wait_exists volume "${vol}"
    wait_exists cns moby
    run -0 rdd set running=false
    # No polling: the sweep finished before the App settled.
    run -0 mirror_names
    assert_output ""
    local generation
    generation="$(app_field '{.metadata.generation}')"
    run -0 app_condition ContainerEngineReady
    assert_output "False Stopped ${generation}"
}

@test "containers created while the controller starts are all mirrored, each exactly once" {
    local count=32 log="${BATS_TEST_TMPDIR}/creator"
    # Four creators, each retrying until the engine answers: they start
    # creating the moment dockerd is up, which is when the engine
    # controller starts its snapshot. Bounded: 90 s in all.
    (
        deadline=$((SECONDS + 90))
        for lane in 0 1 2 3; do
            (
                for i in $(seq "${lane}" 4 $((count - 1))); do
                    until timeout 10 docker -H "unix://$(docker_sock)" create --network none --name "during-${i}" \
                        rdd-test/busybox:1 true >/dev/null 2>&1; do
                        ((SECONDS < deadline)) || exit 1
                        sleep 0.05
                    done
                done
            ) &
        done
        wait
    ) >"${log}" 2>&1 3>&- &
    local creator=$!
    run -0 rdd set running=true
    local creator_status=0
    wait "${creator}" || creator_status=$?
    assert_equal "${creator_status}" 0
    run -0 d ps -aq --filter name=during- --no-trunc
    assert_equal "$(wc -l <<<"${output}")" "${count}"
    local want
    want="$(d ps -aq --no-trunc | sort)"
    for _ in $(seq 1 150); do
        [[ "$(kn get containers -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort)" == "${want}" ]] && break
        sleep 0.2
    done
    run -0 kn get containers -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}'
    assert_equal "$(sort <<<"${output}")" "${want}"
    # Exactly one mirror per container name: no duplicate, none missing.
    run -0 kn get containers -o jsonpath='{range .items[*]}{.status.name}{"\n"}{end}'
    assert_equal "$(grep -c '^during-' <<<"${output}")" "${count}"
    assert_equal "$(sort <<<"${output}" | uniq -d)" ""
    run -0 app_condition ContainerEngineReady
    assert_output --regexp '^True Connected '
}
