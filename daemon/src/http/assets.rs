//! The page's files, compiled into the binary (`daemon/web/`): nothing to install beside it.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// `(name, content type, bytes)` of every file under `/assets/`.
const FILES: &[(&str, &str, &str)] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../web/style.css"),
    ),
    ("app.js", JS, include_str!("../../web/app.js")),
    ("api.js", JS, include_str!("../../web/api.js")),
    ("dom.js", JS, include_str!("../../web/dom.js")),
    ("decode.js", JS, include_str!("../../web/decode.js")),
    ("charts.js", JS, include_str!("../../web/charts.js")),
    ("state.js", JS, include_str!("../../web/state.js")),
    ("contract.js", JS, include_str!("../../web/contract.js")),
    ("stats.js", JS, include_str!("../../web/stats.js")),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../web/favicon.svg"),
    ),
];

const JS: &str = "text/javascript; charset=utf-8";

/// The page itself, with the token where its scripts read it (a `<meta>`: the page is only
/// served to a request that had the token, and other origins cannot read it).
pub(super) fn index(token: &str) -> Response {
    let html = include_str!("../../web/index.html").replace("{{TOKEN}}", token);
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// `/assets/{file}`.
pub(super) async fn asset(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => ([(header::CONTENT_TYPE, *mime)], *body).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
