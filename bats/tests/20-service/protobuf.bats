# kubectl's typed `create` subcommands against the embedded control plane:
# kubectl 1.32+ sends those objects as Kubernetes protobuf, older ones as
# JSON, and both must create the same objects.

load ../../helpers/load

KUBECTL_DIR=/usr/lib/google-cloud-sdk/bin

setup_file() {
    rdd_setup_file
    rdd_serve
}

teardown_file() {
    rdd_serve_stop
}

# kv VERSION ARGS...: kubectl of that minor version with the instance kubeconfig.
kv() {
    local version="$1"
    shift
    local bin="${KUBECTL_DIR}/kubectl.${version}"
    [[ -x "${bin}" ]] || skip "kubectl ${version} is not installed at ${bin}"
    "${bin}" --kubeconfig "$(rdd svc paths config)" "$@"
}

# The typed creates of one kubectl version, checked through `get -o json`.
check_creates() {
    local version="$1" suffix="${1//./-}"
    run -0 kv "${version}" create namespace "ns-${suffix}"
    assert_output "namespace/ns-${suffix} created"
    run -0 kv "${version}" create configmap "cm-${suffix}" -n "ns-${suffix}" \
        --from-literal=greeting=hello --from-literal=empty=
    assert_output "configmap/cm-${suffix} created"
    run -0 kv "${version}" create secret generic "secret-${suffix}" -n "ns-${suffix}" \
        --from-literal=password='s3cr=t!' --type=example.com/custom
    assert_output "secret/secret-${suffix} created"

    run -0 kv "${version}" get namespace "ns-${suffix}" -o json
    assert_equal "$(jq -r '.metadata.name' <<<"${output}")" "ns-${suffix}"
    assert_equal "$(jq -r '.status.phase' <<<"${output}")" "Active"
    assert_equal "$(jq -r '.metadata.uid | length' <<<"${output}")" "36"
    assert_equal "$(jq -r '.metadata.creationTimestamp | test("^[0-9-]+T[0-9:]+Z$")' <<<"${output}")" "true"

    run -0 kv "${version}" get configmap "cm-${suffix}" -n "ns-${suffix}" -o json
    assert_equal "$(jq -c '.data' <<<"${output}")" '{"empty":"","greeting":"hello"}'
    assert_equal "$(jq -r '.metadata.namespace' <<<"${output}")" "ns-${suffix}"
    assert_equal "$(jq -r '.binaryData // "none"' <<<"${output}")" "none"

    run -0 kv "${version}" get secret "secret-${suffix}" -n "ns-${suffix}" -o json
    assert_equal "$(jq -r '.type' <<<"${output}")" "example.com/custom"
    assert_equal "$(jq -r '.data.password | @base64d' <<<"${output}")" 's3cr=t!'
}

@test "kubectl 1.27 typed creates (JSON bodies)" {
    check_creates 1.27
}

@test "kubectl 1.30 typed creates (JSON bodies)" {
    check_creates 1.30
}

@test "kubectl 1.33 typed creates (protobuf bodies)" {
    check_creates 1.33
}

@test "kubectl 1.33 sends protobuf and gets JSON back" {
    run -0 kv 1.33 create configmap wire-check --from-literal=a=b -v=8
    assert_output --partial 'Content-Type: application/vnd.kubernetes.protobuf'
    assert_output --partial 'configmap/wire-check created'
    run -0 kv 1.33 get configmap wire-check -o jsonpath='{.data.a}'
    assert_output "b"
}

@test "kubectl 1.33 label and delete the objects it created" {
    run -0 kv 1.33 create configmap to-delete --from-literal=a=b
    run -0 kv 1.33 label configmap to-delete tier=web
    assert_output "configmap/to-delete labeled"
    run -0 kv 1.33 delete configmap to-delete
    assert_output 'configmap "to-delete" deleted'
    run -0 kv 1.33 delete namespace ns-1-33 --wait=false
    assert_output 'namespace "ns-1-33" deleted'
}
