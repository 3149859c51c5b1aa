//! The dialect writers of `ssecat serve`, read back by ssecat's own
//! decoder and readers: the hosted APIs' and the local servers'; and the
//! requests a prompt makes, read by the same modules' `ask`.

mod hosted;
mod local;
mod paths;
mod prompts;
mod props;
