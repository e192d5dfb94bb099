//! Who may use the console: the token, the `Host` header, and which requests may carry the
//! token only in a cookie.
//!
//! A browser gets the token once in the URL the daemon printed (`/?token=…`); the answer
//! moves it into a cookie (HttpOnly, SameSite=Strict) and redirects to the bare URL, so it
//! does not stay in the address bar or the history. Reads then ride on the cookie. Changes
//! need the token in a header (`X-Outlayer-Token` or `Authorization: Bearer`), which another
//! site's form or script cannot add: no CSRF. The `Host` must be the address the console is
//! bound to (or `localhost:PORT`), so a DNS-rebound name cannot reach it either.

use std::net::SocketAddr;

use axum::http::{header, HeaderMap, Method, StatusCode, Uri};

use crate::api::{ApiError, ErrorKind};

/// The header that carries the token on API requests.
pub(super) const TOKEN_HEADER: &str = "x-outlayer-token";

/// A fresh random token: 32 bytes from the OS, hex.
pub(super) fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for the token: {e}"))?;
    Ok(hex::encode(bytes))
}

/// The console's access rules.
pub(super) struct Guard {
    token: String,
    /// `Host` values accepted; empty when any is (a console reachable from elsewhere has
    /// as many names as the machine).
    hosts: Vec<String>,
    cookie: String,
}

/// What the guard decided about a request.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Go on.
    Allow,
    /// The token came in the URL: store it in the cookie and redirect to this location.
    SetCookie(String),
}

impl Guard {
    /// Rules for a console bound to `bound` with `token`; `any_host` when it listens beyond
    /// loopback.
    pub(super) fn new(token: String, bound: SocketAddr, any_host: bool) -> Self {
        let hosts = if any_host {
            Vec::new()
        } else {
            vec![bound.to_string(), format!("localhost:{}", bound.port())]
        };
        Guard {
            token,
            hosts,
            // Cookies ignore ports: two daemons on one machine must not share one.
            cookie: format!("outlayer_token_{}", bound.port()),
        }
    }

    /// The token.
    pub(super) fn token(&self) -> &str {
        &self.token
    }

    /// The `Set-Cookie` value that stores the token in the browser.
    pub(super) fn set_cookie(&self) -> String {
        format!(
            "{}={}; Path=/; HttpOnly; SameSite=Strict",
            self.cookie, self.token
        )
    }

