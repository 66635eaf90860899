//! The MonoVertex as NumaFlow runs it: the replica decision rule by rule, pods that
//! follow it (none while paused), a status reconcile that copies the desired phase and is
//! idempotent, the phase change it reports, and who may pause or resume it.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use lifecycle_model::Lifecycle;
use lifecycle_model::admission::{Requester, WriterPolicy};
use numaflow_model::crd::writer_policies;
use numaflow_model::monovertex::{
    MonoVertex, MonoVertexPhase, MonoVertexPhaseEvent, MonoVertexSpec, PhaseChange, plan_pods,
    reconcile,
};
use numaflow_model::pods::{PodsSeen, replica_of};
use serde_json::json;

fn spec(value: serde_json::Value) -> MonoVertexSpec {
    serde_json::from_value(value).unwrap()
}

fn now() -> Timestamp {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

#[test]
fn the_replica_decision_follows_numaflows_rule() {
    for (spec_json, want) in [
        (json!({}), 1),
        (json!({ "replicas": 3 }), 3),
        (json!({ "replicas": 0 }), 0),
        (json!({ "replicas": 60 }), 50),
        (json!({ "replicas": 1, "scale": { "min": 2 } }), 2),
        (json!({ "replicas": 9, "scale": { "max": 4 } }), 4),
        (json!({ "replicas": 1, "scale": { "min": 6, "max": 4 } }), 6),
        (json!({ "replicas": 9, "scale": { "min": 6, "max": 4 } }), 4),
        (json!({ "replicas": 60, "scale": { "disabled": true } }), 60),
        (json!({ "replicas": 3, "scale": { "min": -2 } }), 3),
        (
            json!({ "replicas": 3, "lifecycle": { "desiredPhase": "Paused" } }),
            0,
        ),
        (
            json!({ "replicas": 3, "scale": { "min": 5 }, "lifecycle": { "desiredPhase": "Paused" } }),
            0,
        ),
    ] {
        assert_eq!(
            spec(spec_json.clone()).desired_replicas(),
            want,
            "{spec_json}"
        );
    }
}

#[test]
fn an_unknown_desired_phase_is_refused_with_the_allowed_ones() {
    let error = serde_json::from_value::<MonoVertexSpec>(json!({
        "lifecycle": { "desiredPhase": "Stopped" }
    }))
    .unwrap_err()
    .to_string();
    assert!(error.contains("Stopped"), "{error}");
    assert!(
        error.contains("Running") && error.contains("Paused"),
        "{error}"
    );
}

fn mono_vertex(replicas: i32, phase: MonoVertexPhase) -> MonoVertex {
    let mut mvtx = MonoVertex::new("mvtx", spec(json!({ "replicas": replicas })));
    mvtx.metadata.namespace = Some("default".to_owned());
    mvtx.metadata.generation = Some(1);
    mvtx.metadata.uid = Some("0c8a-mvtx".to_owned());
    mvtx.spec.set_desired_phase(phase);
    mvtx
}

/// The pods `plan` creates, named as the server would name them.
fn created(plan: &[Pod]) -> Vec<Pod> {
    plan.iter()
        .map(|p| {
            let mut pod = p.clone();
            let prefix = pod.metadata.generate_name.clone().unwrap();
            pod.metadata.name = Some(format!("{prefix}x"));
            pod
        })
        .collect()
}

#[test]
fn pods_follow_the_replicas_and_a_pause_takes_them_all() {
    let running = mono_vertex(2, MonoVertexPhase::Running);
    let plan = plan_pods(&running, &[]);
    assert_eq!(plan.create.len(), 2);
    assert!(plan.delete.is_empty());
    let pods = created(&plan.create);
    let indices: Vec<_> = pods.iter().map(|p| replica_of("mvtx", p)).collect();
    assert_eq!(indices, [Some(0), Some(1)]);
    let labels = pods[0].metadata.labels.clone().unwrap();
    assert_eq!(labels["numaflow.numaproj.io/mono-vertex-name"], "mvtx");
    assert_eq!(labels["app.kubernetes.io/component"], "mono-vertex");
    let owner = &pods[0].metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("MonoVertex", "mvtx")
    );

    let again = plan_pods(&running, &pods);
    assert!(
        again.create.is_empty() && again.delete.is_empty(),
        "{again:?}"
    );

    let paused = mono_vertex(2, MonoVertexPhase::Paused);
    let plan = plan_pods(&paused, &pods);
    assert!(plan.create.is_empty());
    assert_eq!(
        plan.delete,
        ["mvtx-1-x", "mvtx-0-x"],
        "the highest replica first"
    );
}

/// `mvtx` with `patch` applied, as the server would.
fn applied(mvtx: &MonoVertex, patch: &numaflow_model::patch::Patch) -> MonoVertex {
    let mut after = mvtx.clone();
    patch.merge_into(&mut after).unwrap();
    after
}

