//! Errors of the sync core. Every message says what is wrong and what to do about it.

/// The result type of csc-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error returned by the sync core for bad input. Broken internal invariants panic instead.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// A path was not a valid share-relative path.
    #[error(transparent)]
    Path(#[from] crate::path::PathError),
    /// A numeric Windows constant was not one of the documented values.
    #[error(transparent)]
    UnknownConstant(#[from] crate::win::UnknownConstant),
}
