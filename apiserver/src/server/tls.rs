//! The serving certificate (SPEC §3.2): a self-signed CA and a serving
//! certificate for `localhost`, `127.0.0.1`, `::1` (plus an explicitly
//! bound address), kept in `tls_dir` and reused across restarts while they
//! still verify for every name for at least [`RENEW_BEFORE`].
//!
//! The CA's key is never stored: the CA exists only to sign the serving
//! certificate, and whenever that must be renewed both are made anew. The
//! kubeconfig is rewritten at every start anyway, so a new CA costs
//! clients nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use super::files::{create_private_dir, write_private};

/// A certificate closer to its end than this is renewed at start.
pub const RENEW_BEFORE: Duration = Duration::from_secs(30 * 24 * 3600);
const SERVING_DAYS: i64 = 365;
const CA_DAYS: i64 = 3650;
const CA_FILE: &str = "ca.crt";
const CERT_FILE: &str = "server.crt";
const KEY_FILE: &str = "server.key";

/// Why the TLS material could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot write the TLS files in {dir}: {source}; check that the directory is writable", dir = dir.display())]
    Write { dir: PathBuf, source: std::io::Error },
    #[error("generating the self-signed certificate failed: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the TLS configuration was refused: {0}")]
    Rustls(#[from] rustls::Error),
}

/// What the listener and the kubeconfig need.
pub struct TlsMaterial {
    /// The CA certificate (PEM) clients trust, embedded in the kubeconfig.
    pub ca_pem: String,
    pub server_config: Arc<rustls::ServerConfig>,
    /// True when the files on disk were reused rather than made now.
    pub reused: bool,
}

/// The names the serving certificate must be valid for.
pub fn serving_names(extra: Option<IpAddr>) -> (Vec<String>, Vec<IpAddr>) {
    let mut ips = vec![IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)];
    if let Some(ip) = extra.filter(|ip| !ip.is_unspecified() && !ips.contains(ip)) {
        ips.push(ip);
    }
    (vec!["localhost".to_owned()], ips)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Loads the certificate from `tls_dir` if it is still good for the names
/// (including `extra_ip`, an explicitly bound address), else makes and
/// stores a new one.
pub fn load_or_create(tls_dir: &Path, extra_ip: Option<IpAddr>) -> Result<TlsMaterial, TlsError> {
    let (dns, ips) = serving_names(extra_ip);
    match load(tls_dir, &dns, &ips) {
        Ok(material) => return Ok(material),
        Err(why) => tracing::info!(dir = %tls_dir.display(), reason = %why, "making a new serving certificate"),
    }
    let (ca_pem, cert_pem, key_pem) = generate(&dns, &ips)?;
    let write_err = |source| TlsError::Write { dir: tls_dir.to_owned(), source };
    create_private_dir(tls_dir).map_err(write_err)?;
    write_private(&tls_dir.join(KEY_FILE), key_pem.as_bytes()).map_err(write_err)?;
    write_private(&tls_dir.join(CERT_FILE), cert_pem.as_bytes()).map_err(write_err)?;
    write_private(&tls_dir.join(CA_FILE), ca_pem.as_bytes()).map_err(write_err)?;
    let server_config = server_config(&cert_pem, &key_pem).map_err(|why| match why {
        LoadError::Rustls(err) => TlsError::Rustls(err),
        other => TlsError::Rustls(rustls::Error::General(other.to_string())),
    })?;
    Ok(TlsMaterial { ca_pem, server_config, reused: false })
}

