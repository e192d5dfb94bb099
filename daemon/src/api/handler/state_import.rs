//! `state_import`: a state file in NEAR's RPC formats loaded into an account as one
//! transaction.
//!
//! The file is read as a stream (see `api::near_formats`) straight into the transaction:
//! nothing reaches the store until every entry has been read and checked (base64, NEAR's
//! key and value limits, no key twice), and any error drops the transaction, so an import
//! writes all its keys or none. Unchanged values are not rewritten (their times stay).
//! The memory an import takes is the transaction's: the changed keys and their values,
//! which RocksDB commits as one batch; the file itself is never held whole.

use std::cell::Cell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::parse_account;
use crate::api::near_formats::{read_state, Counted, Position};
use crate::api::{ApiError, Context, ErrorKind, Handler, ItemSink, StateImport};
use outlayer_fs::store::Txn;

/// What an import changed (or, in a dry run, would change).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Keys the account did not have.
    pub added: u64,
    /// Keys whose value changes.
    pub changed: u64,
    /// Keys already holding the file's value.
    pub unchanged: u64,
    /// Keys not in the file, removed by `replace`.
    pub removed: u64,
    /// Nothing was written.
    pub dry_run: bool,
}

/// A progress item of `state_import`, sent as JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProgress {
    /// Bytes of the file read so far.
    pub bytes: u64,
    /// Entries read so far.
    pub entries: u64,
    /// The whole file is read: what remains is the commit.
    pub read_all: bool,
}

/// Bytes read between two progress items.
const PROGRESS_EVERY: u64 = 1 << 20;

impl Handler for StateImport {
    type Output = ImportReport;

    fn handle(self, ctx: &Context, items: &mut ItemSink<'_>) -> Result<ImportReport, ApiError> {
        let account = parse_account(&self.account, "account")?;
        let input: Box<dyn Read> = match (&self.file, self.content) {
            (Some(fd), None) => Box::new(File::from(fd.try_clone().map_err(|e| {
                ApiError::failed(format!("{}: cannot use the descriptor: {e}", self.name))
            })?)),
            (None, Some(content)) => Box::new(std::io::Cursor::new(content.0)),
            _ => {
                return Err(ApiError::new(
                    ErrorKind::BadRequest,
                    "state_import takes the file as a passed descriptor or as `content`, \
                     one of them",
                ))
            }
        };
        let read = Rc::new(Cell::new(0));
        let mut input = BufReader::with_capacity(1 << 16, Counted::new(input, read.clone()));
        let mut import = Import {
            txn: ctx.store().begin(&account)?,
            dry_run: self.dry_run,
            first_seen: HashMap::new(),
            report: ImportReport {
                dry_run: self.dry_run,
                ..ImportReport::default()
            },
        };
        let mut progress = Progress {
            items,
            read,
            reported: 0,
            entries: 0,
        };
        read_state(&mut input, &self.name, &mut |at, key, value| {
            import.entry(at, key, value)?;
            progress.entry()
        })?;
        if self.replace {
            import.remove_the_rest(ctx)?;
        }
        progress.send(true)?;
        import.finish()
    }
}

/// One import in progress.
struct Import<'s> {
    txn: Txn<'s>,
    dry_run: bool,
    /// Every key of the file and where it was, to refuse a second one and (with `replace`)
    /// to know what to keep.
    first_seen: HashMap<Box<[u8]>, Position>,
    report: ImportReport,
}

impl Import<'_> {
    fn entry(&mut self, at: Position, key: Vec<u8>, value: Vec<u8>) -> Result<(), ApiError> {
        if let Some(first) = self.first_seen.get(key.as_slice()) {
            return Err(ApiError::invalid(format!(
                "{at}: key {} is already at {first}: a state holds each key once",
                shown(&key)
            )));
        }
        self.first_seen.insert(key.clone().into_boxed_slice(), at);
        match self.txn.with_value(&key, |old| old == value.as_slice())? {
            Some(true) => self.report.unchanged += 1,
            Some(false) => self.report.changed += 1,
            None => self.report.added += 1,
        }
        if !self.dry_run {
            self.txn.put(&key, value)?;
        }
        Ok(())
    }

    /// `replace`: the account's keys that the file does not hold go.
    fn remove_the_rest(&mut self, ctx: &Context) -> Result<(), ApiError> {
        let account = self.txn.account().clone();
        let mut failure = None;
        ctx.store().scan_keys(&account, b"", b"", |key, _| {
            if self.first_seen.contains_key(key) {
                return true;
            }
            self.report.removed += 1;
            if !self.dry_run {
                if let Err(e) = self.txn.remove(key) {
                    failure = Some(e);
                    return false;
                }
            }
            true
        })?;
        failure.map_or(Ok(()), |e| Err(e.into()))
    }

    fn finish(mut self) -> Result<ImportReport, ApiError> {
        if !self.dry_run {
            if self.txn.account_meta().is_none() {
                // An import makes the account even when the state it brings is empty.
                self.txn.create_account()?;
            }
            self.txn.commit()?;
        }
        Ok(self.report)
    }
}

/// A key in a message: as text when it is printable, else base64 as the file has it.
fn shown(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(s) if !s.chars().any(char::is_control) && s.len() <= 64 => format!("{s:?}"),
        _ => {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::STANDARD.encode(key);
            match b64.get(..88) {
                Some(cut) if b64.len() > 88 => format!("(base64) {cut}…"),
                _ => format!("(base64) {b64}"),
            }
        }
    }
}

/// Progress items for the caller, about one per mebibyte read.
struct Progress<'a, 'i> {
    items: &'a mut ItemSink<'i>,
    read: Rc<Cell<u64>>,
    reported: u64,
    entries: u64,
}

impl Progress<'_, '_> {
    fn entry(&mut self) -> Result<(), ApiError> {
        self.entries += 1;
        if self.read.get() >= self.reported + PROGRESS_EVERY {
            self.send(false)?;
        }
        Ok(())
    }

    /// Sends where the import is; a caller that went away cancels it.
    fn send(&mut self, read_all: bool) -> Result<(), ApiError> {
        self.reported = self.read.get();
        let item = ImportProgress {
            bytes: self.reported,
            entries: self.entries,
            read_all,
        };
        let text = serde_json::to_string(&item).unwrap_or_default();
        if (self.items)(text) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorKind::Io,
                "the import's caller went away: nothing was written",
            ))
        }
    }
}
