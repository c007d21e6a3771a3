//! Redis Cluster: routing, failover and slot migration under load, pattern deletes across a
//! moving scan, and a cluster over TLS. One test binary: the modules share this process.

mod cluster;
mod cluster_scan;
mod cluster_tls;
