//! One reconcile of a pipeline (its finalizer, then the Pipeline controller's actions)
//! and of a vertex (its pods, then its status), and what follows a failed one.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, Patch as KubePatch, PostParams};
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use numaflow_model::controller::{reconcile_pipeline, reconcile_vertex};
use numaflow_model::pipeline::{
    DesiredPhase, FINALIZER, Pipeline, PipelinePhase, RESUME_STRATEGY_ANNOTATION, ResumeStrategy,
    declared_vertices,
};
use numaflow_model::plan::Observations;
use numaflow_model::pods::{PodPlan, PodsSeen, plan_pods, pod_selector};
use numaflow_model::vertex::{Vertex, VertexRole};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tracing::{debug, info, instrument, warn};

use crate::cache::object_key;
use crate::write::{patch_params, send_planned};
use crate::{Error, REQUEUE_WHILE_CHANGING, RETRY, Result, Runtime, error_chain, send_patch};

/// One reconcile of a pipeline: the finalizer, then the Pipeline controller's actions.
#[instrument(skip_all, fields(pipeline = %pipeline.name_any()))]
pub(crate) async fn reconcile_pipeline_object(
    pipeline: Arc<Pipeline>,
    rt: Arc<Runtime>,
) -> Result<Action> {
    let ctx = &rt.ctx;
    let (namespace, name) = rt.ready_for(&*pipeline).await;
    let ours = rt.caches.vertices_of(&namespace, &name);
    if cache_behind(&rt, &pipeline, &ours) {
        debug!("the cache has yet to show a write of ours; its watch event wakes us again");
        return Ok(Action::await_change());
    }
    let pipelines: Api<Pipeline> = Api::namespaced(ctx.client.clone(), &namespace);
    let vertices: Api<Vertex> = Api::namespaced(ctx.client.clone(), &namespace);
    if pipeline.metadata.deletion_timestamp.is_none()
        && !pipeline.finalizers().iter().any(|f| f == FINALIZER)
    {
        let mut finalizers = pipeline.finalizers().to_vec();
        finalizers.push(FINALIZER.to_owned());
        let body = json!({ "metadata": {
            "finalizers": finalizers,
            "resourceVersion": pipeline.resource_version(),
        } });
        let written = pipelines
            .patch(
                &name,
                &patch_params(&ctx.field_manager),
                &KubePatch::Merge(body),
            )
            .await
            .map_err(Error::request(format!(
                "adding the finalizer to Pipeline/{name}"
            )))?;
        rt.wrote::<Pipeline>(&namespace, &name, &written.metadata);
        // The write wakes the next reconcile, which plans from the object with it.
        return Ok(Action::await_change());
    }
    if let Some(value) = pipeline.annotations().get(RESUME_STRATEGY_ANNOTATION)
        && let Err(error) = value.parse::<ResumeStrategy>()
    {
        warn!(%error, "resuming fast, as NumaFlow does");
    }
    let source_pods: usize = ours
        .iter()
        .filter(|v| v.spec.role() == Some(VertexRole::Source))
        .map(|source| {
            let selector = pod_selector(&name, &source.spec.name);
            rt.caches.count_pods(&namespace, &selector)
        })
        .sum();
    let source_pods = u32::try_from(source_pods).unwrap_or(u32::MAX);
    // As NumaFlow does, the daemon is asked only once a pause or deletion has no source
    // pod left.
    let winding_down = pipeline.metadata.deletion_timestamp.is_some()
        || pipeline.spec.desired_phase() == DesiredPhase::Paused;
    let buffers = if source_pods == 0 && winding_down {
        ctx.daemon
            .buffers(&namespace, &name)
            .await
            .map_err(|e| error_chain(&e))
    } else {
        Err("not read while source pods run".to_owned())
    };
    if source_pods == 0
        && winding_down
        && let Err(reason) = &buffers
    {
        warn!(%reason, "buffers unknown; only the grace period ends the wait");
    }
    let observed = Observations {
        now: Timestamp::now(),
        source_pods,
        buffers,
    };
    let actions = reconcile_pipeline(&pipeline, &ours, &observed);
    let owner = pipeline.controller_owner_ref(&());
    let create = PostParams {
        field_manager: Some(ctx.field_manager.clone()),
        ..PostParams::default()
    };
    for mut vertex in actions.create {
        let vertex_name = vertex.name_any();
        vertex.metadata.owner_references = owner.clone().map(|o| vec![o]);
        match vertices.create(&create, &vertex).await {
            Ok(created) => {
                info!(vertex = %vertex_name, "vertex created");
                rt.wrote::<Vertex>(&namespace, &vertex_name, &created.metadata);
            }
            Err(kube::Error::Api(status)) if status.code == 409 => {}
            Err(e) => return Err(Error::request(format!("creating Vertex/{vertex_name}"))(e)),
        }
    }
    send_planned(&rt, &namespace, &pipeline, &ours, &actions.writes).await?;
    for stale in &actions.delete {
        match vertices.delete(stale, &DeleteParams::default()).await {
            Ok(_) => info!(vertex = %stale, "vertex no longer declared; deleted"),
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(e) => return Err(Error::request(format!("deleting Vertex/{stale}"))(e)),
        }
    }
    // A status write held back while the vertices catch up goes out by `recheck_at`,
    // sooner than any other look.
    if let Some(at) = actions.recheck_at {
        let wait = Duration::try_from(Timestamp::now().duration_until(at)).unwrap_or_default();
        return Ok(Action::requeue(wait.min(REQUEUE_WHILE_CHANGING)));
    }
    Ok(next_look(&pipeline))
}

