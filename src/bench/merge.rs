//! `--merge`: the reports of runs made at the same time on several
//! machines, added up into the report of one run.

use std::time::Duration;

use super::level::Level;
use super::report::{LevelReport, Report};

/// The merged report, and what could not be merged, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub report: Report,
    pub left_out: Vec<String>,
}

/// Adds up the levels that every report of the same URL has: counts and
/// histograms added, so the percentiles are those of all the requests; the
/// duration is the longest, as the machines ran at once, and the rates
/// follow from it. Reports are named by their place in `reports`, from 1.
/// An error when no level is common to two reports or more.
pub fn merge(reports: &[Report]) -> Result<Merged, String> {
    let mut left_out = Vec::new();
    let url = most_common_url(reports).ok_or("no report to merge")?;
    let kept: Vec<(usize, &Report)> = numbered(reports)
        .filter(|(number, report)| {
            let same = report.url == url;
            if !same {
                left_out.push(format!("report {number} is of another URL, {}", report.url));
            }
            same
        })
        .collect();
    if reports.len() > 1 && kept.len() < 2 {
        return Err("the reports are of different URLs: nothing to merge".to_owned());
    }
    let slo = kept[0].1.slo.clone();
    let same_slo = kept.iter().all(|(_, report)| report.slo == slo);
    if !same_slo {
        left_out.push("goodput: the reports' SLOs differ".to_owned());
    }
    let mut levels = Vec::new();
    for level in distinct_levels(&kept) {
        let mut missing = Vec::new();
        let mut found = Vec::new();
        for (number, report) in &kept {
            match report.levels.iter().find(|it| it.level == level) {
                Some(level_report) => found.push((*number, level_report)),
                None => missing.push(number.to_string()),
            }
        }
        if !missing.is_empty() {
            left_out.push(format!("{level} is not in report {}", missing.join(", ")));
            continue;
        }
        let mut merged = merge_level(&found)?;
        if !same_slo {
            merged.good = None;
            merged.goodput = None;
        }
        levels.push(merged);
    }
    if levels.is_empty() {
        return Err("the reports have no level in common: nothing to merge".to_owned());
    }
    let slo = slo.filter(|_| same_slo);
    Ok(Merged {
        report: Report::new(url.to_owned(), slo, levels),
        left_out,
    })
}

fn merge_level(found: &[(usize, &LevelReport)]) -> Result<LevelReport, String> {
    let (_, first) = found[0];
    let mut counts = first.counts();
    let mut histograms = first.histograms.clone();
    let mut longest = Duration::ZERO;
    for (number, level_report) in found {
        let duration = level_report
            .duration()
            .ok_or_else(|| format!("report {number}: duration_s is not a duration"))?;
        longest = longest.max(duration);
    }
    for (_, level_report) in &found[1..] {
        counts.add(&level_report.counts());
        histograms.add(&level_report.histograms);
    }
    Ok(LevelReport::new(first.level, counts, histograms, longest))
}

fn numbered(reports: &[Report]) -> impl Iterator<Item = (usize, &Report)> {
    reports
        .iter()
        .enumerate()
        .map(|(index, report)| (index + 1, report))
}

/// The URL most reports are of; the first report's on a tie.
fn most_common_url(reports: &[Report]) -> Option<&str> {
    let count = |url: &str| reports.iter().filter(|it| it.url == url).count();
    let mut best: Option<(&str, usize)> = None;
    for report in reports {
        let votes = count(&report.url);
        if best.is_none_or(|(_, most)| votes > most) {
            best = Some((&report.url, votes));
        }
    }
    best.map(|(url, _)| url)
}

