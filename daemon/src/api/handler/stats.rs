//! `stats`: the store's disk use: what a user watches to see the data directory stay small
//! and a restart stay short.

use outlayer_fs::store::StoreStats;
use serde::{Deserialize, Serialize};

use crate::api::{ApiError, Context, Handler, ItemSink, Stats};

/// Everything `stats` reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatsReport {
    /// The store.
    pub store: StoreReport,
}

/// The store's figures, with its location.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoreReport {
    /// The data directory.
    pub data_dir: String,
    /// Sizes and the last flush.
    #[serde(flatten)]
    pub stats: StoreStats,
}

impl Handler for Stats {
    type Output = StatsReport;

    fn handle(self, ctx: &Context, _items: &mut ItemSink<'_>) -> Result<StatsReport, ApiError> {
        let store = ctx.store();
        Ok(StatsReport {
            store: StoreReport {
                data_dir: store.path().display().to_string(),
                stats: store.stats()?,
            },
        })
    }
}
