//! Reaching Redis: TLS (a CA, mutual TLS, the insecure switch, a wrong CA) and ACL users with
//! partial permissions. One test binary: the modules share this process.

mod acl;
mod tls;
