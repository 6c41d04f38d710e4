//! Small helpers for benchmark figures: percentiles and rates.

use std::time::Duration;

/// Latency percentiles of a sample, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
    pub n: usize,
}

/// Percentiles of `samples` (sorted in place).
pub fn latency(samples: &mut [Duration]) -> Latency {
    samples.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| {
        if samples.is_empty() {
            return 0.0;
        }
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        ms(samples[i])
    };
    Latency {
        p50: at(0.50),
        p99: at(0.99),
        max: samples.last().map_or(0.0, |d| ms(*d)),
        n: samples.len(),
    }
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (n = {})",
            self.p50, self.p99, self.max, self.n
        )
    }
}

/// One line of the report: a figure, its target, and its baseline.
pub fn line(name: &str, value: f64, unit: &str, target: &str, baseline: Option<(f64, &str)>) {
    match baseline {
        Some((b, what)) => println!(
            "{name:<44} {value:>12.1} {unit:<10} target {target:<12} baseline {b:.1} {unit} ({what}); ratio {:.3}",
            if b > 0.0 { value / b } else { 0.0 }
        ),
        None => println!("{name:<44} {value:>12.1} {unit:<10} target {target}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_sample() {
        let mut s: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = latency(&mut s);
        assert_eq!(
            (l.p50.round(), l.p99.round(), l.max.round(), l.n),
            (51.0, 99.0, 100.0, 100)
        );
        assert_eq!(latency(&mut []).p99, 0.0);
    }
}
