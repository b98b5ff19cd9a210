//! The six endpoints. Each reads the request, applies the rules and always answers with the
//! envelope; [`serve`] writes the one log line per request. [`Endpoint`] is the one list of
//! them: names, paths and which need a token.

use crate::{
    ApiError,
    http::{bearer_token, error_response, ok_response, read_params, require_post},
    lab::{LabSource, order_number::order_number},
    token::{Tokens, days::parse_days, store::TokenStore},
};
use lambda_http::{Body, Request, RequestExt, Response};
use std::{convert::Infallible, future::Future, time::Instant};

/// The production base path (API Gateway custom domain mapping; the local API serves the same).
pub const BASE_PATH: &str = "/one-api/tools/wynacom";

/// The endpoints, in the order of the contract. The name is also the function's binary
/// (`functions/src/bin/<name>.rs`), its path segment and its log `endpoint` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    GenerateToken,
    CheckToken,
    TokenSetting,
    SaveTokenSetting,
    SamplingTimestamp,
    Glucose,
}

impl Endpoint {
    pub const ALL: [Endpoint; 6] = [
        Endpoint::GenerateToken,
        Endpoint::CheckToken,
        Endpoint::TokenSetting,
        Endpoint::SaveTokenSetting,
        Endpoint::SamplingTimestamp,
        Endpoint::Glucose,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Endpoint::GenerateToken => "generate_token",
            Endpoint::CheckToken => "check_token",
            Endpoint::TokenSetting => "token_setting",
            Endpoint::SaveTokenSetting => "save_token_setting",
            Endpoint::SamplingTimestamp => "sampling_timestamp",
            Endpoint::Glucose => "glucose",
        }
    }

    /// `/one-api/tools/wynacom/<name>`.
    pub fn path(self) -> String {
        format!("{BASE_PATH}/{}", self.name())
    }

    /// Whether the endpoint wants `Authorization: Bearer <token>`.
    pub const fn needs_token(self) -> bool {
        matches!(
            self,
            Endpoint::CheckToken | Endpoint::SamplingTimestamp | Endpoint::Glucose
        )
    }

    /// Whether it reads the CPONE database.
    pub const fn reads_lab(self) -> bool {
        matches!(self, Endpoint::SamplingTimestamp | Endpoint::Glucose)
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// POST /generate_token
pub async fn generate_token<S: TokenStore>(
    tokens: &Tokens<S>,
    req: Request,
) -> Result<Response<Body>, Infallible> {
    serve(Endpoint::GenerateToken, &req, async {
        require_post(&req)?;
        read_params(&req).await?;
        tokens.generate().await.map(ok_response)
    })
    .await
}

/// POST /check_token
pub async fn check_token<S: TokenStore>(
    tokens: &Tokens<S>,
    req: Request,
) -> Result<Response<Body>, Infallible> {
    serve(Endpoint::CheckToken, &req, async {
        require_post(&req)?;
        let valid = tokens.validate(bearer_token(req.headers())?).await?;
        read_params(&req).await?;
        Ok(ok_response(valid))
    })
    .await
}

/// POST /token_setting
pub async fn token_setting<S: TokenStore>(
    tokens: &Tokens<S>,
    req: Request,
) -> Result<Response<Body>, Infallible> {
    serve(Endpoint::TokenSetting, &req, async {
        require_post(&req)?;
        read_params(&req).await?;
        tokens.setting().await.map(ok_response)
    })
    .await
}

/// POST /save_token_setting
pub async fn save_token_setting<S: TokenStore>(
    tokens: &Tokens<S>,
    req: Request,
) -> Result<Response<Body>, Infallible> {
    serve(Endpoint::SaveTokenSetting, &req, async {
        require_post(&req)?;
        let params = read_params(&req).await?;
        let days = parse_days(params.get("token_expired_days"))?;
        tokens.save_setting(days).await.map(ok_response)
    })
    .await
}

/// POST /sampling_timestamp
pub async fn sampling_timestamp<S: TokenStore, L: LabSource>(
    tokens: &Tokens<S>,
    lab: &L,
    req: Request,
) -> Result<Response<Body>, Infallible> {
    serve(Endpoint::SamplingTimestamp, &req, async {
        let lab_number = lab_request(tokens, &req).await?;
        match lab.sampling(&lab_number).await? {
            Some(rows) => Ok(ok_response(rows)),
            None => Err(ApiError::OrderNotFound(lab_number)),
        }
    })
    .await
}

/// POST /glucose
pub async fn glucose<S: TokenStore, L: LabSource>(
    tokens: &Tokens<S>,
    lab: &L,
    req: Request,
) -> Result<Response<Body>, Infallible> {
    serve(Endpoint::Glucose, &req, async {
        let lab_number = lab_request(tokens, &req).await?;
        match lab.glucose(&lab_number).await? {
            Some(rows) => Ok(ok_response(rows)),
            None => Err(ApiError::OrderNotFound(lab_number)),
        }
    })
    .await
}

/// The common front of the lab endpoints: POST, the token (checked first, as check_token
/// does), then the order number.
async fn lab_request<S: TokenStore>(tokens: &Tokens<S>, req: &Request) -> Result<String, ApiError> {
    require_post(req)?;
    tokens.validate(bearer_token(req.headers())?).await?;
    order_number(&read_params(req).await?)
}

/// Runs one endpoint, turns its error into the envelope and logs one line: request id,
/// endpoint, status, duration, and for server-side failures a short cause. Never the body,
/// the token or the Authorization header.
async fn serve(
    endpoint: Endpoint,
    req: &Request,
    work: impl Future<Output = Result<Response<Body>, ApiError>>,
) -> Result<Response<Body>, Infallible> {
    let started = Instant::now();
    let (response, cause) = match work.await {
        Ok(response) => (response, None),
        Err(e) => (error_response(&e), e.cause().map(str::to_owned)),
    };
    let request_id = req
        .lambda_context_ref()
        .map(|c| c.request_id.as_str())
        .unwrap_or("");
    let status = response.status().as_u16();
    let endpoint = endpoint.name();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        let cause = cause.as_deref().unwrap_or("");
        tracing::error!(request_id, endpoint, status, duration_ms, cause, "request");
    } else {
        tracing::info!(request_id, endpoint, status, duration_ms, "request");
    }
    Ok(response)
}

#[cfg(test)]
mod tests;
