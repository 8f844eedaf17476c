//! The verification runtime: replays workflow source against recorded histories.

pub mod history;
