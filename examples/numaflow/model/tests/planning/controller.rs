//! The reconcile functions around the planner.

use super::*;
use numaflow_model::controller::CONDITIONS_SETTLE;

fn names(vertices: &[Vertex]) -> Vec<String> {
    vertices
        .iter()
        .map(|v| v.metadata.name.clone().unwrap_or_default())
        .collect()
}

#[test]
fn the_pipeline_controller_creates_only_the_missing_vertices() {
    let p = pl("Running", phase("Running"), json!({}), json!({}));
    let fresh = reconcile_pipeline(&p, &[], &busy(now()));
    assert_eq!(
        names(&fresh.create),
        ["simple-in", "simple-cat", "simple-out"]
    );
    assert!(!fresh.is_empty());
    let created = &fresh.create[1];
    assert_eq!(created.metadata.namespace.as_deref(), Some("default"));
    assert_eq!(
        created.metadata.labels.as_ref().map(|l| l.len()),
        Some(2),
        "pipeline-name and vertex-name labels: {:?}",
        created.metadata.labels
    );

    // With `cat` already there, only `in` and `out` are created.
    let some = vec![vertex("cat", "map", Some("Running"))];
    let actions = reconcile_pipeline(&p, &some, &busy(now()));
    assert_eq!(names(&actions.create), ["simple-in", "simple-out"]);

    // With all three there and running, only the conditions are left to write; once
    // written, nothing is left to do.
    let mut p = p;
    let mut all = simple_vertices("Running");
    let first = reconcile_pipeline(&p, &all, &busy(now()));
    assert!(first.create.is_empty());
    assert_eq!(first.patches().len(), 1, "{:?}", first.patches());
    assert_eq!(first.patches()[0].target, PatchTarget::status_of(&p));
    plan::apply(&mut p, &mut all, &first.patches());
    let settled = reconcile_pipeline(&p, &all, &busy(now()));
    assert!(settled.create.is_empty() && settled.patches().is_empty());
    assert!(settled.is_empty());
}

/// The condition `type_` in `status`.
pub(crate) fn condition<'a>(status: &'a Value, type_: &str) -> &'a Value {
    status["conditions"]
        .as_array()
        .and_then(|list| list.iter().find(|c| c["type"] == type_))
        .unwrap_or_else(|| panic!("no {type_} condition in {status}"))
}

#[test]
fn a_pause_writes_its_conditions_with_the_phase_in_one_patch() {
    let mut p = pl(
        "Paused",
        phase("Running"),
        json!({ "generation": 3 }),
        json!({}),
    );
    let actions = reconcile_pipeline(&p, &simple_vertices("Running"), &busy(now()));
    assert_eq!(actions.patches().len(), 1);
    let status = &actions.patches()[0].body["status"];
    assert_eq!(status["phase"], "Pausing");
    assert_eq!(status["observedGeneration"], 3);
    for (type_, holds, reason) in [
        ("Ready", "False", "Pausing"),
        ("Reconciling", "True", "Pausing"),
        ("Stalled", "False", "Pausing"),
        ("Configured", "True", "Successful"),
        ("Deployed", "True", "Successful"),
        // The vertices have not reported a status yet.
        ("VerticesHealthy", "False", "Progressing"),
    ] {
        let c = condition(status, type_);
        assert_eq!(
            (c["status"].as_str(), c["reason"].as_str()),
            (Some(holds), Some(reason)),
            "{c}"
        );
        assert_eq!(c["observedGeneration"], 3, "{c}");
        assert_eq!(c["lastTransitionTime"], NOW, "{c}");
    }

    // Ten seconds on, the sources are paused: Reconciling keeps its transition time.
    let mut vertices = simple_vertices("Running");
    plan::apply(&mut p, &mut vertices, &actions.patches());
    let later: Timestamp = ts("2025-03-01T12:00:10Z");
    let actions = reconcile_pipeline(&p, &vertices, &busy(later));
    let patches = actions.patches();
    let status_patch = patches
        .iter()
        .find(|patch| patch.target == PatchTarget::status_of(&p));
    assert!(
        status_patch.is_none(),
        "no condition changed: {:?}",
        actions.patches()
    );
}

