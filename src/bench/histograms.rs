//! The latency distributions of one level, as HDR histograms of
//! microseconds, and their standard text form: the base64 of the V2
//! compressed encoding (`HISTFAAA…`) that every HdrHistogram library reads,
//! so that runs made on several machines add up exactly.

use std::io::Read;
use std::time::Duration;

use base64::prelude::{Engine, BASE64_STANDARD};
use flate2::read::ZlibDecoder;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Three significant digits: every value within 0.1%.
const SIGNIFICANT_DIGITS: u8 = 3;

/// A level's latencies, each in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histograms {
    #[serde(with = "v2_base64")]
    pub ttft: Histogram<u64>,
    /// Every gap of every request.
    #[serde(with = "v2_base64")]
    pub itl: Histogram<u64>,
    #[serde(with = "v2_base64")]
    pub tpot: Histogram<u64>,
    #[serde(with = "v2_base64")]
    pub e2el: Histogram<u64>,
    #[serde(with = "v2_base64")]
    pub queue: Histogram<u64>,
}

impl Histograms {
    pub fn new() -> Histograms {
        Histograms {
            ttft: empty(),
            itl: empty(),
            tpot: empty(),
            e2el: empty(),
            queue: empty(),
        }
    }

    /// Adds `other`'s counts to these: exact, as the buckets are the same.
    pub fn add(&mut self, other: &Histograms) {
        for (mine, theirs) in [
            (&mut self.ttft, &other.ttft),
            (&mut self.itl, &other.itl),
            (&mut self.tpot, &other.tpot),
            (&mut self.e2el, &other.e2el),
            (&mut self.queue, &other.queue),
        ] {
            // Cannot fail: ours resize to any value (decoded ones too), and
            // decoding only lets through histograms of the same precision.
            let _ = mine.add(theirs);
        }
    }
}

impl Default for Histograms {
    fn default() -> Histograms {
        Histograms::new()
    }
}

/// Records `duration` in microseconds, growing the histogram to hold it.
pub fn record(histogram: &mut Histogram<u64>, duration: Duration) {
    let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
    if histogram.record(micros).is_err() {
        // Only past what memory can index: keep the count, at the top.
        histogram.saturating_record(micros);
    }
}

fn empty() -> Histogram<u64> {
    // Resizes itself to whatever it records, from 1 µs up.
    Histogram::new(SIGNIFICANT_DIGITS).expect("3 significant digits are valid")
}

/// The serde form of one histogram: a base64 string.
mod v2_base64 {
    use super::*;

    pub fn serialize<S: serde::Serializer>(
        histogram: &Histogram<u64>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&encode(histogram))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Histogram<u64>, D::Error> {
        let text = String::deserialize(deserializer)?;
        decode(&text).map_err(serde::de::Error::custom)
    }
}

fn encode(histogram: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    // Writing to a Vec fails only on a histogram too large for memory.
    let _ = V2DeflateSerializer::new().serialize(histogram, &mut bytes);
    BASE64_STANDARD.encode(bytes)
}

/// The compressed V2 header: cookie, then the deflated payload's length.
/// (The cookies' 0x10 says 8-byte counts.)
const V2_COMPRESSED_COOKIE: u32 = 0x1c84_9314;
const V2_COOKIE: u32 = 0x1c84_9313;
/// The V2 header before the counts: cookie, payload length, normalizing
/// offset, digits, lowest and highest trackable values, integer-to-double
/// ratio.
const V2_HEADER_LEN: usize = 40;
/// Far above the largest histogram of microseconds at 3 digits (about
/// 56,000 counts of at most 9 bytes), far below harm.
const MAX_INFLATED: u64 = 1 << 20;

