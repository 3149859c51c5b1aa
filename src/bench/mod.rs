//! `ssecat bench`: many streams at once, each measured as one stream is,
//! and what their measures add up to.

pub mod load;
pub mod probe;
pub mod sample;
