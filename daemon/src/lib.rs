//! outlayerd
