# rdd svc: the background service of an instance, its listener, TLS,
# tokens and kubeconfig (SPEC §3.1, §3.2). Tests run in order and share the
# file's instance; teardown_file stops whatever is left.

load ../../helpers/load

setup_file() {
    rdd_setup_file
    OTHER="${RDD_INSTANCE}-b"
    export OTHER
}

teardown_file() {
    for instance in "${RDD_INSTANCE}" "${OTHER}"; do
        "${RDD_BIN}" --instance "${instance}" svc stop --timeout 20s >/dev/null 2>&1 || true
    done
}

kubectl() {
    "${KUBECTL}" --kubeconfig "$(rdd svc paths config)" "$@"
}

# The server URL, CA file and port of the running instance.
server_url() {
    rdd svc config | awk '/server:/ { print $2; exit }'
}

ca_file() {
    rdd svc config | awk '/certificate-authority-data:/ { print $2; exit }' | base64 -d >"${BATS_FILE_TMPDIR}/ca.pem"
    echo "${BATS_FILE_TMPDIR}/ca.pem"
}

# 6443 + the instance index of SPEC §1 for a non-numeric name.
preferred_port() {
    local name="$1" sum=0 i
    for ((i = 0; i < ${#name}; i++)); do
        sum=$((sum + $(printf '%d' "'${name:i:1}")))
    done
    echo $((6443 + 100 + sum % 100))
}

@test "a new instance is neither created nor running" {
    run -0 rdd svc status
    assert_line "instance  ${RDD_INSTANCE}"
    assert_line "created   false"
    assert_line "running   false"
    run -0 rdd svc status -o json
    assert_equal "$(jq -c '[.created, .running, .pid]' <<<"${output}")" "[false,false,null]"
}

@test "svc config before the first start says how to start" {
    run -1 rdd svc config
    assert_output --partial "has never been started; run \`rdd svc start\`"
}

@test "svc stop when stopped says so and succeeds" {
    run -0 rdd svc stop
    assert_output "rdd service of instance ${RDD_INSTANCE} is already stopped"
}

@test "svc start starts the service in the background and waits until it is ready" {
    run -0 rdd svc start
    assert_output --regexp "^rdd service of instance ${RDD_INSTANCE} started \(pid [0-9]+\) and ready$"
    run -0 rdd svc status -o json
    assert_equal "$(jq -c '[.created, .running, .ready]' <<<"${output}")" "[true,true,true]"
    local pid
    pid="$(jq -r .pid <<<"${output}")"
    assert_equal "$(cat "$(rdd svc paths pid_file)")" "${pid}"
    # Its own session and process group, detached from ours.
    assert_equal "$(ps -o sid= -p "${pid}" | tr -d ' ')" "${pid}"
    assert_equal "$(ps -o pgid= -p "${pid}" | tr -d ' ')" "${pid}"
}

@test "svc start when running says so and succeeds" {
    local pid
    pid="$(cat "$(rdd svc paths pid_file)")"
    run -0 rdd svc start
    assert_output "rdd service of instance ${RDD_INSTANCE} is already running (pid ${pid})"
}

@test "svc status shows the pid, readiness and the server" {
    run -0 rdd svc status
    assert_line "running   true"
    assert_line "ready     true"
    assert_line --regexp "^pid       [0-9]+$"
    assert_line "server    $(server_url)"
}

@test "the service listens on loopback, port 6443 + index" {
    assert_equal "$(server_url)" "https://127.0.0.1:$(preferred_port "${RDD_INSTANCE}")"
    run -0 ss -Htln "sport = :$(preferred_port "${RDD_INSTANCE}")"
    assert_output --regexp "127\.0\.0\.1:$(preferred_port "${RDD_INSTANCE}") "
}

@test "the kubeconfig and the TLS files are private" {
    assert_equal "$(stat -c %a "$(rdd svc paths config)")" 600
    assert_equal "$(stat -c %a "$(rdd svc paths tls_dir)")" 700
    for file in ca.crt server.crt server.key; do
        assert_equal "$(stat -c %a "$(rdd svc paths tls_dir)/${file}")" 600
    done
}

@test "svc config prints the kubeconfig with contexts root and user" {
    run -0 rdd svc config
    assert_equal "${output}" "$(cat "$(rdd svc paths config)")"
    run -0 kubectl config get-contexts -o name
    assert_output $'root\nuser'
    run -0 kubectl config current-context
    assert_output "root"
}

@test "kubectl reads /version and /readyz with the instance kubeconfig" {
    run -0 kubectl get --raw /version
    assert_equal "$(jq -r '.major + "." + .minor' <<<"${output}")" "1.33"
    assert_equal "$(jq -r .gitVersion <<<"${output}")" "v1.33.0-rdd.$(rdd version | cut -d' ' -f2)"
    run -0 kubectl --context root get --raw /readyz
    assert_output "ok"
    run -0 kubectl --context user get --raw '/readyz?verbose'
    assert_line "readyz check passed"
}

@test "a wrong or missing token is refused with 401" {
    run -1 kubectl --token x get --raw /api
    assert_output --partial "Unauthorized"
    command -v curl >/dev/null || skip "curl is not installed"
    local unauthorized='{"apiVersion":"v1","code":401,"kind":"Status","message":"Unauthorized","metadata":{},"reason":"Unauthorized","status":"Failure"}'
    run -0 curl -sS --cacert "$(ca_file)" -H 'Authorization: Bearer x' -w '\n%{http_code}' "$(server_url)/api"
    assert_output "${unauthorized}"$'\n401'
    run -0 curl -sS --cacert "$(ca_file)" -w '\n%{http_code}' "$(server_url)/api"
    assert_output "${unauthorized}"$'\n401'
    # Health is public, as kube's system:public-info-viewer makes it.
    run -0 curl -sS --cacert "$(ca_file)" -w '\n%{http_code}' "$(server_url)/readyz"
    assert_output $'ok\n200'
    # The serving certificate is also valid for localhost.
    run -0 curl -sS --cacert "$(ca_file)" "https://localhost:$(server_url | sed 's/.*://')/livez"
    assert_output "ok"
}

@test "tokens never appear in the service log" {
    local token
    token="$(awk '/token:/ { print $2; exit }' "$(rdd svc paths config)")"
    run -0 rdd --log-level trace svc status
    run -0 rdd svc logs
    assert_output --partial "rdd service started"
    refute_output --partial "${token}"
}

@test "two instances run side by side on different ports and files" {
    run -0 rdd --instance "${OTHER}" svc start
    local a b
    a="$(rdd svc status -o json)"
    b="$(rdd --instance "${OTHER}" svc status -o json)"
    assert_equal "$(jq -r .ready <<<"${b}")" "true"
    assert [ "$(jq -r .server <<<"${a}")" != "$(jq -r .server <<<"${b}")" ]
    assert [ "$(jq -r .pid <<<"${a}")" != "$(jq -r .pid <<<"${b}")" ]
    assert [ "$(jq -r .config <<<"${a}")" != "$(jq -r .config <<<"${b}")" ]
    run -0 "${KUBECTL}" --kubeconfig "$(rdd --instance "${OTHER}" svc paths config)" get --raw /readyz
    assert_output "ok"
    # One instance's token is no key to the other.
    local token
    token="$(awk '/token:/ { print $2; exit }' "$(rdd svc paths config)")"
    run -1 "${KUBECTL}" --kubeconfig "$(rdd --instance "${OTHER}" svc paths config)" --token "${token}" get --raw /api
    assert_output --partial "Unauthorized"
    run -0 rdd --instance "${OTHER}" svc stop
}

@test "svc stop stops the service and removes its pid file" {
    local pid
    pid="$(cat "$(rdd svc paths pid_file)")"
    run -0 rdd svc stop
    assert_output "rdd service of instance ${RDD_INSTANCE} stopped (pid ${pid})"
    # Gone, or a zombie until whoever inherited it reaps it.
    local state
    state="$(ps -o stat= -p "${pid}" || true)"
    [[ -z "${state}" || "${state}" == Z* ]]
    assert_file_not_exists "$(rdd svc paths pid_file)"
    run -0 rdd svc stop
    assert_output --partial "is already stopped"
}

@test "every start rotates the logs and keeps five older ones" {
    local log_dir
    log_dir="$(rdd svc paths log_dir)"
    for i in 1 2 3 4 5 6; do
        rdd svc start >/dev/null
        rdd svc stop >/dev/null
    done
    run -0 ls "${log_dir}"
    assert_output "$(printf '%s\n' rdd.stderr.log rdd.stderr.log.{1..5} rdd.stdout.log rdd.stdout.log.{1..5} | sort)"
    run -0 grep -c "rdd service started" "${log_dir}/rdd.stderr.log"
    assert_output 1
}

@test "svc logs -f follows the log across a restart" {
    rdd svc start >/dev/null
    timeout 3 "${RDD_BIN}" svc logs -f >"${BATS_TEST_TMPDIR}/follow.log" &
    local follower=$!
    sleep 0.3
    rdd svc stop >/dev/null
    rdd svc start >/dev/null
    sleep 0.6
    kill "${follower}" 2>/dev/null || true
    wait "${follower}" || true
    run -0 grep -c "rdd service started" "${BATS_TEST_TMPDIR}/follow.log"
    assert_output 2
    run -0 grep -c "rdd service stopped" "${BATS_TEST_TMPDIR}/follow.log"
    assert_output 1
}

@test "svc logs before any background start says so" {
    run -1 rdd --instance "${OTHER}-never" svc logs
    assert_output --partial "no service log at"
}

@test "the certificate is reused across restarts, the tokens are not" {
    rdd svc start >/dev/null
    local ca token
    ca="$(awk '/certificate-authority-data:/ { print $2; exit }' "$(rdd svc paths config)")"
    token="$(awk '/token:/ { print $2; exit }' "$(rdd svc paths config)")"
    rdd svc stop >/dev/null
    rdd svc start >/dev/null
    assert_equal "$(awk '/certificate-authority-data:/ { print $2; exit }' "$(rdd svc paths config)")" "${ca}"
    assert [ "$(awk '/token:/ { print $2; exit }' "$(rdd svc paths config)")" != "${token}" ]
    run -1 kubectl --token "${token}" get --raw /api
    assert_output --partial "Unauthorized"
}

@test "svc serve runs in the foreground and SIGTERM shuts it down cleanly" {
    rdd svc stop >/dev/null
    "${RDD_BIN}" svc serve 2>"${BATS_TEST_TMPDIR}/serve.log" &
    local pid=$! i
    for ((i = 0; i < 100; i++)); do
        [[ "$(rdd svc status -o json | jq .running)" == true ]] && break
        sleep 0.05
    done
    # svc start waits for a service that is already starting.
    run -0 rdd svc start
    assert_output "rdd service of instance ${RDD_INSTANCE} is already running (pid ${pid})"
    run -0 kubectl get --raw /readyz
    kill -TERM "${pid}"
    local rc=0
    wait "${pid}" || rc=$?
    assert_equal "${rc}" 0
    assert_file_not_exists "$(rdd svc paths pid_file)"
    run -0 cat "${BATS_TEST_TMPDIR}/serve.log"
    assert_output --partial "shutting down gracefully"
    assert_output --partial "rdd service stopped"
}

@test "a second svc serve for a running instance is refused" {
    rdd svc start >/dev/null
    run -1 rdd svc serve
    assert_output --partial "another rdd service is already running for this instance (pid $(cat "$(rdd svc paths pid_file)")"
}

@test "svc serve --port takes exactly that port and fails when it is taken" {
    local port
    port="$(server_url | sed 's/.*://')"
    run -1 rdd --instance "${OTHER}" svc serve --port "${port}"
    assert_output --partial "port ${port} on 127.0.0.1 is in use"
}

@test "svc serve --bind listens on that address, and the certificate names it" {
    "${RDD_BIN}" --instance "${OTHER}" svc serve --bind 127.0.0.2 2>/dev/null &
    local pid=$!
    run -0 rdd --instance "${OTHER}" svc start --timeout 20s
    run -0 rdd --instance "${OTHER}" svc status -o json
    assert_equal "$(jq -r .server <<<"${output}")" "https://127.0.0.2:$(preferred_port "${OTHER}")"
    run -0 "${KUBECTL}" --kubeconfig "$(rdd --instance "${OTHER}" svc paths config)" get --raw /readyz
    assert_output "ok"
    kill -TERM "${pid}"
    local rc=0
    wait "${pid}" || rc=$?
    assert_equal "${rc}" 0
}

@test "svc serve --controllers refuses unknown controllers" {
    run -2 rdd svc serve --controllers '*,-dns'
    assert_output --partial "unknown controller \"dns\": valid controllers are app, engine"
}

@test "timeouts exit 4: a service that ignores SIGTERM, and one that never gets ready" {
    rdd --instance "${OTHER}" svc stop >/dev/null
    local pid_file
    pid_file="$(rdd --instance "${OTHER}" svc paths pid_file)"
    mkdir -p "$(dirname "${pid_file}")"
    # A stand-in holding the pid file's lock, deaf to SIGTERM and to HTTP.
    flock -x "${pid_file}" sh -c 'trap "" TERM; echo $$ >"$0"; exec sleep 60' "${pid_file}" 3>&- &
    local holder=$!
    sleep 0.3
    run -4 rdd --instance "${OTHER}" svc start --timeout 1s
    assert_output --partial "was not ready within 1s"
    run -4 rdd --instance "${OTHER}" svc stop --timeout 1s
    assert_output --partial "did not stop within 1s"
    kill -9 "$(cat "${pid_file}")" "${holder}" 2>/dev/null || true
    wait "${holder}" 2>/dev/null || true
}

@test "a service that dies while starting is reported with its last log lines" {
    local tls_dir
    tls_dir="$(rdd --instance "${OTHER}" svc paths tls_dir)"
    rm -rf "${tls_dir}"
    mkdir -p "$(dirname "${tls_dir}")"
    # A file where the certificate directory belongs: serve cannot start.
    touch "${tls_dir}"
    run -1 rdd --instance "${OTHER}" svc start
    assert_output --partial "exited (exit status: 1) before it was ready; last lines of"
    assert_output --partial "cannot write the TLS files in ${tls_dir}"
    rm -f "${tls_dir}"
}

@test "svc delete stops the service and removes every file of the instance" {
    rdd svc start >/dev/null
    local dir log_dir short_dir
    dir="$(rdd svc paths dir)"
    log_dir="$(rdd svc paths log_dir)"
    short_dir="$(rdd svc paths short_dir)"
    mkdir -p "${short_dir}"
    run -0 rdd svc delete
    assert_line --regexp "^rdd service of instance ${RDD_INSTANCE} stopped \(pid [0-9]+\)$"
    assert_line "removed ${dir}"
    assert_line "removed ${log_dir}"
    assert_line "removed ${short_dir}"
    assert_line "instance ${RDD_INSTANCE} deleted"
    assert_not_exists "${dir}"
    assert_not_exists "${log_dir}"
    assert_not_exists "${short_dir}"
    run -0 rdd svc status -o json
    assert_equal "$(jq -c '[.created, .running]' <<<"${output}")" "[false,false]"
    run -0 rdd svc delete
    assert_output "instance ${RDD_INSTANCE} has no files: nothing to delete"
    run -0 rdd --instance "${OTHER}" svc delete
}
