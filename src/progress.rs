//! The progress spinner on a terminal's standard error: events, bytes,
//! elapsed time, rate and, in text mode, tokens so far.
//!
//! The spinner lives on the last line of the terminal. Anything else
//! written there (the output, when standard output is the same terminal,
//! and ssecat's messages) first hides it; it is drawn again only when what
//! was written ended its line, so it never lands in the middle of an
//! answer's text.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use console::Term;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle, TermLike};

use crate::plural::plural;
use crate::stats::Live;

/// How often the spinner is redrawn while nothing arrives.
const TICK: Duration = Duration::from_millis(100);

/// The spinner of this run, once started.
static SPINNER: OnceLock<Spinner> = OnceLock::new();

struct Spinner {
    bar: ProgressBar,
    /// The terminal's cursor is at the start of a line: the spinner may be drawn.
    at_line_start: Arc<AtomicBool>,
}

/// Starts the spinner on standard error, counting from `live`; `tokens`
/// adds the text deltas so far.
pub fn start(live: Arc<Live>, tokens: bool) {
    let at_line_start = Arc::new(AtomicBool::new(true));
    let term = GatedTerm {
        term: Term::buffered_stderr(),
        open: Arc::clone(&at_line_start),
    };
    let template = if tokens {
        "{spinner} {elapsed_precise} {events}, {bytes}, {rate}, {tokens}"
    } else {
        "{spinner} {elapsed_precise} {events}, {bytes}, {rate}"
    };
    // A count with its noun: `1 event`, `2 events`.
    let count = |live: &Arc<Live>, noun: &'static str, read: fn(&Live) -> u64| {
        let live = Arc::clone(live);
        move |_: &ProgressState, out: &mut dyn std::fmt::Write| {
            let _ = write!(out, "{}", plural(read(&live), noun));
        }
    };
    let bytes_live = Arc::clone(&live);
    let rate_live = Arc::clone(&live);
    let style = ProgressStyle::with_template(template)
        .expect("the template is valid")
        .with_key(
            "events",
            count(&live, "event", |l| l.events.load(Ordering::Relaxed)),
        )
        .with_key(
            "tokens",
            count(&live, "token", |l| l.deltas.load(Ordering::Relaxed)),
        )
        .with_key(
            "bytes",
            move |_: &ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = write!(
                    out,
                    "{}",
                    Size(bytes_live.bytes.load(Ordering::Relaxed) as f64)
                );
            },
        )
        .with_key(
            "rate",
            move |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                let seconds = state.elapsed().as_secs_f64().max(1e-3);
                let rate = rate_live.bytes.load(Ordering::Relaxed) as f64 / seconds;
                let _ = write!(out, "{}/s", Size(rate));
            },
        );
    let target = ProgressDrawTarget::term_like_with_hz(Box::new(term), 10);
    let bar = ProgressBar::with_draw_target(None, target).with_style(style);
    bar.enable_steady_tick(TICK);
    let _ = SPINNER.set(Spinner { bar, at_line_start });
}

/// Writes to the terminal the spinner is on with `write`, which returns
/// what it wrote last: the spinner is hidden meanwhile.
pub fn around<T>(write: impl FnOnce() -> (T, Option<u8>)) -> T {
    let Some(spinner) = SPINNER.get() else {
        return write().0;
    };
    spinner.bar.suspend(|| {
        let (result, last) = write();
        if let Some(last) = last {
            spinner
                .at_line_start
                .store(last == b'\n', Ordering::Relaxed);
        }
        result
    })
}

/// Erases the spinner's line without waiting for its lock, which a thread
/// stuck writing to a blocked terminal may hold: for an exit that cannot
/// wait.
pub fn erase_now() {
    if let Some(spinner) = SPINNER.get() {
        if spinner.at_line_start.load(Ordering::Relaxed) {
            let _ = io::Write::write_all(&mut io::stderr(), b"\r\x1b[2K");
        }
    }
}

pub fn is_running() -> bool {
    SPINNER.get().is_some()
}

/// Clears the spinner for good, before the last messages.
pub fn finish() {
    if let Some(spinner) = SPINNER.get() {
        spinner.bar.finish_and_clear();
    }
}

/// Standard output when it is the spinner's terminal too: each write hides
/// the spinner and goes out at once.
pub struct SharedTerminal<W: io::Write>(pub W);

impl<W: io::Write> io::Write for SharedTerminal<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let out = &mut self.0;
        around(|| {
            let written = out.write_all(buf).and_then(|()| out.flush());
            (written, buf.last().copied())
        })?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Standard error that draws only while the cursor is at the start of a
/// line; otherwise every drawing step does nothing.
#[derive(Debug)]
struct GatedTerm {
    term: Term,
    open: Arc<AtomicBool>,
}

impl GatedTerm {
    fn when_open(&self, draw: impl FnOnce(&Term) -> io::Result<()>) -> io::Result<()> {
        if self.open.load(Ordering::Relaxed) {
            draw(&self.term)
        } else {
            Ok(())
        }
    }
}

impl TermLike for GatedTerm {
    fn width(&self) -> u16 {
        self.term.size().1
    }

    fn height(&self) -> u16 {
        self.term.size().0
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        self.when_open(|term| term.move_cursor_up(n))
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        self.when_open(|term| term.move_cursor_down(n))
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        self.when_open(|term| term.move_cursor_right(n))
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        self.when_open(|term| term.move_cursor_left(n))
    }

    fn write_line(&self, s: &str) -> io::Result<()> {
        self.when_open(|term| term.write_line(s))
    }

    fn write_str(&self, s: &str) -> io::Result<()> {
        self.when_open(|term| term.write_str(s))
    }

    fn clear_line(&self) -> io::Result<()> {
        self.when_open(|term| term.clear_line())
    }

    fn flush(&self) -> io::Result<()> {
        self.when_open(|term| term.flush())
    }
}

/// A byte count in binary units: `812 B`, `38.2 KiB`, `1.4 GiB`.
struct Size(f64);

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut value = self.0;
        for unit in ["B", "KiB", "MiB", "GiB"] {
            if value < 1024.0 || unit == "GiB" {
                return if unit == "B" {
                    write!(f, "{value:.0} {unit}")
                } else {
                    write!(f, "{value:.1} {unit}")
                };
            }
            value /= 1024.0;
        }
        unreachable!("GiB ends the loop")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_binary_units() {
        let shown = |bytes: f64| Size(bytes).to_string();
        assert_eq!(shown(812.0), "812 B");
        assert_eq!(shown(39_117.0), "38.2 KiB");
        assert_eq!(shown(1.5 * 1024.0 * 1024.0 * 1024.0), "1.5 GiB");
        assert_eq!(shown(5e15), "4656612.9 GiB");
    }
}
