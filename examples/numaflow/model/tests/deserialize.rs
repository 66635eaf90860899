//! Real NumaFlow objects, shaped as NumaFlow's docs and controller show them, read into
//! the model: unknown fields are ignored, the modelled ones are read right, and phase
//! values outside the closed enums are errors that name the allowed values.

use numaflow_model::pipeline::{
    DesiredPhase, Pipeline, PipelinePhase, PipelineStatus, ResumeStrategy, VertexCounts,
};
use numaflow_model::vertex::{Vertex, VertexPhase, VertexRole, VertexStatus, VertexStatusPhase};
use serde_json::json;

/// A Vertex as NumaFlow's pipeline controller creates it for the `cat` step of the
/// simple pipeline, with the status its vertex controller writes: many fields the model
/// does not use.
const CAT_VERTEX: &str = r#"
apiVersion: numaflow.numaproj.io/v1alpha1
kind: Vertex
metadata:
  name: simple-pipeline-cat
  namespace: default
  creationTimestamp: "2025-02-10T09:30:00Z"
  generation: 3
  resourceVersion: "48213"
  uid: 2f6a0c1e-5b7d-4c3a-9e1f-0a1b2c3d4e5f
  labels:
    app.kubernetes.io/component: vertex
    app.kubernetes.io/managed-by: pipeline-controller
    app.kubernetes.io/part-of: numaflow
    numaflow.numaproj.io/pipeline-name: simple-pipeline
    numaflow.numaproj.io/vertex-name: cat
  ownerReferences:
    - apiVersion: numaflow.numaproj.io/v1alpha1
      kind: Pipeline
      name: simple-pipeline
      uid: 9d8c7b6a-1234-4abc-8def-001122334455
      controller: true
      blockOwnerDeletion: true
spec:
  name: cat
  pipelineName: simple-pipeline
  interStepBufferServiceName: default
  replicas: 2
  scale:
    min: 1
    max: 5
    lookbackSeconds: 120
    zeroReplicaSleepSeconds: 120
  lifecycle:
    desiredPhase: Running
  udf:
    builtin:
      name: cat
  limits:
    readBatchSize: 500
    bufferMaxLength: 30000
    bufferUsageLimit: 80
    readTimeout: 1s
  fromEdges:
    - from: in
      to: cat
      fromVertexType: Source
      fromVertexPartitionCount: 1
      toVertexType: MapUDF
      toVertexPartitionCount: 1
  toEdges:
    - from: cat
      to: out
      fromVertexType: MapUDF
      toVertexType: Sink
      toVertexPartitionCount: 1
  watermark:
    maxDelay: 0s
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 25%
status:
  phase: Running
  replicas: 2
  desiredReplicas: 2
  readyReplicas: 1
  updatedReplicas: 2
  updatedReadyReplicas: 1
  selector: numaflow.numaproj.io/pipeline-name=simple-pipeline,numaflow.numaproj.io/vertex-name=cat
  lastScaledAt: "2025-02-10T09:31:00Z"
  observedGeneration: 3
  currentHash: 5c1e0d
  updateHash: 5c1e0d
  conditions:
    - type: Deployed
      status: "True"
      reason: Successful
      message: Successful
      lastTransitionTime: "2025-02-10T09:30:05Z"
"#;

/// The simple pipeline of NumaFlow's first example, asked to pause, with the status the
/// controller writes once it has.
const SIMPLE_PIPELINE: &str = r#"
apiVersion: numaflow.numaproj.io/v1alpha1
kind: Pipeline
metadata:
  name: simple-pipeline
  namespace: default
  generation: 2
  annotations:
    numaflow.numaproj.io/pause-timestamp: "2025-02-10T10:00:00Z"
  finalizers:
    - pipeline-controller
