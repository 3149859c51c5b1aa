//! Counts in words, for messages: `1 event`, `0 events`, `2 events`.

use std::fmt::{self, Display};

/// `n` and then `noun`, with an s added unless `n` is 1:
/// `format!("{}", plural(1, "event"))` is `1 event`, `plural(3u32,
/// "reconnection")` shows `3 reconnections`. For nouns whose plural is the
/// singular and an s.
pub fn plural<N: Into<u64>>(n: N, noun: &str) -> Plural<'_> {
    Plural { n: n.into(), noun }
}

/// A count and its noun, as [`plural`] shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plural<'a> {
    n: u64,
    noun: &'a str,
}

impl Display for Plural<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.n == 1 { "" } else { "s" };
        write!(f, "{} {}{s}", self.n, self.noun)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        let shown = |n: u64, noun| plural(n, noun).to_string();
        assert_eq!(shown(0, "event"), "0 events");
        assert_eq!(shown(1, "event"), "1 event");
        assert_eq!(shown(2, "delta"), "2 deltas");
        assert_eq!(shown(11, "byte"), "11 bytes");
        assert_eq!(shown(u64::MAX, "byte"), "18446744073709551615 bytes");
        assert_eq!(plural(1u32, "reconnection").to_string(), "1 reconnection");
        assert_eq!(plural(2u8, "reconnection").to_string(), "2 reconnections");
    }
}
