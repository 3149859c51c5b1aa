//! `ssecat bench`: turns its options into levels of load, runs each on a
//! multi-threaded runtime with one HTTP client, and prints and writes what
//! they measured; Ctrl-C ends the test with what finished.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::mpsc;

use super::request;
use crate::bench::aggregate::Aggregate;
use crate::bench::level::Level;
use crate::bench::load::{self, Arrival, Bound, Finished, Load};
use crate::bench::merge::merge;
use crate::bench::probe::{self, Reading};
use crate::bench::records::write_record;
use crate::bench::report::Report;
use crate::bench::slo::Slo;
use crate::bench::summary;
use crate::cli::{ArrivalChoice, BenchArgs, RequestArgs};
use crate::exit_code::Code;
use crate::extract::wire::Prompt;
use crate::extract::Extraction;
use crate::failure::{Failure, OutputError};
use crate::http::{self, Exchange, RequestSpec};
use crate::signals::Interrupt;
use crate::stderr;
use crate::target::Target;

mod progress;

use progress::Progress;

/// Requests measured at each level when neither `-n` nor `--duration` says.
const DEFAULT_REQUESTS: u64 = 100;

/// Runs the test `args` describe; returns the exit code.
pub fn run(args: &BenchArgs) -> u8 {
    let result = match args.merge.as_slice() {
        [] => load_test(args),
        reports => merge_reports(reports, args),
    };
    match result {
        Ok(code) => code.number(),
        Err(err) => stderr::report(&Err(err)).code,
    }
}

/// `--merge`: the reports of runs made apart, as one: its summary on
/// stdout, and the merged report in `--report` (stdout without it).
fn merge_reports(paths: &[std::path::PathBuf], args: &BenchArgs) -> anyhow::Result<Code> {
    let reports = paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Report::from_json(&text).map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))
        })
        .collect::<anyhow::Result<Vec<Report>>>()?;
    let merged = merge(&reports).map_err(|err| Failure::Usage(named(&err, paths)))?;
    for left_out in &merged.left_out {
        stderr::say(format_args!(
            "ssecat: warning: {}\n",
            named(left_out, paths)
        ));
    }
    match &args.report {
        Some(path) => {
            print_out(&summary::summary(&merged.report))?;
            write_report(path, &merged.report)?;
        }
        None => write_report(Path::new("-"), &merged.report)?,
    }
    Ok(Code::Success)
}

/// A message of `merge`, its "report N" named by the file.
fn named(message: &str, paths: &[std::path::PathBuf]) -> String {
    let mut named = message.to_owned();
    // From the last: "report 12" before "report 1".
    for (index, path) in paths.iter().enumerate().rev() {
        named = named.replace(
            &format!("report {}", index + 1),
            &path.display().to_string(),
        );
    }
    named
}

/// Everything a request of the test needs, shared by all of them.
struct Plan {
    spec: RequestSpec,
    client: reqwest::Client,
    policy: http::Policy,
    reading: Reading,
    /// The request bodies, in the order they are sent (`--bodies`).
    bodies: Vec<Vec<u8>>,
}

impl Plan {
    /// The `number`th request, on the shared client.
    fn exchange(&self, number: u64) -> Exchange {
        let mut spec = self.spec.clone();
        if !self.bodies.is_empty() {
            let body = &self.bodies[(number % self.bodies.len() as u64) as usize];
            spec.body = Some(body.clone());
        }
        Exchange::with_client(spec, self.client.clone(), self.policy.clone())
    }
}