spec:
  interStepBufferServiceName: default
  lifecycle:
    desiredPhase: Paused
    pauseGracePeriodSeconds: 60
    deleteGracePeriodSeconds: 45
  limits:
    readBatchSize: 500
    bufferMaxLength: 30000
  watermark:
    disabled: false
    maxDelay: 0s
  vertices:
    - name: in
      scale:
        min: 1
      # a source that generates its own data
      source:
        generator:
          rpu: 5
          duration: 1s
    - name: cat
      scale:
        min: 1
      udf:
        builtin:
          name: cat
    - name: out
      scale:
        min: 1
      sink:
        log: {}
  edges:
    - from: in
      to: cat
    - from: cat
      to: out
status:
  phase: Paused
  drainedOnPause: true
  message: Pipeline paused
  lastUpdated: "2025-02-10T10:00:40Z"
  vertexCount: 3
  sourceCount: 1
  sinkCount: 1
  udfCount: 1
  mapUDFCount: 1
  reduceUDFCount: 0
  observedGeneration: 2
  conditions:
    - type: Configured
      status: "True"
      reason: Successful
      message: Successful
      lastTransitionTime: "2025-02-10T09:30:00Z"
"#;

/// An even-odd-sum style pipeline: a map, then a keyed reduce over two partitions.
const REDUCE_PIPELINE: &str = r#"
apiVersion: numaflow.numaproj.io/v1alpha1
kind: Pipeline
metadata:
  name: even-odd-sum
spec:
  vertices:
    - name: in
      source:
        http: {}
    - name: atoi
      scale:
        min: 1
      udf:
        container:
          image: quay.io/numaio/numaflow-go/map-even-odd:stable
    - name: compute-sum
      partitions: 2
      udf:
        container:
          image: quay.io/numaio/numaflow-go/reduce-sum:stable
        groupBy:
          window:
            fixed:
              length: 60s
          keyed: true
          storage:
            persistentVolumeClaim:
              volumeSize: 10Gi
              accessMode: ReadWriteOnce
    - name: sink
      scale:
        min: 1
      sink:
        log: {}
  edges:
    - from: in
      to: atoi
    - from: atoi
      to: compute-sum
    - from: compute-sum
      to: sink
"#;

fn vertex_yaml(yaml: &str) -> Vertex {
    serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("not a Vertex: {e}"))
}

fn pipeline_yaml(yaml: &str) -> Pipeline {
    serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("not a Pipeline: {e}"))
}

#[test]
fn a_real_vertex_reads_right() {
    let v = vertex_yaml(CAT_VERTEX);
    assert_eq!(v.metadata.name.as_deref(), Some("simple-pipeline-cat"));
    assert_eq!(v.metadata.namespace.as_deref(), Some("default"));
    let labels = v.metadata.labels.as_ref().unwrap();
    assert_eq!(labels["numaflow.numaproj.io/vertex-name"], "cat");
    assert_eq!(
        labels["numaflow.numaproj.io/pipeline-name"],
        "simple-pipeline"
    );

    let s = &v.spec;
    assert_eq!(s.name, "cat");
    assert_eq!(s.pipeline_name, "simple-pipeline");
    assert_eq!(s.replicas, Some(2));
    assert_eq!((s.scale_min(), s.scale_max()), (1, 5));
    assert!(!s.scale_disabled());
    assert_eq!(s.desired_phase(), VertexPhase::Running);
    assert_eq!(s.role(), Some(VertexRole::MapUdf));
    assert_eq!(s.partition_count(), 1);
    assert!(s.scalable());
    assert_eq!(s.desired_replicas(), 2);

    let status = v.status.as_ref().unwrap();
    assert_eq!(status.phase, Some(VertexStatusPhase::Running));
    assert_eq!(status.replicas, Some(2));
    assert_eq!(status.desired_replicas, Some(2));
    assert_eq!(status.ready_replicas, Some(1));
    assert_eq!(status.observed_generation, Some(3));
    assert_eq!(
        status.selector.as_deref(),
        Some(VertexStatus::selector_for("simple-pipeline", "cat").as_str())
    );
}

#[test]
fn the_same_vertex_reads_the_same_from_json() {
    // kube reads objects as JSON: go through serde_json as well.
    let yaml: serde_json::Value = serde_saphyr::from_str(CAT_VERTEX).unwrap();
    let from_json: Vertex = serde_json::from_value(yaml).unwrap();
    assert_eq!(from_json.spec, vertex_yaml(CAT_VERTEX).spec);
    assert_eq!(from_json.status, vertex_yaml(CAT_VERTEX).status);
}

