# The engine controller against a real service and its managed dockerd
# (SPEC §6, issue 5): Docker → mirrors for containers, images and volumes,
# Kubernetes → Docker for deletes and spec.state, the moby namespace, a
# dockerd restart, and the sweep when the engine stops.

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

# docker run of busybox without a network (the machine is shared: no bridge).
run_busybox() {
    d run -d --network none "$@"
}

@test "ContainerNamespace moby exists and returns after a delete" {
    wait_exists cns moby
    local uid
    uid="$(kn get cns moby -o jsonpath='{.metadata.uid}')"
    kn delete cns moby >/dev/null
    wait_exists cns moby
    run -0 kn get cns moby -o jsonpath='{.metadata.uid}'
    [[ "${output}" != "${uid}" ]]
}

@test "import and tag create Image mirrors; removing one tag removes only that mirror" {
    local id one two
    id="$(image_id rdd-test/busybox:1)"
    one="$(image_mirror "${id}" rdd-test/busybox:1)"
    two="$(image_mirror "${id}" rdd-test/busybox:2)"
    wait_field image "${one}" '{.status.repoTag}' rdd-test/busybox:1
    run -0 kn get image "${one}" -o jsonpath='{.status.id} {.status.namespace} {.metadata.labels.engine\.rancherdesktop\.io/mirror} {.metadata.finalizers[0]}'
    assert_output "${id} moby true engine.rancherdesktop.io/mirror"
    d tag rdd-test/busybox:1 rdd-test/busybox:2
    wait_field image "${two}" '{.status.repoTag}' rdd-test/busybox:2
    d rmi rdd-test/busybox:2 >/dev/null
    wait_gone image "${two}"
    run -0 kn get image "${one}" -o jsonpath='{.status.repoTag}'
    assert_output rdd-test/busybox:1
    run -0 kn get image --field-selector "status.id=${id}" -o name
    assert_output "image.containers.rancherdesktop.io/${one}"
}

@test "docker save | docker load brings back a removed tag's mirror" {
    local id mirror
    id="$(image_id rdd-test/busybox:1)"
    mirror="$(image_mirror "${id}" rdd-test/load:1)"
    d tag rdd-test/busybox:1 rdd-test/load:1
    wait_exists image "${mirror}"
    d save rdd-test/load:1 -o "${BATS_TEST_TMPDIR}/load.tar"
    d rmi rdd-test/load:1 >/dev/null
    wait_gone image "${mirror}"
    d load -i "${BATS_TEST_TMPDIR}/load.tar" >/dev/null
    wait_field image "${mirror}" '{.status.repoTag}' rdd-test/load:1
    d rmi rdd-test/load:1 >/dev/null
    wait_gone image "${mirror}"
}

@test "untag of an image a running container uses: tagged → dangling → tagged" {
    import_busybox rdd-test/pin:1 pin
    local id tagged dangling retagged cid
    id="$(image_id rdd-test/pin:1)"
    tagged="$(image_mirror "${id}" rdd-test/pin:1)"
    dangling="$(image_mirror "${id}")"
    retagged="$(image_mirror "${id}" rdd-test/pin:2)"
    wait_exists image "${tagged}"
    cid="$(run_busybox --name pinner rdd-test/pin:1 sleep 300)"
    # Docker untags but keeps the image a running container uses.
    d rmi -f rdd-test/pin:1 >/dev/null 2>&1 || true
    run -0 d image inspect --format '{{len .RepoTags}}' "${id}"
    assert_output 0
    wait_gone image "${tagged}"
    wait_exists image "${dangling}"
    run -0 kn get image "${dangling}" -o jsonpath='{.status.id}|{.status.repoTag}'
    assert_output "${id}|"
    d tag "${id}" rdd-test/pin:2
    wait_field image "${retagged}" '{.status.repoTag}' rdd-test/pin:2
    wait_gone image "${dangling}"
    d rm -f "${cid}" >/dev/null
}

