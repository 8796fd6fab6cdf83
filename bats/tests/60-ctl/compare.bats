# `rdd ctl` against the real kubectl 1.33 (SPEC §8): the same request
# through both, against one live API server, must give byte-identical
# stdout and the same exit code. Objects are made right before they are
# listed, so AGE columns agree (both print seconds); AGE is normalised
# only where a test waits.

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
kind: Namespace
metadata:
  name: other
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: far
  namespace: other
data:
  x: "1"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
  namespace: default
data:
  a: "1"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: two
  namespace: default
  labels:
    tier: web
data:
  b: "2"
---
apiVersion: containers.rancherdesktop.io/v1alpha1
kind: ContainerNamespace
metadata:
  name: moby
  namespace: rancher-desktop
YAML
}

@test "get lists tables like kubectl" {
    same get configmaps
    same get cm
    same get configmap
    same get ConfigMap
    same get configmaps.
    same get cm one
    same get cm one two
    same get cm/one
    same get cm/one cm/two
    same get ns/default
    same get namespaces
    same get cm -n other
    same get cm --namespace=other
    same get cm -A
    same get ns -A
    same get cm -o wide
    same get cm --show-labels
    same get cm -l tier=web
    same get cm -l 'tier!=web'
    same get cm --field-selector metadata.name=one
    same get cm --no-headers
    same get cm -A --no-headers
    same get cns -n rancher-desktop
    same get containernamespaces.containers.rancherdesktop.io -A
    same get containernamespace moby -n rancher-desktop
    same get cm,ns
    same get crd
}

@test "get prints objects as json, yaml and name" {
    same get cm one -o json
    same get cm one -o yaml
    same get cm -o json
    same get cm -o yaml
    same get cm -o name
    same get cm one two -o name
    same get cm,ns -o name
    same get ns default -o yaml
    same get cns -A -o json
    same get cm -l nosuch=label -o json
    # `ev` is both core events and events.k8s.io: kubectl warns on stderr.
    same get ev
    same get ev,cm -o name
    same get ev.events.k8s.io
}

@test "get evaluates jsonpath and custom-columns" {
    same get cm one -o 'jsonpath={.data.a}'
    same get cm -o 'jsonpath={.items[*].metadata.name}'
    same get cm -o 'jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}'
    same get cm one -o 'jsonpath-as-json={.data}'
    same get cm -o 'jsonpath={.items[?(@.metadata.name=="two")].metadata.labels}'
    same get cm -o 'custom-columns=NAME:.metadata.name,DATA:.data'
    same get cm -o 'custom-columns=NAME:.metadata.name' --no-headers
    same get ns -o 'jsonpath={.items[-1:].metadata.name}'
}

@test "get reports errors like kubectl" {
    same get cm nosuch
    same get cm one nosuch
    same get cm nosuch --ignore-not-found
    same get cm nosuch -o name --ignore-not-found
    same get cm -n empty
    same get nosuchkind
    same get cm nosuch -o json
    # A name in a namespace that does not exist: kubectl reports the namespace.
    same get cm nosuch -n missing
    same get cm one nosuch -n missing
    same get cm/one secret/nosuch -n missing -o json
    same get cm one -n missing -o name
    same get cm one -n missing --ignore-not-found
    same get cm one -A
    SAME_STDERR=0 same get cm -o 'jsonpath={.items[}'
    SAME_STDERR=0 same get cm -o bogus
}

@test "TYPE NAME and TYPE/NAME arguments are read like kubectl's resource builder" {
    for verb in get describe "delete --dry-run=client" "label --dry-run=client x=y"; do
        # shellcheck disable=SC2086 # the verb's own words
        {
            same ${verb} cm one/x
            same ${verb} cm,, nosuch
            same ${verb} cm/a/b
            same ${verb} /one
            same ${verb} cm one/
            same ${verb} cm,secrets/one
            same ${verb} cm,cm one
            same ${verb} cm,secrets one
            same ${verb} cm,secrets nosuch
            same ${verb} cm,secrets one two
            same ${verb} cm/one secrets/one
            same ${verb} secrets/one cm/one
        }
    done
    same get
    same delete --dry-run=client cm,,secrets -l a=b
    same wait --for=delete --timeout=1s cm one/x
}