#[test]
fn the_status_copies_the_desired_phase_once_and_then_rests() {
    let pods = PodsSeen {
        running: 2,
        ready: 2,
        crash_looping: Vec::new(),
    };
    let running = mono_vertex(2, MonoVertexPhase::Running);
    let first = reconcile(&running, Some(&pods), now()).expect("a first status");
    let status = &first.patch.body["status"];
    assert_eq!(status["phase"], "Running");
    assert_eq!(status["desiredReplicas"], 2);
    assert_eq!(status["replicas"], 2);
    assert_eq!(status["readyReplicas"], 2);
    assert_eq!(
        status["selector"],
        "numaflow.numaproj.io/mono-vertex-name=mvtx"
    );
    assert_eq!(status["observedGeneration"], 1);
    assert!(status.get("message").is_none(), "{status}");
    let types: Vec<&str> = status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["Ready", "Suspended", "Deployed", "PodsHealthy"]);
    assert_eq!(first.change, None, "a first phase is no change");
    let settled = applied(&running, &first.patch);
    assert_eq!(reconcile(&settled, Some(&pods), now()), None, "idempotent");

    // The user pauses: the status follows, says so, and the change is reported.
    let mut paused = settled.clone();
    paused.spec.set_desired_phase(MonoVertexPhase::Paused);
    paused.metadata.generation = Some(2);
    let none = PodsSeen::default();
    let write = reconcile(&paused, Some(&none), now()).expect("the pause is written");
    let status = &write.patch.body["status"];
    assert_eq!(status["phase"], "Paused");
    assert_eq!(status["message"], "MonoVertex paused");
    assert_eq!(status["desiredReplicas"], 0);
    assert_eq!(status["replicas"], 0);
    assert_eq!(status["observedGeneration"], 2);
    let change = write.change.expect("Running to Paused is a change");
    assert_eq!(
        change,
        PhaseChange {
            event: MonoVertexPhaseEvent::Pause,
            from: MonoVertexPhase::Running,
            to: MonoVertexPhase::Paused,
        }
    );
    assert_eq!(
        change.note(),
        "Updated MonoVertex phase from Running to Paused"
    );
    let rested = applied(&paused, &write.patch);
    assert_eq!(reconcile(&rested, Some(&none), now()), None);

    // Resumed: the message goes, and the replicas come back.
    let mut resumed = rested;
    resumed.spec.set_desired_phase(MonoVertexPhase::Running);
    let write = reconcile(&resumed, Some(&none), now()).unwrap();
    assert_eq!(write.patch.body["status"]["phase"], "Running");
    assert_eq!(
        write.patch.body["status"]["message"],
        serde_json::Value::Null
    );
    assert_eq!(write.patch.body["status"]["desiredReplicas"], 2);
    assert_eq!(
        write.change.map(|c| c.event),
        Some(MonoVertexPhaseEvent::Resume)
    );
}

#[test]
fn a_crash_looping_pod_is_named_in_pods_healthy() {
    let running = mono_vertex(1, MonoVertexPhase::Running);
    let pods = PodsSeen {
        running: 1,
        ready: 0,
        crash_looping: vec!["mvtx-0-x".to_owned()],
    };
    let write = reconcile(&running, Some(&pods), now()).unwrap();
    let conditions = write.patch.body["status"]["conditions"]
        .as_array()
        .unwrap()
        .clone();
    let healthy = conditions
        .iter()
        .find(|c| c["type"] == "PodsHealthy")
        .unwrap();
    assert_eq!(healthy["status"], "False");
    assert_eq!(healthy["reason"], "CrashLoopBackOff");
    assert_eq!(healthy["message"], "Pod mvtx-0-x is not healthy");
}

fn mono_vertex_policy() -> WriterPolicy {
    let account = "numaflow-system:numaflow-controller".parse().unwrap();
    writer_policies(&account)
        .into_iter()
        .find(|p| p.name().starts_with("monovertices-"))
        .expect("a policy for MonoVertices")
}

#[test]
fn pause_and_resume_are_verbs_and_the_policy_names_the_one_missing() {
    assert_eq!(
        MonoVertexPhase::machine()
            .verb_moves()
            .into_iter()
            .map(|(verb, _)| verb)
            .collect::<Vec<_>>(),
        ["pause", "resume"]
    );
    let policy = mono_vertex_policy();
    let running = json!({ "spec": { "lifecycle": { "desiredPhase": "Running" } } });
    let paused = json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } });
    let bob = Requester::user("bob").granted("pause");
    assert_eq!(
        policy.verdict::<MonoVertexPhase>(&bob, Some(&running), &paused),
        Ok(())
    );
    let denied = policy
        .verdict::<MonoVertexPhase>(&bob, Some(&paused), &running)
        .unwrap_err();
    assert!(denied.contains("bob"), "{denied}");
    assert!(denied.contains("resume"), "{denied}");
    let nobody = Requester::user("carol");
    let denied = policy
        .verdict::<MonoVertexPhase>(&nobody, Some(&running), &paused)
        .unwrap_err();
    assert!(denied.contains("pause"), "{denied}");
    // A write that leaves the phase alone passes for anyone.
    assert_eq!(
        policy.verdict::<MonoVertexPhase>(&nobody, Some(&running), &running),
        Ok(())
    );
}
