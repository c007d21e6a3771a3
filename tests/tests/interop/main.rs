//! One keyspace shared with Notify's Python cache: the real Python program, and its commands sent
//! raw on one server and on a cluster. One test binary: the modules share this process.

mod python_interop;
mod shared_keyspace;
