//! An in-memory [`TokenStore`] with the same compare-and-swap semantics as DynamoDB, for unit
//! tests of the rules. It can be told to fail like an unreachable service.

use super::store::{NewToken, StoredToken, TokenStore};
use crate::backend::BackendError;
use std::sync::Mutex;

#[derive(Debug, Default)]
struct State {
    slot: Option<StoredToken>,
    last_token_id: i64,
    setting: Option<u16>,
    failure: Option<BackendError>,
}

#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<State>);

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every call fails with `failure` until called again with `None`.
    pub fn fail_with(&self, failure: Option<BackendError>) {
        self.state().failure = failure;
    }

    /// Changes the stored slot by hand, as an operator would (e.g. `active = false`).
    pub fn edit_slot(&self, edit: impl FnOnce(&mut Option<StoredToken>)) {
        edit(&mut self.state().slot);
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn check(&self) -> Result<std::sync::MutexGuard<'_, State>, BackendError> {
        let state = self.state();
        match &state.failure {
            Some(e) => Err(e.clone()),
            None => Ok(state),
        }
    }
}

impl TokenStore for MemoryStore {
    async fn current(&self) -> Result<Option<StoredToken>, BackendError> {
        Ok(self.check()?.slot.clone())
    }

    async fn replace(
        &self,
        seen: Option<&StoredToken>,
        new: NewToken,
    ) -> Result<Option<StoredToken>, BackendError> {
        let mut state = self.check()?;
        if state.slot.as_ref().map(|t| t.token_id) != seen.map(|t| t.token_id) {
            return Ok(None);
        }
        state.last_token_id += 1;
        let token = StoredToken {
            token: new.token,
            token_id: state.last_token_id,
            issued_at: new.issued_at,
            expires_at: new.expires_at,
            expired_days: new.expired_days,
            active: true,
        };
        state.slot = Some(token.clone());
        Ok(Some(token))
    }

    async fn setting(&self) -> Result<Option<u16>, BackendError> {
        Ok(self.check()?.setting)
    }

    async fn save_setting(&self, days: u16, _now: i64) -> Result<Option<u16>, BackendError> {
        Ok(self.check()?.setting.replace(days))
    }
}
