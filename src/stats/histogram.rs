//! The gaps between events, in a fixed amount of memory however long the
//! stream: a log-linear histogram of microseconds (exact below 128 µs,
//! within 1/64 above), with the exact maximum on the side.

/// Values below this are counted exactly, one bucket each.
const EXACT: u64 = 128;
/// Buckets per power of two above [`EXACT`]: the relative error is under
/// one part in this many.
const PER_OCTAVE: u64 = 64;
/// Octaves from 2^7 to 2^63.
const BUCKETS: usize = (EXACT + (64 - 7) * PER_OCTAVE) as usize;

#[derive(Debug, Default)]
pub struct Histogram {
    /// Allocated on the first value: most runs never record a gap.
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

impl Histogram {
    pub fn record(&mut self, micros: u64) {
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS];
        }
        self.counts[bucket(micros)] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    /// The value at `quantile` (0 to 1): the middle of the bucket holding
    /// the value of that rank, never above the maximum.
    pub fn quantile(&self, quantile: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((quantile * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Some(middle(index).min(self.max));
            }
        }
        Some(self.max)
    }
}

fn bucket(micros: u64) -> usize {
    if micros < EXACT {
        return micros as usize;
    }
    let octave = u64::from(63 - micros.leading_zeros()); // 7..=63
    let shift = octave - PER_OCTAVE.trailing_zeros() as u64;
    let within = (micros >> shift) - PER_OCTAVE; // 0..PER_OCTAVE
    (EXACT + (octave - 7) * PER_OCTAVE + within) as usize
}

/// The middle of the values that fall in bucket `index`.
fn middle(index: usize) -> u64 {
    let index = index as u64;
    if index < EXACT {
        return index;
    }
    let octave = (index - EXACT) / PER_OCTAVE + 7;
    let within = (index - EXACT) % PER_OCTAVE;
    let shift = octave - PER_OCTAVE.trailing_zeros() as u64;
    let low = (PER_OCTAVE + within) << shift;
    low + (1 << shift) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact() {
        let mut gaps = Histogram::default();
        for micros in [5, 1, 3, 2, 4] {
            gaps.record(micros);
        }
        assert_eq!(gaps.quantile(0.5), Some(3));
        assert_eq!(gaps.quantile(0.9), Some(5));
        assert_eq!(gaps.quantile(0.0), Some(1));
        assert_eq!(gaps.max(), 5);
    }

    #[test]
    fn large_values_are_within_one_part_in_64() {
        for micros in [128, 1_000, 14_100, 312_456, 86_400_000_000, u64::MAX] {
            let mut gaps = Histogram::default();
            gaps.record(micros);
            gaps.record(0);
            let found = gaps.quantile(1.0).unwrap();
            let error = found.abs_diff(micros) as f64 / micros as f64;
            assert!(error <= 1.0 / 64.0, "{micros} read back as {found}");
            assert_eq!(gaps.max(), micros);
        }
    }

    #[test]
    fn every_bucket_holds_its_own_values() {
        for micros in (0..20_000).chain([u64::MAX / 3, 1 << 40]) {
            let index = bucket(micros);
            assert!(index < BUCKETS);
            let width = if micros < EXACT { 1 } else { micros >> 6 };
            assert!(middle(index).abs_diff(micros) <= width, "{micros}");
        }
    }

    #[test]
    fn quantiles_follow_the_ranks() {
        let mut gaps = Histogram::default();
        assert_eq!(gaps.quantile(0.5), None);
        for micros in 1..=100 {
            gaps.record(micros);
        }
        assert_eq!(gaps.quantile(0.5), Some(50));
        assert_eq!(gaps.quantile(0.9), Some(90));
        assert_eq!(gaps.quantile(0.99), Some(99));
        assert!(!gaps.is_empty());
    }
}
