//! The console's routes: `/` and `/assets/…` for the page, `/api/…` for everything it does.
//! Each API route translates its path, query and body into one `api` request and runs it on
//! a blocking thread; errors become a status and `{"error":{"kind":…,"message":…}}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::assets;
use super::auth::{status_of, Guard, Verdict};
use super::events::ChangeFeed;
use crate::api::{
    self, AccountCreate, Accounts, ApiError, CallSpec, CompareSpec, Context, Deploy, ErrorKind,
    Handler, StateKey, StateKeys, StatePut, StateRm, Stats,
};

/// Largest request body: a contract (4 MiB) or a value (4 MiB), with room for JSON.
const MAX_BODY: usize = 5 << 20;

/// The headers every answer carries: the page runs only its own scripts and styles, is
/// never framed, and leaks no URL (the first one holds the token) to anyone.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cache-control", "no-store"),
];

#[derive(Clone)]
struct App {
    ctx: Arc<Context>,
    feed: ChangeFeed,
    guard: Arc<Guard>,
}

/// The whole console.
pub(super) fn router(ctx: Arc<Context>, feed: ChangeFeed, guard: Arc<Guard>) -> Router {
    let app = App { ctx, feed, guard };
    let api = Router::new()
        .route("/accounts", get(accounts).post(account_create))
        .route("/accounts/{account}/keys", get(keys))
        .route(
            "/accounts/{account}/keys/{name}",
            get(key).put(key_put).delete(key_delete),
        )
        .route("/accounts/{account}/deploy", post(deploy))
        .route("/accounts/{account}/call", post(call))
        .route("/accounts/{account}/compare", post(compare))
        .route("/stats", get(stats))
        .route("/events", get(events))
        .fallback(|| async { error(ApiError::not_found("no such API route")) });
    Router::new()
        .route("/", get(index))
        .route("/assets/{file}", get(assets::asset))
        .nest("/api", api)
        .fallback(|| async { error(ApiError::not_found("no such page")) })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(app.clone(), check_access))
        .layer(middleware::from_fn(security_headers))
        .with_state(app)
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    resp
}

