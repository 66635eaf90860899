//! What the driver sees of the pipelines and vertices it drives, through watches of its
//! own (as the admin, whom the audit policy leaves out): when each pipeline's status was
//! written and when it settled, the order its vertices were paused in, and whether its
//! pause drained.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use futures::StreamExt;
use kube::api::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Client, ResourceExt};
use numaflow_model::pipeline::{Pipeline, PipelinePhase};
use numaflow_model::vertex::{Vertex, VertexPhase, VertexRole, VertexStatusPhase};
use tokio::task::JoinHandle;

/// A lifecycle change the driver asks of every pipeline at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Goal {
    /// Created running: settled once the pipeline runs and each vertex has its pod.
    Create,
    /// Paused: settled once the pipeline and its vertices are paused with no pods.
    Pause,
    /// Resumed: settled once the pipeline runs again and each vertex has its pod.
    Resume,
    /// Deleted: settled once the pipeline is gone.
    Delete,
}

impl Goal {
    /// The four, in the order a run takes them.
    pub const ALL: [Goal; 4] = [Goal::Create, Goal::Pause, Goal::Resume, Goal::Delete];

    /// `create`, `pause`, `resume`, `delete`.
    pub fn name(self) -> &'static str {
        match self {
            Goal::Create => "create",
            Goal::Pause => "pause",
            Goal::Resume => "resume",
            Goal::Delete => "delete",
        }
    }
}

/// When one pipeline's change was asked for, first shown in its status, and done.
#[derive(Clone, Copy, Debug, Default)]
pub struct Marks {
    /// The driver sent its request.
    pub requested: Option<Instant>,
    /// The controller first wrote the status that answers it (`Pausing` for a pause).
    pub written: Option<Instant>,
    /// The pipeline and its vertices are where the change asked.
    pub settled: Option<Instant>,
}

#[derive(Clone, Debug, Default)]
struct PipelineSeen {
    exists: bool,
    phase: Option<PipelinePhase>,
    generation: i64,
    observed: i64,
    drained: Option<bool>,
}

#[derive(Clone, Debug)]
struct VertexSeen {
    source: bool,
    desired: VertexPhase,
    phase: VertexStatusPhase,
    replicas: i32,
    /// The watch event, counted over both watches, at which its desired phase was first
    /// seen `Paused` during the current pause.
    paused_at: Option<u64>,
}

#[derive(Default)]
struct State {
    pipelines: HashMap<String, PipelineSeen>,
    /// By pipeline, then by the vertex object's name.
    vertices: HashMap<String, HashMap<String, VertexSeen>>,
    /// Each vertex object's pipeline.
    vertex_pipeline: HashMap<String, String>,
    seq: u64,
    /// Whether the vertex watch is listing.
    listing: bool,
    goal: Option<Goal>,
    marks: HashMap<String, Marks>,
    vertices_per_pipeline: usize,
}

impl State {
    fn vertices_of(&self, pipeline: &str) -> impl Iterator<Item = &VertexSeen> {
        self.vertices
            .get(pipeline)
            .into_iter()
            .flat_map(|v| v.values())
    }

    fn all_vertices(&self, pipeline: &str, phase: VertexStatusPhase, replicas: i32) -> bool {
        let mut n = 0;
        for v in self.vertices_of(pipeline) {
            if v.phase != phase || v.replicas != replicas {
                return false;
            }
            n += 1;
        }
        n == self.vertices_per_pipeline
    }

    /// Marks `pipeline` written or settled, if it now is, for the change under way.
    fn evaluate(&mut self, pipeline: &str) {
        let Some(goal) = self.goal else { return };
        let Some(marks) = self.marks.get(pipeline).copied() else {
            return;
        };
        if marks.requested.is_none() || marks.settled.is_some() {
            return;
        }
        let p = self.pipelines.get(pipeline).cloned().unwrap_or_default();
        let current = p.exists && p.observed == p.generation;
        let (written, settled) = match goal {
            Goal::Create => (
                p.phase.is_some(),
                current
                    && p.phase == Some(PipelinePhase::Running)
                    && self.all_vertices(pipeline, VertexStatusPhase::Running, 1),
            ),
            Goal::Pause => (
                matches!(
                    p.phase,
                    Some(PipelinePhase::Pausing | PipelinePhase::Paused)
                ),
                p.phase == Some(PipelinePhase::Paused)
                    && self.all_vertices(pipeline, VertexStatusPhase::Paused, 0),
            ),
            Goal::Resume => (
                p.phase == Some(PipelinePhase::Running),
                current
                    && p.phase == Some(PipelinePhase::Running)
                    && self.all_vertices(pipeline, VertexStatusPhase::Running, 1),
            ),
            Goal::Delete => (
                !p.exists || p.phase == Some(PipelinePhase::Deleting),
                !p.exists,
            ),
        };
        let now = Instant::now();
        let marks = self.marks.entry(pipeline.to_owned()).or_default();
        if (written || settled) && marks.written.is_none() {
            marks.written = Some(now);
        }
        if settled {
            marks.settled = Some(now);
        }
    }

