//! A TCP forwarder on a loopback port whose target can be moved, standing for a DNS name that
//! moves to the new primary on failover: connections made after [`Forwarder::point_to`] reach
//! the new target, connections made before keep talking to the old one.

use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::time::Duration;

/// Forwards connections from its own port to a target port, both on 127.0.0.1.
pub struct Forwarder {
    port: u16,
    target: Arc<AtomicU16>,
    stop: Arc<AtomicBool>,
}

impl Forwarder {
    /// Starts forwarding a free port to `target_port`.
    pub fn start(target_port: u16) -> Forwarder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the forwarder");
        listener
            .set_nonblocking(true)
            .expect("make the listener non-blocking");
        let port = listener.local_addr().expect("forwarder address").port();
        let target = Arc::new(AtomicU16::new(target_port));
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_target, thread_stop) = (Arc::clone(&target), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !thread_stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        let port = thread_target.load(Ordering::SeqCst);
                        if let Ok(server) = TcpStream::connect(("127.0.0.1", port)) {
                            pipe(client, server);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Forwarder { port, target, stop }
    }

    /// The forwarder's own port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT` through the forwarder.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// New connections go to `target_port` from now on.
    pub fn point_to(&self, target_port: u16) {
        self.target.store(target_port, Ordering::SeqCst);
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Copies bytes both ways until either side closes.
fn pipe(client: TcpStream, server: TcpStream) {
    let (Ok(client_reader), Ok(server_reader)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let copy = |mut from: TcpStream, mut to: TcpStream| {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = to.shutdown(Shutdown::Both);
            let _ = from.shutdown(Shutdown::Both);
        });
    };
    copy(client_reader, server);
    copy(server_reader, client);
}
