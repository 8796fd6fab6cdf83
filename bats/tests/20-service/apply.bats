# Server-side apply through the real kubectl 1.33 (SPEC §3.4):
# `apply --server-side` by two field managers, conflicts with kube's
# message, `--force-conflicts`, removal of fields no longer applied,
# managedFields as `get --show-managed-fields` prints them.

load ../../helpers/load

setup_file() {
    rdd_setup_file
    rdd_serve
}

teardown_file() {
    rdd_serve_stop
}

configmap() {
    local name=$1
    shift
    {
        printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: default\ndata:\n' "${name}"
        for pair in "$@"; do
            printf '  %s: "%s"\n' "${pair%%=*}" "${pair#*=}"
        done
    } >"${BATS_TEST_TMPDIR}/${name}.yaml"
    echo "${BATS_TEST_TMPDIR}/${name}.yaml"
}

@test "apply --server-side creates, re-applies without a write, shows managed fields" {
    run -0 k apply --server-side -f "$(configmap ssa-one a=1)"
    assert_output "configmap/ssa-one serverside-applied"
    run -0 k get configmap ssa-one -o jsonpath='{.metadata.resourceVersion}'
    local rv=${output}
    run -0 k apply --server-side -f "$(configmap ssa-one a=1)"
    assert_output "configmap/ssa-one serverside-applied"
    run -0 k get configmap ssa-one -o jsonpath='{.metadata.resourceVersion}'
    assert_output "${rv}"
    run -0 k get configmap ssa-one -o yaml --show-managed-fields
    assert_line "  - apiVersion: v1"
    assert_line "    fieldsType: FieldsV1"
    assert_line "        f:a: {}"
    assert_line "    manager: kubectl"
    assert_line "    operation: Apply"
    run -0 k get configmap ssa-one -o yaml
    refute_output --partial "managedFields"
}

@test "a second manager conflicts, --force-conflicts takes the field" {
    run -0 k apply --server-side --field-manager=first -f "$(configmap ssa-two a=1 b=2)"
    run -1 k apply --server-side --field-manager=second -f "$(configmap ssa-two a=changed)"
    assert_output --partial 'error: Apply failed with 1 conflict: conflict with "first": .data.a'
    run -0 k apply --server-side --field-manager=second --force-conflicts -f "$(configmap ssa-two a=changed)"
    assert_output "configmap/ssa-two serverside-applied"
    run -0 k get configmap ssa-two -o jsonpath='{.data.a},{.data.b}'
    assert_output "changed,2"
    run -0 k get configmap ssa-two -o jsonpath='{range .metadata.managedFields[*]}{.manager}={.fieldsV1}{"\n"}{end}'
    assert_line 'first={"f:data":{"f:b":{}}}'
    assert_line 'second={"f:data":{"f:a":{}}}'
    # first stops applying b, which only it owns: b goes.
    run -0 k apply --server-side --field-manager=first -f "$(configmap ssa-two c=3)"
    run -0 k get configmap ssa-two -o jsonpath='{.data}'
    assert_output '{"a":"changed","c":"3"}'
}

@test "fields written by other verbs are owned by their manager" {
    run -0 k create -f "$(configmap ssa-three a=1)"
    run -1 k apply --server-side -f "$(configmap ssa-three a=2)"
    assert_output --partial 'Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .data.a'
    run -0 k label configmap ssa-three team=x
    run -0 k get configmap ssa-three -o jsonpath='{range .metadata.managedFields[*]}{.manager}/{.operation}={.fieldsV1}{"\n"}{end}'
    assert_line 'kubectl-create/Update={"f:data":{".":{},"f:a":{}}}'
    assert_line 'kubectl-label/Update={"f:metadata":{"f:labels":{".":{},"f:team":{}}}}'
}

@test "client-side apply, then server-side apply of the same config" {
    run -0 k apply -f "$(configmap ssa-four a=1)"
    assert_output "configmap/ssa-four created"
    run -0 k apply --server-side -f "$(configmap ssa-four a=1)"
    assert_output "configmap/ssa-four serverside-applied"
    run -0 k apply --server-side --dry-run=server -f "$(configmap ssa-four a=9)"
    run -0 k get configmap ssa-four -o jsonpath='{.data.a}'
    assert_output "1"
}