#[test]
fn conditions_the_lifecycle_does_not_own_are_kept() {
    let mut p = pl(
        "Running",
        Some(json!({ "phase": "Running", "conditions": [{
            "type": "DaemonServiceHealthy", "status": "True", "reason": "Healthy",
            "message": "daemon up", "lastTransitionTime": TEN_SECONDS_AGO,
        }] })),
        json!({}),
        json!({}),
    );
    let mut vertices = simple_vertices("Running");
    let actions = reconcile_pipeline(&p, &vertices, &busy(now()));
    let status = &actions.patches()[0].body["status"];
    let foreign = condition(status, "DaemonServiceHealthy");
    assert_eq!(foreign["lastTransitionTime"], TEN_SECONDS_AGO);
    assert_eq!(foreign["message"], "daemon up");
    assert_eq!(condition(status, "Ready")["status"], "True");
    plan::apply(&mut p, &mut vertices, &actions.patches());
    // Ready, Reconciling, Stalled, Suspended, Configured, Deployed, VerticesHealthy, and
    // the one kept.
    assert_eq!(p.status.as_ref().unwrap().conditions.len(), 8);
}

#[test]
fn vertices_healthy_waits_for_every_vertex_to_report_its_generation() {
    let mut p = pl("Running", phase("Running"), json!({}), json!({}));
    let mut vertices = simple_vertices("Running");
    for v in &mut vertices {
        v.metadata.generation = Some(2);
    }
    let actions = reconcile_pipeline(&p, &vertices, &busy(now()));
    plan::apply(&mut p, &mut vertices, &actions.patches());
    let healthy = |p: &Pipeline| {
        lifecycle_model::conditions::find_condition(
            &p.status.as_ref().unwrap().conditions,
            "VerticesHealthy",
        )
        .map(|c| (c.status.to_string(), c.message.clone()))
    };
    assert_eq!(
        healthy(&p),
        Some((
            "False".into(),
            "Vertices not healthy yet: in, cat, out".into()
        ))
    );

    // Each vertex controller writes its status; the last one makes them all healthy.
    for i in 0..vertices.len() {
        let patch =
            reconcile_vertex(&vertices[i], None, now()).expect("a fresh vertex gets a status");
        assert_eq!(patch.body["status"]["observedGeneration"], 2);
        let _ = patch.merge_into(&mut vertices[i]);
        let actions = reconcile_pipeline(&p, &vertices, &busy(now()));
        plan::apply(&mut p, &mut vertices, &actions.patches());
    }
    assert_eq!(
        healthy(&p),
        Some(("True".into(), "All vertices are healthy".into()))
    );

    // A new generation of one vertex, not yet seen by its controller: the write that
    // would say so for a moment waits for it, ten seconds after the last one at most.
    vertices[1].metadata.generation = Some(3);
    let held = reconcile_pipeline(&p, &vertices, &busy(now()));
    assert!(held.patches().is_empty(), "{:?}", held.patches());
    let settle = jiff::SignedDuration::try_from(CONDITIONS_SETTLE).unwrap();
    assert_eq!(held.recheck_at, Some(now() + settle));
    let actions = reconcile_pipeline(&p, &vertices, &busy(now() + settle));
    assert_eq!(actions.recheck_at, None);
    plan::apply(&mut p, &mut vertices, &actions.patches());
    assert_eq!(
        healthy(&p),
        Some(("False".into(), "Vertices not healthy yet: cat".into()))
    );

    // Caught up within the ten seconds, it is never reported unhealthy.
    let patch = reconcile_vertex(&vertices[1], None, now()).expect("its new generation seen");
    let _ = patch.merge_into(&mut vertices[1]);
    let later = now() + settle;
    let actions = reconcile_pipeline(&p, &vertices, &busy(later));
    plan::apply(&mut p, &mut vertices, &actions.patches());
    assert_eq!(
        healthy(&p),
        Some(("True".into(), "All vertices are healthy".into()))
    );
    vertices[2].metadata.generation = Some(3);
    let held = reconcile_pipeline(&p, &vertices, &busy(later));
    assert!(held.patches().is_empty() && held.recheck_at.is_some());
    let patch = reconcile_vertex(&vertices[2], None, later).expect("its new generation seen");
    let _ = patch.merge_into(&mut vertices[2]);
    let settled = reconcile_pipeline(&p, &vertices, &busy(later));
    assert!(settled.patches().is_empty(), "{:?}", settled.patches());
    assert_eq!(settled.recheck_at, None);
}