#[test]
fn unknown_spec_and_status_fields_are_kept_whole() {
    let v = vertex_yaml(CAT_VERTEX);
    let spec = serde_json::to_value(&v.spec).unwrap();
    let original: serde_json::Value = serde_saphyr::from_str(CAT_VERTEX).unwrap();
    for unknown in [
        "limits",
        "fromEdges",
        "toEdges",
        "watermark",
        "updateStrategy",
        "interStepBufferServiceName",
    ] {
        // Kept as they are: the spec hash covers them, and a write-back loses nothing.
        assert_eq!(
            spec.get(unknown),
            original["spec"].get(unknown),
            "{unknown}"
        );
        assert!(v.spec.extra.contains_key(unknown), "{unknown}");
    }
    assert_eq!(spec["scale"], original["spec"]["scale"]);
    assert_eq!(
        spec["scale"],
        json!({"min": 1, "max": 5, "lookbackSeconds": 120, "zeroReplicaSleepSeconds": 120})
    );
    let status = serde_json::to_value(v.status.as_ref().unwrap()).unwrap();
    for unknown in ["lastScaledAt", "updateHash", "currentHash"] {
        assert!(status.get(unknown).is_some(), "{unknown}");
        assert_eq!(
            status.get(unknown),
            original["status"].get(unknown),
            "{unknown}"
        );
    }
    assert_eq!(status, original["status"], "the whole status writes back");
    // NumaFlow's conditions read as `metav1.Condition`s and write back as they came.
    assert_eq!(
        status["conditions"],
        json!([{
            "type": "Deployed",
            "status": "True",
            "reason": "Successful",
            "message": "Successful",
            "lastTransitionTime": "2025-02-10T09:30:05Z",
        }])
    );
}

#[test]
fn a_vertex_stored_without_a_name_still_reads() {
    // The CRD requires `spec.name`; an object from before that rule must not stop the
    // controllers' watch of every vertex.
    let v: Vertex = serde_json::from_value(json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Vertex",
        "metadata": { "name": "old-cat" },
        "spec": { "pipelineName": "old", "udf": { "builtin": { "name": "cat" } } },
    }))
    .unwrap();
    assert_eq!(v.spec.name, "");
    assert_eq!(v.spec.pipeline_name, "old");
    assert!(v.spec.udf.is_some());
    // The pipeline's vertices and the Vertex CRD both require the name.
    let required = |kind: &str, pointer: &str| {
        let crd = numaflow_model::crd::crds()
            .into_iter()
            .find(|c| c.spec.names.kind == kind)
            .unwrap();
        let schema = serde_json::to_value(&crd.spec.versions[0].schema).unwrap();
        schema["openAPIV3Schema"]["properties"]["spec"]
            .pointer(pointer)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(required("Vertex", "/required"), json!(["name"]));
    assert_eq!(
        required("Pipeline", "/properties/vertices/items/required"),
        json!(["name"])
    );
}

#[test]
fn a_source_vertex_keeps_its_source() {
    let v: Vertex = serde_json::from_value(json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Vertex",
        "metadata": {"name": "simple-pipeline-in"},
        "spec": {
            "name": "in",
            "pipelineName": "simple-pipeline",
            "source": {"generator": {"rpu": 5, "duration": "1s"}, "transformer": {"builtin": {"name": "filter"}}},
            "lifecycle": {"desiredPhase": "Paused"},
            "replicas": 3,
            "toEdges": [{"from": "in", "to": "cat"}]
        }
    }))
    .unwrap();
    assert_eq!(v.spec.role(), Some(VertexRole::Source));
    assert_eq!(v.spec.desired_phase(), VertexPhase::Paused);
    assert_eq!(v.spec.desired_replicas(), 0);
    assert_eq!(
        serde_json::to_value(&v.spec).unwrap()["source"],
        json!({"generator": {"rpu": 5, "duration": "1s"}, "transformer": {"builtin": {"name": "filter"}}})
    );
    assert_eq!(v.status, None);
}

