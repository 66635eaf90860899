//! Drain proof, patches, apply.

use super::*;

#[test]
fn drain_proof_drained() {
    let since = now();
    let proof = drained(plus(since, 1))
        .drain_proof(since, 30)
        .expect("drained");
    assert!(proof.drained());
    let proof = Observations::drained_at(since)
        .drain_proof(since, 30)
        .expect("drained at once");
    assert!(proof.drained());
    // Drained wins over an expired grace period: it really drained.
    let proof = drained(plus(since, 999)).drain_proof(since, 30).unwrap();
    assert!(proof.drained());
}

#[test]
fn drain_proof_grace_expired() {
    let since = now();
    let proof = busy(plus(since, 30))
        .drain_proof(since, 30)
        .expect("expired");
    assert!(!proof.drained());
    let proof = busy(plus(since, 31))
        .drain_proof(since, 30)
        .expect("expired");
    assert!(!proof.drained());
    let proof = busy(since).drain_proof(since, 0).expect("zero grace");
    assert!(!proof.drained());
}

#[test]
fn drain_proof_neither() {
    let since = now();
    assert_eq!(busy(since).drain_proof(since, 30), None);
    assert_eq!(busy(plus(since, 29)).drain_proof(since, 30), None);
    let pods = Observations {
        source_pods: 1,
        ..Observations::drained_at(plus(since, 5))
    };
    assert!(!pods.drained());
    assert_eq!(pods.drain_proof(since, 30), None);
    let acking = Observations {
        now: since,
        source_pods: 0,
        buffers: Ok(vec![
            BufferDepth {
                name: "a".into(),
                pending: 0,
                ack_pending: 0,
            },
            BufferDepth {
                name: "b".into(),
                pending: 0,
                ack_pending: 2,
            },
        ]),
    };
    assert!(!acking.drained());
    assert_eq!(acking.drain_proof(since, 30), None);
}

#[test]
fn a_write_names_the_desired_phase_it_moves_a_vertex_to() {
    let paused = pl("Paused", phase("Paused"), json!({}), json!({}));
    let writes = plan::plan(&paused, &sources_paused(), &busy(now()));
    let phases: Vec<_> = writes.iter().map(Write::desired_phase).collect();
    assert_eq!(
        phases,
        [Some(VertexPhase::Paused), Some(VertexPhase::Paused)],
        "cat and out follow their paused pipeline"
    );
    let stamping = pl("Paused", phase("Pausing"), json!({}), json!({}));
    let writes = plan::plan(&stamping, &sources_paused(), &busy(now()));
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].desired_phase(), None, "a stamp moves no vertex");
}

#[test]
fn apply_merges_like_the_api_server() {
    let mut p = pl(
        "Paused",
        phase("Running"),
        json!({ "annotations": { "keep": "me" } }),
        json!({}),
    );
    let mut vs = simple_vertices("Running");
    plan::apply(
        &mut p,
        &mut vs,
        &[
            stamp(NOW),
            status(json!({ "phase": "Pausing" })),
            to_vertex("cat", "Paused"),
            to_vertex("missing", "Paused"),
        ],
    );
    assert_eq!(annotation(&p, PAUSE_TS).as_deref(), Some(NOW));
    assert_eq!(annotation(&p, "keep").as_deref(), Some("me"));
    assert_eq!(p.phase(), Some(PipelinePhase::Pausing));
    assert_eq!(
        phases(&vs),
        vec![
            ("in".into(), VertexPhase::Running),
            ("cat".into(), VertexPhase::Paused),
            ("out".into(), VertexPhase::Running),
        ]
    );
    plan::apply(&mut p, &mut vs, &[unstamp()]);
    assert_eq!(annotation(&p, PAUSE_TS), None);
    assert_eq!(annotation(&p, "keep").as_deref(), Some("me"));
}
