//! The dialect writers of `ssecat serve`, read back by ssecat's own
//! decoder and readers: the hosted APIs' and the local servers'.

mod hosted;
mod local;
mod props;
