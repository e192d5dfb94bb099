//! What every handler works on: the store, and the executor made on first use.

use std::sync::{Arc, OnceLock};

use outlayer_fs::store::Store;
use outlayer_kernel::linux::Kernel;
use outlayer_kernel::Executor;

use super::{ApiError, Handler, ItemSink};

/// The shared state of one data directory. One per process: the control server holds one
/// for all its connections, the CLI's embedded path makes one for its single request.
pub struct Context {
    store: Arc<Store>,
    // Lazy: `state` requests never need the wasm engine, and starting it is not free. The
    // executor boots the guest kernel (linux mode) on its engine and keeps it warm.
    executor: OnceLock<Result<Executor, String>>,
    /// When this context (the daemon, or the CLI's embedded run) started.
    started: std::time::Instant,
}

impl Context {
    /// A context over `store`; the executor caches compiled code in `<data dir>/wasm-cache`.
    pub fn new(store: Arc<Store>) -> Self {
        Context {
            store,
            executor: OnceLock::new(),
            started: std::time::Instant::now(),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The executor, started on first use.
    pub fn executor(&self) -> Result<&Executor, ApiError> {
        self.executor
            .get_or_init(|| {
                let cache = self.store.path().join("wasm-cache");
                Executor::new(self.store.clone(), &cache).map_err(|e| format!("{e:#}"))
            })
            .as_ref()
            .map_err(|e| ApiError::failed(format!("cannot start the wasm engine: {e}")))
    }

    /// The executor, if something has started it (statistics never start it).
    pub fn started_executor(&self) -> Option<&Executor> {
        self.executor.get().and_then(|e| e.as_ref().ok())
    }

    /// How long this context has been up.
    pub fn uptime(&self) -> std::time::Duration {
        self.started.elapsed()
    }

    /// The guest kernel, the executor's (one engine and module cache for both modes).
    pub fn kernel(&self) -> Result<&Kernel, ApiError> {
        self.executor().map(Executor::kernel)
    }

    /// Runs one request. Returns once a mount of this store shows the request's changes,
    /// so a front end may report success only when every view agrees.
    pub fn run<H: Handler>(&self, req: H, items: &mut ItemSink<'_>) -> Result<H::Output, ApiError> {
        let result = req.handle(self, items);
        self.store.settle();
        result
    }
}
