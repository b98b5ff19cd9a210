//! The DynamoDB [`TokenStore`]. Table layout (docs/contract.md, "The token table"): partition key `pk`
//! (S), TTL attribute `ttl`. Items, by `pk`:
//!
//! - `token#active` — the one active-token slot: `token` (S), `token_id` (N), `issued_at` (N),
//!   `expires_at` (N), `expired_days` (N), `active` (BOOL), `ttl` (N, = `expires_at`).
//! - `token#counter` — `last_token_id` (N): the last `token_id` handed out.
//! - `setting` — `token_expired_days` (N), `updated_at` (N).
//!
//! A new token is written by one transaction: the slot `Put` is conditional on the slot still
//! holding what the caller read, and the counter `Put` on the counter still holding what the
//! caller read. Of many callers racing on the same slot exactly one transaction commits; the
//! others are cancelled and read the winner. Ids therefore never repeat and never skip.

use super::store::{NewToken, StoredToken, TokenStore};
use crate::backend::BackendError;
use aws_sdk_dynamodb::{
    Client,
    error::{ProvideErrorMetadata, SdkError},
    operation::transact_write_items::TransactWriteItemsError,
    types::{AttributeValue, Put, TransactWriteItem},
};
use std::collections::HashMap;

const SLOT_PK: &str = "token#active";
const COUNTER_PK: &str = "token#counter";
const SETTING_PK: &str = "setting";

type Item = HashMap<String, AttributeValue>;

#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    async fn get(&self, pk: &str) -> Result<Option<Item>, BackendError> {
        self.client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .consistent_read(true)
            .send()
            .await
            .map(|out| out.item)
            .map_err(|e| classify("GetItem", e))
    }

    async fn last_token_id(&self) -> Result<i64, BackendError> {
        match self.get(COUNTER_PK).await? {
            None => Ok(0),
            Some(item) => number(&item, "last_token_id"),
        }
    }
}

impl TokenStore for DynamoStore {
    async fn current(&self) -> Result<Option<StoredToken>, BackendError> {
        self.get(SLOT_PK)
            .await?
            .map(|item| slot_from(&item))
            .transpose()
    }

    async fn replace(
        &self,
        seen: Option<&StoredToken>,
        new: NewToken,
    ) -> Result<Option<StoredToken>, BackendError> {
        let last = self.last_token_id().await?;
        let token = StoredToken {
            token: new.token,
            token_id: last + 1,
            issued_at: new.issued_at,
            expires_at: new.expires_at,
            expired_days: new.expired_days,
            active: true,
        };

        let slot = Put::builder()
            .table_name(&self.table)
            .set_item(Some(slot_item(&token)));
        let slot = match seen {
            None => slot.condition_expression("attribute_not_exists(pk)"),
            Some(seen) => slot
                .condition_expression("token_id = :seen")
                .expression_attribute_values(":seen", n(seen.token_id)),
        };
        let counter = Put::builder()
            .table_name(&self.table)
            .item("pk", s(COUNTER_PK))
            .item("last_token_id", n(token.token_id));
        let counter = if last == 0 {
            counter.condition_expression("attribute_not_exists(pk)")
        } else {
            counter
                .condition_expression("last_token_id = :last")
                .expression_attribute_values(":last", n(last))
        };

        let built = |p: aws_sdk_dynamodb::types::builders::PutBuilder| {
            p.build()
                .map(|put| TransactWriteItem::builder().put(put).build())
                .map_err(|e| BackendError::Failed(format!("TransactWriteItems: {e}")))
        };
        let result = self
            .client
            .transact_write_items()
            .transact_items(built(slot)?)
            .transact_items(built(counter)?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Some(token)),
            Err(e) => match lost_race(&e) {
                Some(true) => Ok(None),
                _ => Err(classify("TransactWriteItems", e)),
            },
        }
    }

    async fn setting(&self) -> Result<Option<u16>, BackendError> {
        match self.get(SETTING_PK).await? {
            None => Ok(None),
            Some(item) => {
                let days = number(&item, "token_expired_days")?;
                u16::try_from(days)
                    .ok()
                    .filter(|d| (1..=365).contains(d))
                    .map(Some)
                    .ok_or_else(|| BackendError::Failed("setting item out of range".into()))
            }
        }
    }

    async fn save_setting(&self, days: u16, now: i64) -> Result<Option<u16>, BackendError> {
        // The item it replaces comes back with the write (PutItem alone: no read permission).
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(SETTING_PK))
            .item("token_expired_days", n(days))
            .item("updated_at", n(now))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| classify("PutItem", e))?;
        Ok(out
            .attributes()
            .and_then(|old| number(old, "token_expired_days").ok())
            .and_then(|d| u16::try_from(d).ok()))
    }
}

