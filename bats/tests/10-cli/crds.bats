# rdd crds (SPEC §4): the CRDs generated from the Rust types.

load ../../helpers/load

setup_file() {
    rdd_setup_file
}

@test "rdd crds prints the five CRDs as one YAML stream" {
    run -0 rdd crds
    assert_equal "$(grep -c '^kind: CustomResourceDefinition$' <<<"${output}")" 5
    assert_equal "$(grep -c '^---$' <<<"${output}")" 5
    for name in apps.app.rancherdesktop.io containers.containers.rancherdesktop.io \
        images.containers.rancherdesktop.io volumes.containers.rancherdesktop.io \
        containernamespaces.containers.rancherdesktop.io; do
        assert_line "  name: ${name}"
    done
}

@test "rdd crds carries the CEL rules" {
    run -0 rdd crds
    assert_output --partial "rule: self.metadata.name == 'app'"
    assert_output --partial "message: App resource must be named 'app'"
    assert_output --partial "rule: self == oldSelf"
}

@test "a closed pipe is not an error" {
    run -0 bash -c "'${RDD_BIN}' crds | head -1"
    assert_output "---"
}