@test "names with selectors, blank selectors and --all are read like kubectl's resource builder" {
    for verb in get describe "wait --for=delete --timeout=1s" "delete --dry-run=client" \
        "label --dry-run=client x=y" "annotate --dry-run=client x=y"; do
        # shellcheck disable=SC2086 # the verb's own words
        {
            same ${verb} cm one -l tier=web
            same ${verb} cm/one -l tier=web
            same ${verb} cm,secrets one -l tier=web
            same ${verb} nosuch one -l tier=web
            same ${verb} nosuch/one -l tier=web
            same ${verb} -l tier=web
            same ${verb} cm -l ' '
        }
    done
    for verb in get "wait --for=delete --timeout=1s" "delete --dry-run=client" "label --dry-run=client x=y"; do
        # shellcheck disable=SC2086 # the verb's own words
        {
            same ${verb} cm one --field-selector metadata.name=one
            same ${verb} cm/one --field-selector metadata.name=one
            same ${verb} cm --field-selector ' '
        }
    done
    SAME_TIMEOUT=10 same get cm one -l tier=web -w
    same delete --dry-run=client --all
    same delete --dry-run=client cm/one --all
    same delete --dry-run=client cm --all --field-selector metadata.name=one
    same delete --dry-run=client cm --all -l ' '
    same label --dry-run=client cm x=y --all --field-selector metadata.name=one
    same label --dry-run=client cm/one x=y --all
    same wait --for=delete --timeout=1s --all -l tier=web
}

@test "get --watch of a name fails like kubectl for a missing namespace and with -A" {
    # Both exit at once; a watch that started instead would hit the timeout.
    SAME_TIMEOUT=10 same get cm one -n missing -w
    SAME_TIMEOUT=10 same get cm/one -n missing -w
    SAME_TIMEOUT=10 same get cm one -A -w
    SAME_TIMEOUT=10 same get cm/one -A --watch-only
    SAME_TIMEOUT=10 same get cm one/x -w
}

@test "api-resources and config view match kubectl" {
    same api-resources
    same api-resources --namespaced
    same api-resources --namespaced=false
    same api-resources -o name
    same api-resources -o wide
    same api-resources --api-group=containers.rancherdesktop.io
    same api-resources --api-group=
    same api-resources --no-headers
    same config view
    same config view --minify
    same config view --flatten
    same config view --minify --flatten -o json
    same config view -o 'jsonpath={.contexts[*].name}'
}

@test "verbs rdd does not serve run the real kubectl with the instance kubeconfig" {
    run -0 rdd ctl version --client -o json
    assert_output --partial '"clientVersion"'
    run -0 rdd ctl get cm one -w --request-timeout=1s
    run -0 rdd kubectl get cm one -o name
    assert_output "configmap/one"
    run -0 env PATH=/usr/bin:/bin "${RDD_BIN}" ctl explain configmaps
    assert_output --partial "KIND:"
}

@test "without kubectl on PATH, other verbs fail listing the native ones" {
    run -2 env PATH=/nonexistent "${RDD_BIN}" ctl explain configmaps
    assert_output --partial "native verbs: get, describe, wait, wait-condition, patch, delete, create, apply, label, annotate, api-resources, config view"
}

@test "a link named kubectl behaves as rdd kubectl" {
    mkdir -p "${BATS_TEST_TMPDIR}/bin"
    ln -s "${RDD_BIN}" "${BATS_TEST_TMPDIR}/bin/kubectl"
    run -0 env PATH="${BATS_TEST_TMPDIR}/bin:$(dirname "$(readlink -f "${KUBECTL}")"):/usr/bin:/bin" kubectl get ns default -o name
    assert_output "namespace/default"
}
