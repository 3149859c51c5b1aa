//! `ssecat bench`: many streams at once, each measured as one stream is,
//! and what their measures add up to.

pub mod aggregate;
#[cfg(test)]
mod fixtures;
pub mod histograms;
pub mod level;
pub mod load;
pub mod merge;
pub mod probe;
pub mod records;
pub mod report;
pub mod sample;
pub mod slo;
pub mod summary;
