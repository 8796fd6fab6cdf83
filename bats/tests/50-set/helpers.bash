# Shared set-up of the suites that drive the App against a real service
# and a real managed dockerd (50-set, 30-app). Load after ../../helpers/load.

# Every rdd call may start the service in the background: it must not
# inherit bats' fd 3, or bats waits for the daemon at the end of the file.
rdd() {
    "${RDD_BIN}" "$@" 3>&-
}

app_setup_file() {
    rdd_setup_file
    # Several agents and CI jobs share the machine: no docker0, no iptables.
    export RDD_DOCKERD_ARGS="--bridge=none --iptables=false --ip6tables=false"
    unset RDD_DOCKERD RDD_CONTAINERD DOCKER_HOST
    if [[ $(id -u) -ne 0 ]]; then
        echo "# the managed dockerd needs root" >&3
        return 1
    fi
}

# Stops the service (and with it the managed engine), removes the files.
app_teardown_file() {
    rdd svc delete --timeout 90s >/dev/null 2>&1 || rdd svc stop >/dev/null 2>&1 || true
}

# One field of the App, by kubectl jsonpath.
app_field() {
    k get app app -o jsonpath="$1"
}

# `STATUS REASON OBSERVED-GENERATION` of an App condition.
app_condition() {
    app_field "{.status.conditions[?(@.type==\"$1\")].status} {.status.conditions[?(@.type==\"$1\")].reason} {.status.conditions[?(@.type==\"$1\")].observedGeneration}"
}

docker_sock() {
    rdd svc paths docker_socket
}

# docker against this instance's managed dockerd.
d() {
    docker -H "unix://$(docker_sock)" "$@"
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# A fake dockerd at PATH running BODY (a shell script body).
fake_engine() {
    local path="$1" body="$2"
    printf '#!/bin/bash\n%s\n' "${body}" >"${path}"
    chmod +x "${path}"
}
