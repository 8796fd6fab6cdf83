# rdd completion (SPEC §2) and the committed scripts in completions/.

load ../../helpers/load

setup_file() {
    rdd_setup_file
}

@test "every supported shell gets a script" {
    for shell in bash zsh fish elvish powershell; do
        run -0 rdd completion "${shell}"
        assert [ -n "${output}" ]
    done
}

@test "the bash script completes rdd's commands" {
    run -0 bash -c "source <('${RDD_BIN}' completion bash) && complete -p rdd"
    assert_output --regexp "^complete .*-F _rdd rdd$"
}

@test "the committed scripts are current" {
    run -0 rdd completion bash
    assert_equal "${output}" "$(cat "${REPO_ROOT}/completions/rdd.bash")"
    run -0 rdd completion zsh
    assert_equal "${output}" "$(cat "${REPO_ROOT}/completions/_rdd")"
    run -0 rdd completion fish
    assert_equal "${output}" "$(cat "${REPO_ROOT}/completions/rdd.fish")"
}

@test "an unknown shell is a usage error listing the valid shells" {
    run -2 rdd completion tcsh
    assert_output --partial "invalid value 'tcsh'"
    assert_output --partial "[possible values: bash, elvish, fish, powershell, zsh]"
}
