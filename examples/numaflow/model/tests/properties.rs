//! Properties over random specs and random worlds.
//!
//! Replicas: a paused vertex runs 0; outside `scale.disabled`, a running vertex lies in
//! `[min, max]` whenever `min <= max`, and with `scale.disabled` keeps its base.
//!
//! Planning. A pause legitimately takes several reconciles, so "idempotent" cannot mean
//! that a second plan after applying a first one is empty. It means, precisely:
//!
//! 1. *Every patch changes something*: applied to the state it was planned over, each
//!    patch changes its target (patches are sent only for values that change).
//! 2. *No patch is sent twice*: once a plan is applied, the next plan repeats none of its
//!    patches.
//! 3. *Convergence*: repeating plan + apply with the world otherwise unchanged (same
//!    observations) reaches, within three non-empty plans, a state whose plan is empty:
//!    a reconcile over an unchanged world sends nothing. The plan is also deterministic.
//! 4. *The fixed point is the one asked for* (running, paused, or waiting to drain).
//!
//! Safety, checked on every patch of every step: a vertex that is not a source is paused
//! only when the observations show the pipeline drained, or the grace period has run out
//! since the pause timestamp (pause) or the deletion timestamp (delete), or the pipeline
//! had already reached `Paused` (which it reaches only on such a proof). Nothing is paused
//! while the pipeline should run, and nothing is resumed while it should pause or go.

mod common;

use common::{PAUSE_TS, RESUME, planned, plus, ts};
use jiff::{SignedDuration, Timestamp};
use numaflow_model::pipeline::{DesiredPhase, Pipeline, PipelinePhase};
use numaflow_model::plan::{self, BufferDepth, Observations, Patch, PatchTarget};
use numaflow_model::vertex::{Vertex, VertexPhase, VertexRole, VertexSpec};
use proptest::prelude::*;
use serde_json::{Value, json};

const NOW: &str = "2025-03-01T12:00:00Z";

// ---------------------------------------------------------------------------------------
// Replicas.
// ---------------------------------------------------------------------------------------

