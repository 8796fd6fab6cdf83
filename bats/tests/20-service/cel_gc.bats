# CEL validation rules and ownerReference garbage collection through the
# real kubectl 1.33 (SPEC §3.4): a CEL-rejected create, update and
# transition show kube's message format; `delete --cascade=background|
# foreground|orphan` do what they do on a cluster.

load ../../helpers/load

setup_file() {
    rdd_setup_file
    rdd_serve
    k apply -f "${BATS_TEST_DIRNAME}/gadget-crd.yaml" >/dev/null
    k wait --for=condition=Established crd/gadgets.example.com --timeout=30s >/dev/null
}

teardown_file() {
    rdd_serve_stop
}

gadget() {
    printf 'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: %s, namespace: default}\nspec: %s\n' "$1" "$2"
}

# owned NAME OWNER [FINALIZER]: a ConfigMap whose controlling owner is the
# ConfigMap OWNER, blocking its owner's foreground deletion.
owned() {
    local uid
    uid="$(k get configmap "$2" -o jsonpath='{.metadata.uid}')"
    {
        printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: default\n' "$1"
        [[ -z "${3:-}" ]] || printf '  finalizers: [%s]\n' "$3"
        printf '  ownerReferences:\n  - {apiVersion: v1, kind: ConfigMap, name: %s, uid: %s, blockOwnerDeletion: true}\n' "$2" "${uid}"
    } | k create -f -
}

@test "a CEL rule rejects a create with the message of its messageExpression" {
    run -1 k create -f - < <(gadget too-big '{size: 5, max: 3}')
    assert_output 'The Gadget "too-big" is invalid: spec: Invalid value: "object": size 5 exceeds max 3'
    run -1 k get gadget too-big
}

@test "transition rules reject an update with every broken rule, as kube lists them" {
    run -0 k create -f - < <(gadget g1 '{size: 2, max: 3, owner: me}')
    run -1 k patch gadget g1 --type merge -p '{"spec":{"size":1,"owner":"you"}}'
    assert_output - <<'OUT'
The Gadget "g1" is invalid: 
* spec: Forbidden: size may not shrink
* spec.owner: Invalid value: "string": owner is immutable
OUT
    run -1 k apply -f - < <(gadget g1 '{size: 1, max: 3, owner: me}')
    assert_output --partial 'The Gadget "g1" is invalid: spec: Forbidden: size may not shrink'
    run -0 k get gadget g1 -o jsonpath='{.spec.size},{.spec.owner}'
    assert_output "2,me"
    run -0 k patch gadget g1 --type merge -p '{"spec":{"size":3}}'
    assert_output "gadget.example.com/g1 patched"
}

@test "delete --cascade=background removes the dependents after the owner" {
    run -0 k create configmap bg-owner
    run -0 owned bg-dep bg-owner
    run -0 k delete configmap bg-owner --cascade=background
    assert_output 'configmap "bg-owner" deleted'
    run -0 k wait --for=delete configmap/bg-dep --timeout=20s
}

@test "delete --cascade=foreground keeps the owner until its blocking dependents are gone" {
    run -0 k create configmap fg-owner
    run -0 owned fg-dep fg-owner example.com/hold
    run -0 k delete configmap fg-owner --cascade=foreground --wait=false
    assert_output 'configmap "fg-owner" deleted'
    # The dependent is being deleted but held by its finalizer, so the owner
    # waits with the foregroundDeletion finalizer.
    run -0 k wait --for=jsonpath='{.metadata.deletionTimestamp}' configmap/fg-dep --timeout=20s
    sleep 1
    run -0 k get configmap fg-owner -o jsonpath='{.metadata.finalizers}'
    assert_output '["foregroundDeletion"]'
    run -0 k patch configmap fg-dep --type json -p '[{"op":"remove","path":"/metadata/finalizers"}]'
    run -0 k wait --for=delete configmap/fg-owner configmap/fg-dep --timeout=20s
}

@test "delete --cascade=orphan leaves the dependents without the owner reference" {
    run -0 k create configmap or-owner
    run -0 owned or-dep or-owner
    run -0 k delete configmap or-owner --cascade=orphan
    assert_output 'configmap "or-owner" deleted'
    # The orphan finalizer holds the owner until its dependents are let go,
    # and kubectl waited for the owner to be gone.
    run -1 k get configmap or-owner
    run -0 k get configmap or-dep -o jsonpath='{.metadata.name}:{.metadata.ownerReferences}'
    assert_output "or-dep:"
}
