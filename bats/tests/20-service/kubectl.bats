# The embedded control plane through the real kubectl 1.33 (SPEC §3.3,
# §3.4): discovery, tables, create/apply/patch/delete, finalizers, waits,
# watches, explain and selectors, with the instance kubeconfig.

load ../../helpers/load

setup_file() {
    rdd_setup_file
    rdd_serve
    # The engine controller makes the mirror namespace; it does not run here.
    printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: rancher-desktop\n' | k apply -f - >/dev/null
}

teardown_file() {
    rdd_serve_stop
}

@test "api-resources lists the built-in kinds and rdd's CRDs" {
    run -0 k api-resources --no-headers -o name
    assert_line "namespaces"
    assert_line "configmaps"
    assert_line "leases.coordination.k8s.io"
    assert_line "customresourcedefinitions.apiextensions.k8s.io"
    assert_line "apps.app.rancherdesktop.io"
    assert_line "containers.containers.rancherdesktop.io"
    assert_line "images.containers.rancherdesktop.io"
    assert_line "volumes.containers.rancherdesktop.io"
    assert_line "containernamespaces.containers.rancherdesktop.io"
    run -0 k api-resources --api-group=containers.rancherdesktop.io
    assert_line --regexp '^containernamespaces +cns +containers.rancherdesktop.io/v1alpha1 +true +ContainerNamespace$'
}

@test "get prints the CRD's printer columns" {
    cat >"${BATS_TEST_TMPDIR}/image.yaml" <<'YAML'
apiVersion: containers.rancherdesktop.io/v1alpha1
kind: Image
metadata:
  name: img-columns
  namespace: rancher-desktop
YAML
    run -0 k create -f "${BATS_TEST_TMPDIR}/image.yaml"
    assert_output "image.containers.rancherdesktop.io/img-columns created"
    run -0 k patch image img-columns -n rancher-desktop --subresource=status --type=merge \
        -p '{"status":{"repoTag":"busybox:1","id":"sha256:1","size":1234}}'
    run -0 k get images -n rancher-desktop
    assert_line --index 0 --regexp '^NAME +TAG +SIZE +AGE$'
    assert_line --index 1 --regexp '^img-columns +busybox:1 +1234 +[0-9]+s$'
}

@test "create, apply twice, patch merge and json" {
    cat >"${BATS_TEST_TMPDIR}/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: applied
  namespace: default
data:
  a: "1"
YAML
    run -0 k apply -f "${BATS_TEST_TMPDIR}/cm.yaml"
    assert_output "configmap/applied created"
    run -0 k apply -f "${BATS_TEST_TMPDIR}/cm.yaml"
    assert_output "configmap/applied unchanged"
    sed -i 's/a: "1"/a: "2"/' "${BATS_TEST_TMPDIR}/cm.yaml"
    run -0 k apply -f "${BATS_TEST_TMPDIR}/cm.yaml"
    assert_output "configmap/applied configured"
    run -0 k get configmap applied -o jsonpath='{.data.a}'
    assert_output "2"
    run -0 k patch configmap applied --type=merge -p '{"data":{"b":"3"}}'
    assert_output "configmap/applied patched"
    run -0 k patch configmap applied --type=json -p '[{"op":"replace","path":"/data/b","value":"4"}]'
    assert_output "configmap/applied patched"
    run -0 k get configmap applied -o jsonpath='{.data.b}'
    assert_output "4"
    run -1 k patch configmap applied --type=json -p '[{"op":"test","path":"/data/b","value":"5"}]'
}

@test "delete of an object with a finalizer leaves it Terminating" {
    run -0 k create configmap held --from-literal=x=y
    run -0 k patch configmap held --type=merge -p '{"metadata":{"finalizers":["example.com/hold"]}}'
    run -0 k delete configmap held --wait=false
    assert_output 'configmap "held" deleted'
    run -0 k get configmap held -o jsonpath='{.metadata.deletionTimestamp}'
    assert [ -n "${output}" ]
    k wait --for=delete configmap/held --timeout=30s &
    local waiter=$!
    sleep 0.5
    run -0 k patch configmap held --type=merge -p '{"metadata":{"finalizers":null}}'
    wait "${waiter}"
    run -1 k get configmap held
    assert_output --partial 'configmaps "held" not found'
}

@test "wait --for=condition sees a status change" {
    cat >"${BATS_TEST_TMPDIR}/app.yaml" <<'YAML'
apiVersion: app.rancherdesktop.io/v1alpha1
kind: App
metadata:
  name: app
spec:
  running: false
YAML
    run -0 k create -f "${BATS_TEST_TMPDIR}/app.yaml"
    k wait --for=condition=Settled app/app --timeout=30s >"${BATS_TEST_TMPDIR}/wait.out" 2>&1 &
    local waiter=$!
    sleep 0.5
    local now
    now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    run -0 k patch app app --subresource=status --type=merge -p "{\"status\":{\"conditions\":[{\"type\":\"Settled\",\"status\":\"True\",\"reason\":\"Settled\",\"message\":\"\",\"lastTransitionTime\":\"${now}\",\"observedGeneration\":1}]}}"
    wait "${waiter}"
    run cat "${BATS_TEST_TMPDIR}/wait.out"
    assert_output "app.app.rancherdesktop.io/app condition met"
}

