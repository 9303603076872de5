//! Cairn: a self-hosted threat-intelligence sharing server, wire-compatible with MISP.

/// Access control: distribution and sharing groups, as functions and as SQL.
pub mod acl;
/// The application: state, route table, middleware, serving.
pub mod app;
/// Attributes: the indicators of an event.
pub mod attributes;
/// API keys and password authentication, the current-user extractor.
pub mod auth;
/// API key management endpoints and storage.
pub mod auth_keys;
/// First-start set-up and the user commands of the command line.
pub mod bootstrap;
/// The cache interface: Redis or in-process.
pub mod cache;
/// Configuration from flags and `CAIRN_*` variables.
pub mod config;
/// Correlation: postings per attribute value, related events and attributes through the ACL.
pub mod correlation;
/// Storage over SQLite, PostgreSQL and MySQL.
pub mod db;
/// The one error type and MISP's error bodies.
pub mod error;
/// Events: add, view, index, publish, delete.
pub mod events;
/// Export formats: pure streaming writers from rows to bytes.
pub mod exports;
/// MISP objects and object references.
pub mod objects;
/// Organisations.
pub mod orgs;
/// Event reports: markdown documents attached to events.
pub mod reports;

/// Roles and their permissions.
pub mod roles;
/// restSearch: filters, query plans and streamed exports.
pub mod search;
/// The version handshake and this instance's identity.
pub mod servers;
/// Sharing groups: who data with distribution 4 is shared with.
pub mod sharing_groups;
/// Tags and their links to events and attributes.
pub mod tags;
/// The attribute type registry.
pub mod types;
/// Users.
pub mod users;
/// MISP's wire conventions: JSON typing, URL grammar, request bodies.
pub mod wire;
