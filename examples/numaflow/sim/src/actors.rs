//! Who else writes: the user, who pauses, resumes, edits and deletes, and NumaFlow's
//! autoscaler, which scales running vertices within the Vertex CRD's rule.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use lifecycle_model::Lifecycle;
use numaflow_model::pipeline::{DesiredPhase, RESUME_STRATEGY_ANNOTATION, ResumeStrategy};
use numaflow_model::vertex::{Vertex, VertexPhaseAction, VertexStatusPhase};

use crate::{Autoscaler, Op, SCALE_COOLDOWN_TICKS, Sim, Violation, Writer};

impl Sim<'_> {
    /// Now and then, sets the `spec.replicas` of a vertex the [`Autoscaler`] may scale to
    /// a value within its scale bounds other than the default, as NumaFlow's autoscaler
    /// or a user's `kubectl scale` would.
    pub(crate) fn autoscale(&mut self) -> Result<(), Violation> {
        if self.config.scaling <= 0.0 || self.rng.f64() >= self.config.scaling {
            return Ok(());
        }
        let candidates = self.scale_candidates();
        if candidates.is_empty() {
            return Ok(());
        }
        let name = candidates[self.rng.usize(..candidates.len())].clone();
        let (min, max) = self.scale_range(&name);
        let replicas = self.rng.i32(min..=max);
        self.scale(name, replicas)
    }

    /// The names of the vertices the autoscaler may scale now.
    pub(crate) fn scale_candidates(&self) -> Vec<String> {
        self.store
            .vertices
            .iter()
            .filter(|(name, vertex)| match self.config.autoscaler {
                Autoscaler::FollowsSkipRules => self.may_scale(name, vertex),
                Autoscaler::IgnoresSkipRules => true,
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The replicas the autoscaler picks from for the vertex `name`: its scale bounds,
    /// at least 2 where they allow.
    pub(crate) fn scale_range(&self, name: &str) -> (i32, i32) {
        let scale = self.store.vertices[name]
            .spec
            .scale
            .clone()
            .unwrap_or_default();
        let max = scale.max.unwrap_or(5).max(1);
        (scale.min.unwrap_or(0).clamp(2.min(max), max), max)
    }

    /// Sets `spec.replicas` of the vertex `name` to `replicas`, as the autoscaler or a
    /// user's `kubectl scale` would, unless the Vertex CRD's rule refuses it.
    pub(crate) fn scale(&mut self, name: String, replicas: i32) -> Result<(), Violation> {
        let mut after = Vertex::clone(&self.store.vertices[&name]);
        if after.spec.replicas == Some(replicas) {
            return Ok(());
        }
        after.spec.replicas = Some(replicas);
        // NumaFlow's rules read the vertex's status, which lags its spec: a vertex the
        // Pipeline controller just paused may still report Running. The CRD's rule,
        // which reads the spec, refuses that write.
        if self.config.crd_rules && !scale_admitted(&after) {
            self.record(
                Writer::Autoscaler,
                &name,
                format!("replicas {replicas} refused"),
            );
            self.report.refused_scalings += 1;
            return Ok(());
        }
        self.record(Writer::Autoscaler, &name, format!("replicas {replicas}"));
        self.last_scaled.insert(name, self.tick);
        self.report.scalings += 1;
        self.write_vertex(after, Writer::Autoscaler)
    }

    /// NumaFlow's skip rules: whether its autoscaler would scale `vertex` now.
    pub(crate) fn may_scale(&self, name: &str, vertex: &Vertex) -> bool {
        let pipeline_runs = self.store.pipeline.as_ref().is_some_and(|p| {
            p.metadata.deletion_timestamp.is_none()
                && p.spec.desired_phase() == DesiredPhase::Running
        });
        let Some(status) = vertex.status.as_ref() else {
            return false;
        };
        let pods = self.world.pods.get(name).copied().unwrap_or(0);
        let cooled = self
            .last_scaled
            .get(name)
            .is_none_or(|at| self.tick >= at + SCALE_COOLDOWN_TICKS);
        pipeline_runs
            && vertex.spec.scalable()
            && status.phase == Some(VertexStatusPhase::Running)
            && status.desired_replicas == Some(pods)
            && vertex.spec.scale_min() < vertex.spec.scale_max()
            && cooled
    }

    pub(crate) fn user(&mut self, op: Op) -> Result<(), Violation> {
        let now = self.now();
        let Some(pipeline) = self.store.pipeline.as_ref() else {
            return Ok(());
        };
        let mut after = pipeline.clone();
        let lifecycle = after.spec.lifecycle.get_or_insert_with(Default::default);
        match op {
            Op::Pause => lifecycle.desired_phase = Some(DesiredPhase::Paused),
            Op::ResumeFast | Op::ResumeSlow => {
                lifecycle.desired_phase = Some(DesiredPhase::Running);
                let annotations = after
                    .metadata
                    .annotations
                    .get_or_insert_with(Default::default);
                match op {
                    Op::ResumeSlow => annotations.insert(
                        RESUME_STRATEGY_ANNOTATION.to_owned(),
                        ResumeStrategy::Slow.to_string(),
                    ),
                    _ => annotations.remove(RESUME_STRATEGY_ANNOTATION),
                };
            }
            Op::Delete => after.metadata.deletion_timestamp = Some(Time(now)),
        }
        // The API server counts changes to the spec.
        if after.spec != pipeline.spec {
            after.metadata.generation = Some(pipeline.metadata.generation.unwrap_or(0) + 1);
        }
        self.record(Writer::User, "Pipeline", format!("{op:?}"));
        self.write_pipeline(after, Writer::User)
    }
}

/// Whether the Vertex CRD's rule admits a change of `spec.replicas` alone: the lifecycle
/// allows `scale` in the vertex's desired phase, for its role.
fn scale_admitted(vertex: &Vertex) -> bool {
    vertex.spec.role().is_some_and(|role| {
        vertex
            .spec
            .desired_phase()
            .allows(role, VertexPhaseAction::Scale)
    })
}
