//! The API as a client sees it, at any base URL: the local runtime (`cargo lambda watch`),
//! `sam local start-api` or a deployed stage. [`Api::from_env`] is the API the environment
//! names:
//!
//! - `WYNACOM_API_BASE_URL`: e.g. `http://127.0.0.1:9000/one-api/tools/wynacom`;
//! - `WYNACOM_API_KEY` (optional): sent as `x-api-key` (a stage deployed with RequireApiKey);
//! - `WYNACOM_TOKEN` (optional): the token to use; by default one from /generate_token.

use serde_json::Value;
use std::time::Duration;

pub struct Api {
    base: String,
    api_key: Option<String>,
    token: Option<String>,
    agent: ureq::Agent,
}

/// What the API answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Api {
    /// The API whose base URL is in the variable `base_variable` (`WYNACOM_API_BASE_URL`),
    /// with `WYNACOM_API_KEY` and `WYNACOM_TOKEN` when they are set.
    pub fn from_env(base_variable: &str) -> Self {
        let base = std::env::var(base_variable)
            .unwrap_or_else(|_| panic!("{base_variable} names the API under test"));
        let non_empty = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self {
            api_key: non_empty("WYNACOM_API_KEY"),
            token: non_empty("WYNACOM_TOKEN"),
            ..Self::at(&base)
        }
    }

    /// The API at `base`, tokens from its /generate_token.
    pub fn at(base: &str) -> Self {
        // The AWS SDK's TLS provider, the one this process already links.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        Self {
            base: base.trim_end_matches('/').to_string(),
            api_key: None,
            token: None,
            agent,
        }
    }

    /// A request to `<base>/<endpoint>[?query]`.
    pub fn request(
        &self,
        method: &str,
        endpoint: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let mut url = format!("{}/{endpoint}", self.base);
        if !query.is_empty() {
            url = format!("{url}?{query}");
        }
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(key) = &self.api_key {
            req = req.header("x-api-key", key);
        }
        let resp = if body.is_empty() && method != "POST" {
            self.agent.run(req.body(()).unwrap())
        } else {
            self.agent.run(req.body(body.to_vec()).unwrap())
        };
        let mut resp = resp.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    /// POST a JSON body.
    pub fn post_json(&self, endpoint: &str, bearer: Option<&str>, body: &str) -> Answer {
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("content-type", "application/json")];
        if let Some(auth) = &auth {
            headers.push(("authorization", auth));
        }
        self.request("POST", endpoint, "", &headers, body.as_bytes())
    }

    /// `WYNACOM_TOKEN`, else the active token from /generate_token.
    pub fn token(&self) -> String {
        if let Some(token) = &self.token {
            return token.clone();
        }
        let answer = self.post_json("generate_token", None, "{}");
        answer.body["data"]["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("generate_token answered {answer:?}"))
            .to_string()
    }
}
