//! NumaFlow's Pipeline and Vertex lifecycles, declared with `#[derive(Lifecycle)]`: the
//! model and its planning, with no kube client. `numaflow-operator` runs it against a
//! cluster; `numaflow-sim` drives it in a deterministic simulation.
//!
//! - [`vertex`]: the Vertex CRD, its desired phase (`Running | Paused`), its roles, and
//!   the replica decision made from the vertex's own spec.
//! - [`pipeline`]: the Pipeline CRD and the pipeline's status phase machine.
//! - [`plan`]: lifecycle propagation as pure planning functions over typed states: pause,
//!   resume and delete as typed writes ([`write`](mod@write)), rendered as merge patches ([`patch`]).
//! - [`write`](mod@write): the writes a reconcile plans, typed, each with the move it makes.
//! - [`controller`]: the Pipeline and Vertex controllers as pure reconcile functions.
//! - [`conditions`]: the status conditions of pipelines and vertices.
//! - [`pods`]: the Vertex controller's pods, one per replica.
//! - [`replicas`]: what vertices and MonoVertices share: scale bounds, the replica
//!   status, the spec hash.
//! - [`monovertex`]: the MonoVertex CRD, its desired phase (`Running | Paused`, moved by
//!   its users), its replica decision, pods and reconcile.
//! - [`crd`]: both CRDs as one YAML stream.
//!
//! The pages of [`VertexPhase`](vertex::VertexPhase), the vertex's desired phase, and
//! [`PipelinePhase`](pipeline::PipelinePhase), the pipeline's status phase, show each
//! machine as a picture; `examples/doc` holds the same pictures and their Mermaid text.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Declares the spec of a NumaFlow kind that runs one pod per replica (Vertex,
/// MonoVertex) with the kube-derive attributes those kinds share: the scale subresource,
/// the printer columns, the CEL rules of the lifecycle `phase`, and unknown fields kept.
/// The kind's type (`object`), name, plural, short name and status type are its own.
/// The spec has a field `lifecycle: Option<DesiredLifecycle<phase>>`, whose desired
/// phase is the object's phase ([`HasPhase`](lifecycle_model::HasPhase)); its `role`,
/// where given, is the spec's `role()`.
macro_rules! replica_resource {
    (
        object = $object:ident,
        kind = $kind:tt,
        plural = $plural:tt,
        shortname = $shortname:tt,
        status = $status:tt,
        phase = $phase:ty
        $(, role = $role:ty)?;
        $(#[$meta:meta])*
        pub struct $spec:ident $body:tt
    ) => {
        $(#[$meta])*
        // kube's `printcolumn(...)` repeats by design; clippy reads the repeats as
        // duplicates.
        #[allow(clippy::duplicated_attributes)]
        #[::serde_with::skip_serializing_none]
        #[derive(
            ::kube::CustomResource,
            Clone,
            Debug,
            Default,
            PartialEq,
            ::serde::Serialize,
            ::serde::Deserialize,
            ::schemars::JsonSchema,
        )]
        #[kube(
            group = "numaflow.numaproj.io",
            version = "v1alpha1",
            kind = $kind,
            plural = $plural,
            shortname = $shortname,
            namespaced,
            derive = "PartialEq",
            status = $status,
            scale(
                spec_replicas_path = ".spec.replicas",
                status_replicas_path = ".status.replicas",
                label_selector_path = ".status.selector"
            ),
            printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
            printcolumn(name = "Desired Phase", type_ = "string", json_path = ".spec.lifecycle.desiredPhase"),
            printcolumn(name = "Desired", type_ = "integer", json_path = ".status.desiredReplicas"),
            printcolumn(name = "Current", type_ = "integer", json_path = ".status.replicas"),
            printcolumn(name = "Ready", type_ = "integer", json_path = ".status.readyReplicas"),
            printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp"),
            printcolumn(name = "Reason", type_ = "string", json_path = ".status.reason"),
            printcolumn(name = "Message", type_ = "string", json_path = ".status.message")
        )]
        #[serde(rename_all = "camelCase")]
        #[schemars(transform = ::lifecycle_model::schema::action_rules::<$phase>)]
        pub struct $spec $body

        impl $spec {
            /// The desired phase; missing means `Running`.
            pub fn desired_phase(&self) -> $phase {
                $crate::replicas::DesiredLifecycle::phase_of(self.lifecycle.as_ref())
            }

            /// Sets the desired phase field.
            pub fn set_desired_phase(&mut self, phase: $phase) {
                $crate::replicas::DesiredLifecycle::set(&mut self.lifecycle, phase);
            }
        }

        impl ::lifecycle_model::HasPhase<$phase> for $object {
            fn phase(&self) -> Option<$phase> {
                Some(self.spec.desired_phase())
            }
            fn set_phase(&mut self, phase: $phase) {
                self.spec.set_desired_phase(phase);
            }
            $(
                fn role(&self) -> Option<$role> {
                    self.spec.role()
                }
            )?
        }
    };
}