async fn check_access(State(app): State<App>, req: Request, next: Next) -> Response {
    match app.guard.check(req.method(), req.uri(), req.headers()) {
        Ok(Verdict::Allow) => next.run(req).await,
        Ok(Verdict::SetCookie(location)) => {
            let mut resp = Redirect::to(&location).into_response();
            if let Ok(cookie) = HeaderValue::from_str(&app.guard.set_cookie()) {
                resp.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            resp
        }
        Err(e) => error(e),
    }
}

/// An error as the API answers it.
fn error(e: ApiError) -> Response {
    let body = serde_json::json!({ "error": { "kind": e.kind, "message": e.message } });
    (status_of(e.kind), Json(body)).into_response()
}

/// Runs `req` on a blocking thread and answers its result as JSON.
async fn run<H>(ctx: Arc<Context>, req: H) -> Response
where
    H: Handler + Send + 'static,
    H::Output: Send + 'static,
{
    let joined = tokio::task::spawn_blocking(move || ctx.run(req, &mut |_| true)).await;
    match joined {
        Ok(Ok(out)) => Json(out).into_response(),
        Ok(Err(e)) => error(e),
        Err(e) => error(ApiError::failed(format!("the request failed: {e}"))),
    }
}

/// Like [`run`], for requests that answer nothing: `204 No Content` (or `status`).
async fn run_empty<H>(ctx: Arc<Context>, req: H, status: StatusCode) -> Response
where
    H: Handler<Output = ()> + Send + 'static,
{
    match run(ctx, req).await {
        r if r.status().is_success() => status.into_response(),
        r => r,
    }
}

async fn index(State(app): State<App>) -> Response {
    assets::index(app.guard.token())
}

async fn accounts(State(app): State<App>, Query(q): Query<Accounts>) -> Response {
    run(app.ctx, q).await
}

async fn account_create(State(app): State<App>, body: Bytes) -> Response {
    match json_body::<AccountCreate>(&body, None) {
        Ok(req) => run_empty(app.ctx, req, StatusCode::CREATED).await,
        Err(e) => error(e),
    }
}

/// The query of `GET /api/accounts/{account}/keys`.
#[derive(Deserialize)]
struct KeysQuery {
    #[serde(default)]
    prefix: String,
    after: Option<String>,
    limit: Option<usize>,
}

async fn keys(
    State(app): State<App>,
    Path(account): Path<String>,
    Query(q): Query<KeysQuery>,
) -> Response {
    let req = StateKeys {
        account,
        prefix: q.prefix,
        after: q.after,
        limit: q.limit,
    };
    run(app.ctx, req).await
}

async fn key(State(app): State<App>, Path((account, name)): Path<(String, String)>) -> Response {
    run(app.ctx, StateKey { account, name }).await
}

/// The key a name in a path stands for (a long name must name an existing key).
async fn key_bytes(ctx: &Arc<Context>, account: &str, name: String) -> Result<Vec<u8>, ApiError> {
    let account = outlayer_fs::AccountId::new(account)?;
    let ctx = ctx.clone();
    tokio::task::spawn_blocking(move || api::key_of_name(&ctx, &account, &name))
        .await
        .map_err(|e| ApiError::failed(format!("the request failed: {e}")))?
}

async fn key_put(
    State(app): State<App>,
    Path((account, name)): Path<(String, String)>,
    value: Bytes,
) -> Response {
    match key_bytes(&app.ctx, &account, name).await {
        Ok(key) => {
            let req = StatePut {
                account,
                key,
                value: value.to_vec(),
            };
            run_empty(app.ctx, req, StatusCode::NO_CONTENT).await
        }
        Err(e) => error(e),
    }
}

async fn key_delete(
    State(app): State<App>,
    Path((account, name)): Path<(String, String)>,
) -> Response {
    match key_bytes(&app.ctx, &account, name).await {
        Ok(key) => run_empty(app.ctx, StateRm { account, key }, StatusCode::NO_CONTENT).await,
        Err(e) => error(e),
    }
}

async fn deploy(State(app): State<App>, Path(account): Path<String>, code: Bytes) -> Response {
    let req = Deploy {
        account,
        code: code.to_vec(),
    };
    let ctx = app.ctx;
    let joined = tokio::task::spawn_blocking(move || ctx.run(req, &mut |_| true)).await;
    match joined {
        Ok(Ok(kind)) => {
            Json(serde_json::json!({ "kind": kind, "describe": kind.describe() })).into_response()
        }
        Ok(Err(e)) => error(e),
        Err(e) => error(ApiError::failed(format!("the request failed: {e}"))),
    }
}

async fn call(State(app): State<App>, Path(account): Path<String>, body: Bytes) -> Response {
    match json_body::<CallSpec>(&body, Some(account)) {
        Ok(req) => run(app.ctx, req).await,
        Err(e) => error(e),
    }
}

async fn compare(State(app): State<App>, Path(account): Path<String>, body: Bytes) -> Response {
    match json_body::<CompareSpec>(&body, Some(account)) {
        Ok(req) => run(app.ctx, req).await,
        Err(e) => error(e),
    }
}

async fn stats(State(app): State<App>) -> Response {
    run(app.ctx, Stats {}).await
}

async fn events(State(app): State<App>) -> Response {
    app.feed.stream().into_response()
}

/// A JSON body as the control socket's request of the same name (less `op`; the account
/// comes from the path when the route has one).
fn json_body<T: DeserializeOwned>(body: &[u8], account: Option<String>) -> Result<T, ApiError> {
    let bad = |e: serde_json::Error| ApiError::new(ErrorKind::BadRequest, format!("body: {e}"));
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(bad)?;
    let Some(obj) = value.as_object_mut() else {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            "body: expected a JSON object",
        ));
    };
    if let Some(account) = account {
        obj.insert("account".into(), account.into());
    }
    serde_json::from_value(value).map_err(bad)
}
