//! Reaching Redis: TLS, ACL users with partial permissions, connection errors that say why, and
//! secrets never printed. One test binary: the modules share this process (each log capture is
//! its own thread's subscriber).

mod acl;
mod connect_errors;
mod secrets;
mod tls;