/// Whether the cache holds `pipeline`, or one of the vertices it declares (`ours` as
/// cached), older than a write of ours left it: a plan from it would repeat that write.
fn cache_behind(rt: &Runtime, pipeline: &Pipeline, ours: &[Vertex]) -> bool {
    if rt.behind(pipeline) {
        return true;
    }
    let namespace = pipeline.namespace().unwrap_or_default();
    declared_vertices(pipeline, ours).any(|(object, cached)| {
        let version = cached.and_then(|v| v.metadata.resource_version.as_deref());
        rt.caches
            .behind(&object_key("Vertex", &namespace, &object), version)
    })
}

/// When to reconcile `pipeline` again though nothing changed: while it pauses, is
/// deleted, or is not yet in the phase it is asked for, every
/// [`REQUEUE_WHILE_CHANGING`]; otherwise only on a change of it or of its vertices.
pub fn next_look(pipeline: &Pipeline) -> Action {
    let settled = pipeline.metadata.deletion_timestamp.is_none()
        && match pipeline.spec.desired_phase() {
            DesiredPhase::Running => pipeline.phase() == Some(PipelinePhase::Running),
            DesiredPhase::Paused => pipeline.phase() == Some(PipelinePhase::Paused),
        };
    if settled {
        Action::await_change()
    } else {
        Action::requeue(REQUEUE_WHILE_CHANGING)
    }
}

/// One reconcile of a vertex, from its own spec alone: its pods, one per replica, then
/// its status from what they are.
#[instrument(skip_all, fields(vertex = %vertex.name_any()))]
pub(crate) async fn reconcile_vertex_object(
    vertex: Arc<Vertex>,
    rt: Arc<Runtime>,
) -> Result<Action> {
    let selector = pod_selector(&vertex.spec.pipeline_name, &vertex.spec.name);
    let plan = |pods: &[Pod]| plan_pods(&vertex, pods);
    let Some((namespace, seen)) = sync_pods(&rt, &*vertex, &selector, plan).await? else {
        return Ok(Action::await_change());
    };
    if let Some(mut patch) = reconcile_vertex(&vertex, Some(&seen), Timestamp::now()) {
        patch.body["metadata"]["resourceVersion"] = json!(vertex.resource_version());
        let written = send_patch(&rt.ctx.client, &namespace, &patch, &rt.ctx.field_manager).await?;
        rt.wrote::<Vertex>(&namespace, &vertex.name_any(), &written.metadata);
    }
    Ok(Action::await_change())
}

