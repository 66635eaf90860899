//! Every interleaving, not a sample: the simulated system as a [stateright] model.
//!
//! The simulation draws one schedule from a seed; this module explores all of them, for
//! a small pipeline and a few steps. A state is a whole [`Sim`]: the API server's store
//! with its resourceVersions, the stale caches it keeps, the controllers' work queue,
//! pods, buffers, the clock, and the checker's view. An action is one thing that may
//! happen next ([`Action`]): the user's next operation, one reconcile of one queued key
//! with its luck (a stale read, a daemon that answers garbage, a crash after some of
//! its writes, a 409), a restart, the autoscaler's scaling, the daemon going away for a
//! few seconds, the user's next operation on the MonoVertex and one reconcile of its
//! controller, a second of time. Every action runs the simulation's
//! own code, which calls the controllers' real reconcile and planning functions
//! ([`Controllers`]); no step is written twice.
//!
//! The simulation's invariants are `always` properties, one per invariant, and
//! [`SETTLES`] is an `eventually` property: every path ends with the pipeline where the
//! user's last operation asked. It holds under the fairness the model builds in:
//! - faults are finite ([`Bounds`]);
//! - a crashed controller restarts before the clock moves;
//! - the clock moves only once the work queue is empty (reconciles are faster than a
//!   second);
//! - the user's operations all happen by [`Bounds::ops_by`].
//!
//! ```
//! use numaflow_sim::check::{Bounds, check};
//! use numaflow_sim::Correct;
//!
//! // A pause and a fast resume, no faults: every interleaving of the reconciles.
//! let bounds = Bounds::smallest().without_faults();
//! let outcome = check(&bounds, &Correct);
//! assert!(outcome.failures.is_empty(), "{outcome}");
//! assert!(outcome.unique_states > 10_000);
//! ```

use std::fmt;
use std::hash::{Hash, Hasher};

use stateright::{Model, Property};

use crate::config::{Faults, Op, SimConfig};
use crate::controllers::{Key, Luck};
use crate::invariants::{self, Violation};
use crate::{Controllers, MonoVertexOp, Sim};

mod bounds;
mod outcome;

pub use bounds::Bounds;
pub use outcome::{Failure, Outcome, check, check_shortest};

/// One thing that may happen next.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// The user's next operation.
    User(Op),
    /// The user's next operation on the MonoVertex.
    MonoUser(MonoVertexOp),
    /// One reconcile of the MonoVertex controller.
    MonoReconcile,
    /// The autoscaler sets the MonoVertex's `spec.replicas`.
    MonoScale(i32),
    /// One reconcile of a queued key, with what chance decides in it.
    Reconcile(Key, Luck),
    /// The crashed controller starts again and lists everything.
    Restart,
    /// The autoscaler sets a vertex's `spec.replicas`.
    Scale(String, i32),
    /// The daemon goes away for [`DAEMON_OUTAGE`] seconds.
    DaemonGone,
    /// A second passes: pods follow their vertices, messages flow.
    Tick,
}

/// The faults a path has used so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
struct Used {
    scalings: u8,
    daemon_outages: u8,
    crashes: u8,
    conflicts: u8,
    stale_reads: u8,
    daemon_failures: u8,
}

/// A state of the system: the whole simulation, and what the path has used and seen.
#[derive(Clone)]
pub struct State {
    sim: Sim<'static>,
    ops_done: usize,
    mono_ops_done: usize,
    used: Used,
    violation: Option<Violation>,
    /// Whether [`SETTLES`] held somewhere on the path (kept in the state, so that two
    /// paths that meet are told apart by it).
    settled: bool,
}

impl State {
    /// The fields that decide what may happen next; not the report, the trace or the
    /// random source, which no action reads.
    fn key(&self) -> String {
        let sim = &self.sim;
        let queue = queued(sim);
        format!(
            "{:?}|{:?}|{}|{:?}|{:?}|{:?}|{}|{}|{}|{:?}|{}|{:?}|{:?}|{}|{:?}|{:?}|{}|{:?}",
            sim.store.pipeline,
            sim.store.vertices,
            sim.store.revision,
            sim.history,
            sim.world,
            queue,
            sim.tick,
            sim.down_until.is_some(),
            sim.seen,
            sim.checker,
            self.ops_done,
            self.used,
            self.violation.as_ref().map(|v| v.invariant),
            self.settled,
            sim.daemon_down_until,
            sim.last_scaled,
            self.mono_ops_done,
            sim.mono.key(),
        )
    }
}

impl PartialEq for State {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Hash for State {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "second {}: pipeline {:?}, {} queued{}",
            self.sim.tick,
            self.sim.pipeline_phase(),
            self.sim.queue.len(),
            if self.sim.down_until.is_some() {
                ", controller down"
            } else {
                ""
            }
        )
    }
}

