//! The API server's store: its objects and revisions, and the writes it admits, refuses
//! (the Vertex CRD's rules, 409 conflicts) and records for the invariants.

use numaflow_model::pipeline::Pipeline;
use numaflow_model::plan::{Patch, PatchTarget};
use numaflow_model::vertex::Vertex;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::{Key, Sim, Violation};

/// The objects the API server holds.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// The pipeline, until it is deleted.
    pub pipeline: Option<Pipeline>,
    /// The vertices, by object name; shared with the snapshots stale reads come from, so
    /// that a snapshot costs no copy of an unchanged vertex.
    pub vertices: BTreeMap<String, Arc<Vertex>>,
    pub(crate) revision: u64,
}

/// Who wrote, for the invariants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// The user.
    User,
    /// The Pipeline controller.
    PipelineController,
    /// The Vertex controller.
    VertexController,
    /// The autoscaler, which writes `spec.replicas` of running vertices and of the
    /// MonoVertex.
    Autoscaler,
    /// The MonoVertex controller.
    MonoVertexController,
}

impl Writer {
    /// Whether the writer is one of the controllers under test.
    pub fn is_controller(self) -> bool {
        matches!(
            self,
            Writer::PipelineController | Writer::VertexController | Writer::MonoVertexController
        )
    }
}

impl Sim<'_> {
    pub(crate) fn record(&mut self, writer: Writer, target: &str, body: String) {
        let tick = self.tick;
        if let Some(trace) = self.trace.as_mut() {
            trace.push((tick, writer, target.to_owned(), body));
        }
    }

    pub(crate) fn apply(&mut self, patch: &Patch, writer: Writer) -> Result<(), Violation> {
        if self.trace.is_some() {
            self.record(writer, &patch.target.to_string(), patch.body.to_string());
        }
        if patch.target.is::<Pipeline>() {
            let Some(pipeline) = self.store.pipeline.as_ref() else {
                return Ok(());
            };
            let after = merged(pipeline, patch);
            return self.write_pipeline(after, writer);
        }
        if !patch.target.is::<Vertex>() {
            return Ok(());
        }
        let Some(before) = self.store.vertices.get(&patch.target.name) else {
            return Ok(());
        };
        let after = merged(&**before, patch);
        self.write_vertex(after, writer)
    }

    /// Writes `after` over the vertex of the same name, once the checker agrees.
    pub(crate) fn write_vertex(&mut self, after: Vertex, writer: Writer) -> Result<(), Violation> {
        let name = after.metadata.name.clone().unwrap_or_default();
        let Some(before) = self.store.vertices.get(&name).cloned() else {
            return Ok(());
        };
        self.checker
            .on_vertex_write(
                writer,
                &before,
                &after,
                &self.store,
                &self.world,
                self.now(),
            )
            .map_err(|v| self.violation(v))?;
        self.store.vertices.insert(name.clone(), Arc::new(after));
        self.bump(Some(&name));
        self.report.writes += 1;
        let delay = self.watch_delay();
        self.enqueue(Key::Vertex(name.clone()), delay);
        let delay = self.watch_delay();
        self.enqueue(Key::Pipeline, delay);
        Ok(())
    }

    pub(crate) fn write_pipeline(
        &mut self,
        after: Pipeline,
        writer: Writer,
    ) -> Result<(), Violation> {
        let before = self.store.pipeline.clone();
        let now = self.now();
        if let Some(before) = &before {
            self.checker
                .on_pipeline_write(writer, before, &after, &self.store, &self.world, now)
                .map_err(|v| self.violation(v))?;
        }
        let released = after.metadata.deletion_timestamp.is_some()
            && after.metadata.finalizers.as_ref().is_none_or(Vec::is_empty);
        if released {
            self.checker
                .on_release(&after, &self.world, now)
                .map_err(|v| self.violation(v))?;
            // Gone, and its vertices with it: they are owned by the pipeline. Whatever
            // their buffers held is lost.
            self.store.pipeline = None;
            self.store.vertices.clear();
            self.world.lost += self.world.buffered();
            self.world.buffers.iter_mut().for_each(|b| *b = 0);
        } else {
            self.store.pipeline = Some(after);
        }
        self.bump(None);
        self.report.writes += 1;
        let delay = self.watch_delay();
        self.enqueue(Key::Pipeline, delay);
        Ok(())
    }

    /// Gives the written object a new resourceVersion and remembers the old store for
    /// stale reads.
    pub(crate) fn bump(&mut self, vertex: Option<&str>) {
        self.store.revision += 1;
        let revision = Some(self.store.revision.to_string());
        match vertex {
            Some(name) => {
                if let Some(v) = self.store.vertices.get_mut(name) {
                    Arc::make_mut(v).metadata.resource_version = revision;
                }
            }
            None => {
                if let Some(p) = self.store.pipeline.as_mut() {
                    p.metadata.resource_version = revision;
                }
            }
        }
        self.history.push_front(self.store.clone());
        self.history
            .truncate(self.config.faults.max_staleness.max(1));
    }
}

pub(crate) fn revision_in(store: &Store, target: &PatchTarget) -> Option<String> {
    if target.is::<Pipeline>() {
        store.pipeline.as_ref()?.metadata.resource_version.clone()
    } else if target.is::<Vertex>() {
        store
            .vertices
            .get(&target.name)?
            .metadata
            .resource_version
            .clone()
    } else {
        None
    }
}

/// `object` with `patch` applied; a patch whose result does not read back changes
/// nothing, as the API server would reject it.
pub(crate) fn merged<T: serde::Serialize + serde::de::DeserializeOwned + Clone>(
    object: &T,
    patch: &Patch,
) -> T {
    let mut after = object.clone();
    let _ = patch.merge_into(&mut after);
    after
}
