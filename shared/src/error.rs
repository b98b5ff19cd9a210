//! The one error type of the API. Each variant is a case of the table in docs/contract.md
//! ("Statuses and messages"): its status code and its exact (Indonesian) message live here and
//! nowhere else.

use lambda_http::http::StatusCode;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ApiError {
    #[error("Token wajib diisi")]
    TokenMissing,
    #[error("Token tidak valid atau sudah expired")]
    TokenInvalid,
    #[error("Format request tidak valid")]
    BadRequestFormat,
    #[error("Request terlalu besar")]
    TooLarge,
    #[error("Parameter T_OrderHeaderLabNumber wajib diisi")]
    OrderNumberMissing,
    #[error("Parameter T_OrderHeaderLabNumber tidak valid")]
    OrderNumberInvalid,
    /// Carries the lab number as sent, trimmed (already validated: ≤ 64 chars, no controls).
    #[error("Order tidak ditemukan: {0}")]
    OrderNotFound(String),
    #[error("Parameter token_expired_days wajib diisi")]
    DaysMissing,
    #[error("token_expired_days harus berupa angka bulat")]
    DaysNotWhole,
    #[error("token_expired_days minimal 1 dan maksimal 365 hari")]
    DaysOutOfRange,
    #[error("Method tidak diizinkan")]
    MethodNotAllowed,
    /// A request a browser sends on behalf of another site (`Origin`, or `Sec-Fetch-Site` other
    /// than `none` / `same-origin`): Wynacom's servers send neither. The message API Gateway
    /// answers a refused source with.
    #[error("Permintaan ditolak")]
    CrossSite,
    /// A backing service (DynamoDB, MySQL) is unreachable, throttled or timed out. The payload is
    /// a short cause for the log line only (never a token, a password or SQL); clients see the
    /// fixed message.
    #[error("Layanan sedang tidak tersedia, silakan coba lagi")]
    Unavailable(String),
    /// Anything else that should not happen. The payload is for the log line only.
    #[error("Terjadi kesalahan pada server")]
    Internal(String),
}

impl From<crate::backend::BackendError> for ApiError {
    fn from(e: crate::backend::BackendError) -> Self {
        use crate::backend::BackendError;
        match e {
            BackendError::Unavailable(c) => ApiError::Unavailable(c),
            BackendError::Failed(c) => ApiError::Internal(c),
        }
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        use ApiError::*;
        match self {
            TokenMissing | TokenInvalid => StatusCode::UNAUTHORIZED,
            BadRequestFormat | OrderNumberMissing | OrderNumberInvalid | DaysMissing
            | DaysNotWhole | DaysOutOfRange => StatusCode::BAD_REQUEST,
            TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            OrderNotFound(_) => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            CrossSite => StatusCode::FORBIDDEN,
            Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Extra headers the status calls for (RFC 6750 §3 for 401, RFC 9110 §15.5.6 for 405).
    pub fn headers(&self) -> &'static [(&'static str, &'static str)] {
        match self {
            ApiError::TokenMissing => &[("www-authenticate", "Bearer")],
            ApiError::TokenInvalid => &[("www-authenticate", "Bearer error=\"invalid_token\"")],
            ApiError::MethodNotAllowed => &[("allow", "POST")],
            _ => &[],
        }
    }

    /// The cause worth logging, if any (only the server-side failures carry one).
    pub fn cause(&self) -> Option<&str> {
        match self {
            ApiError::Unavailable(c) | ApiError::Internal(c) => Some(c),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_statuses_follow_the_contract() {
        let cases = [
            (ApiError::TokenMissing, 401, "Token wajib diisi"),
            (
                ApiError::TokenInvalid,
                401,
                "Token tidak valid atau sudah expired",
            ),
            (
                ApiError::BadRequestFormat,
                400,
                "Format request tidak valid",
            ),
            (ApiError::TooLarge, 413, "Request terlalu besar"),
            (
                ApiError::OrderNumberMissing,
                400,
                "Parameter T_OrderHeaderLabNumber wajib diisi",
            ),
            (
                ApiError::OrderNumberInvalid,
                400,
                "Parameter T_OrderHeaderLabNumber tidak valid",
            ),
            (
                ApiError::OrderNotFound("R2606110001".into()),
                404,
                "Order tidak ditemukan: R2606110001",
            ),
            (
                ApiError::DaysMissing,
                400,
                "Parameter token_expired_days wajib diisi",
            ),
            (
                ApiError::DaysNotWhole,
                400,
                "token_expired_days harus berupa angka bulat",
            ),
            (
                ApiError::DaysOutOfRange,
                400,
                "token_expired_days minimal 1 dan maksimal 365 hari",
            ),
            (ApiError::MethodNotAllowed, 405, "Method tidak diizinkan"),
            (ApiError::CrossSite, 403, "Permintaan ditolak"),
            (
                ApiError::Unavailable("x".into()),
                503,
                "Layanan sedang tidak tersedia, silakan coba lagi",
            ),
            (
                ApiError::Internal("x".into()),
                500,
                "Terjadi kesalahan pada server",
            ),
        ];
        for (err, status, message) in cases {
            assert_eq!(err.status().as_u16(), status, "{err:?}");
            assert_eq!(err.to_string(), message);
        }
    }
}
