# rdd svc paths and the instance model (SPEC §1).

load ../../helpers/load

setup_file() {
    rdd_setup_file
}

@test "all paths of the default instance follow the XDG defaults" {
    run -0 env -u RDD_INSTANCE "${RDD_BIN}" svc paths
    assert_line --index 0 "dir            ${HOME}/.local/share/rancher-desktop-2"
    assert_line --index 1 "log_dir        ${HOME}/.local/state/rancher-desktop-2"
    assert_line --index 2 "config         ${HOME}/.local/share/rancher-desktop-2/config.yaml"
    assert_line --index 3 "db             ${HOME}/.local/share/rancher-desktop-2/db/state.db"
    assert_line --index 4 "tls_dir        ${HOME}/.local/share/rancher-desktop-2/tls"
    assert_line --index 5 "pid_file       ${HOME}/.local/share/rancher-desktop-2/rdd.pid"
    assert_line --index 6 "short_dir      ${HOME}/.rd2"
    assert_line --index 7 "docker_socket  ${HOME}/.rd2/docker.sock"
    assert_line --index 8 "engine_dir     ${HOME}/.local/share/rancher-desktop-2/engine"
    assert_equal "${#lines[@]}" 9
}

@test "a key prints just that path" {
    run -0 rdd svc paths docker_socket
    assert_output "${HOME}/.rd${RDD_INSTANCE}/docker.sock"
}

@test "RDD_INSTANCE and --instance select the instance" {
    run -0 env RDD_INSTANCE=7 "${RDD_BIN}" svc paths short_dir
    assert_output "${HOME}/.rd7"
    run -0 rdd --instance other svc paths dir
    assert_output "${HOME}/.local/share/rancher-desktop-other"
}

@test "--instance must come before the command" {
    run -2 rdd svc paths --instance other
    assert_output --partial "unexpected argument '--instance'"
}

@test "two instances share no path" {
    run -0 rdd --instance a svc paths -o shell
    local a="${output}"
    run -0 rdd --instance b svc paths -o shell
    local b="${output}"
    # Every value differs: no line of one appears in the other.
    run comm -12 <(cut -d= -f2- <<<"${a}" | sort) <(cut -d= -f2- <<<"${b}" | sort)
    assert_output ""
}

@test "XDG_DATA_HOME, XDG_STATE_HOME and RDD_LOG_DIR are honoured" {
    run -0 env XDG_DATA_HOME=/data XDG_STATE_HOME=/state "${RDD_BIN}" svc paths dir
    assert_output "/data/rancher-desktop-${RDD_INSTANCE}"
    run -0 env XDG_DATA_HOME=/data XDG_STATE_HOME=/state "${RDD_BIN}" svc paths log_dir
    assert_output "/state/rancher-desktop-${RDD_INSTANCE}"
    run -0 env RDD_LOG_DIR=/var/log/rdd-test "${RDD_BIN}" svc paths log_dir
    assert_output "/var/log/rdd-test"
}

@test "relative XDG values are ignored" {
    run -0 env XDG_DATA_HOME=relative "${RDD_BIN}" svc paths dir
    assert_output "${HOME}/.local/share/rancher-desktop-${RDD_INSTANCE}"
}

@test "-o json prints an object of every path" {
    run -0 rdd svc paths -o json
    run -0 jq -r '.docker_socket' <<<"${output}"
    assert_output "${HOME}/.rd${RDD_INSTANCE}/docker.sock"
    run -0 rdd svc paths -o json
    run -0 jq -r 'keys_unsorted | join(" ")' <<<"${output}"
    assert_output "dir log_dir config db tls_dir pid_file short_dir docker_socket engine_dir"
    run -0 rdd svc paths -o json config
    run -0 jq -r . <<<"${output}"
    assert_output "${HOME}/.local/share/rancher-desktop-${RDD_INSTANCE}/config.yaml"
}

@test "-o shell can be evaluated" {
    run -0 rdd svc paths -o shell
    eval "${output}"
    assert_equal "${RDD_CONFIG}" "${HOME}/.local/share/rancher-desktop-${RDD_INSTANCE}/config.yaml"
    assert_equal "${RDD_DOCKER_SOCKET}" "${HOME}/.rd${RDD_INSTANCE}/docker.sock"
}

@test "paths are computed, never created" {
    run -0 rdd svc paths
    run -0 find "${HOME}" -mindepth 1
    assert_output ""
}

@test "an unknown key is a usage error listing the valid keys" {
    run -2 rdd svc paths nope
    assert_output --partial "invalid value 'nope' for '[KEY]'"
    assert_output --partial "[possible values: dir, log_dir, config, db, tls_dir, pid_file, short_dir, docker_socket, engine_dir]"
}

@test "an unknown format is a usage error listing the valid formats" {
    run -2 rdd svc paths -o yaml
    assert_output --partial "invalid value 'yaml' for '--output <FORMAT>'"
    assert_output --partial "[possible values: table, json, shell]"
}

@test "an invalid instance name is a usage error saying what is valid" {
    run -2 rdd --instance a/b svc paths
    assert_output "error: invalid instance name \"a/b\": use 1 to 32 characters from A-Z, a-z, 0-9, '.', '_' and '-', not starting with '.' or '-' (from --instance or RDD_INSTANCE)"
    run -2 env RDD_INSTANCE=.. "${RDD_BIN}" svc paths
    assert_output --partial 'invalid instance name ".."'
}

@test "without HOME the paths cannot be computed" {
    run -1 env -u HOME "${RDD_BIN}" svc paths
    assert_output "error: HOME is not set: rdd keeps each instance's files under the home directory; set HOME"
}
