//! Ctrl-C (SIGINT) and SIGTERM: stop reading, let the writers finish what
//! they print at the end (`--format final`, later the stats), and exit
//! 128 + the signal's number, as the signal would have.

use std::process;
use std::thread;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use tokio::sync::watch;

/// After the first signal, how long the run has to wrap up before the
/// process ends anyway: it may be blocked writing to a pipe nobody reads.
const GRACE: Duration = Duration::from_secs(2);

/// The signals received, as the reading loops watch them.
#[derive(Clone)]
pub struct Interrupt(watch::Receiver<i32>);

impl Interrupt {
    /// Takes over SIGINT and SIGTERM for the rest of the run. A second
    /// signal, or the grace time running out, ends the process at once.
    pub fn install() -> std::io::Result<Interrupt> {
        let (sender, receiver) = watch::channel(0);
        let mut signals = Signals::new([SIGINT, SIGTERM])?;
        thread::spawn(move || {
            let mut received = signals.forever();
            let Some(signal) = received.next() else {
                return;
            };
            let _ = sender.send(signal);
            thread::spawn(move || {
                thread::sleep(GRACE);
                exit_now(signal);
            });
            if received.next().is_some() {
                exit_now(signal);
            }
        });
        Ok(Interrupt(receiver))
    }

    /// Waits for a signal and gives its number.
    pub async fn wait(&mut self) -> i32 {
        match self.0.wait_for(|signal| *signal != 0).await {
            Ok(signal) => *signal,
            // The watcher is gone: no signal will come.
            Err(_) => std::future::pending().await,
        }
    }
}

/// Ends the process at once, as the signal would have: a progress spinner
/// still drawn is erased first, so the shell's prompt does not follow it.
fn exit_now(signal: i32) -> ! {
    crate::progress::erase_now();
    process::exit(128 + signal)
}
