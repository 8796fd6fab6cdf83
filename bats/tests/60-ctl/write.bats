# The writing verbs of `rdd ctl` (patch, delete, create, apply, label,
# annotate) against the real kubectl 1.33 (SPEC §8). Every invocation runs
# twice from the same starting state (reset before each run): once through
# kubectl, once through `rdd ctl`, against one live API server and one
# kubeconfig. stdout, the exit code, stderr (unless SAME_STDERR=0) and the
# resulting objects (JSON without uid, resourceVersion, timestamps,
# generation and managedFields) must be identical. In `-o yaml|json`
# output the lines of those volatile fields are dropped before comparing.

load ../../helpers/load
load helpers

setup_file() {
    rdd_setup_file
    rdd_serve
    F="${BATS_FILE_TMPDIR}"
    export F
    cat >"${F}/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.test.rdd.io
spec:
  group: test.rdd.io
  names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wd], listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
YAML
    k apply -f "${F}/crd.yaml" >/dev/null
    # Objects made with apply (they carry the last-applied annotation).
    cat >"${F}/base-apply.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
  labels: {tier: web}
data:
  a: "1"
  b: "2"
---
apiVersion: test.rdd.io/v1
kind: Widget
metadata:
  name: w1
spec:
  size: 3
  tags: [a, b]
  nested: {x: 1, w: 2}
YAML
    # Objects made with create (no annotation).
    cat >"${F}/base-create.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: two
  labels: {tier: db}
  annotations: {note: x}
data:
  c: "3"
---
apiVersion: v1
kind: Secret
metadata:
  name: s
data:
  p: cA==
---
apiVersion: test.rdd.io/v1
kind: Widget
metadata:
  name: w2
  labels: {tier: web, keep: "yes"}
spec:
  size: 1
YAML
    cat >"${F}/changed.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
data:
  a: "10"
  z: "26"
---
apiVersion: test.rdd.io/v1
kind: Widget
metadata:
  name: w1
spec:
  size: 4
  tags: [a, b, c]
  nested: {x: 1}
YAML
    cat >"${F}/two.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: two
  labels: {tier: db}
data:
  c: "33"
YAML
    cat >"${F}/new.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: three
  labels: {tier: web}
data:
  k: "<v&>"
---
apiVersion: v1
kind: Namespace
metadata:
  name: wt-a
---
apiVersion: test.rdd.io/v1
kind: Widget
metadata:
  name: w3
spec:
  size: 7
YAML
    echo '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"four"},"data":{"j":"son"}}' >"${F}/four.json"
    # A YAML 1.1 boolean where ObjectMeta holds strings: kubectl refuses it
    # before it sends anything.
    cat >"${F}/bad-meta.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: bad-meta
  annotations: {enabled: yes}
YAML
    cat >"${F}/bad-data.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: bad-data
data:
  enabled: yes
YAML
    # YAML 1.1 as kubectl reads it: leading-zero octal, yes/Off booleans,
    # keys that resolve to booleans or numbers, a repeated key.
    cat >"${F}/yaml11.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: yaml11
data:
  mode: 0644
  negative: -017
  hex: 0x_1F
  enabled: yes
  disabled: Off
  quoted: "0644"
  y: north
  1.0: one
  "n": kept
  twice: first
  twice: second
---
apiVersion: test.rdd.io/v1
kind: Widget
metadata:
  name: w-octal
spec:
  size: 010
YAML
    cat >"${F}/bad-kind.yaml" <<'YAML'
apiVersion: test.rdd.io/v1
kind: Gadget
metadata:
  name: g
YAML
    : >"${F}/count"
    reset
    state >"${F}/base.state"
}

# The starting state of every run. A run that left the state as it was
# (an error, a dry run, a no-op) needs no reset before the next one.
reset() {
    [[ -f "${F}/clean" ]] && return 0
    k delete cm,secret,widgets --all -n default >/dev/null 2>&1
    k delete ns wt-a wt-b --ignore-not-found >/dev/null 2>&1
    k apply -f "${F}/base-apply.yaml" >/dev/null
    k create -f "${F}/base-create.yaml" >/dev/null
    touch "${F}/clean"
}

# The objects a run may change, without what differs between two runs.
state() {
    k get cm,secret,widgets,ns -A -o json |
        jq -S '[.items[] | select(.metadata.namespace == "default" or (.kind == "Namespace" and (.metadata.name | startswith("wt-"))))]
            | walk(if type == "object" then del(.uid, .resourceVersion, .creationTimestamp, .managedFields, .generation) else . end)'
}

# Records the state after a run, and whether it is still the reset one.
record() {
    state >"$1"
    if cmp -s "$1" "${F}/base.state"; then touch "${F}/clean"; else rm -f "${F}/clean"; fi
}

# twice ARGS: kubectl ARGS and `rdd ctl ARGS`, each from a fresh reset.
# STDIN names a file fed to both.
twice() {
    local d="${BATS_TEST_TMPDIR}" kstatus=0 rstatus=0
    reset
    k "$@" <"${STDIN:-/dev/null}" >"${d}/k.out" 2>"${d}/k.err" || kstatus=$?
    record "${d}/k.state"
    reset
    rdd ctl "$@" <"${STDIN:-/dev/null}" >"${d}/r.out" 2>"${d}/r.err" || rstatus=$?
    record "${d}/r.state"
    echo "$*" >>"${F}/count"
    sed -E -i '/^ *"?(uid|resourceVersion|creationTimestamp)"?: /d' "${d}/k.out" "${d}/r.out"
    if ! cmp -s "${d}/k.out" "${d}/r.out" || [[ "${rstatus}" != "${kstatus}" ]]; then
        print_difference "${d}" "${kstatus}" "${rstatus}" "$@"
        return 1
    fi
    same_stderr "${d}" "$@"
    if ! cmp -s "${d}/k.state" "${d}/r.state"; then
        echo "ARGS: $* — resulting objects differ" >&2
        diff "${d}/k.state" "${d}/r.state" >&2 || true
        return 1
    fi
}

