//! Choosing the listening socket (SPEC §3.2): the instance's preferred
//! port, `6443 + index`, or any free port when that one is taken; an
//! explicitly requested port is used or the start fails. The address is
//! loopback unless the caller was told otherwise.

use std::io;
use std::net::{IpAddr, SocketAddr};

use tokio::net::TcpListener;

/// Which port to listen on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortChoice {
    /// Try this port, fall back to a free one when it is in use.
    Preferred(u16),
    /// This port or nothing (`--port`).
    Exact(u16),
}

/// Why no socket could be bound.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("port {port} on {ip} is in use: choose another --port, or stop what listens there")]
    PortInUse { ip: IpAddr, port: u16 },
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
}

/// Binds `ip` on the chosen port.
pub async fn bind(ip: IpAddr, port: PortChoice) -> Result<TcpListener, ListenError> {
    let attempt = |port: u16| async move {
        let addr = SocketAddr::new(ip, port);
        TcpListener::bind(addr).await.map_err(|source| (addr, source))
    };
    match port {
        PortChoice::Exact(port) => attempt(port).await.map_err(|(addr, source)| match source.kind() {
            io::ErrorKind::AddrInUse => ListenError::PortInUse { ip, port },
            _ => ListenError::Bind { addr, source },
        }),
        PortChoice::Preferred(port) => match attempt(port).await {
            Ok(listener) => Ok(listener),
            Err((_, source)) if source.kind() == io::ErrorKind::AddrInUse => {
                tracing::info!(%ip, port, "preferred port in use, listening on a free port");
                attempt(0).await.map_err(|(addr, source)| ListenError::Bind { addr, source })
            }
            Err((addr, source)) => Err(ListenError::Bind { addr, source }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[tokio::test]
    async fn a_taken_preferred_port_falls_back_and_an_exact_one_fails() {
        let taken = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
        let port = taken.local_addr().unwrap().port();
        let fallback = bind(LOOPBACK, PortChoice::Preferred(port)).await.unwrap();
        assert_ne!(fallback.local_addr().unwrap().port(), port);
        match bind(LOOPBACK, PortChoice::Exact(port)).await {
            Err(ListenError::PortInUse { port: p, .. }) => assert_eq!(p, port),
            other => panic!("expected PortInUse, got {other:?}"),
        }
        drop(taken);
        let exact = bind(LOOPBACK, PortChoice::Exact(port)).await.unwrap();
        assert_eq!(exact.local_addr().unwrap().port(), port);
    }
}