/// Declares the phase a kind that runs one pod per replica reports in `status.phase`, as
/// NumaFlow spells it: `Unknown` (the empty string, the default), the desired phases
/// `Running` and `Paused` of the `desired` lifecycle, which its controller copies there
/// once it has acted on them (`From<desired>`), and the kind's own variants after them.
macro_rules! status_phase {
    (
        $(#[$meta:meta])*
        pub enum $name:ident reports $desired:ident {
            $($(#[$variant_meta:meta])* $variant:ident,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone,
            Copy,
            Debug,
            Default,
            PartialEq,
            Eq,
            Hash,
            ::serde::Serialize,
            ::serde::Deserialize,
            ::schemars::JsonSchema,
        )]
        pub enum $name {
            /// Not known yet; NumaFlow writes the empty string.
            #[default]
            #[serde(rename = "")]
            Unknown,
            /// Running: the controller has seen the desired phase `Running`.
            Running,
            /// Paused: the controller has seen the desired phase `Paused`.
            Paused,
            $($(#[$variant_meta])* $variant,)*
        }

        impl From<$desired> for $name {
            fn from(phase: $desired) -> Self {
                match phase {
                    $desired::Running => $name::Running,
                    $desired::Paused => $name::Paused,
                }
            }
        }
    };
}

pub mod conditions;
pub mod controller;
pub mod crd;
pub mod monovertex;
pub mod patch;
pub mod pipeline;
pub mod plan;
pub mod pods;
pub mod replicas;
pub mod vertex;
pub mod write;

/// A part of NumaFlow's spec the lifecycle needs only the presence of (a source, a
/// sink). Its content is kept as it is, and the CRD preserves it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
#[schemars(inline, transform = preserve_unknown_fields)]
pub struct Opaque(pub serde_json::Map<String, serde_json::Value>);

/// Fields of NumaFlow's objects this model does not read, kept as they are so that a
/// read, change and write loses none of them: every modelled struct flattens one in
/// (`#[serde(flatten)] pub extra: Unknown`). An empty one writes nothing. Its schema,
/// flattened into the struct's, marks the struct `x-kubernetes-preserve-unknown-fields`,
/// so the API server keeps them too.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
#[schemars(inline, transform = preserve_unknown_fields)]
pub struct Unknown(pub serde_json::Map<String, serde_json::Value>);

/// The schema of an object whose fields the API server keeps as they are.
fn preserve_unknown_fields(schema: &mut schemars::Schema) {
    *schema = schemars::json_schema!({
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": true,
    });
}

impl Unknown {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::ops::Deref for Unknown {
    type Target = serde_json::Map<String, serde_json::Value>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Unknown {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl From<serde_json::Map<String, serde_json::Value>> for Unknown {
    fn from(fields: serde_json::Map<String, serde_json::Value>) -> Self {
        Unknown(fields)
    }
}