#[test]
fn a_real_pipeline_reads_right() {
    let p = pipeline_yaml(SIMPLE_PIPELINE);
    assert_eq!(p.metadata.name.as_deref(), Some("simple-pipeline"));
    assert_eq!(p.spec.desired_phase(), DesiredPhase::Paused);
    assert_eq!(p.spec.pause_grace_period_seconds(), 60);
    assert_eq!(
        p.deletion_grace_period_seconds(),
        45,
        "the deprecated deleteGracePeriodSeconds is read"
    );
    assert_eq!(p.resume_strategy(), ResumeStrategy::Fast);
    assert_eq!(p.phase(), Some(PipelinePhase::Paused));
    let status = p.status.as_ref().unwrap();
    assert_eq!(status.drained_on_pause, Some(true));
    assert_eq!(status.message.as_deref(), Some("Pipeline paused"));
    assert_eq!(
        p.metadata.finalizers.as_deref(),
        Some(&["pipeline-controller".to_owned()][..])
    );

    let names: Vec<_> = p.spec.vertices.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["in", "cat", "out"]);
    let edges: Vec<_> = p
        .spec
        .edges
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str()))
        .collect();
    assert_eq!(edges, [("in", "cat"), ("cat", "out")]);

    let specs: Vec<_> = p.spec.vertices.iter().map(|v| p.vertex_spec(v)).collect();
    let roles: Vec<_> = specs.iter().map(|s| s.role()).collect();
    assert_eq!(
        roles,
        [
            Some(VertexRole::Source),
            Some(VertexRole::MapUdf),
            Some(VertexRole::Sink)
        ]
    );
    for s in &specs {
        assert_eq!(s.scale_min(), 1);
        assert_eq!(s.pipeline_name, "simple-pipeline");
        assert_eq!(s.desired_phase(), VertexPhase::Paused);
        assert_eq!(s.replicas, Some(0), "created while the pipeline is paused");
    }
    assert_eq!(
        serde_json::to_value(&specs[0]).unwrap()["source"],
        json!({"generator": {"rpu": 5, "duration": "1s"}})
    );
}

#[test]
fn unknown_pipeline_fields_are_kept_whole() {
    let p = pipeline_yaml(SIMPLE_PIPELINE);
    let original: serde_json::Value = serde_saphyr::from_str(SIMPLE_PIPELINE).unwrap();
    let written = serde_json::to_value(&p).unwrap();
    for unknown in ["limits", "watermark", "interStepBufferServiceName"] {
        assert!(p.spec.extra.contains_key(unknown), "{unknown}");
        assert_eq!(
            written["spec"].get(unknown),
            original["spec"].get(unknown),
            "{unknown}"
        );
    }
    assert_eq!(written["spec"], original["spec"]);
    assert_eq!(written["status"], original["status"]);
    let status = p.status.as_ref().unwrap();
    assert_eq!(status.message.as_deref(), Some("Pipeline paused"));
    assert_eq!(status.counts.vertex_count, Some(3));
    assert_eq!(status.conditions.len(), 1);
}

/// The vertex counts read into their own type, flattened into the status as NumaFlow
/// writes them, and only the fields the model does not read stay unknown.
#[test]
fn the_vertex_counts_read_typed_beside_unknown_status_fields() {
    let status = json!({
        "phase": "Running",
        "vertexCount": 4, "sourceCount": 1, "sinkCount": 1, "udfCount": 2,
        "mapUDFCount": 1, "reduceUDFCount": 1,
        "observedGeneration": 2,
        "runtimeVersion": "v1.8"
    });
    let read: PipelineStatus = serde_json::from_value(status.clone()).unwrap();
    assert_eq!(
        read.counts,
        VertexCounts {
            vertex_count: Some(4),
            source_count: Some(1),
            sink_count: Some(1),
            udf_count: Some(2),
            map_udf_count: Some(1),
            reduce_udf_count: Some(1),
        }
    );
    assert_eq!(read.extra.keys().collect::<Vec<_>>(), ["runtimeVersion"]);
    assert_eq!(serde_json::to_value(&read).unwrap(), status);
}

