# rdd's command frame: help, version, usage errors (SPEC §2).

load ../../helpers/load

setup_file() {
    rdd_setup_file
}

@test "rdd --help lists only the commands that work" {
    run -0 rdd --help
    assert_output --partial "Usage: rdd [OPTIONS] <COMMAND>"
    commands=$(sed -n '/^Commands:/,/^$/p' <<<"${output}" | awk 'NR > 1 && NF { print $1 }' | paste -sd' ')
    assert_equal "${commands}" "svc set start stop delete run ctl kubectl crds completion version help"
}

@test "rdd --help documents the global options" {
    run -0 rdd --help
    for option in --instance --log-level --log-format --color; do
        assert_output --partial -- "${option}"
    done
    assert_output --partial "env: RDD_INSTANCE"
    assert_output --partial "env: RDD_LOG_LEVEL"
}

@test "rdd version and rdd --version print the same version" {
    run -0 rdd version
    assert_output --regexp '^rdd [0-9]+\.[0-9]+\.[0-9]+$'
    local version="${output}"
    run -0 rdd --version
    assert_output "${version}"
}

@test "rdd without a command is a usage error" {
    run -2 rdd
    assert_output --partial "Usage: rdd [OPTIONS] <COMMAND>"
}

@test "an unknown command is a usage error" {
    run -2 rdd frobnicate
    assert_output --partial "unrecognized subcommand 'frobnicate'"
}

@test "an unknown option is a usage error" {
    run -2 rdd version --frobnicate
    assert_output --partial "unexpected argument '--frobnicate'"
}

@test "svc help lists the service commands" {
    run -0 rdd svc --help
    commands=$(sed -n '/^Commands:/,/^$/p' <<<"${output}" | awk 'NR > 1 && NF { print $1 }' | paste -sd' ')
    assert_equal "${commands}" "serve start stop status config logs delete paths help"
}

@test "rdd set --help appends the built-in property table when the service is not running" {
    run -0 rdd set --help
    assert_output --partial "Usage: rdd set [OPTIONS] <PROP=VALUE>..."
    assert_output --partial "Settable properties (from the App CRD built into this rdd, since the service of instance ${RDD_INSTANCE} is not running"
    assert_line --regexp '^PROPERTY +VALUES +DESCRIPTION$'
    assert_line --regexp '^containerEngine\.name +moby\|containerd +The engine'
    assert_line --regexp '^running +boolean +'
    refute_line --regexp '^namespace '
    # Help never starts the service.
    run -0 rdd svc status
    assert_line --regexp '^running +false$'
    run -0 rdd help set
    assert_line --regexp '^running +boolean +'
    run -0 rdd set -h
    assert_line --regexp '^running +boolean +'
}
