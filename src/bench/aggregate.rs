//! The samples of one level added up as they come: counts by outcome,
//! tokens and their basis, and the latency histograms.

use std::time::Duration;

use super::histograms::{record, Histograms};
use super::level::Level;
use super::report::{seen, Counts, GapBases, LevelReport, TokenBases};
use super::sample::{Outcome, Sample};
use super::slo::Slo;

/// One level's samples so far, in constant memory however many.
#[derive(Debug, Clone)]
pub struct Aggregate {
    level: Level,
    slo: Option<Slo>,
    counts: Counts,
    histograms: Histograms,
}

impl Aggregate {
    /// With an SLO, the report has a goodput, 0 when nothing met it.
    pub fn new(level: Level, slo: Option<Slo>) -> Aggregate {
        let counts = Counts {
            good: slo.as_ref().map(|_| 0),
            ..Counts::default()
        };
        Aggregate {
            level,
            slo,
            counts,
            histograms: Histograms::new(),
        }
    }

    /// Counts a failed request in its class only: what times it has are in
    /// `--records`, but a latency of a request that failed is no latency of
    /// the service, and a fast error would flatter it.
    pub fn add(&mut self, sample: &Sample) {
        let counts = &mut self.counts;
        if sample.outcome != Outcome::Ok {
            *counts
                .failures
                .entry(sample.outcome.name().to_owned())
                .or_default() += 1;
            return;
        }
        counts.completed += 1;
        counts.total_output_tokens = counts
            .total_output_tokens
            .saturating_add(sample.output_tokens);
        let token_basis = TokenBases::from(sample.token_basis);
        counts.token_basis = seen(counts.token_basis, Some(token_basis), TokenBases::Mixed);
        if !sample.gaps.is_empty() {
            let gap_basis = GapBases::from(sample.gap_basis);
            counts.gap_basis = seen(counts.gap_basis, Some(gap_basis), GapBases::Mixed);
        }
        if let (Some(good), Some(slo)) = (&mut counts.good, &self.slo) {
            *good += u64::from(slo.met(sample));
        }
        let histograms = &mut self.histograms;
        if let Some(ttft) = sample.ttft() {
            record(&mut histograms.ttft, ttft);
        }
        for gap in &sample.gaps {
            record(&mut histograms.itl, *gap);
        }
        if let Some(tpot) = sample.tpot() {
            record(&mut histograms.tpot, tpot);
        }
        record(&mut histograms.e2el, sample.e2e());
        record(&mut histograms.queue, sample.queue());
    }

