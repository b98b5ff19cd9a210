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
use std::{convert::Infallible, future::Future, sync::OnceLock, time::Instant};

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
    let audit = Audit::default();
    serve(Endpoint::GenerateToken, &req, &audit, async {
        require_post(&req)?;
        read_params(&req).await?;
        let issued = tokens.generate().await?;
        audit.token(issued.token_id);
        Ok(ok_response(issued))
    })
    .await
}

/// POST /check_token
pub async fn check_token<S: TokenStore>(
    tokens: &Tokens<S>,
    req: Request,
) -> Result<Response<Body>, Infallible> {
    let audit = Audit::default();
    serve(Endpoint::CheckToken, &req, &audit, async {
        require_post(&req)?;
        let valid = tokens.validate(bearer_token(req.headers())?).await?;
        audit.token(valid.token_id);
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
    serve(Endpoint::TokenSetting, &req, &Audit::default(), async {
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
    serve(Endpoint::SaveTokenSetting, &req, &Audit::default(), async {
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
    let audit = Audit::default();
    serve(Endpoint::SamplingTimestamp, &req, &audit, async {
        let lab_number = lab_request(tokens, &req, &audit).await?;
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
    let audit = Audit::default();
    serve(Endpoint::Glucose, &req, &audit, async {
        let lab_number = lab_request(tokens, &req, &audit).await?;
        match lab.glucose(&lab_number).await? {
            Some(rows) => Ok(ok_response(rows)),
            None => Err(ApiError::OrderNotFound(lab_number)),
        }
    })
    .await
}

/// The common front of the lab endpoints: POST, the token (checked first, as check_token
/// does), then the order number.
async fn lab_request<S: TokenStore>(
    tokens: &Tokens<S>,
    req: &Request,
    audit: &Audit,
) -> Result<String, ApiError> {
    require_post(req)?;
    let valid = tokens.validate(bearer_token(req.headers())?).await?;
    audit.token(valid.token_id);
    let lab_number = order_number(&read_params(req).await?)?;
    audit.lab_number(&lab_number);
    Ok(lab_number)
}

/// Who asked what, for the request's log line: the id of the token (never the token) and the
/// lab number asked, once known. "Which orders did token 42 read" is then one query of the
/// functions' logs (docs/DEPLOY.md, "Logs").
#[derive(Default)]
struct Audit {
    token_id: OnceLock<i64>,
    lab_number: OnceLock<String>,
}

impl Audit {
    fn token(&self, id: i64) {
        let _ = self.token_id.set(id);
    }

    fn lab_number(&self, lab_number: &str) {
        let _ = self.lab_number.set(lab_number.to_string());
    }
}

/// Refuses a request a browser sends on behalf of another site: it carries `Origin`, or
/// `Sec-Fetch-Site` other than `none` (typed by the user) or `same-origin`. Server-to-server
/// calls (Wynacom's PHP) carry neither; a web page behind an allowed source address (a form
/// posting to save_token_setting) carries them and changes nothing.
fn refuse_cross_site(req: &Request) -> Result<(), ApiError> {
    let headers = req.headers();
    let fetched_for_another_site = headers.get("sec-fetch-site").is_some_and(|v| {
        !v.as_bytes().eq_ignore_ascii_case(b"none")
            && !v.as_bytes().eq_ignore_ascii_case(b"same-origin")
    });
    match headers.contains_key("origin") || fetched_for_another_site {
        true => Err(ApiError::CrossSite),
        false => Ok(()),
    }
}

/// Runs one endpoint (after [`refuse_cross_site`]), turns its error into the envelope and logs
/// one line: request id, endpoint, status, duration, the token id and lab number of `audit`,
/// and for server-side failures a short cause. Never the body, the token or the Authorization
/// header.
async fn serve(
    endpoint: Endpoint,
    req: &Request,
    audit: &Audit,
    work: impl Future<Output = Result<Response<Body>, ApiError>>,
) -> Result<Response<Body>, Infallible> {
    let started = Instant::now();
    let result = match refuse_cross_site(req) {
        Ok(()) => work.await,
        Err(e) => Err(e),
    };
    let (response, cause) = match result {
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
    let token_id = audit.token_id.get();
    let lab_number = audit.lab_number.get().map(String::as_str);
    if status >= 500 {
        let cause = cause.as_deref().unwrap_or("");
        tracing::error!(
            request_id,
            endpoint,
            status,
            duration_ms,
            token_id,
            lab_number,
            cause,
            "request"
        );
    } else {
        tracing::info!(
            request_id,
            endpoint,
            status,
            duration_ms,
            token_id,
            lab_number,
            "request"
        );
    }
    Ok(response)
}

#[cfg(test)]
mod tests;
