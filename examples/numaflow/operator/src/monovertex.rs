//! One reconcile of a MonoVertex: its pods (read from the shared pod cache), one per
//! replica and none while paused, then its status, with the phase change its user asked for reported as an Event and counted.

use std::sync::Arc;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::controller::Action;

use kube::{Resource, ResourceExt};
use lifecycle_model::Named;
use numaflow_model::monovertex::{
    MonoVertex, MonoVertexStatus, PHASE_EVENT_REASON, plan_pods, reconcile,
};
use serde_json::json;
use tracing::instrument;

use crate::reconcile::sync_pods;
use crate::write::publish_transition;
use crate::{Result, Runtime, send_patch};

/// One reconcile of `mvtx`.
#[instrument(skip_all, fields(monovertex = %mvtx.name_any()))]
pub(crate) async fn reconcile_mono_vertex_object(
    mvtx: Arc<MonoVertex>,
    rt: Arc<Runtime>,
) -> Result<Action> {
    let selector = MonoVertexStatus::selector_for(&mvtx.name_any());
    let plan = |pods: &[Pod]| plan_pods(&mvtx, pods);
    let Some((namespace, seen)) = sync_pods(&rt, &*mvtx, &selector, plan).await? else {
        return Ok(Action::await_change());
    };
    let Some(mut write) = reconcile(&mvtx, Some(&seen), Timestamp::now()) else {
        return Ok(Action::await_change());
    };
    write.patch.body["metadata"]["resourceVersion"] = json!(mvtx.resource_version());
    let written = send_patch(
        &rt.ctx.client,
        &namespace,
        &write.patch,
        &rt.ctx.field_manager,
    )
    .await?;
    rt.wrote::<MonoVertex>(&namespace, &mvtx.name_any(), &written.metadata);
    if let Some(change) = write.change {
        rt.ctx
            .telemetry
            .metrics()
            .transition(change.event, change.from, change.to);
        let regarding = mvtx.object_ref(&());
        let (note, action) = (change.note(), change.event.name());
        publish_transition(&rt.ctx, &regarding, PHASE_EVENT_REASON, note, action, None);
    }
    Ok(Action::await_change())
}