/// A random vertex spec: any role (or none), replicas, partitions, scale bounds.
fn any_spec() -> impl Strategy<Value = Value> {
    (
        0..5usize,
        any::<bool>(),
        proptest::option::of(-5..120i32),
        proptest::option::of(-3..12i32),
        proptest::option::of(-5..60i32),
        proptest::option::of(0..60i32),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(
            |(role, keyed, replicas, partitions, min, max, disabled, paused)| {
                let mut s = match role {
                    0 => json!({"source": {"generator": {}}}),
                    1 => json!({"sink": {"log": {}}}),
                    2 => json!({"udf": {"builtin": {"name": "cat"}}}),
                    3 => json!({"udf": {"groupBy": {"keyed": keyed}}}),
                    _ => json!({}),
                };
                s["name"] = json!("v");
                if let Some(r) = replicas {
                    s["replicas"] = json!(r);
                }
                if let Some(p) = partitions {
                    s["partitions"] = json!(p);
                }
                let mut scale = json!({});
                if let Some(m) = min {
                    scale["min"] = json!(m);
                }
                if let Some(m) = max {
                    scale["max"] = json!(m);
                }
                if let Some(d) = disabled {
                    scale["disabled"] = json!(d);
                }
                s["scale"] = scale;
                if let Some(p) = paused {
                    s["lifecycle"] = json!({"desiredPhase": if p { "Paused" } else { "Running" }});
                }
                s
            },
        )
}

fn parse(value: &Value) -> VertexSpec {
    serde_json::from_value(value.clone()).unwrap()
}

/// The base value of the decision, written out from `numaflow.md` independently.
fn base(value: &Value, s: &VertexSpec) -> i32 {
    if s.role() == Some(VertexRole::ReduceUdf) {
        let keyed = value.pointer("/udf/groupBy/keyed") == Some(&json!(true));
        let partitions = value["partitions"].as_i64().unwrap_or(1) as i32;
        if keyed && partitions >= 1 {
            partitions
        } else {
            1
        }
    } else {
        value["replicas"].as_i64().map_or(1, |r| r as i32)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn paused_gives_zero(value in any_spec()) {
        let mut s = parse(&value);
        s.set_desired_phase(VertexPhase::Paused);
        prop_assert_eq!(s.desired_replicas(), 0);
    }

    #[test]
    fn running_lies_in_min_max_unless_disabled(value in any_spec()) {
        let mut s = parse(&value);
        s.set_desired_phase(VertexPhase::Running);
        let got = s.desired_replicas();
        let min = value.pointer("/scale/min").and_then(Value::as_i64).map_or(0, |m| m.max(0)) as i32;
        let max = value.pointer("/scale/max").and_then(Value::as_i64).map_or(50, |m| m as i32);
        let disabled = value.pointer("/scale/disabled") == Some(&json!(true));
        prop_assert_eq!((s.scale_min(), s.scale_max()), (min, max));
        if disabled {
            prop_assert_eq!(got, base(&value, &s), "disabled keeps the base");
        } else if min <= max {
            prop_assert!(min <= got && got <= max, "{} outside [{}, {}] for {}", got, min, max, value);
            let b = base(&value, &s);
            if (min..=max).contains(&b) {
                prop_assert_eq!(got, b, "a base inside the bounds is kept");
            }
        } else {
            // min > max: min is tested first.
            let b = base(&value, &s);
            prop_assert_eq!(got, if b < min { min } else { max });
        }
    }

    #[test]
    fn drain_proof_is_drained_or_expired(
        pods in 0..3u32,
        depths in proptest::collection::vec((0..3u64, 0..3u64), 0..4),
        unknown in proptest::bool::weighted(0.2),
        elapsed in 0..100i64,
        grace in 0..60i64,
    ) {
        let since = ts(NOW);
        let buffers: Vec<BufferDepth> = depths
            .iter()
            .map(|&(pending, ack_pending)| BufferDepth { name: "b".into(), pending, ack_pending })
            .collect();
        let observed = Observations {
            now: plus(since, elapsed),
            source_pods: pods,
            buffers: if unknown { Err("the daemon is gone".into()) } else { Ok(buffers) },
        };
        // Buffers nobody could read are never drained, however empty they were.
        let drained =
            !unknown && pods == 0 && depths.iter().all(|&(p, a)| p == 0 && a == 0);
        prop_assert_eq!(observed.drained(), drained);
        let proof = observed.drain_proof(since, grace);
        prop_assert_eq!(proof.is_some(), drained || elapsed >= grace);
        if let Some(proof) = proof {
            prop_assert_eq!(proof.drained(), drained);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Planning: random worlds.
// ---------------------------------------------------------------------------------------

/// A random pipeline, its vertices and the observations of one moment.
#[derive(Clone, Debug)]
struct World {
    pipeline: Pipeline,
    vertices: Vec<Vertex>,
    observed: Observations,
}

const ROLES: [&str; 5] = ["source", "sink", "map", "reduce", "none"];
const PHASES: [&str; 5] = ["Running", "Failed", "Pausing", "Paused", "Deleting"];

fn any_world() -> impl Strategy<Value = World> {
    let vertices = proptest::collection::vec(
        (
            0..ROLES.len(),
            proptest::option::of(any::<bool>()),
            proptest::option::of(0..6i32),
        ),
        1..=20,
    );
    let pipeline = (
        proptest::option::of(any::<bool>()),   // desired phase
        proptest::option::of(0..PHASES.len()), // status phase
        proptest::option::of(any::<bool>()),   // drainedOnPause
        0..3usize,                             // pause stamp: none, garbage, time
        0..120i64,                             // seconds since the stamp
        0..3usize,                             // resume strategy: none, slow, fast
        proptest::option::of(0..90i64),        // pauseGracePeriodSeconds
        proptest::option::of((0..120i64, any::<bool>(), proptest::option::of(0..90i64))), // deletion
    );
    let observed = (
        prop_oneof![3 => Just(0u32), 1 => 1..3u32],
        proptest::collection::vec(
            (
                prop_oneof![3 => Just(0u64), 1 => 1..5u64],
                prop_oneof![3 => Just(0u64), 1 => 1..5u64],
            ),
            0..4,
        ),
        proptest::bool::weighted(0.1), // the daemon could not be read
    );
    (vertices, pipeline, observed).prop_map(|(vertices, pipeline, (pods, depths, unknown))| {
        let now = ts(NOW);
        let vertices = vertices
            .into_iter()
            .enumerate()
            .map(|(i, (role, paused, replicas))| {
                let mut spec = common::role_json(ROLES[role]);
                spec["name"] = json!(format!("v{i}"));
                spec["pipelineName"] = json!("simple");
                if let Some(p) = paused {
                    spec["lifecycle"] =
                        json!({"desiredPhase": if p { "Paused" } else { "Running" }});
                }
                if let Some(r) = replicas {
                    spec["replicas"] = json!(r);
                }
                serde_json::from_value(json!({
                    "apiVersion": "numaflow.numaproj.io/v1alpha1",
                    "kind": "Vertex",
                    "metadata": {"name": format!("simple-v{i}")},
                    "spec": spec,
                }))
                .unwrap()
            })
            .collect();

        let (desired, phase, drained_on_pause, stamp, since, resume, pause_grace, deletion) =
            pipeline;
        let mut lifecycle = json!({});
        if let Some(d) = desired {
            lifecycle["desiredPhase"] = json!(if d { "Paused" } else { "Running" });
        }
        if let Some(g) = pause_grace {
            lifecycle["pauseGracePeriodSeconds"] = json!(g);
        }
        let mut annotations = json!({"unrelated": "x"});
        match stamp {
            1 => annotations[PAUSE_TS] = json!("not a time"),
            2 => annotations[PAUSE_TS] = json!(plus(now, -since).to_string()),
            _ => {}
        }
        match resume {
            1 => annotations[RESUME] = json!("slow"),
            2 => annotations[RESUME] = json!("fast"),
            _ => {}
        }
        let mut metadata =
            json!({"name": "simple", "namespace": "default", "annotations": annotations});
        if let Some((ago, finalizers, grace)) = deletion {
            metadata["deletionTimestamp"] = json!(plus(now, -ago).to_string());
            if finalizers {
                metadata["finalizers"] = json!(["pipeline-controller"]);
            }
            if let Some(g) = grace {
                lifecycle["deletionGracePeriodSeconds"] = json!(g);
            }
        }
        let mut object = json!({
            "apiVersion": "numaflow.numaproj.io/v1alpha1",
            "kind": "Pipeline",
            "metadata": metadata,
            "spec": {"lifecycle": lifecycle},
        });
        if phase.is_some() || drained_on_pause.is_some() {
            let mut status = json!({});
            if let Some(p) = phase {
                status["phase"] = json!(PHASES[p]);
            }
            if let Some(d) = drained_on_pause {
                status["drainedOnPause"] = json!(d);
            }
            object["status"] = status;
        }
        let pipeline = serde_json::from_value(object).unwrap();
        let observed = Observations {
            now,
            source_pods: pods,
            buffers: if unknown {
                Err("the daemon answered garbage".into())
            } else {
                Ok(depths
                    .into_iter()
                    .enumerate()
                    .map(|(i, (pending, ack_pending))| BufferDepth {
                        name: format!("b{i}"),
                        pending,
                        ack_pending,
                    })
                    .collect())
            },
        };
        World {
            pipeline,
            vertices,
            observed,
        }
    })
}

fn pause_stamp(p: &Pipeline) -> Option<Timestamp> {
    p.metadata.annotations.as_ref()?.get(PAUSE_TS)?.parse().ok()
}

/// Drained by the oracle's own reading of the raw depths, not by the planner's
/// `Observations::drained`: no source pod, nothing pending or unacknowledged anywhere.
fn raw_drained(observed: &Observations) -> bool {
    let Ok(buffers) = &observed.buffers else {
        return false;
    };
    let backlog: u64 = buffers.iter().map(|b| b.pending + b.ack_pending).sum();
    observed.source_pods == 0 && backlog == 0
}

fn expired(observed: &Observations, since: Timestamp, grace: i64) -> bool {
    observed.now >= since.checked_add(SignedDuration::from_secs(grace)).unwrap()
}

/// The `spec.lifecycle.desiredPhase` a patch sends, read from the wire form: the checks
/// judge what is sent, not what the planner says it sends.
fn desired_phase(patch: &Patch) -> Option<VertexPhase> {
    let value = patch.body.pointer("/spec/lifecycle/desiredPhase")?;
    serde_json::from_value(value.clone()).ok()
}

fn vertex_named<'a>(vertices: &'a [Vertex], target: &PatchTarget) -> Option<&'a Vertex> {
    vertices.iter().find(|v| target.targets(*v))
}

/// The safety rules, over one plan and the state it was planned over.
fn check_safety(
    world: &World,
    pipeline: &Pipeline,
    vertices: &[Vertex],
    patches: &[Patch],
) -> Result<(), TestCaseError> {
    let deleting = pipeline.metadata.deletion_timestamp.is_some();
    let desired = pipeline.spec.desired_phase();
    for patch in patches {
        let Some(phase) = desired_phase(patch) else {
            continue;
        };
        let v = vertex_named(vertices, &patch.target);
        prop_assert!(v.is_some(), "patch for an unknown vertex: {:?}", patch);
        let v = v.unwrap();
        prop_assert!(
            v.spec.role().is_some(),
            "a vertex without a role was patched: {:?}",
            patch
        );
        match phase {
            VertexPhase::Running => {
                prop_assert!(
                    !deleting && desired == DesiredPhase::Running,
                    "resumed a vertex while pausing or deleting: {:?}",
                    patch
                );
            }
            VertexPhase::Paused => {
                prop_assert!(
                    deleting || desired == DesiredPhase::Paused,
                    "paused a vertex of a pipeline that should run: {:?}",
                    patch
                );
                if v.spec.role() == Some(VertexRole::Source) {
                    continue;
                }
                let observed = &world.observed;
                let proof = if deleting {
                    let since = pipeline.metadata.deletion_timestamp.as_ref().unwrap().0;
                    raw_drained(observed)
                        || expired(observed, since, pipeline.deletion_grace_period_seconds())
                } else {
                    raw_drained(observed)
                        || pause_stamp(pipeline).is_some_and(|since| {
                            expired(observed, since, pipeline.spec.pause_grace_period_seconds())
                        })
                        || pipeline.phase() == Some(PipelinePhase::Paused)
                };
                prop_assert!(
                    proof,
                    "paused non-source {:?} without drain or expired grace: {:?}",
                    v.metadata.name,
                    patch
                );
            }
        }
    }
    Ok(())
}

/// The object a patch targets, as JSON, for "did it change" comparisons.
fn target_json(pipeline: &Pipeline, vertices: &[Vertex], target: &PatchTarget) -> Value {
    if target.is::<Pipeline>() {
        serde_json::to_value(pipeline).unwrap()
    } else {
        serde_json::to_value(vertex_named(vertices, target)).unwrap()
    }
}

/// Every patch, applied alone to the state it was planned over, changes its target.
fn check_effective(
    pipeline: &Pipeline,
    vertices: &[Vertex],
    patches: &[Patch],
) -> Result<(), TestCaseError> {
    for patch in patches {
        let before = target_json(pipeline, vertices, &patch.target);
        let (mut p, mut vs) = (pipeline.clone(), vertices.to_vec());
        plan::apply(&mut p, &mut vs, std::slice::from_ref(patch));
        let after = target_json(&p, &vs, &patch.target);
        prop_assert_ne!(before, after, "patch changes nothing: {:?}", patch);
    }
    Ok(())
}

/// The fixed point is the state the pipeline was asked for.
fn check_fixed_point(
    start: &World,
    pipeline: &Pipeline,
    vertices: &[Vertex],
) -> Result<(), TestCaseError> {
    let observed = &start.observed;
    let with_role = || vertices.iter().filter(|v| v.spec.role().is_some());
    let all = |phase: VertexPhase| with_role().all(|v| v.spec.desired_phase() == phase);
    let sources_paused = || {
        with_role()
            .filter(|v| v.spec.role() == Some(VertexRole::Source))
            .all(|v| v.spec.desired_phase() == VertexPhase::Paused)
    };
    if let Some(since) = pipeline.metadata.deletion_timestamp.as_ref().map(|t| t.0) {
        prop_assert_eq!(pipeline.phase(), Some(PipelinePhase::Deleting));
        prop_assert!(sources_paused(), "deleting: sources paused");
        if raw_drained(observed)
            || expired(observed, since, pipeline.deletion_grace_period_seconds())
        {
            prop_assert!(all(VertexPhase::Paused), "deleted: every vertex paused");
            prop_assert!(
                pipeline
                    .metadata
                    .finalizers
                    .as_ref()
                    .is_none_or(|f| f.is_empty())
            );
        }
        return Ok(());
    }
    let start_phase = start.pipeline.phase();
    match pipeline.spec.desired_phase() {
        DesiredPhase::Running => {
            if start_phase == Some(PipelinePhase::Deleting) {
                return Ok(()); // Deleting is final; nothing to say about the rest.
            }
            prop_assert!(all(VertexPhase::Running), "running: every vertex running");
            // A readable stamp never survives a resume. (An unreadable one does; see
            // `resume_removes_an_unreadable_pause_stamp` in planning.rs.)
            prop_assert!(
                pause_stamp(pipeline).is_none(),
                "a pause timestamp survived the resume"
            );
            // Every generated spec is valid, so a failed pipeline recovers too.
            prop_assert_eq!(pipeline.phase(), Some(PipelinePhase::Running));
            if matches!(
                start_phase,
                Some(PipelinePhase::Pausing | PipelinePhase::Paused)
            ) {
                prop_assert_eq!(
                    pipeline.status.as_ref().unwrap().drained_on_pause,
                    Some(false)
                );
            }
        }
        DesiredPhase::Paused => match pipeline.phase() {
            Some(PipelinePhase::Paused) => {
                prop_assert!(all(VertexPhase::Paused), "paused: every vertex paused");
                // A pipeline that failed while paused comes back with the drain it had.
                if !matches!(
                    start_phase,
                    Some(PipelinePhase::Paused | PipelinePhase::Failed)
                ) {
                    prop_assert_eq!(
                        pipeline.status.as_ref().unwrap().drained_on_pause,
                        Some(raw_drained(observed)),
                        "drainedOnPause says whether it really drained"
                    );
                }
            }
            Some(PipelinePhase::Pausing) => {
                // Waiting for the drain: sources paused, stamped, no proof yet.
                prop_assert!(sources_paused());
                let since = pause_stamp(pipeline);
                prop_assert!(since.is_some(), "waiting without a pause timestamp");
                prop_assert!(
                    !raw_drained(observed)
                        && !expired(
                            observed,
                            since.unwrap(),
                            pipeline.spec.pause_grace_period_seconds()
                        )
                );
            }
            Some(PipelinePhase::Deleting) => {
                prop_assert_eq!(start_phase, Some(PipelinePhase::Deleting))
            }
            other => prop_assert!(false, "a pause settled in {:?}", other),
        },
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn planning_converges_safely_and_idempotently(world in any_world()) {
        let mut pipeline = world.pipeline.clone();
        let mut vertices = world.vertices.clone();
        let mut previous: Vec<Patch> = Vec::new();
        let mut non_empty = 0;
        for _ in 0..10 {
            let patches = planned(&pipeline, &vertices, &world.observed);
            prop_assert_eq!(
                &patches,
                &planned(&pipeline, &vertices, &world.observed),
                "plan is deterministic"
            );
            check_safety(&world, &pipeline, &vertices, &patches)?;
            check_effective(&pipeline, &vertices, &patches)?;
            for patch in &patches {
                prop_assert!(!previous.contains(patch), "patch sent twice: {:?}", patch);
            }
            if patches.is_empty() {
                break;
            }
            non_empty += 1;
            plan::apply(&mut pipeline, &mut vertices, &patches);
            previous = patches;
        }
        prop_assert!(non_empty <= 3, "took {} non-empty plans", non_empty);
        // Converged: a reconcile over the unchanged world sends nothing.
        prop_assert_eq!(planned(&pipeline, &vertices, &world.observed), vec![]);
        check_fixed_point(&world, &pipeline, &vertices)?;
    }

    #[test]
    fn time_passing_only_moves_a_waiting_pause_forward(world in any_world(), later in 0..200i64) {
        // From any converged state, a later reconcile (same drain state) never un-does
        // anything: it may only pause more vertices and finish the pause.
        let mut pipeline = world.pipeline.clone();
        let mut vertices = world.vertices.clone();
        for _ in 0..10 {
            let patches = planned(&pipeline, &vertices, &world.observed);
            if patches.is_empty() { break; }
            plan::apply(&mut pipeline, &mut vertices, &patches);
        }
        let observed = Observations { now: plus(world.observed.now, later), ..world.observed.clone() };
        let patches = planned(&pipeline, &vertices, &observed);
        let moved = World { observed, ..world.clone() };
        check_safety(&moved, &pipeline, &vertices, &patches)?;
        check_effective(&pipeline, &vertices, &patches)?;
        for patch in &patches {
            prop_assert!(
                desired_phase(patch) != Some(VertexPhase::Running),
                "time alone resumed a vertex: {:?}", patch
            );
        }
    }
}
