//! Durations as people write them on a command line: `200ms`, `1.5s`.

use std::time::Duration;

/// Parses a duration with its unit: `200ms`, `1.5s`, `250us`, `0`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let unit_at = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(unit_at);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 200ms or 1.5s"))?;
    let seconds = match unit {
        "s" => number,
        "ms" => number / 1e3,
        "us" | "µs" => number / 1e6,
        "" if number == 0.0 => 0.0,
        "" => {
            return Err(format!(
                "{text:?} needs a unit: ms, s or us (such as {text}ms)"
            ))
        }
        _ => return Err(format!("unknown unit {unit:?}: use ms, s or us")),
    };
    // About 11 days: longer is no pace or limit anyone means, and times
    // counted from now must not overflow.
    if seconds > MAX_SECONDS {
        return Err(format!("{text} is too long: at most {MAX_SECONDS} s"));
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("{text} is too long"))
}

/// The longest duration taken.
const MAX_SECONDS: f64 = 1e6;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(parse_duration("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in [
            "",
            "20",
            "ms",
            "-1ms",
            "1h",
            "1e3ms",
            "1..2s",
            "99999999999999999999s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