fn load_test(args: &BenchArgs) -> anyhow::Result<Code> {
    let words: Vec<String> = args.first.iter().chain(&args.words).cloned().collect();
    let (method, url, items) = match Target::parse(&words, args.request.url.as_deref())? {
        (Target::Http { method, url }, items) => (method, url, items),
        (local, _) => {
            let message = format!("{:?} is not a URL: bench loads a URL", local.to_string());
            return Err(Failure::Usage(message).into());
        }
    };
    let slo = (args.slo.as_deref())
        .map(str::parse::<Slo>)
        .transpose()
        .map_err(|err| Failure::Usage(format!("--slo: {err}")))?;
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..));
    let prompts = match &args.prompts {
        Some(path) => read_prompts(path, &args.request)?,
        None => request::prompt(&args.request)?.into_iter().collect(),
    };
    let prompt_input = |prompt| http::PromptInput {
        prompt,
        dialect: args.dialect,
    };
    let mut bodies = match (&args.bodies, &args.prompts) {
        (Some(path), _) => read_bodies(path)?,
        (None, Some(_)) => (prompts.iter())
            .map(|prompt| Ok(prompt_input(prompt).request(&url)?.0))
            .collect::<Result<_, Failure>>()?,
        (None, None) => Vec::new(),
    };
    if args.shuffle {
        fastrand::Rng::with_seed(seed).shuffle(&mut bodies);
    }
    // A body (from --bodies or --prompts too) makes a POST, as a body on the
    // command line does; the first prompt makes the headers, and the
    // bodies replace its body.
    let method = match (method, bodies.is_empty()) {
        (None, false) => Some(reqwest::Method::POST),
        (method, _) => method,
    };
    let input = request::input(
        &args.request,
        method,
        prompts.first().map(prompt_input),
        items,
    )?;
    let (mut spec, warnings) = RequestSpec::new(url.clone(), &input)?;
    if !bodies.is_empty() && !spec.headers.contains_key(reqwest::header::CONTENT_TYPE) {
        let json = reqwest::header::HeaderValue::from_static("application/json");
        spec.headers.insert(reqwest::header::CONTENT_TYPE, json);
    }
    for warning in &warnings {
        stderr::say(format_args!("ssecat: warning: {warning}\n"));
    }
    let client = http::client(&request::connect(&args.request))?;
    let extraction = args.dialect.map_or(Extraction::Auto, Extraction::Dialect);
    let plan = Arc::new(Plan {
        spec,
        client,
        policy: request::policy(&args.request),
        reading: Reading {
            extraction,
            max_event_size: 128 << 20,
        },
        bodies,
    });
    let bound = Bound {
        requests: args
            .requests
            .or(args.duration.is_none().then_some(DEFAULT_REQUESTS)),
        duration: args.duration,
        warmup: args.warmup,
    };
    let levels = levels(args);
    let mut records = args
        .records
        .as_ref()
        .map(|path| {
            File::create(path)
                .map(BufWriter::new)
                .with_context(|| format!("creating --records {}", path.display()))
        })
        .transpose()?;
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = args.threads {
        runtime.worker_threads(usize::from(threads));
    }
    let runtime = runtime
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut interrupt = Interrupt::install().context("watching for Ctrl-C")?;
    let progress = !args.silent && io::stderr().is_terminal();
    let mut report = Report::new(url.to_string(), slo.clone(), Vec::new());
    let (mut interrupted, mut closed) = (None, None);
    for (level, load) in levels {
        let mut aggregate = Aggregate::new(level, slo.clone());
        // The level lasts from the first measured request's due time to the
        // last one's end.
        let mut span: Option<(Duration, Duration)> = None;
        let mut bar = Progress::start(progress, &level, bound);
        let (sender, mut receiver) = mpsc::unbounded_channel();
        let shared = Arc::clone(&plan);
        let start = Instant::now();
        let requests = move |number: u64, due: Instant| {
            let plan = Arc::clone(&shared);
            async move {
                let exchange = plan.exchange(number);
                probe::measure(exchange, &plan.reading, due, start).await
            }
        };
        let outcome = runtime.block_on(async {
            let running = tokio::spawn(load::run(load, bound, seed, requests, sender));
            loop {
                tokio::select! {
                    biased;
                    signal = interrupt.wait() => {
                        running.abort();
                        return Some(signal);
                    }
                    finished = receiver.recv() => match finished {
                        Some(Finished { warmup, sample, .. }) => {
                            if let Some(file) = &mut records {
                                if let Err(err) = write_record(file, &level, &sample) {
                                    // Said once; the test goes on without them.
                                    let err = anyhow::Error::from(err).context("writing --records");
                                    stderr::report(&Err(err));
                                    records = None;
                                }
                            }
                            bar.finished(&sample, warmup);
                            if !warmup {
                                aggregate.add(&sample);
                                span = Some(match span {
                                    Some((first, last)) => (first.min(sample.due), last.max(sample.end)),
                                    None => (sample.due, sample.end),
                                });
                            }
                        }
                        None => return None,
                    },
                }
            }
        });
        bar.finish();
        let duration = span.map_or(Duration::ZERO, |(first, last)| last.saturating_sub(first));
        let measured = aggregate.report(duration);
        let gap = if report.levels.is_empty() { "" } else { "\n" };
        let printed = print_out(&format!(
            "{gap}{}",
            summary::level_summary(&report, &measured)
        ));
        report.levels.push(measured);
        if let Some(signal) = outcome {
            interrupted = Some(signal);
            break;
        }
        // A closed output (`| head`) ends the test; the files still get
        // what was measured.
        if let Err(err) = printed {
            closed = Some(err);
            break;
        }
    }
    // Streams still open after Ctrl-C are dropped with the runtime, at once.
    runtime.shutdown_timeout(Duration::ZERO);
    if let Some(err) = closed {
        write_files(&mut records, args.report.as_deref(), &report)?;
        return Err(err);
    }
    if report.levels.len() > 1 {
        print_out(&format!("\n{}", summary::comparison(&report)))?;
    }
    write_files(&mut records, args.report.as_deref(), &report)?;
    if let Some(signal) = interrupted {
        return Err(Failure::Interrupted(signal).into());
    }
    Ok(verdict(&report))
}

