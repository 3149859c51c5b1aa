//! `ssecat serve` run as a real process on an ephemeral port: the port is
//! read from its first line on stderr, the rest of stderr (the request log)
//! is kept, and the server is stopped with SIGTERM when dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::support::TIMEOUT;

pub struct Serving {
    child: Child,
    pub port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Serving {
    /// Starts `ssecat serve --listen 127.0.0.1:0 ARGS`.
    pub fn start(args: &[&str]) -> Serving {
        Serving::start_in(Path::new("."), args).unwrap_or_else(|err| panic!("{err}"))
    }

    /// Starts `ssecat serve --listen 127.0.0.1:0 ARGS` in `dir` (where the
    /// files it names are); what went wrong when it did not say where it
    /// listens (its first line on stderr, which says why).
    pub fn start_in(dir: &Path, args: &[&str]) -> Result<Serving, String> {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("ssecat"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ssecat serve starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr
            .read_line(&mut first)
            .expect("serve says where it listens");
        let port = first
            .strip_prefix("ssecat: listening on http://127.0.0.1:")
            .and_then(|rest| rest.strip_suffix('\n'))
            .and_then(|port| port.parse().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("its first line is not where it listens: {first:?}"));
        };
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&log);
        thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        Ok(Serving { child, port, log })
    }

    /// `http://127.0.0.1:PORT` and `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The log lines so far, after waiting for `count` of them (the line
    /// of a request is written when its response is over, which can come
    /// after the client has its answer).
    pub fn log(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let log = self.log.lock().unwrap().clone();
            if log.len() >= count || Instant::now() > deadline {
                return log;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the server with SIGTERM; its exit code.
    pub fn stop(mut self) -> Option<i32> {
        self.terminate();
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn terminate(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.terminate();
        let _ = self.child.wait();
    }
}
