# Container ports in the mirror (SPEC §4.2, issue 5): published ports with
# their host bindings and exposed-only ports without, as Docker reports them.
#
# The managed dockerd runs with --bridge=none --iptables=false (the machine
# is shared), so the default bridge network does not exist, and on
# `--network none` Docker silently drops `-p`. A user-defined bridge
# network works without iptables: Docker publishes through its userland
# proxy (docker-proxy), so NetworkSettings.Ports carries real bindings.
# Host ports are left to Docker (ephemeral) so that parallel runs never
# collide; the network is removed again so no bridge outlives the test.

load ../../helpers/load
load ../50-set/helpers
load helpers

NETWORK=rdd-ports

setup_file() {
    app_setup_file
    rdd svc start >/dev/null
    rdd start >/dev/null
    import_busybox rdd-test/busybox:1
    d network create "${NETWORK}" >/dev/null
}

teardown_file() {
    d rm -f ported >/dev/null 2>&1 || true
    d network rm "${NETWORK}" >/dev/null 2>&1 || true
    app_teardown_file
}

# The ports Docker reports for container $1, in the mirror's form: exposed
# ports and published ports by name, sorted; bindings only where Docker
# bound something, sorted by host IP then host port.
docker_ports() {
    d inspect "$1" | jq -cS '.[0]
        | ((.Config.ExposedPorts // {}) | map_values(null)) + (.NetworkSettings.Ports // {})
        | to_entries | sort_by(.key)
        | map({name: .key} + (if (.value // []) == [] then {} else
            {bindings: (.value | map({hostIp: .HostIp, hostPort: .HostPort}) | unique | sort_by(.hostIp, .hostPort))}
          end))'
}

mirror_ports() {
    kn get container "$1" -o json | jq -cS '.status.ports // []'
}

# Waits (at most 30 s) until the mirror's ports are Docker's.
wait_ports() {
    local deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
        [[ "$(mirror_ports "$1")" == "$(docker_ports "$1")" ]] && return 0
        sleep 0.2
    done
    echo "mirror: $(mirror_ports "$1")" >&2
    echo "docker: $(docker_ports "$1")" >&2
    return 1
}

@test "docker run -p / --expose → the Container mirror shows ports with and without host bindings" {
    local cid tcp udp
    cid="$(d run -d --network "${NETWORK}" --name ported -p 127.0.0.1::80 -p 81/udp --expose 82 \
        rdd-test/busybox:1 sleep 300)"
    wait_field container "${cid}" '{.status.status}' running
    tcp="$(d port ported 80/tcp | cut -d: -f2)"
    udp="$(d port ported 81/udp | head -n1 | cut -d: -f2)"
    [[ "${tcp}" =~ ^[0-9]+$ && "${udp}" =~ ^[0-9]+$ ]]
    wait_ports "${cid}"
    run -0 kn get container "${cid}" -o jsonpath='{.status.ports[*].name}'
    assert_output "80/tcp 81/udp 82/tcp"
    # A published port: the binding Docker made, host IP as asked.
    run -0 kn get container "${cid}" -o jsonpath='{.status.ports[?(@.name=="80/tcp")].bindings[*].hostIp}:{.status.ports[?(@.name=="80/tcp")].bindings[*].hostPort}'
    assert_output "127.0.0.1:${tcp}"
    # Published on every address: one binding per family, sorted by host IP.
    run -0 kn get container "${cid}" -o jsonpath='{.status.ports[?(@.name=="81/udp")].bindings[*].hostIp}'
    assert_output --regexp '^0\.0\.0\.0( ::)?$'
    run -0 kn get container "${cid}" -o jsonpath='{.status.ports[?(@.name=="81/udp")].bindings[0].hostPort}'
    assert_output "${udp}"
    # Exposed only: no bindings at all.
    run -0 kn get container "${cid}" -o json
    run -0 jq -c '.status.ports[] | select(.name == "82/tcp")' <<<"${output}"
    assert_output '{"name":"82/tcp"}'
}

@test "stop releases the host bindings and start brings them back, in the mirror too" {
    local cid
    cid="$(d inspect --format '{{.Id}}' ported)"
    d stop -t 0 ported >/dev/null
    wait_field container "${cid}" '{.status.status}' exited
    wait_ports "${cid}"
    # Docker releases the bindings of a stopped container: every port is
    # left exposed only.
    run -0 kn get container "${cid}" -o jsonpath='{.status.ports[*].name}|{.status.ports[*].bindings}'
    assert_output "80/tcp 81/udp 82/tcp|"
    d start ported >/dev/null
    wait_field container "${cid}" '{.status.status}' running
    wait_ports "${cid}"
    run -0 kn get container "${cid}" -o jsonpath='{.status.ports[?(@.name=="80/tcp")].bindings[0].hostPort}'
    assert_output "$(d port ported 80/tcp | cut -d: -f2)"
    d rm -f ported >/dev/null
    wait_gone container "${cid}"
}