/// Makes the pods of `owner` (a Vertex or a MonoVertex), those `selector` picks from the
/// pod cache, what `plan` asks of them: deletes the doomed, then creates the missing as
/// the field manager, each write remembered until the cache shows it. Returns the
/// owner's namespace and the pods there now; or nothing, and does nothing, while the
/// cache holds `owner` older than our last status write left it: the watch event of that
/// write wakes the owner's reconcile again.
pub(crate) async fn sync_pods<K: Resource<DynamicType = ()>>(
    rt: &Runtime,
    owner: &K,
    selector: &str,
    plan: impl FnOnce(&[Pod]) -> PodPlan,
) -> Result<Option<(String, PodsSeen)>> {
    let (namespace, name) = rt.ready_for(owner).await;
    if rt.behind(owner) {
        debug!("the cache has yet to show our status write; its watch event wakes us again");
        return Ok(None);
    }
    // The key of the owner's expected pod writes.
    let key = object_key(&K::kind(&()), &namespace, &name);
    let existing = rt.caches.pods_of(&key, &namespace, selector);
    let plan = plan(&existing);
    let pods: Api<Pod> = Api::namespaced(rt.ctx.client.clone(), &namespace);
    for doomed in &plan.delete {
        match pods.delete(doomed, &DeleteParams::default()).await {
            Ok(_) => info!(pod = %doomed, "pod deleted"),
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(e) => return Err(Error::request(format!("deleting Pod/{doomed}"))(e)),
        }
        rt.caches.expect(&key, &[], std::slice::from_ref(doomed));
    }
    let create = PostParams {
        field_manager: Some(rt.ctx.field_manager.clone()),
        ..PostParams::default()
    };
    let mut now_there: Vec<Pod> = existing
        .into_iter()
        .filter(|p| {
            p.metadata
                .name
                .as_ref()
                .is_none_or(|n| !plan.delete.contains(n))
        })
        .collect();
    for pod in &plan.create {
        let created = pods
            .create(&create, pod)
            .await
            .map_err(Error::request(format!(
                "creating a pod of {}/{name}",
                K::kind(&())
            )))?;
        info!(pod = %created.name_any(), "pod created");
        rt.caches.expect(&key, std::slice::from_ref(&created), &[]);
        now_there.push(created);
    }
    Ok(Some((namespace, PodsSeen::of(&now_there))))
}

pub(crate) fn retry<K: Resource>(object: Arc<K>, error: &Error, _: Arc<Runtime>) -> Action {
    let conflict =
        matches!(error, Error::Request { source: kube::Error::Api(s), .. } if s.code == 409);
    if conflict {
        // A plan from a cache that had not caught up: made again once it has.
        debug!(
            object = object.meta().name.as_deref().unwrap_or_default(),
            "stale read; reconciling again"
        );
    } else {
        warn!(
            object = object.meta().name.as_deref().unwrap_or_default(),
            error = %error_chain(error),
            "reconcile failed; retrying"
        );
    }
    Action::requeue(RETRY)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_a_pipeline_on_its_way_is_looked_at_again_unasked() {
        let pipeline = |desired: &str, phase: &str, deleted: bool| -> Pipeline {
            let mut meta = json!({ "name": "p" });
            if deleted {
                meta["deletionTimestamp"] = json!("2025-03-01T12:00:00Z");
            }
            serde_json::from_value(json!({
                "apiVersion": "numaflow.numaproj.io/v1alpha1",
                "kind": "Pipeline",
                "metadata": meta,
                "spec": { "lifecycle": { "desiredPhase": desired } },
                "status": { "phase": phase },
            }))
            .unwrap()
        };
        let again = Action::requeue(REQUEUE_WHILE_CHANGING);
        for (desired, phase, deleted, want) in [
            ("Running", "Running", false, Action::await_change()),
            ("Paused", "Paused", false, Action::await_change()),
            ("Paused", "Pausing", false, again.clone()),
            ("Paused", "Running", false, again.clone()),
            ("Running", "Paused", false, again.clone()),
            ("Running", "Failed", false, again.clone()),
            ("Running", "Deleting", true, again.clone()),
            ("Running", "Running", true, again.clone()),
        ] {
            assert_eq!(
                next_look(&pipeline(desired, phase, deleted)),
                want,
                "{desired} {phase} deleted={deleted}"
            );
        }
    }
}
