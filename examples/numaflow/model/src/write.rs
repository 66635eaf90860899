//! The writes a pipeline reconcile plans, typed: the object, the fields that change, and
//! the lifecycle move each makes, as the typed event that made it recorded it. JSON is
//! rendered once, by [`Write::patch`], where a write is sent.
//!
//! ```
//! use lifecycle_model::Transition as Move;
//! use numaflow_model::vertex::{VertexPhase, VertexPhaseEvent};
//! use numaflow_model::write::{Transition, VertexLifecycleWrite, Write};
//!
//! let pause = Write::VertexLifecycle(VertexLifecycleWrite {
//!     vertex: "simple-in".into(),
//!     moved: Move::fired(VertexPhaseEvent::Pause, VertexPhase::Running, VertexPhase::Paused),
//!     drop_replicas: false,
//! });
//! assert_eq!(pause.patch().target.to_string(), "Vertex/simple-in");
//! assert_eq!(pause.patch().body, serde_json::json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } }));
//! let Some(Transition::Vertex { event, .. }) = pause.transition() else { unreachable!() };
//! assert_eq!(event, VertexPhaseEvent::Pause);
//! ```

use lifecycle_model::Lifecycle;
use lifecycle_model::conditions::Condition;
use serde_json::{Map, Value, json};

use crate::patch::{Patch, PatchTarget};
use crate::pipeline::{
    PAUSE_TIMESTAMP_ANNOTATION, Pipeline, PipelinePhase, PipelinePhaseEvent, VertexCounts,
};
use crate::vertex::{HASH_ANNOTATION, Vertex, VertexPhase, VertexPhaseEvent};

/// One write a pipeline reconcile plans.
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    /// The pipeline's status subresource.
    PipelineStatus(PipelineStatusWrite),
    /// A vertex's `spec.lifecycle.desiredPhase`, moved.
    VertexLifecycle(VertexLifecycleWrite),
    /// The pipeline's pause timestamp annotation, set to `at` or, with `None`, removed.
    PauseStamp {
        /// The pipeline's object name.
        pipeline: String,
        /// When the pause began, as RFC 3339; `None` removes the stamp.
        at: Option<String>,
    },
    /// The pipeline's finalizers once the controller's own are released: `kept` are
    /// other controllers', and none left removes the field.
    Finalizers {
        /// The pipeline's object name.
        pipeline: String,
        /// The finalizers that stay.
        kept: Vec<String>,
    },
    /// A vertex updated in place to the spec its pipeline declares.
    VertexSpec {
        /// The vertex's object name.
        vertex: String,
        /// The declared spec's hash, the vertex's new `HASH_ANNOTATION`.
        hash: String,
        /// The merge patch of `spec` from what the vertex has to what it is declared
        /// (see [`crate::patch::merge_patch_between`]); `None` when only the hash
        /// changes.
        spec: Option<Value>,
    },
}

/// The fields of a pipeline's status a reconcile writes; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PipelineStatusWrite {
    /// The pipeline's object name.
    pub pipeline: String,
    /// The phase written.
    pub phase: Option<PipelinePhase>,
    /// The move that reached `phase`, as the typed event recorded it; `None` for a first
    /// phase and for a phase written again.
    pub moved: Option<lifecycle_model::Transition<PipelinePhase>>,
    /// `status.message`: `Some(None)` removes it.
    pub message: Option<Option<String>>,
    /// `status.drainedOnPause`.
    pub drained_on_pause: Option<bool>,
    /// `status.observedGeneration`.
    pub observed_generation: Option<i64>,
    /// `status.conditions`, whole.
    pub conditions: Option<Vec<Condition>>,
    /// The vertex counts (`vertexCount`, `sourceCount`, ...), where they change.
    pub counts: Option<VertexCounts>,
    /// `status.lastUpdated`.
    pub last_updated: Option<String>,
}

/// A vertex's desired phase moved by the Pipeline controller, the only writer of it.
#[derive(Clone, Debug, PartialEq)]
pub struct VertexLifecycleWrite {
    /// The vertex's object name.
    pub vertex: String,
    /// The move, as the typed event recorded it.
    pub moved: lifecycle_model::Transition<VertexPhase>,
    /// Whether `spec.replicas` goes too, so that a slow resume restarts at the default.
    pub drop_replicas: bool,
}

impl PipelineStatusWrite {
    /// An empty write of `pipeline`'s status.
    pub fn of(pipeline: &Pipeline) -> Self {
        PipelineStatusWrite {
            pipeline: pipeline.metadata.name.clone().unwrap_or_default(),
            ..PipelineStatusWrite::default()
        }
    }

