//! Pipelines in every shape NumaFlow's own examples use (numaproj/numaflow
//! `examples/*.yaml`, read for their structure): sources, UDFs and sinks of each kind,
//! reduce windows and storages, conditional and cyclic edges, pipeline-wide limits,
//! watermark, templates, serving and ordering settings, and container settings on
//! vertices. Most of it is unknown to this project's types, which must carry it through a
//! read and a write without loss.

use serde_json::{Value, json};

/// A Pipeline object `name` with `spec`.
fn pipeline(name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Pipeline",
        "metadata": { "name": name },
        "spec": spec,
    })
}

fn generator() -> Value {
    json!({ "generator": { "rpu": 5, "duration": "1s" } })
}

fn cat() -> Value {
    json!({ "builtin": { "name": "cat" } })
}

fn log() -> Value {
    json!({ "log": {} })
}

fn edges(pairs: &[(&str, &str)]) -> Value {
    pairs
        .iter()
        .map(|(from, to)| json!({ "from": from, "to": to }))
        .collect()
}

fn pvc(size: &str) -> Value {
    json!({ "persistentVolumeClaim": { "volumeSize": size, "accessMode": "ReadWriteOnce" } })
}

/// Every shape, as `(what it shows, the Pipeline object)`.
pub fn pipelines() -> Vec<(&'static str, Value)> {
    vec![
        (
            "a simple pipeline created paused, with a floor on the source",
            pipeline(
                "shape-simple",
                json!({
                    "lifecycle": { "desiredPhase": "Paused" },
                    "vertices": [
                        { "name": "in", "scale": { "min": 1 }, "source": generator() },
                        { "name": "cat", "scale": { "min": 1 }, "udf": cat() },
                        { "name": "out", "scale": { "min": 1 }, "sink": log() }
                    ],
                    "edges": edges(&[("in", "cat"), ("cat", "out")]),
                }),
            ),
        ),
        (
            "compressed inter-step buffers and a containerized UDF",
            pipeline(
                "shape-compress",
                json!({
                    "interStepBuffer": { "compression": { "type": "gzip" } },
                    "vertices": [
                        { "name": "in", "source": generator() },
                        { "name": "cat", "udf": { "container": { "image": "quay.io/numaio/numaflow-go/map-cat:stable", "imagePullPolicy": "Always" } } },
                        { "name": "out", "sink": log() }
                    ],
                    "edges": edges(&[("in", "cat"), ("cat", "out")]),
                }),
            ),
        ),
        (
            "keyed generator messages, a disabled watermark",
            pipeline(
                "shape-keys",
                json!({
                    "watermark": { "disabled": true },
                    "vertices": [
                        { "name": "in", "source": { "generator": { "rpu": 50, "duration": "1s", "keyCount": 5, "value": 5, "msgSize": 8 } } },
                        { "name": "out", "sink": log() }
                    ],
                    "edges": edges(&[("in", "out")]),
                }),
            ),
        ),
        (
            "an HTTP source with a token, conditional forwarding by tags and by keys",
            pipeline(
                "shape-even-odd",
                json!({
                    "watermark": { "propagate": true },
                    "vertices": [
                        { "name": "in", "source": { "http": { "service": true, "auth": { "token": { "name": "http-token", "key": "token" } } } } },
                        { "name": "even-or-odd", "udf": { "container": { "image": "quay.io/numaio/numaflow-go/map-even-odd:stable" } } },
                        { "name": "even-sink", "scale": { "min": 1 }, "sink": log() },
                        { "name": "odd-sink", "sink": log() },
                        { "name": "number-sink", "sink": log() }
                    ],
                    "edges": [
                        { "from": "in", "to": "even-or-odd" },
                        { "from": "even-or-odd", "to": "even-sink", "conditions": { "tags": { "operator": "or", "values": ["even-tag"] } } },
                        { "from": "even-or-odd", "to": "odd-sink", "conditions": { "tags": { "values": ["odd-tag"] } } },
                        { "from": "even-or-odd", "to": "number-sink", "conditions": { "keyIn": ["odd-tag", "even-tag"] } }
                    ],
                }),
            ),
        ),
        (
            "a user-defined sink with a fallback, autoscaling bounds",
            pipeline(
                "shape-udsink",
                json!({
                    "vertices": [
                        { "name": "in", "scale": { "min": 1, "max": 5 }, "source": generator() },
                        { "name": "out", "scale": { "min": 1, "max": 3 }, "sink": {
                            "udsink": { "container": { "image": "quay.io/numaio/numaflow-go/sink-log:stable", "imagePullPolicy": "IfNotPresent" } },
                            "fallback": { "udsink": { "container": { "image": "quay.io/numaio/numaflow-go/sink-log:stable" } } }
                        } }
                    ],
                    "edges": edges(&[("in", "out")]),
                }),
            ),
        ),
        (
            "a keyed fixed-window reduce on a volume, parallel edges, a watermark delay",
            pipeline(
                "shape-reduce-fixed",
                json!({
                    "watermark": { "maxDelay": "30s" },
                    "vertices": [
                        { "name": "in", "scale": { "min": 1 }, "source": { "http": {} } },
                        { "name": "atoi", "scale": { "min": 1 }, "udf": { "container": { "image": "quay.io/numaio/numaflow-go/map-forward-message:stable" } } },
                        { "name": "compute-sum", "partitions": 2, "udf": {
                            "container": { "image": "quay.io/numaio/numaflow-go/reduce-sum:stable" },
                            "groupBy": { "window": { "fixed": { "length": "60s" } }, "keyed": true, "storage": pvc("10Gi") }
                        } },
                        { "name": "sink", "scale": { "min": 1 }, "sink": log() }
                    ],
                    "edges": [
                        { "from": "in", "to": "atoi" },
                        { "from": "atoi", "to": "compute-sum", "parallelism": 2 },
                        { "from": "compute-sum", "to": "sink" }
                    ],
                }),
            ),
        ),
        (
            "a sliding window on an empty dir, pipeline limits, container env",
            pipeline(
                "shape-sliding",
                json!({
                    "limits": { "readBatchSize": 50 },
                    "vertices": [
                        { "name": "in", "containerTemplate": { "env": [{ "name": "NUMAFLOW_DEBUG", "value": "true" }] }, "source": generator() },
                        { "name": "sum", "partitions": 1, "scale": { "min": 1, "max": 1 }, "udf": {
                            "container": { "image": "quay.io/numaio/numaflow-go/reduce-sum:stable" },
                            "groupBy": { "window": { "sliding": { "length": "60s", "slide": "10s" } }, "keyed": false, "storage": { "emptyDir": {} } }
                        } },
                        { "name": "out", "sink": log() }
                    ],
                    "edges": edges(&[("in", "sum"), ("sum", "out")]),
                }),
            ),
        ),
        (
            "session, accumulator and streaming windows, a key inside the window",
            pipeline(
                "shape-windows",
                json!({
                    "limits": { "readBatchSize": 1 },
                    "vertices": [
                        { "name": "in", "source": { "generator": { "rpu": 10, "keyCount": 2 } } },
                        { "name": "session", "partitions": 1, "udf": {
                            "container": { "image": "quay.io/numaio/numaflow-go/session-counter:stable" },
                            "groupBy": { "window": { "session": { "timeout": "120s" } }, "keyed": true, "storage": pvc("2Gi") }
                        } },
                        { "name": "sorter", "udf": {
                            "container": { "image": "quay.io/numaio/numaflow-go/stream-sorter:stable" },
                            "groupBy": { "window": { "accumulator": { "timeout": "30s" } }, "keyed": true, "storage": { "persistentVolumeClaim": { "volumeSize": "1Gi" } } }
                        } },
                        { "name": "ttl", "udf": {
                            "container": { "image": "quay.io/numaio/numaflow-go/stream-sorter:stable" },
                            "groupBy": { "window": { "accumulator": { "ttl": "10s" }, "keyed": true }, "storage": { "emptyDir": {} } }
                        } },
                        { "name": "streaming", "partitions": 2, "udf": {
                            "container": { "image": "quay.io/numaio/numaflow-go/reduce-stream-sum:stable" },
                            "groupBy": { "window": { "fixed": { "length": "600s", "streaming": true } }, "keyed": true, "storage": pvc("2Gi") }
                        } },
                        { "name": "out", "sink": log() }
                    ],
                    "edges": edges(&[("in", "session"), ("session", "sorter"), ("sorter", "ttl"), ("ttl", "streaming"), ("streaming", "out")]),
                }),
            ),
        ),
        (
            "cycles: back to an earlier vertex and to itself, scaling disabled",
            pipeline(
                "shape-cycles",
                json!({
                    "vertices": [
                        { "name": "in", "source": { "http": {} } },
                        { "name": "retry", "scale": { "min": 1, "disabled": true }, "udf": cat() },
                        { "name": "out", "sink": log() }
                    ],
                    "edges": [
                        { "from": "in", "to": "retry" },
                        { "from": "retry", "to": "retry", "conditions": { "tags": { "values": ["retry"] } } },
                        { "from": "retry", "to": "out", "conditions": { "tags": { "operator": "not", "values": ["retry"] } } }
                    ],
                }),
            ),
        ),
        (
            "a join of two sources, one of them Kafka",
            pipeline(
                "shape-join",
                json!({
                    "vertices": [
                        { "name": "http-in", "source": { "http": {} } },
                        { "name": "kafka-in", "source": { "kafka": { "brokers": ["my-broker1:19700", "my-broker2:19700"], "topic": "my-topic", "consumerGroup": "my-consumer-group" } } },
                        { "name": "join", "udf": cat() },
                        { "name": "out", "sink": { "udsink": { "container": { "image": "quay.io/numaio/numaflow-go/sink-log:stable" } } } }
                    ],
                    "edges": edges(&[("http-in", "join"), ("kafka-in", "join"), ("join", "out")]),
                }),
            ),
        ),
        (
            "serving: a serving source and store, vertex templates, a store name per vertex",
            pipeline(
                "shape-serving",
                json!({
                    "templates": { "vertex": { "metadata": { "annotations": { "numaflow.numaproj.io/callback": "true" } } } },
                    "servingStore": { "name": "redis-store", "container": { "image": "quay.io/numaio/numaflow-rs/serving-store:stable", "imagePullPolicy": "Always" } },
                    "vertices": [
                        { "name": "in", "scale": { "min": 1 }, "servingStoreName": "redis-store", "source": { "serving": {
                            "service": true, "msgIDHeaderKey": "X-Numaflow-Id", "store": { "url": "redis://redis:6379" },
                            "auth": { "token": { "name": "serving-token", "key": "token" } }
                        } } },
                        { "name": "cat", "udf": { "container": { "image": "quay.io/numaio/numaflow-go/map-cat:stable", "env": [{ "name": "NUMAFLOW_CALLBACK", "value": "1" }] } } },
                        { "name": "out", "sink": { "serve": {} } }
                    ],
                    "edges": edges(&[("in", "cat"), ("cat", "out")]),
                }),
            ),
        ),
        (
            "ordered processing across partitions, named edge partitions",
            pipeline(
                "shape-ordered",
                json!({
                    "limits": { "readBatchSize": 10 },
                    "ordered": { "enabled": true },
                    "vertices": [
                        { "name": "in", "source": generator() },
                        { "name": "cat", "partitions": 3, "udf": cat() },
                        { "name": "out", "partitions": 3, "sink": log() }
                    ],
                    "edges": [
                        { "from": "in", "to": "cat", "edgePartitions": "y" },
                        { "from": "cat", "to": "out", "edgePartitions": "x" }
                    ],
                }),
            ),
        ),
        (
            "resources, GPUs, secrets, node placement, read timeouts, builtin arguments",
            pipeline(
                "shape-resources",
                json!({
                    "limits": { "readTimeout": "10ms", "readBatchSize": 100 },
                    "vertices": [
                        { "name": "in", "containerTemplate": { "resources": { "requests": { "cpu": 1, "memory": "200Mi" } } }, "source": generator() },
                        { "name": "filter", "udf": { "builtin": { "name": "filter", "kwargs": { "expression": "int(json(payload).id) < 100" } } } },
                        { "name": "infer", "nodeSelector": { "gpu": "true" }, "tolerations": [{ "key": "nvidia.com/gpu", "operator": "Exists" }],
                          "containerTemplate": { "imagePullPolicy": "IfNotPresent" },
                          "udf": { "container": {
                            "image": "quay.io/numaio/numaflow-rs/ascii-art:stable",
                            "env": [
                                { "name": "MODE", "value": "fast" },
                                { "name": "TOKEN", "valueFrom": { "secretKeyRef": { "name": "model", "key": "token" } } }
                            ],
                            "resources": { "limits": { "cpu": "7", "memory": "20G", "nvidia.com/gpu": "1" }, "requests": { "cpu": "2" } }
                          } } },
                        { "name": "out", "sink": { "serve": {} } }
                    ],
                    "edges": edges(&[("in", "filter"), ("filter", "infer"), ("infer", "out")]),
                }),
            ),
        ),
    ]
}

