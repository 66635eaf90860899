//! The controllers' writes: merge patches sent as the field manager, each guarded by
//! the `resourceVersion` it was planned from, and each transition counted and published
//! as an Event.

use k8s_openapi::api::core::v1::ObjectReference;
use kube::api::{Api, DynamicObject, Patch as KubePatch, PatchParams};
use kube::runtime::events::{Event, EventType};
use kube::{Client, Resource, ResourceExt};
use lifecycle_model::Named;
use numaflow_model::controller::Transition;
use numaflow_model::patch::{Patch, PatchTarget, Subresource};
use numaflow_model::pipeline::Pipeline;
use numaflow_model::vertex::Vertex;
use numaflow_model::write::Write;
use serde_json::json;
use std::collections::BTreeMap;
use tracing::{Instrument, debug, info, warn};

use crate::cache::object_key;
use crate::{Context, Error, Result, Runtime, error_chain};

pub(crate) fn patch_params(field_manager: &str) -> PatchParams {
    PatchParams {
        field_manager: Some(field_manager.to_owned()),
        ..PatchParams::default()
    }
}

/// Sends `patch` as a merge patch to its target in `namespace`, whatever its kind, as
/// `field_manager`; the object as the server returns it.
pub async fn send_patch(
    client: &Client,
    namespace: &str,
    patch: &Patch,
    field_manager: &str,
) -> Result<DynamicObject> {
    let resource = patch.target.resource.api_resource();
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &resource);
    let (params, body) = (patch_params(field_manager), KubePatch::Merge(&patch.body));
    let name = &patch.target.name;
    let sent = match patch.target.subresource {
        Subresource::Main => api.patch(name, &params, &body).await,
        Subresource::Status => api.patch_status(name, &params, &body).await,
    };
    debug!(target = %patch.target, body = %patch.body, "patch sent");
    sent.map_err(Error::request(format!("patching {}", patch.target)))
}

/// Sends the writes of one reconcile, each rendered as a merge patch and only if its
/// object is still the version the plan was made from: `metadata.resourceVersion` rides
/// in every body, so a plan made from a stale cache fails with a conflict and is made
/// again, rather than repeating a transition. Each transition a write makes is counted
/// and published as an Event once the write is made.
pub(crate) async fn send_planned(
    rt: &Runtime,
    namespace: &str,
    pipeline: &Pipeline,
    vertices: &[Vertex],
    writes: &[Write],
) -> Result<()> {
    let ctx = &rt.ctx;
    let mut versions: BTreeMap<PatchTarget, Option<String>> = BTreeMap::new();
    versions.insert(
        PatchTarget::object_of(pipeline),
        pipeline.resource_version(),
    );
    for vertex in vertices {
        versions.insert(PatchTarget::object_of(vertex), vertex.resource_version());
    }
    for write in writes {
        let patch = write.patch();
        let key = patch.target.object_part();
        let mut conditional = patch.clone();
        if let Some(Some(version)) = versions.get(&key) {
            conditional.body["metadata"]["resourceVersion"] = json!(version);
        }
        let written =
            match send_patch(&ctx.client, namespace, &conditional, &ctx.field_manager).await {
                Ok(written) => written,
                // A reconcile from a cache that still holds a pipeline whose finalizer was
                // released: the pipeline is gone, and so is all there was left to do.
                Err(Error::Request {
                    source: kube::Error::Api(status),
                    ..
                }) if status.code == 404
                    && pipeline.metadata.deletion_timestamp.is_some()
                    && patch.target.targets(pipeline) =>
                {
                    debug!(target = %patch.target, "the deleted pipeline is gone");
                    return Ok(());
                }
                Err(error) => return Err(error),
            };
        versions.insert(key.clone(), written.resource_version());
        let object = object_key(&key.resource.kind, namespace, &key.name);
        match write {
            Write::Finalizers { kept, .. }
                if kept.is_empty() && pipeline.metadata.deletion_timestamp.is_some() =>
            {
                rt.caches.released(object);
            }
            _ => rt
                .caches
                .wrote(object, written.metadata.resource_version.as_deref()),
        }
        if let Some(transition) = write.transition() {
            report(ctx, pipeline, vertices, &transition);
        }
    }
    Ok(())
}

/// Counts `transition` and publishes it as an Event on the pipeline, the vertex it moved
/// (if any) as the related object. A failed Event is logged, not retried: the write it
/// reports was made.
fn report(ctx: &Context, pipeline: &Pipeline, vertices: &[Vertex], transition: &Transition) {
    let metrics = ctx.telemetry.metrics();
    let (action, related) = match transition {
        Transition::Pipeline { event, from, to } => {
            metrics.transition(*event, *from, *to);
            (event.name(), None)
        }
        Transition::Vertex {
            vertex,
            event,
            from,
            to,
        } => {
            metrics.transition(*event, *from, *to);
            let related = vertices
                .iter()
                .find(|v| v.metadata.name.as_deref() == Some(vertex.as_str()))
                .map(|v| v.object_ref(&()));
            (event.name(), related)
        }
    };
    let regarding = pipeline.object_ref(&());
    let (reason, note) = (transition.reason(), transition.note());
    publish_transition(ctx, &regarding, reason, note, action, related);
}

/// Publishes a transition already written and counted as a `Normal` Event regarding
/// `regarding`, with `related` beside it, on a task of its own: the Event reports a write
/// already made, and does not hold up the next one. A failed Event is logged, not
/// retried: the write it reports was made.
pub(crate) fn publish_transition(
    ctx: &Context,
    regarding: &ObjectReference,
    reason: &str,
    note: String,
    action: &str,
    related: Option<ObjectReference>,
) {
    info!(reason, note = %note, "transition");
    let event = Event {
        type_: EventType::Normal,
        reason: reason.to_owned(),
        note: Some(note),
        action: action.to_owned(),
        secondary: related,
    };
    let (recorder, regarding) = (ctx.recorder.clone(), regarding.clone());
    let publish = async move {
        if let Err(error) = recorder.publish(&event, &regarding).await {
            warn!(error = %error_chain(&error), "cannot publish the transition Event");
        }
    };
    tokio::spawn(publish.in_current_span());
}