    /// The level's report, its rates over `duration` (the level's wall
    /// time, from its first request due to its last ended).
    pub fn report(&self, duration: Duration) -> LevelReport {
        LevelReport::new(
            self.level,
            self.counts.clone(),
            self.histograms.clone(),
            duration,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::fixtures::{assert_close, concurrency, failed, ms, sample};
    use crate::bench::sample::{GapBasis, TokenBasis};

    #[test]
    fn percentiles_of_known_values_are_within_hdr_precision() {
        let mut aggregate = Aggregate::new(concurrency(1), None);
        for ttft in 1..=100 {
            aggregate.add(&sample(ttft, 10, 2));
        }
        let report = aggregate.report(Duration::from_secs(10));
        let ttft = report.ttft_ms.unwrap();
        assert_close(ttft.p50, 50.0);
        assert_close(ttft.p90, 90.0);
        assert_close(ttft.p95, 95.0);
        assert_close(ttft.p99, 99.0);
        assert_close(ttft.max, 100.0);
        assert_close(ttft.mean, 50.5);
        // The highest value of 50 ms's bucket, as HdrHistogram reports it.
        assert_eq!(ttft.p50, 50.015);
        assert_eq!(report.completed, 100);
        assert_eq!(report.request_throughput, 10.0);
        assert_eq!(report.total_output_tokens, 200);
        assert_eq!(report.output_throughput, 20.0);
        assert_close(report.itl_ms.unwrap().p99, 10.0);
    }

    #[test]
    fn failures_are_counted_by_class_and_never_in_the_latencies() {
        let mut aggregate = Aggregate::new(concurrency(4), None);
        aggregate.add(&sample(100, 10, 3));
        aggregate.add(&failed(Outcome::RateLimited));
        aggregate.add(&failed(Outcome::RateLimited));
        aggregate.add(&Sample {
            outcome: Outcome::CutShort,
            ..sample(5, 1, 50)
        });
        let report = aggregate.report(Duration::from_secs(1));
        assert_eq!((report.completed, report.failed), (1, 3));
        let failures: Vec<_> = report
            .failures
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        assert_eq!(failures, [("cut_short", 1), ("http_429", 2)]);
        assert_eq!(report.histograms.ttft.len(), 1);
        assert_eq!(report.histograms.e2el.len(), 1);
        assert_eq!(report.histograms.queue.len(), 1);
        assert_eq!(report.histograms.itl.len(), 2);
        assert_close(report.ttft_ms.unwrap().max, 100.0);
        assert_eq!(report.total_output_tokens, 3);
    }

    #[test]
    fn nothing_completed_has_no_latencies_and_no_throughput() {
        let mut aggregate = Aggregate::new(concurrency(1), None);
        aggregate.add(&failed(Outcome::Connect));
        let report = aggregate.report(Duration::ZERO);
        assert_eq!(report.ttft_ms, None);
        assert_eq!(report.e2el_ms, None);
        assert_eq!(report.request_throughput, 0.0);
        assert_eq!((report.token_basis, report.gap_basis), (None, None));
    }

    #[test]
    fn tpot_leaves_out_single_token_requests() {
        let mut aggregate = Aggregate::new(concurrency(1), None);
        aggregate.add(&sample(100, 0, 1));
        aggregate.add(&sample(100, 20, 11));
        let report = aggregate.report(Duration::from_secs(1));
        assert_eq!(report.histograms.tpot.len(), 1);
        assert_close(report.tpot_ms.unwrap().p50, 20.0);
        assert_eq!(report.histograms.ttft.len(), 2);
    }

    #[test]
    fn the_bases_seen_are_reported() {
        let mut aggregate = Aggregate::new(concurrency(1), None);
        aggregate.add(&sample(10, 5, 4));
        let report = aggregate.report(Duration::from_secs(1));
        assert_eq!(report.token_basis, Some(TokenBases::Usage));
        assert_eq!(report.gap_basis, Some(GapBases::PerToken));
        // A one-token request has no gaps: it says nothing of their basis.
        aggregate.add(&Sample {
            gap_basis: GapBasis::PerChunk,
            ..sample(10, 5, 1)
        });
        assert_eq!(
            aggregate.report(Duration::from_secs(1)).gap_basis,
            Some(GapBases::PerToken)
        );
        aggregate.add(&Sample {
            token_basis: TokenBasis::Deltas,
            gap_basis: GapBasis::PerChunk,
            ..sample(10, 5, 4)
        });
        let report = aggregate.report(Duration::from_secs(1));
        assert_eq!(report.token_basis, Some(TokenBases::Mixed));
        assert_eq!(report.gap_basis, Some(GapBases::Mixed));
    }

    #[test]
    fn goodput_counts_the_requests_that_met_every_slo() {
        let slo: Slo = "ttft=200ms,tpot=20ms".parse().unwrap();
        let mut aggregate = Aggregate::new(concurrency(2), Some(slo));
        aggregate.add(&sample(150, 20, 11)); // good
        aggregate.add(&sample(250, 10, 11)); // TTFT too slow
        aggregate.add(&sample(150, 30, 11)); // TPOT too slow
        aggregate.add(&sample(200, 0, 1)); // good: no TPOT
        aggregate.add(&failed(Outcome::Timeout));
        let report = aggregate.report(Duration::from_secs(2));
        assert_eq!(report.good, Some(2));
        assert_eq!(report.goodput, Some(1.0));
        assert_eq!(report.request_throughput, 2.0);
        let without = Aggregate::new(concurrency(2), None).report(Duration::from_secs(2));
        assert_eq!((without.good, without.goodput), (None, None));
        let nothing_yet = Aggregate::new(concurrency(2), "e2el=1s".parse().ok());
        let report = nothing_yet.report(Duration::from_secs(2));
        assert_eq!((report.good, report.goodput), (Some(0), Some(0.0)));
    }

    #[test]
    fn latencies_count_from_when_the_request_was_due() {
        let mut aggregate = Aggregate::new(concurrency(1), None);
        aggregate.add(&Sample {
            due: ms(1000),
            sent: ms(1300),
            first_token: Some(ms(1500)),
            end: ms(2000),
            ..sample(0, 0, 1)
        });
        let report = aggregate.report(Duration::from_secs(1));
        assert_close(report.queue_ms.unwrap().p50, 300.0);
        assert_close(report.ttft_ms.unwrap().p50, 500.0);
        assert_close(report.e2el_ms.unwrap().p50, 1000.0);
    }
}