/// Reads a histogram of ssecat's precision, checking what the
/// deserializer trusts (the lengths it allocates) before handing it over.
fn decode(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = BASE64_STANDARD
        .decode(text)
        .map_err(|err| format!("a histogram is not base64: {err}"))?;
    let not_v2 = || "a histogram is not in HdrHistogram's V2 compressed encoding".to_owned();
    let (header, deflated) = bytes.split_at_checked(8).ok_or_else(not_v2)?;
    let deflated_len = usize::try_from(be_u32(&header[4..]).unwrap_or(u32::MAX));
    if be_u32(&header[..4]) != Some(V2_COMPRESSED_COOKIE) || deflated_len != Ok(deflated.len()) {
        return Err(not_v2());
    }
    let mut inflated = Vec::new();
    ZlibDecoder::new(deflated)
        .take(MAX_INFLATED)
        .read_to_end(&mut inflated)
        .map_err(|err| format!("a histogram does not inflate: {err}"))?;
    let payload = be_u32(inflated.get(4..8).unwrap_or_default()).unwrap_or(u32::MAX);
    let fits = usize::try_from(payload)
        .is_ok_and(|payload| inflated.len().checked_sub(V2_HEADER_LEN) == Some(payload));
    if be_u32(inflated.get(..4).unwrap_or_default()) != Some(V2_COOKIE) || !fits {
        return Err(not_v2());
    }
    let histogram: Histogram<u64> = Deserializer::new()
        .deserialize(&mut inflated.as_slice())
        .map_err(|err| format!("a histogram does not decode: {err:?}"))?;
    if histogram.sigfig() != SIGNIFICANT_DIGITS || histogram.low() != 1 {
        return Err("a histogram is not of microseconds at 3 significant digits".to_owned());
    }
    // Decoded with the bounds of its own values: it must grow when another
    // run's larger values are added to it (a merge).
    let mut histogram = histogram;
    histogram.auto(true);
    Ok(histogram)
}

fn be_u32(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::ZlibEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn filled(values: impl IntoIterator<Item = u64>) -> Histogram<u64> {
        let mut histogram = empty();
        for micros in values {
            record(&mut histogram, Duration::from_micros(micros));
        }
        histogram
    }

    #[test]
    fn the_text_form_is_the_standard_one_and_reads_back_the_same_counts() {
        let histogram = filled((1..=100).map(|ms| ms * 1000).chain([7, 3_600_000_000]));
        let text = encode(&histogram);
        assert!(text.starts_with("HISTFAAA"), "{text}");
        let bytes = BASE64_STANDARD.decode(&text).unwrap();
        let read: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .unwrap();
        assert_eq!(read.len(), 102);
        for value in [7, 50_000, 3_600_000_000] {
            assert_eq!(read.count_at(value), 1, "{value}");
        }
        assert_eq!(decode(&text).unwrap(), histogram);
        assert_eq!(decode(&encode(&empty())).unwrap().len(), 0);
    }

    #[test]
    fn adding_is_exact() {
        let mut all = Histograms::new();
        all.itl = filled(1..=2000);
        let mut half = Histograms::new();
        half.itl = filled(1..=1000);
        let mut other = Histograms::new();
        other.itl = filled(1001..=2000);
        half.add(&other);
        assert_eq!(half.itl, all.itl);
        assert_eq!(half.itl.value_at_quantile(0.5), 1000);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let valid = encode(&filled([5, 10]));
        let bytes = BASE64_STANDARD.decode(&valid).unwrap();
        let mut lying = bytes.clone();
        lying[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        let cut = &bytes[..bytes.len() - 3];
        let mut inflated = Vec::new();
        ZlibDecoder::new(&bytes[8..])
            .read_to_end(&mut inflated)
            .unwrap();
        inflated[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        let mut deflater = ZlibEncoder::new(Vec::new(), Compression::default());
        deflater.write_all(&inflated).unwrap();
        let deflated = deflater.finish().unwrap();
        let mut inner_lie = bytes[..4].to_vec();
        inner_lie.extend((deflated.len() as u32).to_be_bytes());
        inner_lie.extend(deflated);
        let other_precision = encode(&Histogram::<u64>::new(2).unwrap());
        for text in [
            "",
            "not base64!",
            "HISTFAAA",
            &BASE64_STANDARD.encode(lying),
            &BASE64_STANDARD.encode(cut),
            &BASE64_STANDARD.encode(inner_lie),
            &BASE64_STANDARD.encode([0x1c, 0x84, 0x93, 0x04, 0, 0, 0, 9, 1, 2, 3]),
            &other_precision,
        ] {
            assert!(decode(text).is_err(), "{text:?} was read");
        }
    }
}
