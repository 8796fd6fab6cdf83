# Diagnostics on stderr: levels, RUST_LOG, formats and colour (SPEC §2).

load ../../helpers/load

setup_file() {
    rdd_setup_file
}

@test "CLI commands log nothing below warn by default" {
    run -0 --separate-stderr rdd svc paths dir
    assert_equal "${stderr}" ""
}

@test "--log-level debug shows debug diagnostics on stderr, not stdout" {
    run -0 --separate-stderr rdd --log-level debug svc paths dir
    assert_output "${HOME}/.local/share/rancher-desktop-${RDD_INSTANCE}"
    [[ "${stderr}" == *"DEBUG"*"resolved instance paths"* ]]
}

@test "RDD_LOG_LEVEL sets the level" {
    run -0 --separate-stderr env RDD_LOG_LEVEL=debug "${RDD_BIN}" svc paths dir
    [[ "${stderr}" == *"resolved instance paths"* ]]
}

@test "RUST_LOG applies when no level is given, and a level beats it" {
    run -0 --separate-stderr env RUST_LOG=rdd=debug "${RDD_BIN}" svc paths dir
    [[ "${stderr}" == *"resolved instance paths"* ]]
    run -0 --separate-stderr env RUST_LOG=rdd=debug "${RDD_BIN}" --log-level warn svc paths dir
    assert_equal "${stderr}" ""
}

@test "--log-format json prints one JSON object per line" {
    run -0 --separate-stderr rdd --log-level debug --log-format json svc paths dir
    run -0 jq -r '.level + " " + .fields.message' <<<"${stderr}"
    assert_output "DEBUG resolved instance paths"
}

@test "bad levels, formats and filters are usage errors" {
    run -2 rdd --log-level loud version
    assert_output --partial "[possible values: error, warn, info, debug, trace]"
    run -2 env RDD_LOG_LEVEL=loud "${RDD_BIN}" version
    assert_output --partial "invalid value 'loud'"
    run -2 rdd --log-format xml version
    assert_output --partial "[possible values: text, json]"
    run -2 env RUST_LOG='rdd=[' "${RDD_BIN}" version
    assert_output --partial 'error: invalid RUST_LOG filter "rdd=["'
}

@test "--color always colours errors, never and pipes do not" {
    run -2 rdd --color always --instance a/b version
    assert_output --partial $'\e['
    run -2 rdd --color never --instance a/b version
    refute_output --partial $'\e['
    run -2 rdd --instance a/b version
    refute_output --partial $'\e['
}

@test "--color auto colours a terminal unless NO_COLOR is set" {
    run -2 script -qec "'${RDD_BIN}' --instance a/b version" /dev/null
    assert_output --partial $'\e['
    run -2 script -qec "env NO_COLOR=1 '${RDD_BIN}' --instance a/b version" /dev/null
    refute_output --partial $'\e['
    run -2 rdd --color sometimes version
    assert_output --partial "[possible values: auto, always, never]"
}