@test "get -w sees later changes" {
    run -0 k create configmap watched --from-literal=v=1
    timeout 10 "${KUBECTL}" --kubeconfig "$(rdd svc paths config)" get configmap watched -w --output-watch-events \
        -o custom-columns=EVENT:.type,V:.object.data.v --no-headers >"${BATS_TEST_TMPDIR}/watch.out" 2>&1 &
    local watcher=$!
    sleep 1
    run -0 k patch configmap watched --type=merge -p '{"data":{"v":"2"}}'
    for _ in $(seq 1 50); do
        grep -q MODIFIED "${BATS_TEST_TMPDIR}/watch.out" && break
        sleep 0.1
    done
    kill "${watcher}" 2>/dev/null || true
    run cat "${BATS_TEST_TMPDIR}/watch.out"
    assert_line --regexp '^ADDED +1$'
    assert_line --regexp '^MODIFIED +2$'
}

@test "explain reads the OpenAPI schema" {
    run -0 k explain apps.spec.containerEngine
    assert_output --partial "KIND:       App"
    assert_output --partial "provider"
    run -0 k explain configmap.data
    assert_output --partial "FIELD: data <map[string]string>"
}

@test "label and field selectors" {
    run -0 k create configmap sel-a --from-literal=x=1
    run -0 k create configmap sel-b --from-literal=x=1
    run -0 k label configmap sel-a tier=web
    assert_output "configmap/sel-a labeled"
    run -0 k get configmaps -l tier=web -o name
    assert_output "configmap/sel-a"
    run -0 k get configmaps -l '!tier' --field-selector metadata.name=sel-b -o name
    assert_output "configmap/sel-b"
    run -1 k get configmaps --field-selector data.x=1
    assert_output --partial 'field label not supported: data.x'
}

@test "bad input gets a Status, not a crash" {
    echo '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}' >"${BATS_TEST_TMPDIR}/bad.json"
    run -1 k create -f "${BATS_TEST_TMPDIR}/bad.json"
    assert_output --partial 'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"'
    run -1 k get --raw /apis/nope.example.com/v1/things
    assert_output --partial 'NotFound'
}

@test "aggregated discovery: one request per /api and /apis, a CRD posted at runtime shows up" {
    local version kc cache config
    config="$(rdd svc paths config)"
    cat >"${BATS_TEST_TMPDIR}/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: sprockets.disco.example.com
spec:
  group: disco.example.com
  names: {plural: sprockets, singular: sprocket, kind: Sprocket, listKind: SprocketList, shortNames: [spr]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
YAML
    run -0 k apply -f "${BATS_TEST_TMPDIR}/crd.yaml"
    run -0 k wait --for=condition=Established crd/sprockets.disco.example.com --timeout=10s
    printf 'apiVersion: disco.example.com/v1\nkind: Sprocket\nmetadata:\n  name: sp1\n  namespace: default\n' |
        k apply -f - >/dev/null
    # 1.27-1.29 negotiate v2beta1, 1.30+ v2; each does one request per path
    # and none per group version.
    for version in 1.27 1.30 1.33; do
        kc="/usr/lib/google-cloud-sdk/bin/kubectl.${version}"
        [[ -x "${kc}" ]] || continue
        cache="${BATS_TEST_TMPDIR}/cache-${version}"
        run -0 "${kc}" --kubeconfig "${config}" --cache-dir "${cache}" -v=6 api-resources --no-headers -o name
        assert_line "namespaces"
        assert_line "leases.coordination.k8s.io"
        assert_line "containernamespaces.containers.rancherdesktop.io"
        assert_line "sprockets.disco.example.com"
        # The request log line differs between versions; the URLs do not.
        assert_output --regexp 'https://[^ "]*/api\?timeout='
        assert_output --regexp 'https://[^ "]*/apis\?timeout='
        refute_output --regexp 'https://[^ "]*/apis?/[^ "?]+\?timeout'
        run -0 "${kc}" --kubeconfig "${config}" --cache-dir "${BATS_TEST_TMPDIR}/get-${version}" get spr -n default -o name
        assert_output "sprocket.disco.example.com/sp1"
    done
    run -0 k get --raw /apis -v=8
    refute_output --partial 'Content-Type: application/json;g=apidiscovery.k8s.io'
    run -0 k api-resources --api-group=disco.example.com --no-headers
    assert_output --regexp '^sprockets +spr +disco.example.com/v1 +true +Sprocket$'
}