    fn body(&self) -> Value {
        let mut status = Map::new();
        let mut put = |field: &str, value: Option<Value>| {
            if let Some(value) = value {
                status.insert(field.to_owned(), value);
            }
        };
        put("phase", self.phase.map(|p| json!(p.name())));
        put("message", self.message.as_ref().map(|m| json!(m)));
        put("drainedOnPause", self.drained_on_pause.map(Value::from));
        put(
            "observedGeneration",
            self.observed_generation.map(Value::from),
        );
        put("conditions", self.conditions.as_ref().map(|c| json!(c)));
        if let Some(Value::Object(counts)) = self.counts.map(|c| json!(c)) {
            for (field, n) in counts {
                put(&field, Some(n));
            }
        }
        put("lastUpdated", self.last_updated.as_ref().map(|t| json!(t)));
        json!({ "status": status })
    }
}

impl Write {
    /// The object and part of it written.
    pub fn target(&self) -> PatchTarget {
        match self {
            Write::PipelineStatus(w) => PatchTarget::status::<Pipeline>(&w.pipeline),
            Write::VertexLifecycle(w) => PatchTarget::object::<Vertex>(&w.vertex),
            Write::PauseStamp { pipeline, .. } | Write::Finalizers { pipeline, .. } => {
                PatchTarget::object::<Pipeline>(pipeline)
            }
            Write::VertexSpec { vertex, .. } => PatchTarget::object::<Vertex>(vertex),
        }
    }

    /// The write as the JSON merge patch that is sent.
    pub fn patch(&self) -> Patch {
        let body = match self {
            Write::PipelineStatus(w) => w.body(),
            Write::VertexLifecycle(w) => {
                let mut spec = json!({ "lifecycle": { "desiredPhase": w.moved.to().name() } });
                if w.drop_replicas {
                    spec["replicas"] = Value::Null;
                }
                json!({ "spec": spec })
            }
            Write::PauseStamp { at, .. } => {
                json!({ "metadata": { "annotations": { PAUSE_TIMESTAMP_ANNOTATION: at } } })
            }
            Write::Finalizers { kept, .. } => {
                let kept = (!kept.is_empty()).then_some(kept);
                json!({ "metadata": { "finalizers": kept } })
            }
            Write::VertexSpec { hash, spec, .. } => {
                let mut body = json!({ "metadata": { "annotations": { HASH_ANNOTATION: hash } } });
                if let Some(spec) = spec {
                    body["spec"] = spec.clone();
                }
                body
            }
        };
        Patch {
            target: self.target(),
            body,
        }
    }

    /// The lifecycle move this write makes, if it makes one: what Events and metrics
    /// report.
    pub fn transition(&self) -> Option<Transition> {
        match self {
            Write::PipelineStatus(PipelineStatusWrite {
                moved: Some(moved), ..
            }) => Some(Transition::Pipeline {
                event: moved.event()?,
                from: moved.from()?,
                to: moved.to(),
            }),
            Write::VertexLifecycle(w) => Some(Transition::Vertex {
                vertex: w.vertex.clone(),
                event: w.moved.event()?,
                from: w.moved.from()?,
                to: w.moved.to(),
            }),
            _ => None,
        }
    }

    /// The vertex desired phase this write sets, if it moves one.
    pub fn desired_phase(&self) -> Option<VertexPhase> {
        match self {
            Write::VertexLifecycle(w) => Some(w.moved.to()),
            _ => None,
        }
    }
}

/// A lifecycle move that one write makes: what Events and metrics report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// The pipeline's status phase moves.
    Pipeline {
        /// The event that moves it.
        event: PipelinePhaseEvent,
        /// The phase it leaves.
        from: PipelinePhase,
        /// The phase it reaches.
        to: PipelinePhase,
    },
    /// A vertex's desired phase moves.
    Vertex {
        /// The vertex's object name.
        vertex: String,
        /// The event that moves it.
        event: VertexPhaseEvent,
        /// The phase it leaves.
        from: VertexPhase,
        /// The phase it reaches.
        to: VertexPhase,
    },
}

impl Transition {
    /// The reason NumaFlow gives the Event of this transition: `UpdatePipelinePhase`,
    /// `UpdateVertexDesiredPhase` for a pause, `ResumeVertexLifecycle` for a resume.
    pub fn reason(&self) -> &'static str {
        match self {
            Transition::Pipeline { .. } => "UpdatePipelinePhase",
            Transition::Vertex {
                event: VertexPhaseEvent::Pause,
                ..
            } => "UpdateVertexDesiredPhase",
            Transition::Vertex {
                event: VertexPhaseEvent::Resume,
                ..
            } => "ResumeVertexLifecycle",
        }
    }

    /// The Event's note: `Running → Pausing` for the pipeline, `Vertex simple-in:
    /// Running → Paused` for a vertex.
    pub fn note(&self) -> String {
        match self {
            Transition::Pipeline { from, to, .. } => format!("{} → {}", from.name(), to.name()),
            Transition::Vertex {
                vertex, from, to, ..
            } => format!("Vertex {vertex}: {} → {}", from.name(), to.name()),
        }
    }
}

/// `writes` as the merge patches that are sent, in order.
pub fn patches(writes: &[Write]) -> Vec<Patch> {
    writes.iter().map(Write::patch).collect()
}
