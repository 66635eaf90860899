//! Running a check, and what it found.

use std::fmt;
use std::time::{Duration, Instant};

use stateright::{Checker, Expectation, HasDiscoveries, Model};

use super::{Action, Bounds, SystemModel};
use crate::Controllers;
use crate::invariants::Violation;

/// A property that failed, with the shortest path the breadth-first search found.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The property.
    pub property: &'static str,
    /// The actions of the path, in order.
    pub actions: Vec<Action>,
    /// The violation the path ends in, for a safety property.
    pub violation: Option<Violation>,
    /// The path's writes, in the simulation's trace format.
    pub trace: Vec<(u64, crate::Writer, String, String)>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} fails in {} steps:",
            self.property,
            self.actions.len()
        )?;
        for (i, action) in self.actions.iter().enumerate() {
            writeln!(f, "  {:>2}. {action:?}", i + 1)?;
        }
        for (tick, writer, target, body) in &self.trace {
            writeln!(f, "  [t={tick:>3}] {writer:?} -> {target}: {body}")?;
        }
        if let Some(v) = &self.violation {
            writeln!(f, "  {}: {}", v.invariant.number(), v.message)?;
        }
        Ok(())
    }
}

/// What a check found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The bounds.
    pub bounds: Bounds,
    /// States explored, each counted once.
    pub unique_states: usize,
    /// States generated, repeats included.
    pub states: usize,
    /// The longest path explored.
    pub max_depth: usize,
    /// How long it took.
    pub elapsed: Duration,
    /// The properties that failed, shortest counterexample first; empty when every one
    /// holds over the whole space.
    pub failures: Vec<Failure>,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} unique states ({} generated), depth {}, {:.1} s; {}",
            self.unique_states,
            self.states,
            self.max_depth,
            self.elapsed.as_secs_f64(),
            self.bounds
        )?;
        for failure in &self.failures {
            write!(f, "{failure}")?;
        }
        Ok(())
    }
}

/// Explores every interleaving within `bounds` breadth first on every core, and stops at
/// the first failure. Threads racing may make a counterexample a few steps longer than
/// the shortest; [`check_shortest`] finds that one.
pub fn check(bounds: &Bounds, controllers: &'static dyn Controllers) -> Outcome {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    explore(bounds, controllers, threads)
}

/// [`check`] on one thread, so that each counterexample is a shortest one.
pub fn check_shortest(bounds: &Bounds, controllers: &'static dyn Controllers) -> Outcome {
    explore(bounds, controllers, 1)
}

fn explore(bounds: &Bounds, controllers: &'static dyn Controllers, threads: usize) -> Outcome {
    let started = Instant::now();
    let model = SystemModel {
        bounds: bounds.clone(),
        controllers,
    };
    let checker = model
        .checker()
        .threads(threads)
        .finish_when(HasDiscoveries::AnyFailures)
        .spawn_bfs()
        .join();
    let model = checker.model();
    let failures = model
        .properties()
        .iter()
        .filter(|p| p.expectation != Expectation::Sometimes)
        .filter_map(|p| {
            let actions = checker.discovery(p.name)?.into_actions();
            let last = model.replay(&actions);
            Some(Failure {
                property: p.name,
                violation: last.violation.clone(),
                trace: last.sim.trace.clone().unwrap_or_default(),
                actions,
            })
        })
        .collect::<Vec<Failure>>();
    let mut failures = failures;
    failures.sort_by_key(|f| f.actions.len());
    Outcome {
        bounds: bounds.clone(),
        unique_states: checker.unique_state_count(),
        states: checker.state_count(),
        max_depth: checker.max_depth(),
        elapsed: started.elapsed(),
        failures,
    }
}