@test "deleting an Image mirror of an in-use image keeps its finalizer and says why; it goes with the container" {
    import_busybox rdd-test/inuse:1 inuse
    local id mirror cid
    id="$(image_id rdd-test/inuse:1)"
    mirror="$(image_mirror "${id}" rdd-test/inuse:1)"
    wait_exists image "${mirror}"
    cid="$(d create --network none --name inuse rdd-test/inuse:1 true)"
    kn delete image "${mirror}" --wait=false >/dev/null
    # The engine refuses to remove a tag a container uses: the mirror stays,
    # being deleted, with its finalizer and a Warning Event.
    for _ in $(seq 1 150); do
        kn get events --field-selector "involvedObject.name=${mirror}" -o jsonpath='{.items[*].reason}' | grep -q DockerRefusedDelete && break
        sleep 0.2
    done
    run -0 kn get events --field-selector "involvedObject.name=${mirror}" -o jsonpath='{.items[0].type} {.items[0].reason}'
    assert_output "Warning DockerRefusedDelete"
    run -0 kn get image "${mirror}" -o jsonpath='{.metadata.finalizers[0]} {.metadata.deletionTimestamp}'
    assert_output --regexp '^engine\.rancherdesktop\.io/mirror [0-9]{4}-'
    run -0 d image inspect --format '{{index .RepoTags 0}}' rdd-test/inuse:1
    d rm "${cid}" >/dev/null
    # The retry with backoff removes the tag once nothing uses it.
    kn wait --timeout=60s --for=delete "image/${mirror}" >/dev/null
    run -1 d image inspect rdd-test/inuse:1
}

@test "docker run → Container running with name, ports, labels; stop, rename, rm -f" {
    local cid
    cid="$(run_busybox --name web --expose 80 --expose 81/udp -l app=web -l tier=front rdd-test/busybox:1 sleep 300)"
    wait_field container "${cid}" '{.status.status}' running
    run -0 kn get container "${cid}" -o jsonpath='{.status.name}|{.status.namespace}|{.status.image}|{.status.labels.app}|{.status.labels.tier}|{.status.ports[*].name}|{.spec.state}'
    assert_output "web|moby|$(image_id rdd-test/busybox:1)|web|front|80/tcp 81/udp|unknown"
    run -0 kn get container "${cid}" -o jsonpath='{.status.ports[0].bindings}'
    assert_output ""
    run -0 container_condition "${cid}" Running
    assert_output "True Running"
    run -0 container_condition "${cid}" StateReconciled
    assert_output "True NoDesiredState"
    run -0 kn get containers --field-selector status.name=web -o name
    assert_output "container.containers.rancherdesktop.io/${cid}"
    d stop -t 0 web >/dev/null
    wait_field container "${cid}" '{.status.status}' exited
    run -0 container_condition "${cid}" Running
    assert_output "False Exited"
    d rename web web2
    wait_field container "${cid}" '{.status.name}' web2
    d rm -f web2 >/dev/null
    wait_gone container "${cid}"
}

@test "pause and unpause are mirrored; spec.state running unpauses, created stops" {
    local cid
    cid="$(run_busybox --name pausable rdd-test/busybox:1 sleep 300)"
    wait_field container "${cid}" '{.status.status}' running
    d pause pausable >/dev/null
    wait_field container "${cid}" '{.status.status}' paused
    run -0 container_condition "${cid}" Paused
    assert_output "True Paused"
    kn patch container "${cid}" --type merge -p '{"spec":{"state":"running"}}' >/dev/null
    wait_field container "${cid}" '{.status.status}' running
    wait_field container "${cid}" '{.status.conditions[?(@.type=="StateReconciled")].reason}' StateMet
    run -0 d inspect --format '{{.State.Status}}' pausable
    assert_output running
    # created on running: stop.
    kn patch container "${cid}" --type merge -p '{"spec":{"state":"created"}}' >/dev/null
    wait_field container "${cid}" '{.status.status}' exited
    run -0 d inspect --format '{{.State.Running}}' pausable
    assert_output false
    # running on exited: start.
    kn patch container "${cid}" --type merge -p '{"spec":{"state":"running"}}' >/dev/null
    wait_field container "${cid}" '{.status.status}' running
    # created on paused: stop. (With spec.state running the controller
    # would unpause at once, so drop the intent first.)
    kn patch container "${cid}" --type merge -p '{"spec":{"state":"unknown"}}' >/dev/null
    d pause pausable >/dev/null
    wait_field container "${cid}" '{.status.status}' paused
    kn patch container "${cid}" --type merge -p '{"spec":{"state":"created"}}' >/dev/null
    wait_field container "${cid}" '{.status.status}' exited
    wait_field container "${cid}" '{.status.conditions[?(@.type=="StateReconciled")].status}' True
    # A sync never overwrites the user's spec.state.
    run -0 kn get container "${cid}" -o jsonpath='{.spec.state}'
    assert_output created
    d rm -f pausable >/dev/null
}

