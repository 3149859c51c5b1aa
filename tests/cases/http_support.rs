//! Helpers for the tests that run ssecat against `crate::server`.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use super::support::{forward_reads, ssecat, TIMEOUT};

/// The proxy variables that must not reach ssecat, in both spellings.
const PROXY_VARS: [&str; 6] = [
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

/// The real binary, with a timeout, and the machine's proxy settings out of
/// the way: no *_PROXY variable, and NO_PROXY=*.
pub fn http() -> assert_cmd::Command {
    let mut cmd = ssecat();
    for var in PROXY_VARS {
        cmd.env_remove(var);
    }
    cmd.env("NO_PROXY", "*").env("no_proxy", "*");
    cmd
}

/// The stderr of a run, as text.
pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The stdout of a run, as text.
pub fn stdout_text(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts that `stderr` is exactly one line starting with `ssecat: error: `
/// and containing every one of `words` (case-insensitive).
pub fn assert_one_error_line(stderr: &str, words: &[&str]) {
    assert!(
        stderr.starts_with("ssecat: error: ")
            && stderr.ends_with('\n')
            && stderr.lines().count() == 1,
        "expected one line 'ssecat: error: …', got {stderr:?}"
    );
    let lower = stderr.to_lowercase();
    for word in words {
        assert!(
            lower.contains(&word.to_lowercase()),
            "the error does not mention {word:?}: {stderr:?}"
        );
    }
}

/// ssecat running with its stdout and stderr read by threads, so that a
/// test can wait for output while the server is still holding back.
pub struct Running {
    child: Child,
    stdout: Receiver<Vec<u8>>,
    stderr: Option<thread::JoinHandle<String>>,
    /// Output received but not yet matched.
    pending: Vec<u8>,
}

/// How a run ended.
#[derive(Debug)]
pub struct Finished {
    pub code: Option<i32>,
    /// The stdout not yet matched by `Running::expect_output`.
    pub stdout: String,
    pub stderr: String,
}

impl Running {
    pub fn spawn(args: &[&str]) -> Running {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ssecat"));
        for var in PROXY_VARS {
            cmd.env_remove(var);
        }
        cmd.env("NO_PROXY", "*").env("no_proxy", "*");
        let mut child = cmd
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ssecat starts");
        let receiver = forward_reads(child.stdout.take().unwrap());
        let mut stderr = child.stderr.take().unwrap();
        let stderr = thread::spawn(move || {
            let mut text = Vec::new();
            let _ = stderr.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        });
        Running {
            child,
            stdout: receiver,
            stderr: Some(stderr),
            pending: Vec::new(),
        }
    }

    /// Waits (up to `TIMEOUT`) until `expected` has been printed, and checks
    /// that nothing else was.
    pub fn expect_output(&mut self, expected: &str) {
        let deadline = Instant::now() + TIMEOUT;
        while self.pending.len() < expected.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(chunk) => self.pending.extend_from_slice(&chunk),
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!(
                        "after {TIMEOUT:?} ssecat had printed only {:?}, expected {expected:?}",
                        String::from_utf8_lossy(&self.pending),
                    );
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let _ = self.child.kill();
                    let stderr = self.stderr.take().unwrap().join().unwrap();
                    panic!(
                        "ssecat closed its stdout after {:?}, expected {expected:?}; stderr: {stderr}",
                        String::from_utf8_lossy(&self.pending),
                    );
                }
            }
        }
        assert_eq!(String::from_utf8_lossy(&self.pending), expected);
        self.pending.clear();
    }

    /// Waits (up to `TIMEOUT`) for ssecat to exit by itself.
    pub fn finish(mut self) -> Finished {
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("ssecat did not exit within {TIMEOUT:?}");
            }
            thread::sleep(Duration::from_millis(5));
        };
        let mut rest = std::mem::take(&mut self.pending);
        while let Ok(chunk) = self.stdout.recv_timeout(TIMEOUT) {
            rest.extend_from_slice(&chunk);
        }
        Finished {
            code: status.code(),
            stdout: String::from_utf8_lossy(&rest).into_owned(),
            stderr: self.stderr.take().unwrap().join().unwrap(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A failed assertion must not leave ssecat running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
