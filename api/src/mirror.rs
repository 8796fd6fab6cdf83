//! What makes an object a mirror: its name (derived from the engine's
//! identity of the thing), the label that marks it as engine-written, and
//! the finalizer that turns a Kubernetes delete into an engine call
//! (SPEC §4.2–§4.5).

use sha2::{Digest, Sha256};

use crate::container_namespace::MOBY;

/// Finalizer on every engine-written Container, Image and Volume: the
/// engine controller removes the engine object before letting it go.
pub const MIRROR_FINALIZER: &str = "engine.rancherdesktop.io/mirror";
/// Label on every engine-written object; sweeps touch only these.
pub const MIRROR_LABEL: &str = "engine.rancherdesktop.io/mirror";
/// Value of [`MIRROR_LABEL`].
pub const MIRROR_LABEL_VALUE: &str = "true";

/// `img-` + hex(SHA-256(id + "\0" + tag)) for a tag, or
/// `img-` + hex(SHA-256(id)) for a dangling image (no tag).
pub fn image_mirror_name(image_id: &str, tag: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(image_id.as_bytes());
    if let Some(tag) = tag {
        hasher.update([0u8]);
        hasher.update(tag.as_bytes());
    }
    format!("img-{}", hex::encode(hasher.finalize()))
}

/// `vol-` + hex(SHA-256(volume name)): volume names may hold uppercase
/// letters and `_`, which Kubernetes names may not.
pub fn volume_mirror_name(volume_name: &str) -> String {
    format!("vol-{}", hex::encode(Sha256::digest(volume_name.as_bytes())))
}

/// Splits an engine container name into (namespace, name): `/web` and
/// `web` are `moby`'s `web`; `/k8s.io/x` is `k8s.io`'s `x`; only the first
/// segment is a namespace, so `/ns/a/b` is `ns`'s `a/b`.
pub fn parse_container_name(engine_name: &str) -> (&str, &str) {
    let trimmed = engine_name.strip_prefix('/').unwrap_or(engine_name);
    match trimmed.split_once('/') {
        Some((namespace, name)) if !namespace.is_empty() => (namespace, name),
        _ => (MOBY, trimmed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "sha256:4b8d3b8c0e7e2f1a9c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b";

    #[test]
    fn image_names_follow_the_sha256_rule() {
        // Vectors computed independently with:
        //   printf '%s\0%s' "$ID" busybox:latest | sha256sum
        //   printf '%s' "$ID" | sha256sum
        assert_eq!(
            image_mirror_name(ID, Some("busybox:latest")),
            "img-ab52910fd6e8ea505e06251850f1a08b9e6d6f90dc98a3f4fe72fdb0d0f32693"
        );
        assert_eq!(image_mirror_name(ID, None), "img-8857ae7fdb75e9f8cb7d935ce2e214af4beed1109bc2d5f21db9cb8290666b0e");
    }

    #[test]
    fn tag_and_id_cannot_collide_by_concatenation() {
        // Without the NUL separator "ab"+"c" and "a"+"bc" would be equal.
        assert_ne!(image_mirror_name("ab", Some("c")), image_mirror_name("a", Some("bc")));
        assert_ne!(image_mirror_name(ID, Some("")), image_mirror_name(ID, None));
    }

    #[test]
    fn volume_names_follow_the_sha256_rule() {
        // printf '%s' My_Vol_Ume | sha256sum
        assert_eq!(
            volume_mirror_name("My_Vol_Ume"),
            "vol-4c6005b7bf450fd4e00b17a61c957f961d464d4314fd86fc96c47c79ff2da19d"
        );
        let name = volume_mirror_name("My_Vol_Ume");
        assert_eq!(name.len(), 4 + 64);
        assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
    }

    #[test]
    fn container_names_split_into_namespace_and_name() {
        for (input, namespace, name) in [
            ("/plain", "moby", "plain"),
            ("plain", "moby", "plain"),
            ("/k8s.io/x", "k8s.io", "x"),
            ("/ns/a/b", "ns", "a/b"),
            ("", "moby", ""),
            ("/", "moby", ""),
        ] {
            assert_eq!(parse_container_name(input), (namespace, name), "input {input:?}");
        }
    }
}