@test "a failed spec.state transition shows in StateReconciled" {
    local cid
    cid="$(d create --network none --name broken rdd-test/busybox:1 /no/such/program)"
    wait_field container "${cid}" '{.status.status}' created
    kn patch container "${cid}" --type merge -p '{"spec":{"state":"running"}}' >/dev/null
    wait_field container "${cid}" '{.status.conditions[?(@.type=="StateReconciled")].reason}' ActionFailed
    run -0 container_condition "${cid}" StateReconciled
    assert_output --regexp '^False ActionFailed'
    run -0 kn get container "${cid}" -o jsonpath='{.status.conditions[?(@.type=="StateReconciled")].message}'
    assert_output --partial "no/such/program"
    d rm -f broken >/dev/null
    wait_gone container "${cid}"
}

@test "deleting a Container mirror removes the container" {
    local cid
    cid="$(run_busybox --name doomed rdd-test/busybox:1 sleep 300)"
    wait_field container "${cid}" '{.status.status}' running
    kn delete container "${cid}" --timeout=60s >/dev/null
    run -1 d inspect doomed
}

@test "volume create and rm are mirrored, including My_Vol_Ume; deleting a Volume mirror removes the volume" {
    local mirror
    mirror="$(volume_mirror My_Vol_Ume)"
    d volume create My_Vol_Ume >/dev/null
    wait_field volume "${mirror}" '{.status.name}' My_Vol_Ume
    run -0 kn get volume "${mirror}" -o jsonpath='{.status.driver} {.status.namespace}'
    assert_output "local moby"
    run -0 kn get volumes --field-selector status.name=My_Vol_Ume -o name
    assert_output "volume.containers.rancherdesktop.io/${mirror}"
    d volume rm My_Vol_Ume >/dev/null
    wait_gone volume "${mirror}"
    mirror="$(volume_mirror doomed-vol)"
    d volume create doomed-vol >/dev/null
    wait_exists volume "${mirror}"
    kn delete volume "${mirror}" --timeout=60s >/dev/null
    run -1 d volume inspect doomed-vol
}

@test "a dockerd restart keeps every mirror's UID and sends no DELETED event for survivors" {
    local cid vol before after
    cid="$(run_busybox --name survivor rdd-test/busybox:1 sleep 300)"
    d volume create survivor-vol >/dev/null
    vol="$(volume_mirror survivor-vol)"
    wait_field container "${cid}" '{.status.status}' running
    wait_exists volume "${vol}"
    before="$(kn get containers,images,volumes,cns -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.uid}{"\n"}{end}' | sort)"
    local watch_log="${BATS_TEST_TMPDIR}/watch"
    start_watchers "${watch_log}"
    # Every watcher is live: each has listed its kind's mirrors.
    wait_logged "${watch_log}" "^ADDED Container/${cid}$"
    wait_logged "${watch_log}" "^ADDED Image/img-"
    wait_logged "${watch_log}" "^ADDED Volume/${vol}$"
    wait_logged "${watch_log}" '^ADDED ContainerNamespace/moby$'
    local pid
    pid="$(cat "$(rdd svc paths engine_dir)/dockerd.pid")"
    kill -KILL "${pid}"
    wait_condition Running '^False StartFailed '
    wait_condition Running '^True Started '
    wait_condition ContainerEngineReady '^True Connected '
    # The container died with dockerd: its mirror follows, same object.
    wait_field container "${cid}" '{.status.status}' exited
    wait_logged "${watch_log}" "^MODIFIED Container/${cid}$"
    after="$(kn get containers,images,volumes,cns -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.uid}{"\n"}{end}' | sort)"
    stop_watchers
    assert_equal "${after}" "${before}"
    run grep -c -v -E '^(ADDED|MODIFIED) ' "${watch_log}"
    assert_output 0
    d rm -f survivor >/dev/null
    d volume rm survivor-vol >/dev/null
}

@test "rdd stop sweeps every mirror before it returns; start mirrors again" {
    local cid
    cid="$(d create --network none --name kept rdd-test/busybox:1 true)"
    wait_exists container "${cid}"
    run -0 rdd stop
    run -0 kn get containers,images,volumes -l engine.rancherdesktop.io/mirror=true -o name
    assert_output ""
    run -0 app_condition ContainerEngineReady
    assert_output --regexp '^False Stopped '
    rdd start >/dev/null
    wait_exists container "${cid}"
    wait_exists cns moby
}
