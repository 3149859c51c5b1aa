//! Service-level objectives: the bounds a request must stay within to count
//! towards goodput (`--slo ttft=500ms,tpot=50ms`).

use std::fmt::{self, Display};
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::duration::parse_duration;

use super::sample::{Outcome, Sample};

/// The upper bounds a good request stays within (each inclusive, as vLLM's
/// goodput compares them); a key not given bounds nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slo {
    ttft: Option<Duration>,
    tpot: Option<Duration>,
    /// Every gap of the request, not their mean: one stall is a broken
    /// promise to the reader even when the average looks fine.
    itl: Option<Duration>,
    e2el: Option<Duration>,
}

const KEYS: &str = "ttft, tpot, itl or e2el";

impl Slo {
    /// Whether `sample` met every bound. A failed request never does, nor
    /// one that gave no text under a TTFT bound; a request of fewer than two
    /// tokens has no TPOT and one of no gaps no ITL, which bound it in
    /// nothing (vLLM counts such a TPOT as 0).
    pub fn met(&self, sample: &Sample) -> bool {
        let within = |value: Option<Duration>, bound: Option<Duration>| match (value, bound) {
            (_, None) => true,
            (Some(value), Some(bound)) => value <= bound,
            (None, Some(_)) => false,
        };
        let slowest_gap = sample.gaps.iter().max().copied().unwrap_or_default();
        sample.outcome == Outcome::Ok
            && within(sample.ttft(), self.ttft)
            && within(Some(sample.tpot().unwrap_or_default()), self.tpot)
            && within(Some(slowest_gap), self.itl)
            && within(Some(sample.e2e()), self.e2el)
    }

    fn bounds(&self) -> [(&'static str, Option<Duration>); 4] {
        [
            ("ttft", self.ttft),
            ("tpot", self.tpot),
            ("itl", self.itl),
            ("e2el", self.e2el),
        ]
    }
}

impl FromStr for Slo {
    type Err = String;

    /// `KEY=DURATION` pairs separated by commas, each key at most once.
    fn from_str(text: &str) -> Result<Slo, String> {
        let mut slo = Slo::default();
        for pair in text.split(',') {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair:?} is not KEY=DURATION, such as ttft=500ms"))?;
            let bound = match key.trim() {
                "ttft" => &mut slo.ttft,
                "tpot" => &mut slo.tpot,
                "itl" => &mut slo.itl,
                "e2el" => &mut slo.e2el,
                other => return Err(format!("unknown SLO {other:?}: use {KEYS}")),
            };
            if bound.is_some() {
                return Err(format!("{} is given twice", key.trim()));
            }
            let duration = parse_duration(value.trim()).map_err(|err| format!("{key}: {err}"))?;
            if duration.is_zero() {
                return Err(format!("{key}: a bound of 0 is met by no request"));
            }
            *bound = Some(duration);
        }
        Ok(slo)
    }
}

/// `ttft=500ms,tpot=50ms`: the form it is parsed from, in a fixed order,
/// so that two reports' SLOs compare as text.
impl Display for Slo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut separator = "";
        for (key, bound) in self.bounds() {
            if let Some(bound) = bound {
                write!(f, "{separator}{key}={bound:?}")?;
                separator = ",";
            }
        }
        Ok(())
    }
}

/// In a report, as its text.
impl Serialize for Slo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Slo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Slo, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::fixtures::{ms, sample};

    #[test]
    fn parses_every_key_with_its_unit() {
        let slo: Slo = "ttft=500ms, tpot=0.05s,itl=250000us,e2el=2s"
            .parse()
            .unwrap();
        assert_eq!(slo.ttft, Some(ms(500)));
        assert_eq!(slo.tpot, Some(ms(50)));
        assert_eq!(slo.itl, Some(ms(250)));
        assert_eq!(slo.e2el, Some(ms(2000)));
        assert_eq!(slo.to_string(), "ttft=500ms,tpot=50ms,itl=250ms,e2el=2s");
        let odd: Slo = "e2el=1.5s,ttft=250.5us".parse().unwrap();
        assert_eq!(odd.to_string(), "ttft=250.5µs,e2el=1.5s");
        assert_eq!(odd.to_string().parse::<Slo>(), Ok(odd.clone()));
        let json = serde_json::to_string(&odd).unwrap();
        assert_eq!(json, r#""ttft=250.5µs,e2el=1.5s""#);
        assert_eq!(serde_json::from_str::<Slo>(&json).unwrap(), odd);
        assert!(serde_json::from_str::<Slo>(r#""ttft=fast""#).is_err());
    }

    #[test]
    fn bad_input_says_what_is_wrong() {
        let error = |text: &str| text.parse::<Slo>().unwrap_err();
        assert_eq!(
            error("ttfb=1s"),
            "unknown SLO \"ttfb\": use ttft, tpot, itl or e2el"
        );
        assert_eq!(
            error("ttft"),
            "\"ttft\" is not KEY=DURATION, such as ttft=500ms"
        );
        assert_eq!(error("ttft=1s,ttft=2s"), "ttft is given twice");
        assert_eq!(
            error("ttft=500"),
            "ttft: \"500\" needs a unit: ms, s or us (such as 500ms)"
        );
        assert_eq!(error("tpot=0"), "tpot: a bound of 0 is met by no request");
        for bad in ["", "ttft=", "ttft=5m", "=5ms", "ttft=5ms,"] {
            assert!(bad.parse::<Slo>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn each_bound_is_inclusive_and_all_must_hold() {
        let slo: Slo = "ttft=200ms,tpot=20ms".parse().unwrap();
        assert!(slo.met(&sample(200, 20, 11)));
        assert!(!slo.met(&sample(201, 20, 11)));
        assert!(!slo.met(&sample(200, 21, 11)));
        // One token: no TPOT, so only the TTFT bound applies.
        assert!(slo.met(&sample(200, 0, 1)));
        let no_text = Sample {
            first_token: None,
            ..sample(100, 10, 3)
        };
        assert!(!slo.met(&no_text));
        assert!(Slo::default().met(&no_text));
    }

    #[test]
    fn itl_bounds_every_gap_and_e2el_the_whole_request() {
        let slo: Slo = "itl=30ms".parse().unwrap();
        let mut stalled = sample(100, 10, 5);
        assert!(slo.met(&stalled));
        stalled.gaps[2] = ms(31);
        assert!(!slo.met(&stalled));
        let slo: Slo = "e2el=140ms".parse().unwrap();
        assert!(slo.met(&sample(100, 10, 5)));
        assert!(!slo.met(&sample(100, 11, 5)));
    }

    #[test]
    fn a_failed_request_never_meets_it() {
        let failed = Sample {
            outcome: Outcome::CutShort,
            ..sample(10, 1, 3)
        };
        assert!(!Slo::default().met(&failed));
    }
}