/// A MonoVertex object `name` with `spec`.
fn mono_vertex(name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "MonoVertex",
        "metadata": { "name": name },
        "spec": spec,
    })
}

/// A container of image `image`.
fn container(image: &str) -> Value {
    json!({ "container": { "image": image } })
}

/// MonoVertices in the four shapes NumaFlow's own MonoVertex examples use
/// (`examples/2x-*.yaml`): built-in source and sink; user-defined source with a
/// transformer and a user-defined sink; a cloud queue source with many settings and scale
/// bounds; and a user-defined function between them, with fallback and on-success sinks
/// and the bypass rules that route tagged messages to them.
pub fn mono_vertices() -> Vec<(&'static str, Value)> {
    vec![
        (
            "built-in source and sink",
            mono_vertex(
                "mvtx-builtin",
                json!({ "source": { "generator": { "rpu": 10, "duration": "2s" } }, "sink": log() }),
            ),
        ),
        (
            "user-defined source, transformer and sink",
            mono_vertex(
                "mvtx-containers",
                json!({
                    "source": {
                        "udsource": container("example.com/numaflow/source-counter:v1"),
                        "transformer": container("example.com/numaflow/transformer-stamp:v1"),
                    },
                    "sink": { "udsink": container("example.com/numaflow/sink-print:v1") },
                }),
            ),
        ),
        (
            "queue source with settings and scale bounds",
            mono_vertex(
                "mvtx-queue",
                json!({
                    "source": { "sqs": {
                        "queueName": "orders",
                        "awsRegion": "eu-central-1",
                        "queueOwnerAWSAccountID": "000000000000",
                        "maxNumberOfMessages": 5,
                        "visibilityTimeout": 45,
                        "waitTimeSeconds": 10,
                        "attributeNames": ["All"],
                        "messageAttributeNames": ["All"],
                    } },
                    "sink": log(),
                    "scale": { "min": 2, "max": 3 },
                }),
            ),
        ),
        (
            "function, fallback and on-success sinks, bypass rules",
            mono_vertex(
                "mvtx-bypass",
                json!({
                    "source": {
                        "udsource": container("example.com/numaflow/source-counter:v1"),
                        "transformer": container("example.com/numaflow/transformer-stamp:v1"),
                    },
                    "udf": { "container": {
                        "image": "example.com/numaflow/map-upper:v1",
                        "imagePullPolicy": "IfNotPresent",
                    } },
                    "sink": {
                        "udsink": container("example.com/numaflow/sink-print:v1"),
                        "fallback": { "udsink": container("example.com/numaflow/sink-dead-letter:v1") },
                        "onSuccess": { "udsink": container("example.com/numaflow/sink-audit:v1") },
                    },
                    "bypass": {
                        "fallback": { "tags": { "operator": "or", "values": ["broken", "unparsable"] } },
                        "onSuccess": { "tags": { "operator": "and", "values": ["audit", "urgent"] } },
                        "sink": { "tags": { "operator": "not", "values": ["discard"] } },
                    },
                }),
            ),
        ),
    ]
}
