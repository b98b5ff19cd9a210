//! The one error type of the backends (the DynamoDB token store, the CPONE database): whether a
//! retry later may help. [`crate::ApiError`] turns it into the client's 503 or 500 in one place.

/// Why a backend could not answer. The text is a short cause for the log line only: it names
/// the operation and an error code, never a key, a token, a password or SQL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// Unreachable, throttled, timed out, or refusing our credentials while they are being
    /// rotated: worth a retry later (503).
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    /// Anything else (missing table, denied, malformed item, SQL error): 500.
    #[error("backend failed: {0}")]
    Failed(String),
}