/// Every level of the reports, once, in the order they first appear.
fn distinct_levels(reports: &[(usize, &Report)]) -> Vec<Level> {
    let mut levels: Vec<Level> = Vec::new();
    for (_, report) in reports {
        for level_report in &report.levels {
            if !levels.contains(&level_report.level) {
                levels.push(level_report.level);
            }
        }
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::aggregate::Aggregate;
    use crate::bench::fixtures::{concurrency, failed, sample};
    use crate::bench::sample::Outcome;
    use crate::bench::slo::Slo;

    const URL: &str = "http://127.0.0.1:8080/";

    fn slo() -> Option<Slo> {
        "ttft=150ms".parse().ok()
    }

    /// The report of one machine: `ttfts` at concurrency 8 (and 16, when
    /// `both`), one failure.
    fn machine(ttfts: &[u64], seconds: u64, both: bool) -> Report {
        let levels = [8, 16].iter().take(if both { 2 } else { 1 });
        let levels = levels
            .map(|&level| {
                let mut aggregate = Aggregate::new(concurrency(level), slo());
                for &ttft in ttfts {
                    aggregate.add(&sample(ttft, ttft / 10, 5));
                }
                aggregate.add(&failed(Outcome::Timeout));
                aggregate.report(Duration::from_secs(seconds))
            })
            .collect();
        Report::new(URL.to_owned(), slo(), levels)
    }

    #[test]
    fn two_reports_merge_into_the_report_of_all_their_samples() {
        let a: Vec<u64> = (1..=60).map(|i| i * 7).collect();
        let b: Vec<u64> = (1..=40).map(|i| 100 + i * 13).collect();
        let merged = merge(&[machine(&a, 10, true), machine(&b, 8, true)]).unwrap();
        assert_eq!(merged.left_out, Vec::<String>::new());
        let all: Vec<u64> = a.iter().chain(&b).copied().collect();
        let mut whole = machine(&all, 10, true);
        // The whole run failed once per level, the machines once each.
        for level in &mut whole.levels {
            level.failed = 2;
            level.failures.insert("timeout".to_owned(), 2);
        }
        assert_eq!(merged.report, whole);
        let level = &merged.report.levels[0];
        assert_eq!((level.completed, level.failed), (100, 2));
        assert_eq!(level.duration_s, 10.0);
        assert_eq!(level.request_throughput, 10.0);
        assert_eq!(level.goodput, Some(level.good.unwrap() as f64 / 10.0));
    }

    #[test]
    fn a_report_merged_with_itself_through_json_counts_double() {
        let report = machine(&[100, 200, 300, 400], 4, true);
        let read = Report::from_json(&report.to_json()).unwrap();
        let merged = merge(&[report.clone(), read]).unwrap().report;
        for (once, twice) in report.levels.iter().zip(&merged.levels) {
            assert_eq!(twice.completed, 2 * once.completed);
            assert_eq!(twice.failed, 2 * once.failed);
            assert_eq!(twice.total_output_tokens, 2 * once.total_output_tokens);
            assert_eq!(twice.histograms.itl.len(), 2 * once.histograms.itl.len());
            assert_eq!(twice.request_throughput, 2.0 * once.request_throughput);
            assert_eq!(twice.good, once.good.map(|good| 2 * good));
            for (a, b) in [
                (once.ttft_ms, twice.ttft_ms),
                (once.itl_ms, twice.itl_ms),
                (once.tpot_ms, twice.tpot_ms),
                (once.e2el_ms, twice.e2el_ms),
                (once.queue_ms, twice.queue_ms),
            ] {
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn merges_what_matches_and_says_what_did_not() {
        let other_url = Report {
            url: "http://127.0.0.1:9090/".to_owned(),
            ..machine(&[100], 1, true)
        };
        let one_level = machine(&[100], 1, false);
        let merged = merge(&[machine(&[100], 1, true), other_url, one_level]).unwrap();
        assert_eq!(
            merged.left_out,
            [
                "report 2 is of another URL, http://127.0.0.1:9090/",
                "concurrency 16 is not in report 3",
            ]
        );
        assert_eq!(merged.report.levels.len(), 1);
        assert_eq!(merged.report.levels[0].completed, 2);
    }

    #[test]
    fn goodput_merges_only_under_the_same_slo() {
        let mut stricter = machine(&[100], 1, false);
        stricter.slo = "ttft=50ms".parse().ok();
        let merged = merge(&[machine(&[100], 1, false), stricter]).unwrap();
        assert_eq!(merged.left_out, ["goodput: the reports' SLOs differ"]);
        assert_eq!(merged.report.slo, None);
        let level = &merged.report.levels[0];
        assert_eq!((level.good, level.goodput), (None, None));
    }

    #[test]
    fn nothing_in_common_is_an_error() {
        let other_url = Report {
            url: "http://127.0.0.1:9090/".to_owned(),
            ..machine(&[100], 1, false)
        };
        let a = machine(&[100], 1, false);
        assert_eq!(
            merge(&[a.clone(), other_url]),
            Err("the reports are of different URLs: nothing to merge".to_owned())
        );
        let mut other_level = a.clone();
        other_level.levels[0].level = concurrency(9);
        assert_eq!(
            merge(&[a.clone(), other_level]),
            Err("the reports have no level in common: nothing to merge".to_owned())
        );
        assert_eq!(merge(&[]), Err("no report to merge".to_owned()));
        let mut negative = a.clone();
        negative.levels[0].duration_s = -1.0;
        assert_eq!(
            merge(&[a, negative]),
            Err("report 2: duration_s is not a duration".to_owned())
        );
    }
}