/// How long the daemon stays away when it goes ([`Action::DaemonGone`]), in seconds.
pub const DAEMON_OUTAGE: u64 = 3;

/// The name of the liveness property.
pub const SETTLES: &str = "eventually: every operation settles where it asked";

/// The names of the safety properties, by invariant number (1 to 9).
const ALWAYS: [&str; 9] = [
    "always 1: paused vertices run nothing",
    "always 2: no vertex but a source pauses before the drain",
    "always 3: no message is lost",
    "always 4: resume restores the replicas",
    "always 5: Deleting is final",
    "always 6: only declared moves",
    "always 7: writes stay minimal",
    "always 8: the finalizer goes after the drain",
    "always 9: reconciled vertices follow their spec",
];

fn holds<const N: u8>(_: &SystemModel, state: &State) -> bool {
    state
        .violation
        .as_ref()
        .is_none_or(|v| v.invariant.number() != N)
}

/// A path that ends in a broken invariant is reported by that invariant's property.
fn settles(_: &SystemModel, state: &State) -> bool {
    state.settled || state.violation.is_some()
}

/// The keys in the work queue, each once, in order.
fn queued<'s>(sim: &'s Sim<'_>) -> Vec<&'s Key> {
    let mut keys: Vec<&Key> = sim.queue.iter().map(|(_, k)| k).collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The replicas the model's autoscaler tries: the two ends of the bounds (every value
/// between acts alike), those that differ from `now`.
fn other_ends((min, max): (i32, i32), now: Option<i32>) -> impl Iterator<Item = i32> {
    [min, max].into_iter().filter(move |r| Some(*r) != now)
}

/// The system under the model check: the simulation with the given controllers.
pub struct SystemModel {
    bounds: Bounds,
    controllers: &'static dyn Controllers,
}

impl SystemModel {
    fn config(&self) -> SimConfig {
        SimConfig {
            seed: 0,
            shape: self.bounds.shape.clone(),
            faults: Faults {
                max_staleness: self.bounds.max_staleness,
                ..Faults::none()
            },
            ops: Vec::new(),
            mono_ops: Vec::new(),
            grace_seconds: self.bounds.grace_seconds,
            settle_ticks: 0,
            scaling: 0.0,
            autoscaler: self.bounds.autoscaler,
            crd_rules: self.bounds.crd_rules,
        }
    }

    /// The state `actions` lead to from the start, with the trace of its writes kept
    /// (exploration keeps none).
    fn replay(&self, actions: &[Action]) -> State {
        let mut state = self.init_states().remove(0);
        state.sim.trace = Some(Vec::new());
        for action in actions {
            match self.next_state(&state, action.clone()) {
                Some(next) => state = next,
                None => break,
            }
        }
        state
    }

    fn last_op(&self, state: &State) -> Option<Op> {
        state.ops_done.checked_sub(1).map(|i| self.bounds.ops[i])
    }

    /// The luck a reconcile of `key` may have in `state`: none, or one fault the
    /// budget still allows.
    fn lucks(&self, state: &State, key: &Key) -> Vec<Luck> {
        let (sim, used, b) = (&state.sim, state.used, &self.bounds);
        let mut out = vec![Luck::default()];
        if used.stale_reads < b.stale_reads {
            for (i, old) in sim.history.iter().enumerate() {
                if old.revision >= sim.seen && old.revision != sim.store.revision {
                    out.push(Luck {
                        stale: Some(i),
                        ..Luck::default()
                    });
                }
            }
        }
        if *key == Key::Pipeline && used.daemon_failures < b.daemon_failures {
            out.push(Luck {
                daemon: Some("the daemon answered something that is not a buffer list".into()),
                ..Luck::default()
            });
        }
        if used.crashes < b.crashes {
            out.extend((0..=3).map(|after| Luck {
                crash_after: Some(after),
                ..Luck::default()
            }));
        }
        if used.conflicts < b.conflicts {
            out.extend((0..=2).map(|at| Luck {
                conflict_at: Some(at),
                ..Luck::default()
            }));
        }
        out
    }
}

impl Model for SystemModel {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        let mut sim = Sim::new(self.config(), self.controllers);
        sim.luck = Some(Luck::default());
        vec![State {
            sim,
            ops_done: 0,
            mono_ops_done: 0,
            used: Used::default(),
            violation: None,
            settled: false,
        }]
    }

    fn actions(&self, state: &State, actions: &mut Vec<Action>) {
        if state.violation.is_some() {
            return;
        }
        let sim = &state.sim;
        if state.ops_done < self.bounds.ops.len() && sim.tick <= self.bounds.ops_by {
            actions.push(Action::User(self.bounds.ops[state.ops_done]));
        }
        if state.mono_ops_done < self.bounds.mono_ops.len() && sim.tick <= self.bounds.ops_by {
            actions.push(Action::MonoUser(self.bounds.mono_ops[state.mono_ops_done]));
        }
        if !self.bounds.mono_ops.is_empty() {
            actions.push(Action::MonoReconcile);
            if state.used.scalings < self.bounds.scalings && sim.mono_may_scale() {
                let now = sim.mono.object.spec.replicas;
                actions.extend(other_ends(sim.mono_scale_range(), now).map(Action::MonoScale));
            }
        }
        if sim.down_until.is_some() {
            actions.push(Action::Restart);
            return;
        }
        if state.used.scalings < self.bounds.scalings {
            for name in sim.scale_candidates() {
                let now = sim.store.vertices[&name].spec.replicas;
                let ends = other_ends(sim.scale_range(&name), now);
                actions.extend(ends.map(|replicas| Action::Scale(name.clone(), replicas)));
            }
        }
        let daemon_here = sim.daemon_down_until.is_none_or(|until| sim.tick >= until);
        if state.used.daemon_outages < self.bounds.daemon_outages && daemon_here {
            actions.push(Action::DaemonGone);
        }
        let keys = queued(sim);
        for key in &keys {
            for luck in self.lucks(state, key) {
                actions.push(Action::Reconcile(Key::clone(key), luck));
            }
        }
        let ops_waiting = state.ops_done < self.bounds.ops.len();
        if keys.is_empty()
            && sim.tick < self.bounds.ticks
            && !(ops_waiting && sim.tick == self.bounds.ops_by)
        {
            actions.push(Action::Tick);
        }
    }

    fn next_state(&self, last: &State, action: Action) -> Option<State> {
        let mut next = last.clone();
        let sim = &mut next.sim;
        let result = match &action {
            Action::User(op) => {
                next.ops_done += 1;
                sim.user(*op)
            }
            Action::Reconcile(key, luck) => {
                sim.queue.retain(|(_, k)| k != key);
                sim.luck = Some(luck.clone());
                let used = &mut next.used;
                used.stale_reads += u8::from(luck.stale.is_some());
                used.daemon_failures += u8::from(luck.daemon.is_some());
                used.crashes += u8::from(luck.crash_after.is_some());
                used.conflicts += u8::from(luck.conflict_at.is_some());
                let result = sim.reconcile(key.clone(), false);
                sim.luck = Some(Luck::default());
                result
            }
            Action::MonoUser(op) => {
                next.mono_ops_done += 1;
                sim.mono_user(*op)
            }
            Action::MonoReconcile => sim.mono_reconcile(),
            Action::MonoScale(replicas) => {
                next.used.scalings += 1;
                sim.mono_scale(*replicas);
                Ok(())
            }
            Action::Restart => {
                sim.restart();
                Ok(())
            }
            Action::Scale(name, replicas) => {
                next.used.scalings += 1;
                sim.scale(name.clone(), *replicas)
            }
            Action::DaemonGone => {
                next.used.daemon_outages += 1;
                sim.daemon_down_until = Some(sim.tick + DAEMON_OUTAGE);
                Ok(())
            }
            Action::Tick => {
                sim.tick += 1;
                if sim.tick.is_multiple_of(5) {
                    sim.resync();
                }
                sim.world_step();
                let checked = sim.checker.after_step(&sim.store, &sim.world);
                checked
                    .and_then(|()| sim.mono.check())
                    .map_err(|v| sim.violation(v))
            }
        };
        if let Err(violation) = result {
            next.violation = Some(violation);
            return Some(next);
        }
        let done = next.ops_done == self.bounds.ops.len();
        let quiet = next.sim.queue.is_empty() && next.sim.down_until.is_none();
        if done
            && quiet
            && !next.settled
            && invariants::settled(&next.sim.store, self.last_op(&next))
        {
            next.settled = true;
        }
        // The end of time, settled: the checks the simulation makes where it ends. An
        // unsettled end is the liveness property's to report.
        if quiet && next.sim.tick == self.bounds.ticks && next.settled {
            let (store, world) = (&next.sim.store, &next.sim.world);
            let last_op = self.last_op(&next);
            if let Err(v) = next.sim.checker.clone().at_end(store, world, last_op) {
                next.violation = Some(next.sim.violation(v));
            }
        }
        Some(next)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let always: [fn(&SystemModel, &State) -> bool; 9] = [
            holds::<1>, holds::<2>, holds::<3>, holds::<4>, holds::<5>, holds::<6>, holds::<7>,
            holds::<8>, holds::<9>,
        ];
        let mut properties: Vec<Property<Self>> = ALWAYS
            .iter()
            .zip(always)
            .map(|(name, condition)| Property::always(name, condition))
            .collect();
        properties.push(Property::eventually(SETTLES, settles));
        properties
    }

    fn within_boundary(&self, state: &State) -> bool {
        state.sim.report.writes <= self.bounds.max_writes
    }
}
