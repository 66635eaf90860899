//! What a pipeline declares of its graph: its vertices ([`AbstractVertex`]) and the
//! edges between them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::vertex::{Scale, Udf, VertexRole};
use crate::{Opaque, Unknown};

/// A vertex as the pipeline declares it.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = name_required)]
pub struct AbstractVertex {
    /// The vertex's name within its pipeline.
    // Required by the CRDs, as upstream's (`name_required`); an object stored without
    // one reads with an empty name, so that it cannot stop a watch.
    #[serde(default)]
    pub name: String,
    /// Set on source vertices.
    pub source: Option<Opaque>,
    /// Set on sink vertices.
    pub sink: Option<Opaque>,
    /// Set on map and reduce vertices.
    pub udf: Option<Udf>,
    /// Autoscaling bounds.
    pub scale: Option<Scale>,
    /// The partition count of the vertex's buffers.
    pub partitions: Option<i32>,
    /// Fields this model does not read, kept as they are ([`Unknown`]).
    #[serde(flatten)]
    pub extra: Unknown,
}

/// Makes `name` required in the schema of [`AbstractVertex`], which reads a missing
/// name as empty.
fn name_required(schema: &mut schemars::Schema) {
    schema.remove("default");
    if let Some(name) = schema
        .get_mut("properties")
        .and_then(|p| p.get_mut("name"))
        .and_then(|n| n.as_object_mut())
    {
        name.remove("default");
    }
    let required = schema
        .ensure_object()
        .entry("required")
        .or_insert_with(|| serde_json::json!([]));
    if let Some(required) = required.as_array_mut()
        && !required.iter().any(|r| r == "name")
    {
        required.push("name".into());
    }
}

impl AbstractVertex {
    /// The role, checked in NumaFlow's order: source, sink, map, reduce.
    pub fn role(&self) -> Option<VertexRole> {
        if self.source.is_some() {
            Some(VertexRole::Source)
        } else if self.sink.is_some() {
            Some(VertexRole::Sink)
        } else {
            let udf = self.udf.as_ref()?;
            Some(match udf.group_by {
                None => VertexRole::MapUdf,
                Some(_) => VertexRole::ReduceUdf,
            })
        }
    }
}

/// An edge between two vertices.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Edge {
    /// The upstream vertex.
    pub from: String,
    /// The downstream vertex.
    pub to: String,
    /// Fields this model does not read, kept as they are ([`Unknown`]).
    #[serde(flatten)]
    pub extra: Unknown,
}

impl Edge {
    /// The edge from `from` to `to`, with nothing else set.
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Self {
        Edge {
            from: from.into(),
            to: to.into(),
            extra: Unknown::default(),
        }
    }
}
