//! tempolint's side of a Temporal server: resolve where it is ([`Settings`]), list the
//! executions to replay ([`Selection`]), and fetch their histories as the proto3 JSON
//! `temporal workflow show --output json` writes ([`Remote`]), so that the replay runtime reads
//! them through the same loader as history files. This crate is the only one that speaks gRPC;
//! the replay core stays independent of it.

mod fetch;
mod json;
mod selection;
mod settings;

pub use fetch::{Execution, FetchedHistory, Remote};
pub use selection::{Selection, parse_since};
pub use settings::{ConnectionFlags, Settings};

/// Why talking to the server failed. Messages name the server and the execution, never a
/// secret.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// Bad connection settings (flags, environment, config profile).
    #[error("{0}")]
    Config(String),
    /// A bad argument.
    #[error("{0}")]
    Usage(String),
    /// The server could not be reached or refused the connection.
    #[error("cannot connect to the Temporal server at {server}: {message}")]
    Connect { server: String, message: String },
    /// A call failed after the connection was made.
    #[error("{call} failed: {message}")]
    Call { call: String, message: String },
}