#[test]
fn a_reduce_pipeline_reads_right() {
    let p = pipeline_yaml(REDUCE_PIPELINE);
    assert_eq!(p.spec.desired_phase(), DesiredPhase::Running);
    assert_eq!(p.spec.pause_grace_period_seconds(), 30);
    assert_eq!(p.deletion_grace_period_seconds(), 30);
    assert_eq!(p.phase(), None);
    let specs: Vec<_> = p.spec.vertices.iter().map(|v| p.vertex_spec(v)).collect();
    let got: Vec<_> = specs
        .iter()
        .map(|s| (s.name.as_str(), s.role(), s.partition_count(), s.replicas))
        .collect();
    assert_eq!(
        got,
        [
            ("in", Some(VertexRole::Source), 1, Some(1)),
            ("atoi", Some(VertexRole::MapUdf), 1, Some(1)),
            ("compute-sum", Some(VertexRole::ReduceUdf), 2, Some(2)),
            ("sink", Some(VertexRole::Sink), 1, Some(1)),
        ]
    );
    assert!(specs[2].is_keyed_reduce());
    assert!(!specs[2].scalable());
    assert_eq!(specs[2].desired_replicas(), 2);
}

// ---------------------------------------------------------------------------------------
// Phases: missing reads Running; anything else is an error naming the allowed values.
// ---------------------------------------------------------------------------------------

fn vertex_with_lifecycle(lifecycle: serde_json::Value) -> serde_json::Value {
    json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Vertex",
        "metadata": {"name": "p-cat"},
        "spec": {"name": "cat", "pipelineName": "p", "udf": {}, "lifecycle": lifecycle}
    })
}

#[test]
fn missing_desired_phase_reads_running() {
    let no_lifecycle: Vertex = serde_json::from_value(json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Vertex",
        "metadata": {"name": "p-cat"},
        "spec": {"name": "cat", "udf": {}}
    }))
    .unwrap();
    assert_eq!(no_lifecycle.spec.desired_phase(), VertexPhase::Running);
    for lifecycle in [json!({}), json!({"desiredPhase": null})] {
        let v: Vertex = serde_json::from_value(vertex_with_lifecycle(lifecycle.clone())).unwrap();
        assert_eq!(v.spec.desired_phase(), VertexPhase::Running, "{lifecycle}");
    }
    let p = pipeline_yaml(REDUCE_PIPELINE);
    assert_eq!(p.spec.desired_phase(), DesiredPhase::Running);
    let p: Pipeline = serde_json::from_value(json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Pipeline",
        "metadata": {"name": "p"},
        "spec": {"lifecycle": {"pauseGracePeriodSeconds": 5}}
    }))
    .unwrap();
    assert_eq!(p.spec.desired_phase(), DesiredPhase::Running);
}

/// Whether `word` appears in `text` as a whole word (serde_json quotes the variants in
/// backticks, serde-saphyr lists them bare).
fn names(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn assert_names_all(error: &str, allowed: &[&str], bad: &str) {
    for name in allowed {
        assert!(
            names(error, name),
            "error for {bad:?} must name `{name}`: {error}"
        );
    }
}

#[test]
fn bad_vertex_desired_phases_are_errors_naming_running_and_paused() {
    for bad in ["", "Failed", "paused", "Pausing", "RUNNING"] {
        let err =
            serde_json::from_value::<Vertex>(vertex_with_lifecycle(json!({"desiredPhase": bad})))
                .expect_err(bad)
                .to_string();
        assert_names_all(&err, &["Running", "Paused"], bad);
        assert!(
            err.contains(&format!("`{bad}`")),
            "the error shows the bad value: {err}"
        );

        let yaml = format!(
            "apiVersion: numaflow.numaproj.io/v1alpha1\nkind: Vertex\nmetadata:\n  name: p-cat\nspec:\n  name: cat\n  udf: {{}}\n  lifecycle:\n    desiredPhase: \"{bad}\"\n"
        );
        let err = serde_saphyr::from_str::<Vertex>(&yaml)
            .expect_err(bad)
            .to_string();
        assert_names_all(&err, &["Running", "Paused"], bad);
    }
}

#[test]
fn a_non_string_desired_phase_is_an_error() {
    for bad in [json!(1), json!(true), json!({"phase": "Running"})] {
        assert!(
            serde_json::from_value::<Vertex>(vertex_with_lifecycle(
                json!({"desiredPhase": bad.clone()})
            ))
            .is_err(),
            "{bad}"
        );
    }
}

fn pipeline_json(lifecycle: serde_json::Value, status: serde_json::Value) -> serde_json::Value {
    json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Pipeline",
        "metadata": {"name": "p"},
        "spec": {"lifecycle": lifecycle},
        "status": status
    })
}

