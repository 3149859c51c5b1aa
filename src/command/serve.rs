//! `ssecat serve`: turns its options into a server, binds the address,
//! says where it listens, and serves until Ctrl-C or SIGTERM.

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::cli::ServeArgs;
use crate::ending::Ending;
use crate::failure::Failure;
use crate::serve::fault::{Fault, Kind};
use crate::serve::{self, Answers, Pace, Replays, Server, Synthesis};
use crate::signals::Interrupt;
use crate::stderr;

/// Serves as `args` say; returns the exit code.
pub fn run(args: &ServeArgs) -> u8 {
    stderr::report(&serve_until_stopped(args).map(|()| Ending::EndOfInput)).code
}

fn serve_until_stopped(args: &ServeArgs) -> anyhow::Result<()> {
    let server = server(args)?;
    let listener = bind(&args.listen)
        .map_err(|err| Failure::Listen(format!("could not listen on {}: {err}", args.listen)))?;
    let address = listener
        .local_addr()
        .context("reading the address listened on")?;
    listener
        .set_nonblocking(true)
        .context("setting up the listener")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut interrupt = Interrupt::install().context("watching for Ctrl-C")?;
    runtime.block_on(async {
        let listener =
            tokio::net::TcpListener::from_std(listener).context("setting up the listener")?;
        // The first line: scripts read the port from it.
        stderr::say(format_args!("ssecat: listening on http://{address}\n"));
        serve::run(listener, server, async {
            interrupt.wait().await;
        })
        .await
        .context("starting the server's clock")
    })?;
    // Streams still open are dropped with the runtime, at once.
    runtime.shutdown_timeout(Duration::ZERO);
    Ok(())
}

/// Connections waiting to be accepted. std's 128 overflows when a thousand
/// clients connect at once, and a connection dropped from the queue waits
/// for TCP to retransmit (200 ms, then 400). Linux caps it at somaxconn.
const BACKLOG: i32 = 4096;

/// Listens on the first address of `listen` that binds.
fn bind(listen: &str) -> std::io::Result<TcpListener> {
    let mut error = None;
    for address in listen.to_socket_addrs()? {
        match bind_one(address) {
            Ok(listener) => return Ok(listener),
            Err(err) => error = Some(err),
        }
    }
    Err(error.unwrap_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address to listen on")
    }))
}

fn bind_one(address: SocketAddr) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(
        Domain::for_address(address),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    // As std does on Unix: a restarted server binds its port again at once.
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// The server the options describe.
fn server(args: &ServeArgs) -> anyhow::Result<Server> {
    let faults = args
        .faults
        .iter()
        .map(|fault| Fault::parse(fault).map_err(Failure::Usage))
        .collect::<Result<Vec<_>, _>>()?;
    let gap = match (args.itl, args.tps) {
        (Some(itl), _) => itl,
        (None, Some(tps)) => Duration::from_secs_f64(1.0 / tps),
        (None, None) => Duration::ZERO,
    };
    let answers = match &args.text {
        Some(text) => {
            let pace = Pace {
                ttft: args.ttft,
                gap,
                tokens_per_chunk: args.tokens_per_chunk,
                jitter: args.jitter.unwrap_or_default(),
                seed: args.seed.unwrap_or_else(|| fastrand::u64(..)),
            };
            Answers::Synthesized(Synthesis::new(&read_text(text)?, pace))
        }
        None => {
            if let Some(fault) = faults
                .iter()
                .find(|f| matches!(f.kind, Kind::ErrorAfter(_)))
            {
                let message = format!(
                    "--fault {}: an in-stream error is an API's; it goes with --text, not with files",
                    fault.kind
                );
                return Err(Failure::Usage(message).into());
            }
            let files = args
                .files
                .iter()
                .map(|path| {
                    let bytes = std::fs::read(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    anyhow::Ok((path.display().to_string(), bytes))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let timing = serve::ReplayTiming {
                speed: args.speed,
                no_delay: args.no_delay,
                ttft: args.ttft,
                itl: args.itl.or(args.tps.map(|_| gap)),
            };
            Answers::Replayed(Replays::read(&files, timing).map_err(|message| {
                Failure::Unreadable {
                    message,
                    head: String::new(),
                }
            })?)
        }
    };
    let log: serve::Sink = match args.silent {
        true => None,
        false => Some(Arc::new(|line: String| {
            stderr::say(format_args!("{line}\n"))
        })),
    };
    Ok(Server {
        answers,
        faults,
        log,
    })
}

/// `--text`: the text, or the contents of @FILE.
fn read_text(text: &str) -> anyhow::Result<String> {
    match text.strip_prefix('@') {
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("reading --text @{path}"))
        }
        None => Ok(text.to_owned()),
    }
}