@test "patch like kubectl" {
    twice patch cm one -p '{"data":{"c":"3"}}'
    twice patch configmap/one --type merge -p '{"data":{"a":null}}'
    twice patch cm one --type json -p '[{"op":"replace","path":"/data/a","value":"9"}]'
    twice patch cm one -p '{"data":{"a":"1"}}'
    twice patch cm one -p '{"data":{"c":"3"}}' --dry-run=server
    twice patch cm one -p 'data: {c: "3"}' -o yaml
    twice patch cm one -p '{"data":{"c":"3"}}' --dry-run=client -o json
    twice patch cm one two -p '{"data":{"z":"1"}}' -o name
    twice patch wd w1 --type merge -p '{"spec":{"size":5}}'
    twice patch widget.test.rdd.io/w1 --type json -p '[{"op":"add","path":"/spec/color","value":"red"}]'
    twice patch widgets w1 -p '{"spec":{"size":5}}'
    twice patch cm nope -p '{}'
    twice patch cm one nope -p '{"data":{"y":"1"}}'
    twice patch cm one --type foo -p '{}'
    twice patch cm one
    twice patch cm -p '{}'
    twice patch cm one --type json -p '[{"op":"remove","path":"/data/zz"}]'
}

@test "delete like kubectl" {
    twice delete cm one
    twice delete cm one two
    twice delete cm nope
    twice delete cm nope --ignore-not-found
    twice delete cm -l tier=web
    twice delete cm,wd -l tier=web
    twice delete cm -l tier=none
    twice delete cm,widgets --all
    twice delete cm one --dry-run=server
    twice delete wd/w1 cm/nope
    twice delete cm one -o name
    twice delete cm one --wait=false
    twice delete cm one --timeout=10s
    twice delete secret s -n default
    twice delete cm
    twice delete cm one -o yaml
    twice delete cm one -l tier=web
}

@test "create like kubectl" {
    twice create -f "${F}/new.yaml"
    twice create -f "${F}/new.yaml" -o name
    twice create -f "${F}/new.yaml" --dry-run=server
    twice create -f "${F}/new.yaml" --dry-run=client -o yaml
    twice create -f "${F}/four.json" -o json
    twice create -f "${F}/yaml11.yaml" --dry-run=client -o json
    twice create -f "${F}/bad-meta.yaml"
    twice apply -f "${F}/bad-meta.yaml"
    twice create -f "${F}/bad-data.yaml"
    STDIN="${F}/new.yaml" twice create -f -
    twice create -f "${F}/base-create.yaml"
    # kubectl fails validating the unknown kind (no OpenAPI for it) where rdd reports the missing mapping.
    SAME_STDERR=0 twice create -f "${F}/bad-kind.yaml"
    twice create -f "${F}/missing.yaml"
    twice create
    twice create namespace wt-b
    twice create ns wt-b -o yaml --dry-run=client
    twice create ns wt-b -o json
    twice create ns default
    twice create configmap three --from-literal=a=1 --from-literal=b=x=y
    twice create cm three --from-literal=a=1 -o yaml
    twice create cm three --from-literal=a=1 -n default --dry-run=client -o json
    twice create cm one --from-literal=a=1
    twice create cm three --from-literal=bad
    twice create cm
    twice create secret generic s2 --from-literal=p=secret -o json
    twice create secret generic s2 --from-literal=p=secret --dry-run=server
    twice create secret generic s --from-literal=p=1
}

@test "apply like kubectl" {
    twice apply -f "${F}/base-apply.yaml"
    twice apply -f "${F}/changed.yaml"
    twice apply -f "${F}/changed.yaml" -o name
    twice apply -f "${F}/changed.yaml" --dry-run=server
    twice apply -f "${F}/new.yaml"
    STDIN="${F}/new.yaml" twice apply -f -
    twice apply -f "${F}/two.yaml"
    SAME_STDERR=0 twice apply -f "${F}/bad-kind.yaml"
    twice apply -f "${F}/missing.yaml"
    twice apply
    twice apply --server-side -f "${F}/new.yaml"
    twice apply --server-side -f "${F}/new.yaml" --dry-run=server -o name
    # Two conflicts: kubectl prints its aggregate bare, rdd's first line starts with `error: `.
    SAME_STDERR=0 twice apply --server-side -f "${F}/changed.yaml"
    twice apply --server-side -f "${F}/two.yaml" --force-conflicts
}

@test "label and annotate like kubectl" {
    twice label cm one x=1
    twice label cm one tier=db
    twice label cm one tier=db --overwrite
    twice label cm one tier-
    twice label cm one nope-
    twice label cm one tier=web
    twice label cm one tier- x=1
    twice label cm --all t=1
    twice label cm,wd -l tier=web t=1 -o name
    twice label wd w2 keep=no --overwrite --dry-run=server
    twice label cm one x=1 --dry-run=client -o yaml
    twice label cm one x=1 x-
    twice label cm one b=c=d
    twice label cm nope x=1
    twice label cm one
    twice annotate cm two note=y
    twice annotate cm two note=y --overwrite
    twice annotate cm two note-
    twice annotate cm --all k=v
    twice annotate wd w1 k=v --dry-run=server
    twice annotate cm two k=v -o json
    twice annotate cm two note=y note-
}

@test "at least 35 invocations were compared" {
    local n
    n="$(wc -l <"${F}/count")"
    echo "compared ${n} invocations" >&3
    [[ "${n}" -ge 35 ]]
}
