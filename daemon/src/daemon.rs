//! The daemon's lifecycle, shared by `mount` and `serve`.
//!
//! Order matters: block the shutdown signals (before any thread starts, so every thread
//! inherits the mask and only `wait_signal` ever sees them), take the store (its lock says
//! no other daemon holds the data directory), then the control socket and the 9P listeners.
//! `stop` runs backwards and syncs the store last.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use nix::sys::signal::{SigSet, Signal};
use outlayer_fs::statefs::StateFs;
use outlayer_fs::store::Store;

use crate::api;
use crate::cli::{HttpArgs, NinepArgs};
use crate::config;
use crate::control::ControlServer;
use crate::http::HttpServer;
use crate::ninep::Listeners;

/// A running daemon: store, control socket, 9P listeners and web console over one `StateFs`
/// and one request context (one executor, one set of statistics).
pub struct Daemon {
    signals: SigSet,
    store: Arc<Store>,
    fs: Arc<StateFs>,
    control: ControlServer,
    listeners: Listeners,
    http: Option<HttpServer>,
}

impl Daemon {
    /// Starts the daemon of `data_dir`; `read_only` refuses every change through the files.
    pub fn start(
        data_dir: &Path,
        read_only: bool,
        ninep: &NinepArgs,
        http: &HttpArgs,
    ) -> anyhow::Result<Self> {
        crate::http::check(http)?;
        let signals = shutdown_signals();
        signals.thread_block().context("blocking signals")?;
        let store = Arc::new(Store::open(data_dir)?);
        let ctx = Arc::new(api::Context::new(store.clone()));
        let control = ControlServer::start(&config::control_socket(data_dir), ctx.clone())?;
        let fs = Arc::new(StateFs::new(store.clone(), read_only));
        let listeners = Listeners::start(fs.clone(), ninep)?;
        let http = HttpServer::start(ctx, http)?;
        Ok(Daemon {
            signals,
            store,
            fs,
            control,
            listeners,
            http,
        })
    }

    /// The filesystem every transport serves.
    pub fn fs(&self) -> &Arc<StateFs> {
        &self.fs
    }

    /// Waits up to `timeout` for SIGINT, SIGTERM or SIGHUP; the signal number if one came.
    pub fn wait_signal(&self, timeout: Duration) -> Option<i32> {
        let ts = libc::timespec {
            tv_sec: timeout.as_secs() as libc::time_t,
            tv_nsec: timeout.subsec_nanos() as libc::c_long,
        };
        // SAFETY: `signals` is a valid sigset, the info pointer may be null and `ts` lives on
        // the stack for the duration of the call.
        let r = unsafe { libc::sigtimedwait(self.signals.as_ref(), std::ptr::null_mut(), &ts) };
        (r > 0).then_some(r)
    }

    /// Stops the listeners, makes every acknowledged write durable and flushes, then removes the
    /// control socket (a CLI finding none falls back to the store, which is then free).
    pub fn stop(self) -> anyhow::Result<()> {
        let Daemon {
            store,
            fs,
            control,
            listeners,
            http,
            ..
        } = self;
        drop(http);
        drop(listeners);
        // Access times read since the last batch (see `statefs::atime`).
        fs.persist_atimes()?;
        store.sync()?;
        // Write buffers to tables, so the next start replays no log.
        store.flush()?;
        drop(control);
        Ok(())
    }
}

fn shutdown_signals() -> SigSet {
    let mut set = SigSet::empty();
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(s);
    }
    set
}
