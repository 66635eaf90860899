//! A run's report as Markdown, the form BENCHMARKS.md quotes.

use std::fmt::Write as _;
use std::time::Duration;

use crate::{Goal, Report, ideal};

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

impl Report {
    /// The writes of `goal` per pipeline, from the audit log: all but reads and watches.
    pub fn writes_per_pipeline(&self, goal: Goal) -> f64 {
        let Some(phase) = self.phases.iter().find(|p| p.goal == goal) else {
            return 0.0;
        };
        let writes: u64 = phase
            .requests
            .iter()
            .filter(|(kind, _)| {
                !kind.starts_with("GET ")
                    && !kind.starts_with("LIST ")
                    && !kind.starts_with("WATCH ")
            })
            .map(|(_, n)| n)
            .sum();
        writes as f64 / self.config.pipelines.max(1) as f64
    }

    /// The controller's pause over the minimal client's, both for the same writes.
    pub fn limit_ratio(&self) -> Option<f64> {
        let limit = self.limit.as_ref()?;
        let pause = self.phases.iter().find(|p| p.goal == Goal::Pause)?;
        Some(pause.wall.as_secs_f64() / limit.wall.as_secs_f64().max(f64::EPSILON))
    }

    /// The report as Markdown: the changes, the requests by kind beside the ideal, the
    /// minimal client, usage, and the checks.
    pub fn markdown(&self) -> String {
        let n = self.config.pipelines;
        let per = |count: u64| count as f64 / n.max(1) as f64;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{n} pipelines of 3 vertices, {} user requests in flight, controller concurrency {}, fault: {:?}\n",
            self.config.concurrency, self.config.controller_concurrency, self.config.fault
        );
        let _ = writeln!(
            out,
            "| change | wall | to status written p50 / p99 | to settled p50 / p99 | writes per pipeline | ideal | ratio | turned away (429) | controller CPU (cumulative) |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for phase in &self.phases {
            let writes = self.writes_per_pipeline(phase.goal);
            let ideal = ideal::total(phase.goal) as f64;
            let _ = writeln!(
                out,
                "| {} | {} | {} / {} | {} / {} | {writes:.2} | {ideal:.0} | {:.2} | {} | {:.1} s |",
                phase.goal.name(),
                secs(phase.wall),
                secs(phase.to_written.0),
                secs(phase.to_written.1),
                secs(phase.to_settled.0),
                secs(phase.to_settled.1),
                writes / ideal,
                phase.rejected,
                phase.usage.cpu_seconds,
            );
        }
        let _ = writeln!(
            out,
            "\nRequests per pipeline, by kind (ideal in parentheses):\n"
        );
        let _ = writeln!(out, "| change | requests |");
        let _ = writeln!(out, "|---|---|");
        for phase in &self.phases {
            let ideal = ideal::per_pipeline(phase.goal);
            let mut kinds: Vec<String> = phase.requests.keys().cloned().collect();
            for kind in ideal.keys() {
                if !phase.requests.contains_key(*kind) {
                    kinds.push((*kind).to_owned());
                }
            }
            kinds.sort();
            let cells: Vec<String> = kinds
                .iter()
                .map(|kind| {
                    let seen = per(phase.requests.get(kind).copied().unwrap_or_default());
                    let want = ideal.get(kind.as_str()).copied().unwrap_or_default();
                    format!("{kind} {seen:.2} ({want})")
                })
                .collect();
            let _ = writeln!(out, "| {} | {} |", phase.goal.name(), cells.join(", "));
        }
        if let Some(limit) = &self.limit {
            let writes: u64 = limit.requests.values().sum();
            let _ = writeln!(
                out,
                "\nThe minimal client's pause: {} for {:.2} writes per pipeline; the controller's pause over it: {:.2}x",
                secs(limit.wall),
                per(writes),
                self.limit_ratio().unwrap_or_default()
            );
        }
        let _ = writeln!(
            out,
            "\nController peak RSS {:.1} MB ({:.1} KB per pipeline), CPU {:.1} s over the run",
            self.usage.peak_rss_kib as f64 / 1024.0,
            self.usage.peak_rss_kib as f64 / n.max(1) as f64,
            self.usage.cpu_seconds
        );
        if !self.leases.is_empty() {
            let leases: Vec<String> = self
                .leases
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            let _ = writeln!(out, "Lease requests: {}", leases.join(", "));
        }
        let c = &self.checks;
        let _ = writeln!(out, "\nChecks:");
        if let Some((settled, all)) = c.fault_at {
            let _ = writeln!(
                out,
                "- the fault struck with {settled} of {all} pipelines paused"
            );
        }
        if !c.exited.is_empty() {
            let _ = writeln!(
                out,
                "- controllers that exited on their own, each started again: {}{}",
                c.exited.len(),
                list(&c.exited)
            );
        }
        for (goal, unsettled) in &c.unsettled {
            let _ = writeln!(
                out,
                "- {}: {} of {n} settled{}",
                goal.name(),
                n - unsettled.len(),
                list(unsettled)
            );
        }
        let _ = writeln!(
            out,
            "- vertices paused before their sources: {}{}",
            c.out_of_order.len(),
            list(&c.out_of_order)
        );
        let _ = writeln!(
            out,
            "- paused without drainedOnPause: {}{}",
            c.not_drained.len(),
            list(&c.not_drained)
        );
        let _ = writeln!(
            out,
            "- transition Events reported twice: {}{}",
            c.duplicate_events.len(),
            list(&c.duplicate_events)
        );
        let reads: Vec<String> = c.reads.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let _ = writeln!(
            out,
            "- reads outside the watches after start: {}{}",
            c.reads.values().sum::<u64>(),
            list(&reads)
        );
        let _ = writeln!(out, "- all checks hold: {}", c.passed());
        out
    }
}

/// `: a, b, c` (at most ten), or nothing for none.
fn list(items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let shown: Vec<&str> = items.iter().take(10).map(String::as_str).collect();
    let more = if items.len() > 10 {
        format!(" and {} more", items.len() - 10)
    } else {
        String::new()
    };
    format!(": {}{more}", shown.join(", "))
}