    fn pipeline_seen(&mut self, p: &Pipeline) {
        let name = p.name_any();
        let status = p.status.as_ref();
        self.pipelines.insert(
            name.clone(),
            PipelineSeen {
                exists: true,
                phase: p.phase(),
                generation: p.metadata.generation.unwrap_or_default(),
                observed: status
                    .and_then(|s| s.observed_generation)
                    .unwrap_or_default(),
                drained: status.and_then(|s| s.drained_on_pause),
            },
        );
        self.evaluate(&name);
    }

    fn pipeline_gone(&mut self, name: &str) {
        if let Some(p) = self.pipelines.get_mut(name) {
            p.exists = false;
        }
        self.evaluate(name);
    }

    fn vertex_seen(&mut self, v: &Vertex) {
        // A listing cannot tell in which order its objects changed: all it shows at once
        // count as seen at once.
        if !self.listing {
            self.seq += 1;
        }
        let name = v.name_any();
        let desired = v.spec.desired_phase();
        let pipeline = v.spec.pipeline_name.clone();
        let earlier = self
            .vertices
            .get(&pipeline)
            .and_then(|of| of.get(&name))
            .and_then(|seen| seen.paused_at);
        let paused_at = match (self.goal, desired) {
            (Some(Goal::Pause), VertexPhase::Paused) => earlier.or(Some(self.seq)),
            _ => earlier,
        };
        let status = v.status.as_ref();
        let seen = VertexSeen {
            source: v.spec.role() == Some(VertexRole::Source),
            desired,
            phase: status.and_then(|s| s.phase).unwrap_or_default(),
            replicas: status.and_then(|s| s.replicas).unwrap_or_default(),
            paused_at,
        };
        self.vertex_pipeline.insert(name.clone(), pipeline.clone());
        self.vertices
            .entry(pipeline.clone())
            .or_default()
            .insert(name, seen);
        self.evaluate(&pipeline);
    }

    /// The vertex watch starts (`true`) or ends (`false`) a listing: the objects it lists
    /// count as seen at once, after all seen before.
    fn listing(&mut self, on: bool) {
        self.seq += u64::from(on);
        self.listing = on;
    }

    /// Pipelines with a vertex other than a source whose desired phase turned `Paused`
    /// before one of the pipeline's sources did, in the last pause.
    fn paused_out_of_order(&self) -> Vec<String> {
        let mut out = HashSet::new();
        for pipeline in self.marks.keys() {
            let (sources, others): (Vec<_>, Vec<_>) =
                self.vertices_of(pipeline).partition(|v| v.source);
            let last_source = sources.iter().filter_map(|v| v.paused_at).max();
            let first_other = others.iter().filter_map(|v| v.paused_at).min();
            if let (Some(source), Some(other)) = (last_source, first_other)
                && other < source
            {
                out.insert(pipeline.clone());
            }
            if sources
                .iter()
                .any(|v| v.desired == VertexPhase::Paused && v.paused_at.is_none())
            {
                out.insert(pipeline.clone());
            }
        }
        let mut out: Vec<String> = out.into_iter().collect();
        out.sort();
        out
    }

    fn vertex_gone(&mut self, name: &str) {
        if let Some(pipeline) = self.vertex_pipeline.remove(name) {
            if let Some(of) = self.vertices.get_mut(&pipeline) {
                of.remove(name);
            }
            self.evaluate(&pipeline);
        }
    }
}

/// Watches of the pipelines and vertices in one namespace, and what they showed.
pub struct Tracker {
    state: Arc<Mutex<State>>,
    watches: Vec<JoinHandle<()>>,
}

impl Drop for Tracker {
    fn drop(&mut self) {
        for watch in &self.watches {
            watch.abort();
        }
    }
}

