//! What the token rules need from storage: one small trait, a DynamoDB implementation
//! ([`super::dynamo`]) and an in-memory fake ([`super::memory`]).

use crate::backend::BackendError;
use std::{fmt, future::Future};

/// The active-token slot as stored. It may be expired or made inactive: the rules decide.
/// Its `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub token: String,
    /// Unique and increasing across every token ever issued (1, 2, 3, …).
    pub token_id: i64,
    pub issued_at: i64,
    /// Epoch seconds; the token is expired at or after this instant.
    pub expires_at: i64,
    pub expired_days: u16,
    /// Operators may set this to false to revoke the token.
    pub active: bool,
}

impl StoredToken {
    /// Active and `expires_at` still in the future.
    pub fn is_live(&self, now: i64) -> bool {
        self.active && self.expires_at > now
    }
}

/// A token about to be issued; the store assigns its `token_id`. Its `Debug` never shows the
/// token.
#[derive(Clone, PartialEq, Eq)]
pub struct NewToken {
    pub token: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub expired_days: u16,
}

/// The stand-in for a token in `Debug` output (logs, panics, test failures).
pub const REDACTED: &str = "<redacted>";

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredToken")
            .field("token", &REDACTED)
            .field("token_id", &self.token_id)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("expired_days", &self.expired_days)
            .field("active", &self.active)
            .finish()
    }
}

impl fmt::Debug for NewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewToken")
            .field("token", &REDACTED)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("expired_days", &self.expired_days)
            .finish()
    }
}

/// Storage of the active token and of the token setting.
pub trait TokenStore: Send + Sync {
    /// The active-token slot, read with strong consistency.
    fn current(&self) -> impl Future<Output = Result<Option<StoredToken>, BackendError>> + Send;

    /// Puts `new` in the slot with the next `token_id`, but only if the slot still holds
    /// `seen` (`None`: the slot is empty). `Ok(None)` means another caller changed the slot
    /// first. This compare-and-swap is what keeps one token active across all instances.
    fn replace(
        &self,
        seen: Option<&StoredToken>,
        new: NewToken,
    ) -> impl Future<Output = Result<Option<StoredToken>, BackendError>> + Send;

    /// The saved `token_expired_days`, `None` when never saved.
    fn setting(&self) -> impl Future<Output = Result<Option<u16>, BackendError>> + Send;

    /// Saves `token_expired_days`; the value it replaced, `None` when never saved.
    fn save_setting(
        &self,
        days: u16,
        now: i64,
    ) -> impl Future<Output = Result<Option<u16>, BackendError>> + Send;
}