/// `Some(true)` when the transaction was cancelled only because another caller got there first
/// (a failed condition or a conflicting transaction), which the rules answer by re-reading.
fn lost_race<R>(err: &SdkError<TransactWriteItemsError, R>) -> Option<bool> {
    let SdkError::ServiceError(se) = err else {
        return None;
    };
    let TransactWriteItemsError::TransactionCanceledException(tc) = se.err() else {
        return None;
    };
    Some(tc.cancellation_reasons().iter().all(|r| {
        matches!(
            r.code(),
            None | Some("None") | Some("ConditionalCheckFailed") | Some("TransactionConflict")
        )
    }))
}

/// Unreachable, throttled, timed out or a server-side fault → `Unavailable` (503); anything
/// else → `Failed` (500). The text names the operation and the error code only: never keys or
/// items (a key could be a token).
fn classify<E: ProvideErrorMetadata, R>(op: &str, err: SdkError<E, R>) -> BackendError
where
    R: HttpStatus,
{
    match &err {
        SdkError::TimeoutError(_) => BackendError::Unavailable(format!("{op}: timeout")),
        SdkError::DispatchFailure(_) => BackendError::Unavailable(format!("{op}: unreachable")),
        SdkError::ResponseError(_) => BackendError::Unavailable(format!("{op}: bad response")),
        SdkError::ConstructionFailure(_) => {
            BackendError::Unavailable(format!("{op}: request not built (credentials?)"))
        }
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("unknown");
            let retryable = matches!(
                code,
                "ProvisionedThroughputExceededException"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "InternalServerError"
                    | "ServiceUnavailable"
                    | "TransactionCanceledException"
                    | "TransactionInProgressException"
            ) || se.raw().status() >= 500;
            if retryable {
                BackendError::Unavailable(format!("{op}: {code}"))
            } else {
                BackendError::Failed(format!("{op}: {code}"))
            }
        }
        _ => BackendError::Unavailable(format!("{op}: failed")),
    }
}

/// The HTTP status of a raw response, for [`classify`].
trait HttpStatus {
    fn status(&self) -> u16;
}

impl HttpStatus for aws_sdk_dynamodb::config::http::HttpResponse {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn number(item: &Item, name: &str) -> Result<i64, BackendError> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            BackendError::Failed(format!("item attribute {name} missing or not a number"))
        })
}

fn slot_item(t: &StoredToken) -> Item {
    HashMap::from([
        ("pk".to_string(), s(SLOT_PK)),
        ("token".to_string(), s(&t.token)),
        ("token_id".to_string(), n(t.token_id)),
        ("issued_at".to_string(), n(t.issued_at)),
        ("expires_at".to_string(), n(t.expires_at)),
        ("expired_days".to_string(), n(t.expired_days)),
        ("active".to_string(), AttributeValue::Bool(t.active)),
        ("ttl".to_string(), n(t.expires_at)),
    ])
}

fn slot_from(item: &Item) -> Result<StoredToken, BackendError> {
    let token = item
        .get("token")
        .and_then(|v| v.as_s().ok())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| BackendError::Failed("slot item has no token".into()))?;
    Ok(StoredToken {
        token: token.clone(),
        token_id: number(item, "token_id")?,
        issued_at: number(item, "issued_at").unwrap_or(0),
        expires_at: number(item, "expires_at")?,
        expired_days: u16::try_from(number(item, "expired_days")?).unwrap_or(0),
        // Only BOOL true is active. Missing, or any other shape (the string "false", the number
        // 0, as a hurried console edit writes them), is revoked: revocation fails closed.
        active: matches!(item.get("active"), Some(AttributeValue::Bool(true))),
    })
}
