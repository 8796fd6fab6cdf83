# The read verbs of `rdd ctl` against the real kubectl 1.33 (SPEC §8):
# `describe`, `wait`, `get --watch`, through both against one live API
# server (controllers off), must give byte-identical stdout, the same
# stderr and the same exit code. rdd's own `wait-condition` is checked for
# its documented output and exit codes.

load ../../helpers/load
load helpers

setup_file() {
    rdd_setup_file
    rdd_serve
    k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Namespace
metadata:
  name: rancher-desktop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
  namespace: default
  labels:
    tier: web
  annotations:
    note: hello
data:
  a: "1"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: two
  namespace: default
data:
  text: |
    two
    lines
binaryData:
  bin: AAEC
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: default
type: Opaque
# One key: kubectl walks Secret and ConfigMap data in Go's random map order.
data:
  password: c2VjcmV0MTIz
---
apiVersion: containers.rancherdesktop.io/v1alpha1
kind: ContainerNamespace
metadata:
  name: moby
  namespace: rancher-desktop
---
apiVersion: containers.rancherdesktop.io/v1alpha1
kind: Container
metadata:
  name: web
  namespace: default
  labels:
    app: web
spec:
  state: running
---
apiVersion: containers.rancherdesktop.io/v1alpha1
kind: Container
metadata:
  name: db
  namespace: default
  labels:
    app: db
spec:
  state: created
YAML
    k patch container web --subresource=status --type=merge -p '{"status":{"name":"web","status":"running","pid":42,
      "args":["-c","sleep"],"labels":{"com.example/role":"front"},
      "ports":[{"name":"80/tcp","bindings":[{"hostIp":"0.0.0.0","hostPort":"8080"}]}],
      "conditions":[
        {"type":"Running","status":"True","reason":"Started","message":"up","lastTransitionTime":"2026-01-01T00:00:00Z"},
        {"type":"StateReconciled","status":"False","reason":"StartFailed","message":"boom","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}' >/dev/null
    # Events about web with times days ago, so that their ages do not tick between the two runs.
    local uid first last
    uid="$(k get container web -o 'jsonpath={.metadata.uid}')"
    first="$(date -u -d '-3 days' +%Y-%m-%dT%H:%M:%SZ)"
    last="$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)"
    k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Event
metadata:
  name: web.started
  namespace: default
involvedObject: {kind: Container, apiVersion: containers.rancherdesktop.io/v1alpha1, name: web, namespace: default, uid: ${uid}}
type: Normal
reason: Started
message: "container started "
source: {component: rdd-engine}
firstTimestamp: "${first}"
lastTimestamp: "${last}"
count: 3
---
apiVersion: v1
kind: Event
metadata:
  name: web.other
  namespace: default
involvedObject: {kind: Container, name: web, namespace: default, uid: not-this-one}
type: Warning
reason: Elsewhere
message: "about another object of that name"
source: {component: rdd-engine}
firstTimestamp: "${first}"
lastTimestamp: "${first}"
count: 1
YAML
}

# watch_same CHANGE ARGS...: runs `get ARGS` through kubectl and `rdd ctl`
# at the same time, runs CHANGE (a function) while both watch, stops both
# with SIGTERM and compares what they printed (ages normalised) and how
# they exited.
watch_same() {
    local change="$1"
    shift
    local kout="${BATS_TEST_TMPDIR}/wk.out" rout="${BATS_TEST_TMPDIR}/wr.out" kpid rpid kstatus=0 rstatus=0
    "${KUBECTL}" --kubeconfig "$(rdd svc paths config)" get "$@" >"${kout}" 2>&1 3>&- &
    kpid=$!
    "${RDD_BIN}" ctl get "$@" >"${rout}" 2>&1 3>&- &
    rpid=$!
    # Both have listed and are watching once their first output is there.
    for _ in $(seq 1 50); do
        [[ -s "${kout}" && -s "${rout}" ]] && break
        sleep 0.1
    done
    sleep 0.5
    local kbefore rbefore agreed=0
    kbefore="$(stat -c %s "${kout}")" rbefore="$(stat -c %s "${rout}")"
    "${change}"
    # Both have printed the change once both outputs grew and agree on two
    # looks in a row (on a loaded machine that can take seconds); then stop
    # both. Seconds tick between the two prints of a row: AGE cells (`5s`,
    # `2m3s`) are normalised.
    local age='s/(^|  )([0-9]+[smhd])+( |$)/\1<age>\3/g'
    sleep 1
    for _ in $(seq 1 100); do
        if (($(stat -c %s "${kout}") > kbefore && $(stat -c %s "${rout}") > rbefore)) &&
            cmp -s <(sed -E "${age}" "${kout}") <(sed -E "${age}" "${rout}"); then
            agreed=$((agreed + 1))
            ((agreed < 2)) || break
        else
            agreed=0
        fi
        sleep 0.2
    done
    kill -TERM "${kpid}" "${rpid}" 2>/dev/null || true
    wait "${kpid}" || kstatus=$?
    wait "${rpid}" || rstatus=$?
    sed -E -i "${age}" "${kout}" "${rout}"
    if ! cmp -s "${kout}" "${rout}" || [[ "${kstatus}" != "${rstatus}" ]]; then
        echo "ARGS: get $* (kubectl exit ${kstatus}, rdd exit ${rstatus})" >&2
        diff "${kout}" "${rout}" >&2 || true
        return 1
    fi
}

relabel_web() {
    k label container web "seen=${RANDOM}" --overwrite >/dev/null
}

relabel_and_add() {
    k label cm one "seen=${RANDOM}" --overwrite >/dev/null
    k create cm "watched-${RANDOM}" --from-literal=a=b >/dev/null
}

@test "describe matches kubectl for rdd's kinds and built-ins" {
    same describe container web
    same describe containers
    same describe containers.containers.rancherdesktop.io db
    same describe container/web cm/one
    same describe containers -l app=db
    same describe cns -A
    same describe cns moby -n rancher-desktop
    same describe cm one
    same describe cm two
    same describe configmap/one
    same describe secret creds
    same describe ns default
    same describe namespaces rancher-desktop
    same describe crd containers.containers.rancherdesktop.io
    same describe crd
    same describe events. -n default
    same describe cm -A
    same describe ns -l kubernetes.io/metadata.name=default
    same describe containers --show-events=false
}

@test "describe reports errors like kubectl" {
    same describe cm nosuch
    same describe cm on
    same describe cm one nosuch nosuch2
    same describe cm/nosuch
    same describe cm -n empty
    same describe apps
    same describe container web -n nowhere
    same describe container web -A
    same describe nosuchkind
    same describe
}

@test "wait matches kubectl for conditions, jsonpath, create and delete" {
    same wait --for=condition=Running container/web
    same wait --for=condition=running=true containers web
    same wait --for=condition=StateReconciled=False container/web --timeout=5s
    same wait --for=condition=Running container -l app=web
    same wait --for=condition=Running containers --field-selector metadata.name=web
    same wait --for=jsonpath='{.status.pid}'=42 container/web
    same wait --for=jsonpath='{.status.conditions[?(@.type=="Running")].status}'=True container/web
    same wait --for=jsonpath='{.status.name}' container/web -o name
    same wait --for=create container/web
    same wait --for=delete container/nosuch
    same wait --for=condition=Running container/web --timeout=0
    same wait --for=condition=Running container/web -o json
}

@test "wait reports failures like kubectl" {
    same wait --for=condition=Running container/db --timeout=1s
    same wait --for=condition=Running container/web container/db --timeout=1s
    same wait --for=jsonpath='{.status.pid}'=43 container/web --timeout=0
    same wait --for=delete container/web --timeout=0
    same wait --for=delete container/web --timeout=1s
    same wait --for=create container/nosuch --timeout=1s
    same wait --for=condition=Running container/nosuch
    same wait --for=condition=Running container/web container/nosuch
    same wait --for=condition=Running container -l app=none
    same wait --for=condition=Running container
    same wait --for=condition=Running
    same wait --for=bogus container/web
    same wait container/web
    same wait --for=jsonpath='{.status}'=x container/web
    same wait --for=jsonpath='{.status.conditions[*].type}'=Running container/web
    same wait --for=jsonpath='{.status.pid}'= container/web
    same wait --for=jsonpath='{.status.pid' container/web
    same wait --for=condition=Running container/web --timeout=bad
    same wait --for=condition=Running container/web -n nowhere
    same wait --for=condition=Running container/web -A
    same wait --for=delete container/web -n nowhere
}

@test "wait sees a condition and a deletion that happen while it waits" {
    k create cm doomed --from-literal=a=b >/dev/null
    (sleep 1 && k delete cm doomed >/dev/null) 3>&- &
    run -0 rdd ctl wait --for=delete cm/doomed --timeout=20s
    assert_output "configmap/doomed condition met"
    (sleep 1 && k patch container db --subresource=status --type=merge \
        -p '{"status":{"conditions":[{"type":"Running","status":"True","reason":"Started","message":"","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}' >/dev/null) 3>&- &
    run -0 rdd ctl wait --for=condition=Running container/db --timeout=20s
    assert_output "container.containers.rancherdesktop.io/db condition met"
    k create cm later --from-literal=a=b >/dev/null
    run -0 rdd ctl wait --for=create cm/later --timeout=5s
    assert_output "configmap/later condition met"
}

@test "get --watch prints like kubectl" {
    watch_same relabel_web containers -w
    watch_same relabel_web container web -w
    watch_same relabel_web containers -A --watch
    watch_same relabel_and_add cm -w
    watch_same relabel_and_add cm -w -o name
    watch_same relabel_and_add cm one -w -o json
    watch_same relabel_and_add cm -w -o yaml
    watch_same relabel_and_add cm --watch-only
    watch_same relabel_and_add cm one --watch-only
    watch_same relabel_and_add cm -w --output-watch-events
    watch_same relabel_and_add cm -l tier=web -w --no-headers
}

@test "get --watch ends on a closed pipe and reports a missing object" {
    # head leaves after the header; the next event finds the pipe closed and
    # rdd ends (timeout would exit 124).
    (sleep 2 && k label cm one "seen=${RANDOM}" --overwrite >/dev/null) 3>&- &
    run -0 bash -c "set -o pipefail; timeout 20 '${RDD_BIN}' ctl get cm -w | head -1"
    assert_output --regexp '^NAME +DATA +AGE$'
    same get cm nosuch -w
}

@test "wait-condition: met, timed out, failed, missing" {
    run -0 rdd ctl wait-condition containers/web Running --timeout=5s
    assert_output "container.containers.rancherdesktop.io/web Running=True"
    run -0 rdd ctl wait-condition container/web StateReconciled=False --reason StartFailed --timeout=5s
    assert_output "container.containers.rancherdesktop.io/web StateReconciled=False reason=StartFailed"
    run -5 rdd ctl wait-condition container/web StateReconciled --timeout=5s
    assert_output "error: StateReconciled=False reason=StartFailed: boom"
    run -4 rdd ctl wait-condition container/web Paused --timeout=1s
    assert_output "error: timed out after 1s waiting for Paused=True on containers/web (last seen: no current Paused condition)"
    run -4 rdd ctl wait-condition container/web Running=False --timeout=0
    assert_output --partial "(last seen: Running=True reason=Started: up)"
    run -1 rdd ctl wait-condition container/nosuch Running --timeout=1s
    assert_output 'Error from server (NotFound): containers.containers.rancherdesktop.io "nosuch" not found'
    run -2 rdd ctl wait-condition web Running
}

@test "rdd ctl --help lists the native verbs and the fallback" {
    run -0 rdd ctl --help
    assert_output --partial "describe"
    assert_output --partial "wait-condition"
    assert_output --partial "runs the real kubectl"
}