#[test]
fn a_new_pipeline_writes_its_first_status_once_its_vertices_have_caught_up() {
    let mut p = pl(
        "Running",
        None,
        json!({ "creationTimestamp": NOW }),
        json!({}),
    );
    let mut vertices = Vec::new();
    let first = reconcile_pipeline(&p, &vertices, &busy(now()));
    assert_eq!(first.create.len(), 3);
    assert!(first.patches().is_empty(), "{:?}", first.patches());
    let settle = jiff::SignedDuration::try_from(CONDITIONS_SETTLE).unwrap();
    assert_eq!(first.recheck_at, Some(now() + settle));
    // The vertices are created and their controllers report them: one write, healthy.
    vertices = first.create.clone();
    for v in &mut vertices {
        let patch = reconcile_vertex(v, None, now()).expect("a fresh vertex gets a status");
        let _ = patch.merge_into(v);
    }
    let actions = reconcile_pipeline(&p, &vertices, &busy(now()));
    assert_eq!(actions.patches().len(), 1, "{:?}", actions.patches());
    plan::apply(&mut p, &mut vertices, &actions.patches());
    assert_eq!(p.phase(), Some(PipelinePhase::Running));
    let status = &actions.patches()[0].body["status"];
    assert_eq!(condition(status, "VerticesHealthy")["status"], "True");

    // Vertices that never report: the first status says so, ten seconds on.
    let q = pl(
        "Running",
        None,
        json!({ "creationTimestamp": NOW }),
        json!({}),
    );
    let missing = reconcile_pipeline(&q, &[], &busy(now() + settle));
    assert_eq!(missing.recheck_at, None);
    let status = &missing.patches()[0].body["status"];
    assert_eq!(status["phase"], "Running");
    assert_eq!(condition(status, "VerticesHealthy")["status"], "False");
}

#[test]
fn actions_with_patches_but_nothing_to_create_are_not_empty() {
    let p = pl("Paused", phase("Running"), json!({}), json!({}));
    let actions = reconcile_pipeline(&p, &simple_vertices("Running"), &busy(now()));
    assert!(actions.create.is_empty());
    assert_eq!(actions.patches().len(), 1);
    assert!(!actions.is_empty());
}

#[test]
fn a_deleting_pipeline_creates_no_vertex() {
    let p = pl(
        "Running",
        phase("Deleting"),
        json!({ "deletionTimestamp": NOW, "finalizers": [FINALIZER] }),
        json!({}),
    );
    let actions = reconcile_pipeline(&p, &[], &busy(now()));
    assert!(actions.create.is_empty(), "{:?}", names(&actions.create));
}

#[test]
fn all_vertices_in_needs_every_vertex_in_the_phase() {
    assert!(all_vertices_in(
        &simple_vertices("Paused"),
        VertexPhase::Paused
    ));
    assert!(!all_vertices_in(
        &simple_vertices("Running"),
        VertexPhase::Paused
    ));
    assert!(!all_vertices_in(&sources_paused(), VertexPhase::Paused));
    assert!(!all_vertices_in(&sources_paused(), VertexPhase::Running));
    assert!(all_vertices_in(&[], VertexPhase::Paused), "vacuously");
}

#[test]
fn the_vertex_controller_writes_only_the_status_fields_that_differ() {
    let fresh = vertex("cat", "map", Some("Running"));
    let patch = reconcile_vertex(&fresh, None, now()).expect("a fresh vertex gets a status");
    let condition = |type_: &str, reason: &str, message: &str| {
        json!({ "type": type_, "status": "True", "reason": reason, "message": message,
                "lastTransitionTime": NOW })
    };
    let not = |type_: &str| {
        json!({ "type": type_, "status": "False", "reason": "Running",
                "message": "VertexPhase is Running", "lastTransitionTime": NOW })
    };
    assert_eq!(
        patch.body,
        json!({ "status": {
            "desiredReplicas": 1,
            "phase": "Running",
            "selector": "numaflow.numaproj.io/pipeline-name=simple,numaflow.numaproj.io/vertex-name=cat",
            "conditions": [
                condition("Ready", "Running", "VertexPhase is Running"),
                not("Suspended"),
                condition("Deployed", "Successful", "Successful"),
                condition("PodsHealthy", "NoPodsFound", "No Pods found"),
            ],
        } })
    );
    let mut settled = fresh.clone();
    let _ = patch.merge_into(&mut settled);
    assert_eq!(
        reconcile_vertex(&settled, None, now()),
        None,
        "nothing differs"
    );

    // Only the selector is off: only the selector is sent.
    settled.status.as_mut().unwrap().selector = Some("app=other".into());
    let patch = reconcile_vertex(&settled, None, now()).expect("the selector differs");
    assert_eq!(
        patch.body,
        json!({ "status": {
            "selector": "numaflow.numaproj.io/pipeline-name=simple,numaflow.numaproj.io/vertex-name=cat",
        } })
    );
}
