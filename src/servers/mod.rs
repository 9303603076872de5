//! The instance as a MISP server: the version handshake PyMISP and remote MISPs start with.
//! (Sync links to other servers come with the sync issue.)

pub mod routes;
pub mod store;

/// The MISP API level Cairn speaks: three integers, as PyMISP and remote MISPs require.
pub const MISP_VERSION: &str = "2.5.1";
