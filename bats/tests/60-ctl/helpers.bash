# Shared by the 60-ctl suites, which run the same request through the real
# kubectl and through `rdd ctl` against one live API server and compare.
# Load after ../../helpers/load.

teardown_file() {
    rdd_serve_stop
}

# print_difference DIR KSTATUS RSTATUS ARGS...: prints what kubectl and
# `rdd ctl` printed (DIR/k.out, k.err, r.out, r.err), how each exited and
# the stdout diff.
print_difference() {
    local d="$1" kstatus="$2" rstatus="$3"
    shift 3
    echo "ARGS: $*" >&2
    echo "kubectl (exit ${kstatus}):" >&2
    cat "${d}/k.out" "${d}/k.err" >&2
    echo "rdd ctl (exit ${rstatus}):" >&2
    cat "${d}/r.out" "${d}/r.err" >&2
    diff "${d}/k.out" "${d}/r.out" >&2 || true
}

# same_stderr DIR ARGS...: unless SAME_STDERR=0, kubectl's and `rdd ctl`'s
# stderr must be identical. Where kubectl names its own binary in an example
# ('kubectl.1.33 get ...'), rdd says 'kubectl get ...'.
same_stderr() {
    local d="$1"
    shift
    sed -i "s/'$(basename "${KUBECTL}") /'kubectl /g" "${d}/k.err"
    if [[ "${SAME_STDERR:-1}" == 1 ]] && ! cmp -s "${d}/k.err" "${d}/r.err"; then
        echo "ARGS: $* — stderr differs" >&2
        diff "${d}/k.err" "${d}/r.err" >&2 || true
        return 1
    fi
}

# same ARGS...: runs ARGS through kubectl and `rdd ctl`; stdout, stderr
# (unless SAME_STDERR=0) and exit codes must match. Each run is stopped
# after SAME_TIMEOUT seconds (default 120; exit 124), so a command that
# should fail at once but starts to watch fails the comparison instead of
# hanging. Seconds tick between the two runs: AGE cells (`12s`) are
# normalised.
same() {
    local d="${BATS_TEST_TMPDIR}" kstatus=0 rstatus=0 config
    config="$(rdd svc paths config)"
    timeout "${SAME_TIMEOUT:-120}" "${KUBECTL}" --kubeconfig "${config}" "$@" >"${d}/k.out" 2>"${d}/k.err" ||
        kstatus=$?
    timeout "${SAME_TIMEOUT:-120}" "${RDD_BIN}" ctl "$@" >"${d}/r.out" 2>"${d}/r.err" || rstatus=$?
    sed -E -i 's/(^|  )[0-9]+s( |$)/\1<age>\2/g' "${d}/k.out" "${d}/r.out"
    if ! cmp -s "${d}/k.out" "${d}/r.out" || [[ "${kstatus}" != "${rstatus}" ]]; then
        print_difference "${d}" "${kstatus}" "${rstatus}" "$@"
        return 1
    fi
    same_stderr "${d}" "$@"
}