    /// Decides on a request from its method, URI and headers.
    pub(super) fn check(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<Verdict, ApiError> {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        if !self.hosts.is_empty()
            && !host.is_some_and(|h| self.hosts.iter().any(|a| a.eq_ignore_ascii_case(h)))
        {
            return Err(ApiError::new(
                ErrorKind::Forbidden,
                format!(
                    "Host {:?} is not this console's address ({})",
                    host.unwrap_or(""),
                    self.hosts.join(" or ")
                ),
            ));
        }
        let header_token = headers
            .get(TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .or_else(|| bearer(headers));
        if let Some(t) = header_token {
            return self
                .matches(t)
                .then_some(Verdict::Allow)
                .ok_or_else(wrong_token);
        }
        let query_token = uri.query().and_then(|q| query_param(q, "token"));
        let cookie_token = cookie(headers, &self.cookie);
        let safe = matches!(*method, Method::GET | Method::HEAD);
        match (query_token, cookie_token) {
            (Some(t), _) if safe => {
                if !self.matches(&t) {
                    return Err(wrong_token());
                }
                Ok(Verdict::SetCookie(uri.path().to_string()))
            }
            (_, Some(t)) if self.matches(t) => {
                if safe {
                    Ok(Verdict::Allow)
                } else {
                    Err(ApiError::new(
                        ErrorKind::Forbidden,
                        format!("a change needs the token in the {TOKEN_HEADER} header"),
                    ))
                }
            }
            (None, None) => Err(ApiError::new(
                ErrorKind::Unauthorized,
                "this console needs its token: open the URL outlayerd printed at start",
            )),
            _ => Err(wrong_token()),
        }
    }

    /// Compares in time independent of where the first difference is.
    fn matches(&self, given: &str) -> bool {
        let (a, b) = (self.token.as_bytes(), given.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

fn wrong_token() -> ApiError {
    ApiError::new(
        ErrorKind::Unauthorized,
        "wrong token (it changes at every start of the daemon)",
    )
}

/// The HTTP status of an error kind.
pub(super) fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::InvalidInput | ErrorKind::BadRequest | ErrorKind::NotJson => {
            StatusCode::BAD_REQUEST
        }
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::AlreadyExists => StatusCode::CONFLICT,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::ExecutionFailed => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::DaemonUnreachable => StatusCode::BAD_GATEWAY,
        ErrorKind::Io | ErrorKind::Failed => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A query parameter's value (the token is hex: no decoding needed beyond a match).
fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        let addr: SocketAddr = "127.0.0.1:8123".parse().expect("addr");
        Guard::new("t0k3n".into(), addr, false)
    }

    fn req(method: Method, uri: &str, headers: &[(&str, &str)]) -> Result<Verdict, ErrorKind> {
        let mut map = HeaderMap::new();
        map.insert(header::HOST, "127.0.0.1:8123".parse().expect("host"));
        for (k, v) in headers {
            let name = header::HeaderName::from_bytes(k.as_bytes()).expect("name");
            map.insert(name, v.parse().expect("value"));
        }
        let uri: Uri = uri.parse().expect("uri");
        guard().check(&method, &uri, &map).map_err(|e| e.kind)
    }

    #[test]
    fn no_token_is_unauthorized_and_a_wrong_one_too() {
        assert_eq!(
            req(Method::GET, "/api/stats", &[]),
            Err(ErrorKind::Unauthorized)
        );
        let wrong = [("x-outlayer-token", "nope")];
        assert_eq!(req(Method::GET, "/", &wrong), Err(ErrorKind::Unauthorized));
        let cookie = [("cookie", "outlayer_token_8123=nope")];
        assert_eq!(req(Method::GET, "/", &cookie), Err(ErrorKind::Unauthorized));
        assert_eq!(
            req(Method::GET, "/?token=nope", &[]),
            Err(ErrorKind::Unauthorized)
        );
    }

    #[test]
    fn the_url_token_becomes_a_cookie_and_reads_ride_on_it() {
        assert_eq!(
            req(Method::GET, "/?token=t0k3n", &[]),
            Ok(Verdict::SetCookie("/".into()))
        );
        assert!(guard().set_cookie().contains("HttpOnly; SameSite=Strict"));
        let cookie = [("cookie", "a=b; outlayer_token_8123=t0k3n")];
        assert_eq!(
            req(Method::GET, "/api/accounts", &cookie),
            Ok(Verdict::Allow)
        );
        let other_port = [("cookie", "outlayer_token_9000=t0k3n")];
        assert_eq!(
            req(Method::GET, "/", &other_port),
            Err(ErrorKind::Unauthorized),
            "another console's cookie"
        );
    }

    #[test]
    fn changes_need_the_token_in_a_header() {
        let cookie = [("cookie", "outlayer_token_8123=t0k3n")];
        assert_eq!(
            req(Method::POST, "/api/accounts", &cookie),
            Err(ErrorKind::Forbidden)
        );
        assert_eq!(
            req(Method::POST, "/api/accounts?token=t0k3n", &[]),
            Err(ErrorKind::Unauthorized)
        );
        let header = [("x-outlayer-token", "t0k3n")];
        assert_eq!(req(Method::DELETE, "/api/x", &header), Ok(Verdict::Allow));
        let bearer = [("authorization", "Bearer t0k3n")];
        assert_eq!(req(Method::PUT, "/api/x", &bearer), Ok(Verdict::Allow));
    }

    #[test]
    fn a_foreign_host_is_refused_even_with_the_token() {
        let rebound = [("host", "evil.example:8123"), ("x-outlayer-token", "t0k3n")];
        assert_eq!(req(Method::GET, "/", &rebound), Err(ErrorKind::Forbidden));
        let local = [("host", "LOCALHOST:8123"), ("x-outlayer-token", "t0k3n")];
        assert_eq!(req(Method::GET, "/", &local), Ok(Verdict::Allow));
        let other_port = [("host", "localhost:80"), ("x-outlayer-token", "t0k3n")];
        assert_eq!(
            req(Method::GET, "/", &other_port),
            Err(ErrorKind::Forbidden)
        );
        let addr: SocketAddr = "0.0.0.0:8123".parse().expect("addr");
        let remote = Guard::new("t0k3n".into(), addr, true);
        let mut map = HeaderMap::new();
        map.insert(header::HOST, "box.lan:8123".parse().expect("host"));
        map.insert(TOKEN_HEADER, "t0k3n".parse().expect("token"));
        let uri: Uri = "/".parse().expect("uri");
        assert_eq!(remote.check(&Method::GET, &uri, &map), Ok(Verdict::Allow));
    }
}