/// Each level of the test, in the order given.
fn levels(args: &BenchArgs) -> Vec<(Level, Load)> {
    let arrival = match args.arrival {
        ArrivalChoice::Poisson => Arrival::Poisson,
        ArrivalChoice::Constant => Arrival::Constant,
    };
    if !args.rate.is_empty() {
        return (args.rate.iter())
            .map(|&rate| {
                let level = Level {
                    concurrency: None,
                    rate: Some(rate),
                };
                (level, Load::Open { rate, arrival })
            })
            .collect();
    }
    let concurrency = match args.concurrency.as_slice() {
        [] => &[1][..],
        list => list,
    };
    concurrency
        .iter()
        .map(|&concurrency| {
            let level = Level {
                concurrency: Some(concurrency),
                rate: None,
            };
            (level, Load::Closed { concurrency })
        })
        .collect()
}

/// `--bodies`: one JSON body a line; blank lines skipped.
fn read_bodies(path: &Path) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut bodies = Vec::new();
    for (number, line) in read_lines(path, "--bodies", "request body")? {
        if let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(&line) {
            let message = format!("--bodies {} line {number}: not JSON: {err}", path.display());
            return Err(Failure::Usage(message).into());
        }
        bodies.push(line.into_bytes());
    }
    Ok(bodies)
}

/// `--prompts`: one prompt a line, with the prompt options; blank lines
/// skipped.
fn read_prompts(path: &Path, args: &RequestArgs) -> anyhow::Result<Vec<Prompt>> {
    let lines = read_lines(path, "--prompts", "prompt")?;
    Ok((lines.into_iter())
        .map(|(_, line)| request::prompt_of(args, line))
        .collect())
}

/// The lines of `path` that are not blank, with their numbers; a usage
/// error when there is none (`what`: what a line holds).
fn read_lines(path: &Path, flag: &str, what: &str) -> anyhow::Result<Vec<(usize, String)>> {
    let reading = || format!("reading {flag} {}", path.display());
    let file = File::open(path).with_context(reading)?;
    let mut lines = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(reading)?;
        if !line.trim().is_empty() {
            lines.push((index + 1, line));
        }
    }
    if lines.is_empty() {
        let message = format!("{flag} {} holds no {what}", path.display());
        return Err(Failure::Usage(message).into());
    }
    Ok(lines)
}

/// Flushes the records and writes the report, when asked for.
fn write_files(
    records: &mut Option<BufWriter<File>>,
    report_path: Option<&Path>,
    report: &Report,
) -> anyhow::Result<()> {
    if let Some(records) = records {
        records.flush().context("writing --records")?;
    }
    match report_path {
        Some(path) => write_report(path, report),
        None => Ok(()),
    }
}

/// Writes `text` on standard output; a reader that closed it (`| head`)
/// stops the test as any closed output does.
fn print_out(text: &str) -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|err| OutputError(err).into())
}

/// Writes `report` as JSON to `path` (`-`: standard output).
fn write_report(path: &Path, report: &Report) -> anyhow::Result<()> {
    let text = report.to_json();
    if path == Path::new("-") {
        return print_out(&format!("{text}\n"));
    }
    std::fs::write(path, format!("{text}\n"))
        .with_context(|| format!("writing --report {}", path.display()))
}

/// The exit code: success when every request succeeded and every SLO held.
fn verdict(report: &Report) -> Code {
    let levels = &report.levels;
    let connect = crate::bench::sample::Outcome::Connect.name();
    let never_connected = levels.iter().all(|level| {
        level.completed == 0 && level.failures.get(connect).copied() == Some(level.failed)
    });
    if never_connected {
        return Code::Connect;
    }
    let failed = levels.iter().any(|level| level.failed > 0);
    let missed = (levels.iter()).any(|level| level.good.is_some_and(|good| good < level.completed));
    if failed || missed {
        Code::Strict
    } else {
        Code::Success
    }
}