/// Why stored files are not reused (logged, never fatal).
#[derive(Debug, thiserror::Error)]
enum LoadError {
    #[error("reading {path}: {source}", path = path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("unreadable PEM: {0}")]
    Pem(#[from] rustls::pki_types::pem::Error),
    #[error("{0}")]
    Rustls(#[from] rustls::Error),
    #[error("{0}")]
    Verifier(#[from] rustls::client::VerifierBuilderError),
}

fn load(tls_dir: &Path, dns: &[String], ips: &[IpAddr]) -> Result<TlsMaterial, LoadError> {
    let read = |name: &str| {
        let path = tls_dir.join(name);
        std::fs::read_to_string(&path).map_err(|source| LoadError::Read { path, source })
    };
    let (ca_pem, cert_pem, key_pem) = (read(CA_FILE)?, read(CERT_FILE)?, read(KEY_FILE)?);
    let ca = CertificateDer::from_pem_slice(ca_pem.as_bytes())?;
    let cert = CertificateDer::from_pem_slice(cert_pem.as_bytes())?;
    let mut roots = RootCertStore::empty();
    roots.add(ca)?;
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider()).build()?;
    // Verifying at a future instant checks both "valid for every name" and
    // "still valid for RENEW_BEFORE" in one go.
    let then = SystemTime::now() + RENEW_BEFORE;
    let then = UnixTime::since_unix_epoch(then.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default());
    let names = dns
        .iter()
        .filter_map(|name| ServerName::try_from(name.clone()).ok())
        .chain(ips.iter().map(|ip| ServerName::from(*ip)));
    for name in names {
        verifier.verify_server_cert(&cert, &[], &name, &[], then)?;
    }
    // server_config() also checks that the key belongs to the certificate.
    let server_config = server_config(&cert_pem, &key_pem)?;
    Ok(TlsMaterial { ca_pem, server_config, reused: true })
}

fn server_config(cert_pem: &str, key_pem: &str) -> Result<Arc<rustls::ServerConfig>, LoadError> {
    let cert = CertificateDer::from_pem_slice(cert_pem.as_bytes())?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The civil date (UTC) `days` from today as (year, month, day), for
/// `rcgen::date_time_ymd` (whose `time` types rdd does not otherwise use).
fn date_from_today(days: i64) -> (i32, u8, u8) {
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    // Adding a few thousand days to today cannot leave jiff's range.
    let date = today.checked_add(jiff::Span::new().days(days)).unwrap_or(today);
    (i32::from(date.year()), date.month().unsigned_abs(), date.day().unsigned_abs())
}

/// Valid from yesterday (clock skew between processes is harmless) for `days`.
fn set_validity(params: &mut CertificateParams, days: i64) {
    let (year, month, day) = date_from_today(-1);
    params.not_before = rcgen::date_time_ymd(year, month, day);
    let (year, month, day) = date_from_today(days);
    params.not_after = rcgen::date_time_ymd(year, month, day);
}

/// Makes a CA and a serving certificate signed by it: (CA PEM, cert PEM, key PEM).
fn generate(dns: &[String], ips: &[IpAddr]) -> Result<(String, String, String), rcgen::Error> {
    let mut ca_params = CertificateParams::default();
    let serial = jiff::Timestamp::now().as_second();
    ca_params.distinguished_name = rcgen::DistinguishedName::new();
    ca_params.distinguished_name.push(DnType::CommonName, format!("rdd-ca@{serial}"));
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::CrlSign];
    set_validity(&mut ca_params, CA_DAYS);
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let names: Vec<String> = dns.iter().cloned().chain(ips.iter().map(IpAddr::to_string)).collect();
    let mut params = CertificateParams::new(names)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, format!("rdd-serving@{serial}"));
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    set_validity(&mut params, SERVING_DAYS);
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer)?;
    Ok((ca_cert.pem(), cert.pem(), key.serialize_pem()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn certificates_are_made_once_and_reused() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("tls");
        let first = load_or_create(&dir, None).unwrap();
        assert!(!first.reused);
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        for file in [CA_FILE, CERT_FILE, KEY_FILE] {
            assert_eq!(std::fs::metadata(dir.join(file)).unwrap().mode() & 0o777, 0o600, "{file}");
        }
        let second = load_or_create(&dir, None).unwrap();
        assert!(second.reused);
        assert_eq!(first.ca_pem, second.ca_pem);
    }

    #[test]
    fn a_new_address_or_a_broken_file_makes_new_certificates() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("tls");
        let first = load_or_create(&dir, None).unwrap();
        let other_ip: IpAddr = "10.1.2.3".parse().unwrap();
        let second = load_or_create(&dir, Some(other_ip)).unwrap();
        assert!(!second.reused);
        assert_ne!(first.ca_pem, second.ca_pem);
        // The wider certificate still covers the default names.
        assert!(load_or_create(&dir, None).unwrap().reused);
        std::fs::write(dir.join(KEY_FILE), "garbage").unwrap();
        assert!(!load_or_create(&dir, None).unwrap().reused);
    }

    #[test]
    fn the_unspecified_address_adds_no_name() {
        let (dns, ips) = serving_names(Some("0.0.0.0".parse().unwrap()));
        assert_eq!(dns, ["localhost"]);
        assert_eq!(ips.len(), 2);
        assert_eq!(serving_names(Some("::1".parse().unwrap())).1.len(), 2);
        assert_eq!(serving_names(Some("127.0.0.2".parse().unwrap())).1.len(), 3);
    }
}