impl Tracker {
    /// Watches `namespace` through `client`, where each pipeline has
    /// `vertices_per_pipeline` vertices; returns once both watches have listed.
    pub async fn start(client: &Client, namespace: &str, vertices_per_pipeline: usize) -> Tracker {
        let state = Arc::new(Mutex::new(State {
            vertices_per_pipeline,
            ..State::default()
        }));
        let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(2);
        let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
        let vertices: Api<Vertex> = Api::namespaced(client.clone(), namespace);
        let pipeline_watch = tokio::spawn(follow(
            pipelines,
            state.clone(),
            ready_tx.clone(),
            |s, p| s.pipeline_seen(p),
            |s, name| s.pipeline_gone(name),
            |_, _| {},
        ));
        let vertex_watch = tokio::spawn(follow(
            vertices,
            state.clone(),
            ready_tx,
            |s, v| s.vertex_seen(v),
            |s, name| s.vertex_gone(name),
            State::listing,
        ));
        for _ in 0..2 {
            ready_rx.recv().await;
        }
        Tracker {
            state,
            watches: vec![pipeline_watch, vertex_watch],
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts watching for `goal` on the pipelines `names`, forgetting the last change's
    /// marks.
    pub fn begin(&self, goal: Goal, names: &[String]) {
        let mut state = self.lock();
        state.goal = Some(goal);
        state.marks = names
            .iter()
            .map(|n| (n.clone(), Marks::default()))
            .collect();
        if goal == Goal::Pause {
            for v in state.vertices.values_mut().flat_map(|of| of.values_mut()) {
                v.paused_at = None;
            }
        }
    }

    /// Notes that the request for `pipeline` was sent at `at`.
    pub fn requested(&self, pipeline: &str, at: Instant) {
        let mut state = self.lock();
        state
            .marks
            .entry(pipeline.to_owned())
            .or_default()
            .requested = Some(at);
        state.evaluate(pipeline);
    }

    /// The marks of the change under way, by pipeline.
    pub fn marks(&self) -> HashMap<String, Marks> {
        self.lock().marks.clone()
    }

    /// The pipelines of the change under way that have not settled.
    pub fn unsettled(&self) -> Vec<String> {
        let state = self.lock();
        let mut out: Vec<String> = state
            .marks
            .iter()
            .filter(|(_, m)| m.settled.is_none())
            .map(|(n, _)| n.clone())
            .collect();
        out.sort();
        out
    }

    /// Pipelines with a vertex other than a source whose desired phase turned `Paused`
    /// before one of the pipeline's sources did, in the last pause.
    pub fn paused_out_of_order(&self) -> Vec<String> {
        self.lock().paused_out_of_order()
    }

    /// Pipelines of the change under way that are `Paused` without `drainedOnPause`.
    pub fn not_drained(&self) -> Vec<String> {
        let state = self.lock();
        let mut out: Vec<String> = state
            .marks
            .keys()
            .filter(|n| {
                state.pipelines.get(*n).is_some_and(|p| {
                    p.phase == Some(PipelinePhase::Paused) && p.drained != Some(true)
                })
            })
            .cloned()
            .collect();
        out.sort();
        out
    }
}

/// Applies a watch of `api` to `state`: `seen` for each object listed or changed,
/// `gone` for each deleted (or missing from a fresh list). Signals `ready` once, after
/// the first list.
async fn follow<K>(
    api: Api<K>,
    state: Arc<Mutex<State>>,
    ready: tokio::sync::mpsc::Sender<()>,
    seen: fn(&mut State, &K),
    gone: fn(&mut State, &str),
    listing: fn(&mut State, bool),
) where
    K: kube::Resource<DynamicType = ()> + Clone + std::fmt::Debug + Send + 'static,
    K: serde::de::DeserializeOwned,
{
    let mut stream = watcher::watcher(api, watcher::Config::default())
        .default_backoff()
        .boxed();
    let mut listed: Option<HashSet<String>> = None;
    let mut known: HashSet<String> = HashSet::new();
    let mut signalled = false;
    while let Some(event) = stream.next().await {
        let Ok(event) = event else { continue };
        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Event::Init => {
                listed = Some(HashSet::new());
                listing(&mut state, true);
            }
            Event::InitApply(object) => {
                let name = object.name_any();
                seen(&mut state, &object);
                known.insert(name.clone());
                if let Some(listed) = listed.as_mut() {
                    listed.insert(name);
                }
            }
            Event::InitDone => {
                listing(&mut state, false);
                if let Some(listed) = listed.take() {
                    for name in known.difference(&listed) {
                        gone(&mut state, name);
                    }
                    known = listed;
                }
                if !signalled {
                    signalled = true;
                    let _ = ready.try_send(());
                }
            }
            Event::Apply(object) => {
                known.insert(object.name_any());
                seen(&mut state, &object);
            }
            Event::Delete(object) => {
                let name = object.name_any();
                known.remove(&name);
                gone(&mut state, &name);
            }
        }
    }
}

#[cfg(test)]
mod tests;
