//! The web console: HTTP on the daemon, over the same request handlers as the CLI and the
//! control socket (`api`). Front-end work only: routes translate HTTP into `api` requests
//! (`routes`), a guard checks the token and the `Host` (`auth`), the store's change feed
//! becomes server-sent events (`events`), and the page's files are compiled in (`assets`).
//!
//! Runs on its own small tokio runtime; every handler call goes to a blocking thread, as
//! handlers use RocksDB and wasmtime synchronously.

mod assets;
mod auth;
mod events;
mod routes;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::api::Context;
use crate::cli::HttpArgs;
use crate::UsageError;

/// A running web console; dropping it stops the server.
pub struct HttpServer {
    runtime: Option<tokio::runtime::Runtime>,
    url: String,
}

impl HttpServer {
    /// Serves the console when `args` names an address, and prints its URL (with the token)
    /// on stderr and in the log. A non-loopback address needs `--http-allow-remote`.
    pub fn start(ctx: Arc<Context>, args: &HttpArgs) -> anyhow::Result<Option<Self>> {
        check(args)?;
        let Some(addr) = args.addr else {
            return Ok(None);
        };
        let remote = !addr.ip().is_loopback();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(16)
            .thread_name("http")
            .enable_all()
            .build()?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(addr))
            .with_context(|| format!("--http {addr}: cannot listen"))?;
        let bound = listener.local_addr()?;
        let guard = auth::Guard::new(auth::new_token()?, bound, remote);
        let url = format!("http://{bound}/?token={}", guard.token());
        let feed = events::ChangeFeed::attach(ctx.store());
        let app = routes::router(ctx, feed, Arc::new(guard));
        runtime.spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("web console stopped: {e}");
            }
        });
        if remote {
            tracing::warn!(
                %bound,
                "the web console listens beyond loopback: anyone who reaches it with the \
                 token controls this daemon"
            );
        }
        eprintln!("outlayerd: web console at {url}");
        tracing::info!(%url, "web console");
        Ok(Some(HttpServer {
            runtime: Some(runtime),
            url,
        }))
    }

    /// The console's URL, token included.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Refuses a non-loopback `--http` without `--http-allow-remote` (before the daemon takes
/// its store, so a refused start changes nothing).
pub fn check(args: &HttpArgs) -> Result<(), UsageError> {
    match args.addr {
        Some(addr) if !addr.ip().is_loopback() && !args.allow_remote => Err(UsageError(format!(
            "--http {addr}: only loopback addresses are allowed without --http-allow-remote"
        ))),
        _ => Ok(()),
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        // Event streams never end by themselves, and a call in progress may take seconds.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(2));
        }
    }
}
