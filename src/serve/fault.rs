//! `--fault`: the failures `ssecat serve` makes on purpose, so that clients
//! can be tested against them.

use std::fmt;

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The connection drops after this many chunks, with no end marker.
    CutAfter(u64),
    /// The connection stays open after this many chunks, and nothing more comes.
    StallAfter(u64),
    /// The API's own in-stream error event after this many chunks.
    ErrorAfter(u64),
    /// This status and the API's error body, with `Retry-After` when given.
    Status { code: u16, retry_after: Option<u64> },
    /// A TCP reset before any answer.
    Reset,
}

/// A fault, and which requests it hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub kind: Kind,
    /// Every request (1), or every Nth: the first, the N+1th, the 2N+1th…,
    /// so that a client's first try fails and its retry does not.
    pub every: u64,
}

impl Fault {
    /// Reads `cut-after=N`, `stall-after=N`, `error-after=N`,
    /// `status=CODE[,retry-after=SECS]` or `reset`, each optionally followed
    /// by `,every=N`.
    pub fn parse(text: &str) -> Result<Fault, String> {
        let mut kind = None;
        let (mut every, mut retry_after) = (1, None);
        for part in text.split(',') {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            let number = || -> Result<u64, String> {
                value.parse().map_err(|_| {
                    format!("--fault {text:?}: {key} takes a whole number, not {value:?}")
                })
            };
            let found = match key {
                "cut-after" => Kind::CutAfter(number()?),
                "stall-after" => Kind::StallAfter(number()?),
                "error-after" => Kind::ErrorAfter(number()?),
                "status" => match number()? {
                    code @ 100..=599 => Kind::Status {
                        code: code as u16,
                        retry_after: None,
                    },
                    code => return Err(format!("--fault {text:?}: {code} is not an HTTP status")),
                },
                "reset" if value.is_empty() => Kind::Reset,
                "every" => {
                    every = number()?.max(1);
                    continue;
                }
                "retry-after" => {
                    retry_after = Some(number()?);
                    continue;
                }
                _ => {
                    return Err(format!(
                        "--fault {text:?}: unknown fault {part:?}; use cut-after=N, stall-after=N, \
                         error-after=N, status=CODE[,retry-after=SECS] or reset, with ,every=N"
                    ))
                }
            };
            if kind.replace(found).is_some() {
                return Err(format!("--fault {text:?}: one fault per --fault"));
            }
        }
        let kind = match (kind, retry_after) {
            (Some(Kind::Status { code, .. }), retry_after) => Kind::Status { code, retry_after },
            (Some(_), Some(_)) => {
                return Err(format!(
                    "--fault {text:?}: retry-after goes with status=CODE"
                ))
            }
            (Some(kind), None) => kind,
            (None, _) => {
                return Err(format!(
                    "--fault {text:?}: which fault? such as cut-after=3"
                ))
            }
        };
        Ok(Fault { kind, every })
    }

    /// Whether the `number`th request (from 1) is hit.
    pub fn hits(&self, number: u64) -> bool {
        (number - 1).is_multiple_of(self.every)
    }
}

/// As written on the command line, for the request log.
impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::CutAfter(n) => write!(f, "cut-after={n}"),
            Kind::StallAfter(n) => write!(f, "stall-after={n}"),
            Kind::ErrorAfter(n) => write!(f, "error-after={n}"),
            Kind::Status {
                code,
                retry_after: None,
            } => write!(f, "status={code}"),
            Kind::Status {
                code,
                retry_after: Some(secs),
            } => write!(f, "status={code},retry-after={secs}"),
            Kind::Reset => f.write_str("reset"),
        }
    }
}

/// The first fault that hits the `number`th request.
pub fn for_request(faults: &[Fault], number: u64) -> Option<Kind> {
    faults
        .iter()
        .find(|fault| fault.hits(number))
        .map(|fault| fault.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_with_their_numbers() {
        let parse = |text| Fault::parse(text).unwrap();
        assert_eq!(
            parse("cut-after=3"),
            Fault {
                kind: Kind::CutAfter(3),
                every: 1
            }
        );
        assert_eq!(
            parse("status=429,retry-after=2,every=3"),
            Fault {
                kind: Kind::Status {
                    code: 429,
                    retry_after: Some(2)
                },
                every: 3
            }
        );
        assert_eq!(parse("every=2,reset").kind, Kind::Reset);
        assert_eq!(parse("stall-after=0").kind, Kind::StallAfter(0));
        assert_eq!(parse("error-after=5").kind, Kind::ErrorAfter(5));
        for text in ["cut-after=3", "status=503,retry-after=1", "reset"] {
            assert_eq!(parse(text).kind.to_string(), text);
        }
    }

    #[test]
    fn bad_faults_say_what_is_wrong() {
        for (text, says) in [
            ("explode", "unknown fault"),
            ("cut-after=x", "whole number"),
            ("status=99", "not an HTTP status"),
            ("status=700", "not an HTTP status"),
            ("reset=1", "unknown fault"),
            ("cut-after=1,reset", "one fault"),
            ("cut-after=1,retry-after=2", "retry-after goes with status"),
            ("every=2", "which fault"),
            ("", "unknown fault"),
        ] {
            let err = Fault::parse(text).unwrap_err();
            assert!(err.contains(says), "{text:?}: {err}");
        }
    }

    #[test]
    fn every_nth_request_is_hit() {
        let faults = [
            Fault::parse("status=500,every=3").unwrap(),
            Fault::parse("cut-after=1,every=2").unwrap(),
        ];
        let hits: Vec<Option<Kind>> = (1..=6).map(|n| for_request(&faults, n)).collect();
        let status = Some(Kind::Status {
            code: 500,
            retry_after: None,
        });
        let cut = Some(Kind::CutAfter(1));
        assert_eq!(hits, [status, None, cut, status, cut, None]);
    }
}
