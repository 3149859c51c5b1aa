//! Integration tests of the `ssecat` binary: every test runs the real
//! executable and checks its exact stdout, stderr and exit status.
//!
//! The tests live in `cases/`, one module per area.

mod cases;

mod server;
