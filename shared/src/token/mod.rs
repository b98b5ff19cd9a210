//! Tokens: the rules of docs/contract.md ("Tokens") (one active token, its expiry, the setting)
//! over a [`store::TokenStore`].

pub mod days;
pub mod dynamo;
#[cfg(any(test, feature = "test-support"))]
pub mod memory;
pub mod store;

use crate::{ApiError, clock::Clock, clock::wall_clock};
use jiff::tz::TimeZone;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::{NewToken, StoredToken, TokenStore};

/// Days a token lives when no setting was ever saved.
pub const DEFAULT_DAYS: u16 = 3;
pub const SECONDS_PER_DAY: i64 = 86_400;
/// How long an instance trusts a token it has validated without asking the table again
/// (the contract allows up to 60 s; never past the token's expiry). A token made inactive in the
/// table stops being accepted by every instance within this time.
pub const VALIDATION_CACHE_SECONDS: i64 = 30;
/// Rounds of read → conditional write before generate_token gives up with 503.
const ISSUE_ATTEMPTS: u32 = 6;

/// `data` of /generate_token. Its `Debug` never shows the token.
#[derive(Clone, Serialize, PartialEq, Eq)]
pub struct IssuedToken {
    pub access_token: String,
    pub token_type: &'static str,
    pub expired_at: String,
    pub expired_days: u16,
    pub expires_in: i64,
    /// For the log line only (not in the contract's answer).
    #[serde(skip)]
    pub token_id: i64,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("access_token", &store::REDACTED)
            .field("token_type", &self.token_type)
            .field("expired_at", &self.expired_at)
            .field("expired_days", &self.expired_days)
            .field("expires_in", &self.expires_in)
            .field("token_id", &self.token_id)
            .finish()
    }
}

/// `data` of /check_token.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ValidToken {
    pub valid: bool,
    pub token_id: i64,
    pub expired_at: String,
}

/// `data` of /token_setting and /save_token_setting.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct TokenSetting {
    pub token_expired_days: u16,
    pub expires_in: i64,
}

impl TokenSetting {
    fn of(days: u16) -> Self {
        Self {
            token_expired_days: days,
            expires_in: i64::from(days) * SECONDS_PER_DAY,
        }
    }
}

/// No `Debug`: it holds the token.
struct Remembered {
    token: String,
    token_id: i64,
    expires_at: i64,
    until: i64,
}

/// The token service of one function instance: built once per cold start.
pub struct Tokens<S> {
    store: S,
    clock: Arc<dyn Clock>,
    tz: TimeZone,
    cache_seconds: i64,
    remembered: Mutex<Option<Remembered>>,
}

impl<S: TokenStore> Tokens<S> {
    pub fn new(store: S, clock: Arc<dyn Clock>, tz: TimeZone) -> Self {
        Self {
            store,
            clock,
            tz,
            cache_seconds: VALIDATION_CACHE_SECONDS,
            remembered: Mutex::new(None),
        }
    }

    /// Sets how long a validated token is remembered (0 = always ask the table).
    pub fn with_cache_seconds(mut self, seconds: i64) -> Self {
        self.cache_seconds = seconds.clamp(0, 60);
        self
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// /generate_token: the active token while it lives, else a new one. Racing callers all get
    /// the one token that won the store's conditional write.
    pub async fn generate(&self) -> Result<IssuedToken, ApiError> {
        for attempt in 0..ISSUE_ATTEMPTS {
            let now = self.clock.now();
            let current = self.store.current().await?;
            if let Some(t) = current.as_ref().filter(|t| t.is_live(now)) {
                return Ok(self.issued(t, now));
            }
            let days = self.store.setting().await?.unwrap_or(DEFAULT_DAYS);
            let candidate = NewToken {
                token: new_token_value()?,
                issued_at: now,
                expires_at: now + i64::from(days) * SECONDS_PER_DAY,
                expired_days: days,
            };
            if let Some(t) = self.store.replace(current.as_ref(), candidate).await? {
                return Ok(self.issued(&t, now));
            }
            // Lost a race: the next round reads the winner. Short jittered pause so that
            // transaction conflicts between many callers settle.
            tokio::time::sleep(Duration::from_millis(
                5 * u64::from(attempt + 1) + u64::from(jitter_ms()),
            ))
            .await;
        }
        Err(ApiError::Unavailable("token slot contention".into()))
    }

    /// /check_token and the lab endpoints: the presented token must be the active one and not
    /// expired.
    pub async fn validate(&self, presented: &str) -> Result<ValidToken, ApiError> {
        let now = self.clock.now();
        // Checked under the lock, without copying the remembered token.
        let hit = self.remembered.lock().ok().and_then(|r| {
            r.as_ref()
                .filter(|r| r.until > now && r.expires_at > now && same_token(&r.token, presented))
                .map(|r| (r.token_id, r.expires_at))
        });
        if let Some((token_id, expires_at)) = hit {
            return Ok(self.valid(token_id, expires_at));
        }
        let current = self.store.current().await?;
        match current {
            Some(t) if t.is_live(now) && same_token(&t.token, presented) => {
                if self.cache_seconds > 0
                    && let Ok(mut slot) = self.remembered.lock()
                {
                    *slot = Some(Remembered {
                        token: t.token.clone(),
                        token_id: t.token_id,
                        expires_at: t.expires_at,
                        until: now + self.cache_seconds,
                    });
                }
                Ok(self.valid(t.token_id, t.expires_at))
            }
            _ => Err(ApiError::TokenInvalid),
        }
    }

    /// /token_setting.
    pub async fn setting(&self) -> Result<TokenSetting, ApiError> {
        let days = self.store.setting().await?.unwrap_or(DEFAULT_DAYS);
        Ok(TokenSetting::of(days))
    }

    /// /save_token_setting, with `days` already validated by [`days::parse_days`]. The active
    /// token keeps its expiry: only tokens created afterwards use the new setting.
    pub async fn save_setting(&self, days: u16) -> Result<TokenSetting, ApiError> {
        let old = self.store.save_setting(days, self.clock.now()).await?;
        // Who changed the lifetime of new tokens, from what: the audit trail of the setting.
        tracing::info!(
            old_days = old.unwrap_or(DEFAULT_DAYS),
            old_saved = old.is_some(),
            new_days = days,
            "token setting changed"
        );
        Ok(TokenSetting::of(days))
    }

    fn issued(&self, t: &StoredToken, now: i64) -> IssuedToken {
        IssuedToken {
            access_token: t.token.clone(),
            token_type: "Bearer",
            expired_at: wall_clock(t.expires_at, &self.tz),
            expired_days: t.expired_days,
            expires_in: (t.expires_at - now).max(0),
            token_id: t.token_id,
        }
    }

    fn valid(&self, token_id: i64, expires_at: i64) -> ValidToken {
        ValidToken {
            valid: true,
            token_id,
            expired_at: wall_clock(expires_at, &self.tz),
        }
    }
}

/// 32 bytes (256 bits) from the OS CSPRNG as 64 lowercase hex characters: URL-safe.
pub fn new_token_value() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("getrandom: {e}")))?;
    Ok(hex::encode(bytes))
}

fn jitter_ms() -> u8 {
    let mut b = [0u8; 1];
    let _ = getrandom::fill(&mut b);
    b[0] % 16
}

/// Compares without an early exit, so response time does not tell how much of a guess matched.
fn same_token(stored: &str, presented: &str) -> bool {
    let (a, b) = (stored.as_bytes(), presented.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests;
