//! One level of a load test: a concurrency (closed loop) or a rate (open
//! loop). A sweep runs several, and reports each on its own.

use std::fmt::{self, Display};

use serde::{Deserialize, Serialize};

/// The load a level ran at; the command sets exactly one of the two.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Level {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u64>,
    /// Requests per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
}

/// `concurrency 8`, `rate 2.5/s`.
impl Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.concurrency, self.rate) {
            (Some(concurrency), _) => write!(f, "concurrency {concurrency}"),
            (None, Some(rate)) => write!(f, "rate {rate}/s"),
            (None, None) => f.write_str("one level"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_named_by_its_load() {
        let closed = Level {
            concurrency: Some(8),
            rate: None,
        };
        let open = Level {
            concurrency: None,
            rate: Some(2.5),
        };
        assert_eq!(closed.to_string(), "concurrency 8");
        assert_eq!(open.to_string(), "rate 2.5/s");
        assert_eq!(serde_json::to_string(&open).unwrap(), r#"{"rate":2.5}"#);
    }
}
