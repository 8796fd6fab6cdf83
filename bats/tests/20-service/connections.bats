# How many connections a client command opens to a running service: its
# readiness check, discovery and its requests share one TLS connection
# (docs/design/service.md, `ready_client`; SPEC §11 P6 is its speed). The
# service logs each request with the client's address and port at debug.

load ../../helpers/load

setup_file() {
    rdd_setup_file
    RDD_LOG_LEVEL=debug rdd_serve
}

teardown_file() {
    rdd_serve_stop
}

# The request lines the service logged after line $1 of its log.
requests_after() {
    tail -n +"$(($1 + 1))" "${BATS_FILE_TMPDIR}/serve.log" | grep 'server::connection: request '
}

@test "rdd ctl get asks /readyz, discovery and the list on one connection" {
    local before
    before="$(wc -l <"${BATS_FILE_TMPDIR}/serve.log")"
    run -0 rdd ctl get namespaces
    assert_line --regexp '^default +Active'
    run -0 requests_after "${before}"
    assert_line --partial 'path=/readyz'
    assert_line --partial 'path=/apis '
    assert_line --partial 'path=/api/v1/namespaces '
    run -0 bash -c "grep -o 'peer=[^ ]*' <<<'${output}' | sort -u"
    assert_equal "${#lines[@]}" 1
}
