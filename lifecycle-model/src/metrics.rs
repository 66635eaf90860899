//! Prometheus metrics of a lifecycle, through `prometheus-client` (feature `metrics`).
//!
//! Two families, registered once and shared by every machine of a controller:
//!
//! - `lifecycle_transitions_total{machine, event, from, to}`: a counter of transitions
//!   made;
//! - `lifecycle_objects{machine, state}`: a gauge of the objects in each state, every
//!   state listed, so an empty state reads 0 rather than vanishing.
//!
//! ```
//! use lifecycle_model::Lifecycle;
//! use lifecycle_model::metrics::LifecycleMetrics;
//! use prometheus_client::registry::Registry;
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
//! #[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
//! enum Door {
//!     #[lifecycle(initial)]
//!     Closed,
//!     Opened,
//! }
//!
//! let metrics = LifecycleMetrics::default();
//! let mut registry = Registry::default();
//! metrics.register(&mut registry);
//! metrics.transition(DoorEvent::Open, Door::Closed, Door::Opened);
//! metrics.set_objects([Door::Opened, Door::Opened]);
//!
//! let mut text = String::new();
//! prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
//! assert!(text.contains(
//!     r#"lifecycle_transitions_total{machine="Door",event="open",from="Closed",to="Opened"} 1"#
//! ));
//! assert!(text.contains(r#"lifecycle_objects{machine="Door",state="Opened"} 2"#));
//! assert!(text.contains(r#"lifecycle_objects{machine="Door",state="Closed"} 0"#));
//! ```

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::{Lifecycle, Named};

/// The labels of `lifecycle_transitions_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TransitionLabels {
    /// The machine, the phase enum's name.
    pub machine: String,
    /// The event fired.
    pub event: String,
    /// The state it left.
    pub from: String,
    /// The state it reached.
    pub to: String,
}

impl TransitionLabels {
    /// The labels of a transition from `from` to `to` by `event`.
    pub fn of<L: Lifecycle>(event: L::Event, from: L, to: L) -> Self {
        TransitionLabels {
            machine: L::machine().name,
            event: event.name().to_owned(),
            from: from.name().to_owned(),
            to: to.name().to_owned(),
        }
    }
}

/// The labels of `lifecycle_objects`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabels {
    /// The machine, the phase enum's name.
    pub machine: String,
    /// The state.
    pub state: String,
}

/// The lifecycle metrics of a controller; clones share the same series.
#[derive(Clone, Debug, Default)]
pub struct LifecycleMetrics {
    transitions: Family<TransitionLabels, Counter>,
    objects: Family<StateLabels, Gauge>,
}

impl LifecycleMetrics {
    /// Registers both families in `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "lifecycle_transitions",
            "Lifecycle transitions made, by machine, event and states",
            self.transitions.clone(),
        );
        registry.register(
            "lifecycle_objects",
            "Objects in each lifecycle state, by machine",
            self.objects.clone(),
        );
    }

    /// Counts one transition from `from` to `to` by `event`.
    pub fn transition<L: Lifecycle>(&self, event: L::Event, from: L, to: L) {
        self.transitions
            .get_or_create(&TransitionLabels::of(event, from, to))
            .inc();
    }

    /// Counts `transition`; an entry counts as event `enter` from `""`.
    pub fn record<L: Lifecycle>(&self, transition: crate::Transition<L>) {
        let labels = TransitionLabels {
            machine: L::NAME.to_owned(),
            event: transition.action().to_owned(),
            from: transition.from().map_or("", |s| s.name()).to_owned(),
            to: transition.to().name().to_owned(),
        };
        self.transitions.get_or_create(&labels).inc();
    }

    /// How many transitions from `from` to `to` by `event` were counted.
    pub fn transitions<L: Lifecycle>(&self, event: L::Event, from: L, to: L) -> u64 {
        self.transitions
            .get_or_create(&TransitionLabels::of(event, from, to))
            .get()
    }

    /// Sets the gauge of every state of `L` from the phases of all objects: a state no
    /// object is in reads 0.
    pub fn set_objects<L: Lifecycle>(&self, phases: impl IntoIterator<Item = L>) {
        let machine = L::machine();
        let mut counts = vec![0i64; machine.states.len()];
        for phase in phases {
            counts[phase.index()] += 1;
        }
        for (state, count) in machine.states.into_iter().zip(counts) {
            self.objects
                .get_or_create(&StateLabels {
                    machine: machine.name.clone(),
                    state,
                })
                .set(count);
        }
    }

    /// The gauge of objects in `state`.
    pub fn objects<L: Lifecycle>(&self, state: L) -> i64 {
        self.objects
            .get_or_create(&StateLabels {
                machine: L::machine().name,
                state: state.name().to_owned(),
            })
            .get()
    }
}
