//! Helpers for the tests that run ssecat against `crate::server`.

use std::process::Command;

use super::support::ssecat;
pub use super::support::Running;

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

/// The binary with `args`, without the machine's proxy settings, for a
/// test that runs it its own way.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ssecat"));
    without_proxies(&mut cmd).args(args);
    cmd
}

/// `cmd` without the machine's proxy settings: no *_PROXY variable, and
/// NO_PROXY=*.
pub fn without_proxies(cmd: &mut Command) -> &mut Command {
    for var in PROXY_VARS {
        cmd.env_remove(var);
    }
    cmd.env("NO_PROXY", "*").env("no_proxy", "*")
}

impl Running {
    /// ssecat with `args`, and without the machine's proxy settings.
    pub fn spawn(args: &[&str]) -> Running {
        Running::start(command(args), false)
    }
}

/// Sends SIGINT to a running ssecat and checks it exits 130 quietly.
pub fn interrupt(run: Running) -> super::support::Finished {
    let pid = run.pid().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status();
    assert!(sent.unwrap().success());
    let finished = run.finish();
    assert_eq!(
        (finished.code, finished.stderr.as_str()),
        (Some(130), ""),
        "{finished:?}"
    );
    finished
}
