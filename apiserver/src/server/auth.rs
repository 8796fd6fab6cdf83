//! Authentication (SPEC §3.2): two bearer tokens, made fresh at every
//! start, map a request to a [`Caller`]. The API (not this module) decides
//! what a caller may do. Tokens never leave this module except into the
//! kubeconfig, and their `Debug` form is redacted so they cannot reach a
//! log by accident.

use std::fmt;

use http::HeaderMap;
use http::header::AUTHORIZATION;

/// The user name of the `root` token (full access).
pub const ROOT_USER: &str = "system-admin";
/// The user name of the `user` token (read-only: get, list, watch).
pub const READ_ONLY_USER: &str = "user";

/// Who is asking: the shell authenticates, the API authorizes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub read_only: bool,
}

impl Caller {
    pub fn root() -> Self {
        Caller { name: ROOT_USER.to_owned(), read_only: false }
    }

    pub fn read_only_user() -> Self {
        Caller { name: READ_ONLY_USER.to_owned(), read_only: true }
    }
}

/// The outcome of looking at a request's credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Authentication {
    /// No bearer token: allowed only on the health endpoints.
    Anonymous,
    Authenticated(Caller),
    /// A bearer token that is not one of ours: 401 everywhere, as in kube,
    /// where failed credentials never fall back to anonymous.
    Rejected,
}

/// Why tokens could not be made.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomError(getrandom::Error);

/// The bearer tokens of one server start.
#[derive(Clone)]
pub struct Tokens {
    root: String,
    user: String,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tokens { root: <redacted>, user: <redacted> }")
    }
}

fn random_token() -> Result<String, RandomError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(RandomError)?;
    Ok(hex::encode(bytes))
}

impl Tokens {
    /// Two independent 256-bit tokens from the OS random source.
    pub fn generate() -> Result<Tokens, RandomError> {
        Ok(Tokens { root: random_token()?, user: random_token()? })
    }

    /// The token of the `root` context (only for writing the kubeconfig).
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The token of the read-only `user` context (only for writing the kubeconfig).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Reads `Authorization: Bearer <token>`. Another scheme counts as no
    /// credentials, as kube's bearer-token authenticator does.
    pub fn authenticate(&self, headers: &HeaderMap) -> Authentication {
        let Some(value) = headers.get(AUTHORIZATION) else {
            return Authentication::Anonymous;
        };
        let Ok(value) = value.to_str() else {
            return Authentication::Rejected;
        };
        let mut parts = value.trim().splitn(2, ' ');
        let scheme = parts.next().unwrap_or_default();
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Authentication::Anonymous;
        }
        let token = parts.next().unwrap_or_default().trim();
        // Compare both so the time taken says nothing about which matched.
        let is_root = constant_time_eq(token.as_bytes(), self.root.as_bytes());
        let is_user = constant_time_eq(token.as_bytes(), self.user.as_bytes());
        match (is_root, is_user) {
            (true, _) => Authentication::Authenticated(Caller::root()),
            (_, true) => Authentication::Authenticated(Caller::read_only_user()),
            _ => Authentication::Rejected,
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(value: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = value {
            headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn tokens_map_to_callers() {
        let tokens = Tokens::generate().unwrap();
        assert_eq!(tokens.root().len(), 64);
        assert_ne!(tokens.root(), tokens.user());
        let root = format!("Bearer {}", tokens.root());
        let user = format!("bearer {}", tokens.user());
        assert_eq!(tokens.authenticate(&headers(Some(&root))), Authentication::Authenticated(Caller::root()));
        assert_eq!(tokens.authenticate(&headers(Some(&user))), Authentication::Authenticated(Caller::read_only_user()));
        assert_eq!(tokens.authenticate(&headers(None)), Authentication::Anonymous);
        assert_eq!(tokens.authenticate(&headers(Some("Basic YTpi"))), Authentication::Anonymous);
        assert_eq!(tokens.authenticate(&headers(Some("Bearer x"))), Authentication::Rejected);
        assert_eq!(tokens.authenticate(&headers(Some("Bearer"))), Authentication::Rejected);
        let truncated = format!("Bearer {}", &tokens.root()[..63]);
        assert_eq!(tokens.authenticate(&headers(Some(&truncated))), Authentication::Rejected);
    }

    #[test]
    fn tokens_are_redacted_in_debug_output() {
        let tokens = Tokens::generate().unwrap();
        let debug = format!("{tokens:?}");
        assert!(!debug.contains(tokens.root()) && !debug.contains(tokens.user()), "{debug}");
    }
}