#[test]
fn bad_pipeline_desired_phases_are_errors_naming_running_and_paused() {
    for bad in ["", "Failed", "paused", "Pausing", "Deleting"] {
        let err = serde_json::from_value::<Pipeline>(pipeline_json(
            json!({"desiredPhase": bad}),
            json!({}),
        ))
        .expect_err(bad)
        .to_string();
        assert_names_all(&err, &["Running", "Paused"], bad);

        let yaml = format!(
            "apiVersion: numaflow.numaproj.io/v1alpha1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n  lifecycle:\n    desiredPhase: \"{bad}\"\n"
        );
        let err = serde_saphyr::from_str::<Pipeline>(&yaml)
            .expect_err(bad)
            .to_string();
        assert_names_all(&err, &["Running", "Paused"], bad);
    }
    for good in ["Running", "Paused"] {
        let p: Pipeline =
            serde_json::from_value(pipeline_json(json!({"desiredPhase": good}), json!({})))
                .unwrap();
        assert_eq!(format!("{:?}", p.spec.desired_phase()), good);
    }
}

#[test]
fn bad_pipeline_status_phases_are_errors_naming_the_five_phases() {
    let all = ["Running", "Failed", "Pausing", "Paused", "Deleting"];
    for bad in ["", "paused", "Unknown", "Succeeded", "Pending"] {
        let err =
            serde_json::from_value::<Pipeline>(pipeline_json(json!({}), json!({"phase": bad})))
                .expect_err(bad)
                .to_string();
        assert_names_all(&err, &all, bad);
    }
    for good in all {
        let p: Pipeline =
            serde_json::from_value(pipeline_json(json!({}), json!({"phase": good}))).unwrap();
        assert_eq!(p.phase().map(|ph| format!("{ph:?}")).as_deref(), Some(good));
    }
}

#[test]
fn objects_survive_a_round_trip() {
    let v = vertex_yaml(CAT_VERTEX);
    let back: Vertex = serde_json::from_value(serde_json::to_value(&v).unwrap()).unwrap();
    assert_eq!(back.spec, v.spec);
    assert_eq!(back.status, v.status);
    assert_eq!(back.metadata, v.metadata);
    let p = pipeline_yaml(SIMPLE_PIPELINE);
    let back: Pipeline = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
    assert_eq!(back.spec, p.spec);
    assert_eq!(back.status, p.status);
    let text = serde_json::to_string(&v.spec).unwrap();
    assert!(text.contains(r#""desiredPhase":"Running""#), "{text}");
}

/// A Vertex's `status.phase` is NumaFlow's own enum, `"" | Running | Paused | Failed`,
/// so a vertex whose pods failed, or one not yet reconciled, stays readable.
#[test]
fn a_failed_vertex_still_deserializes() {
    for phase in ["Failed", ""] {
        let mut object: serde_json::Value = serde_saphyr::from_str(CAT_VERTEX).unwrap();
        object["status"]["phase"] = json!(phase);
        let read = serde_json::from_value::<Vertex>(object);
        assert!(
            read.is_ok(),
            "a Vertex with status.phase {phase:?} must still be readable: {:?}",
            read.err()
        );
    }
}
