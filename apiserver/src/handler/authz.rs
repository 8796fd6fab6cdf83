//! Authorization: the `root` user may do anything, the read-only `user`
//! only get, list and watch (SPEC §3.2). Denials read like kube's RBAC
//! denials so that users recognise them.

use super::Caller;
use crate::error::ApiError;
use crate::registry::ResourceInfo;
use crate::request::ResourceRequest;

pub fn authorize(caller: &Caller, info: &ResourceInfo, req: &ResourceRequest) -> Result<(), ApiError> {
    if !caller.read_only || req.verb.is_read() {
        return Ok(());
    }
    let resource = match &req.subresource {
        Some(sub) => format!("{}/{sub}", info.resource),
        None => info.resource.clone(),
    };
    let scope = match req.namespace.as_deref().filter(|_| info.namespaced) {
        Some(ns) => format!("in the namespace {ns:?}"),
        None => "at the cluster scope".to_owned(),
    };
    let why = format!(
        "User {:?} cannot {} resource {resource:?} in API group {:?} {scope}",
        caller.name,
        req.verb.as_str(),
        info.group
    );
    Err(ApiError::forbidden(&info.group_resource(), req.name.as_deref().unwrap_or_default(), &why))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;
    use crate::request::Verb;

    fn request(verb: Verb, namespace: Option<&str>, name: Option<&str>) -> ResourceRequest {
        ResourceRequest {
            verb,
            group: String::new(),
            version: "v1".into(),
            namespace: namespace.map(str::to_owned),
            resource: "configmaps".into(),
            name: name.map(str::to_owned),
            subresource: None,
        }
    }

    #[test]
    fn read_only_user_may_read_but_not_write() {
        let snapshot = Registry::new().snapshot();
        let info = snapshot.lookup("", "v1", "configmaps").unwrap();
        let user = Caller { name: "user".into(), read_only: true };
        assert!(authorize(&user, info, &request(Verb::List, Some("default"), None)).is_ok());
        let err = authorize(&user, info, &request(Verb::Create, Some("default"), None)).unwrap_err();
        assert_eq!(err.code, 403);
        assert_eq!(
            err.message,
            r#"configmaps is forbidden: User "user" cannot create resource "configmaps" in API group "" in the namespace "default""#
        );
        let err = authorize(&user, info, &request(Verb::Delete, Some("default"), Some("x"))).unwrap_err();
        assert!(
            err.message.starts_with(r#"configmaps "x" is forbidden: User "user" cannot delete"#),
            "{}",
            err.message
        );
        let root = Caller { name: "system-admin".into(), read_only: false };
        assert!(authorize(&root, info, &request(Verb::Delete, Some("default"), Some("x"))).is_ok());
    }
}
