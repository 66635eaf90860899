//! What an operator serves besides its work: Prometheus metrics on `/metrics`, liveness
//! on `/healthz` and readiness on `/readyz`, over HTTP/1 with hyper.
//!
//! The metrics are the lifecycle's own (`lifecycle_transitions_total`,
//! `lifecycle_objects`, see [`lifecycle_model::metrics`]); the object gauges are read
//! from the controllers' caches at each scrape.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::CONTENT_TYPE;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use kube::runtime::reflector::Store;
use lifecycle_model::metrics::LifecycleMetrics;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tracing::{debug, warn};

use crate::numaflow::pipeline::{Pipeline, PipelinePhase};
use crate::numaflow::vertex::Vertex;

/// The content type of Prometheus' text format as `prometheus-client` encodes it.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The metrics registry, the lifecycle metrics in it, and whether the operator is ready.
pub struct Telemetry {
    registry: Registry,
    metrics: LifecycleMetrics,
    ready: AtomicBool,
    caches: Mutex<Option<(Store<Pipeline>, Store<Vertex>)>>,
}

impl Default for Telemetry {
    fn default() -> Self {
        let metrics = LifecycleMetrics::default();
        let mut registry = Registry::default();
        metrics.register(&mut registry);
        Telemetry {
            registry,
            metrics,
            ready: AtomicBool::new(false),
            caches: Mutex::new(None),
        }
    }
}

impl Telemetry {
    /// The lifecycle metrics, to count transitions with.
    pub fn metrics(&self) -> &LifecycleMetrics {
        &self.metrics
    }

    /// Marks the operator ready (or not) for `/readyz`.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }

    /// Whether `/readyz` answers 200.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// The controllers' caches, from which each scrape counts objects per phase.
    pub fn watch_caches(&self, pipelines: Store<Pipeline>, vertices: Store<Vertex>) {
        *self.caches.lock().unwrap_or_else(PoisonError::into_inner) = Some((pipelines, vertices));
    }

    /// The metrics in Prometheus' text format, the object gauges refreshed first.
    pub fn encode(&self) -> String {
        if let Some((pipelines, vertices)) = self
            .caches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            let phases: Vec<PipelinePhase> =
                pipelines.state().iter().filter_map(|p| p.phase()).collect();
            self.metrics.set_objects(phases);
            self.metrics
                .set_objects(vertices.state().iter().map(|v| v.spec.desired_phase()));
        }
        let mut text = String::new();
        // Writing into a `String` cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// The answer to a request for `path`.
    pub fn respond(&self, path: &str) -> Response<Full<Bytes>> {
        let (status, content_type, body) = match path {
            "/metrics" => (StatusCode::OK, OPENMETRICS_CONTENT_TYPE, self.encode()),
            "/healthz" => (StatusCode::OK, "text/plain", "ok\n".to_owned()),
            "/readyz" if self.is_ready() => (StatusCode::OK, "text/plain", "ok\n".to_owned()),
            "/readyz" => (
                StatusCode::SERVICE_UNAVAILABLE,
                "text/plain",
                "not ready\n".to_owned(),
            ),
            _ => (
                StatusCode::NOT_FOUND,
                "text/plain",
                format!("no such endpoint {path}; try /metrics, /healthz or /readyz\n"),
            ),
        };
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        if let Ok(value) = content_type.parse() {
            response.headers_mut().insert(CONTENT_TYPE, value);
        }
        response
    }
}

/// Serves `/metrics`, `/healthz` and `/readyz` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, telemetry: Arc<Telemetry>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                warn!(%error, "cannot accept a metrics connection");
                continue;
            }
        };
        let telemetry = telemetry.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let response = telemetry.respond(request.uri().path());
                async move { Ok::<_, Infallible>(response) }
            });
            if let Err(error) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                debug!(%error, "metrics connection ended");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numaflow::pipeline::PipelinePhaseEvent;

    #[test]
    fn endpoints_answer_and_unknown_paths_say_what_exists() {
        let telemetry = Telemetry::default();
        assert_eq!(telemetry.respond("/healthz").status(), StatusCode::OK);
        assert_eq!(
            telemetry.respond("/readyz").status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        telemetry.set_ready(true);
        assert_eq!(telemetry.respond("/readyz").status(), StatusCode::OK);
        let missing = telemetry.respond("/nope");
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let metrics = telemetry.respond("/metrics");
        assert_eq!(
            metrics.headers()[CONTENT_TYPE].to_str().ok(),
            Some(OPENMETRICS_CONTENT_TYPE)
        );
    }

    #[test]
    fn transitions_show_in_the_text() {
        let telemetry = Telemetry::default();
        telemetry.metrics().transition(
            PipelinePhaseEvent::Pause,
            PipelinePhase::Running,
            PipelinePhase::Pausing,
        );
        let text = telemetry.encode();
        assert!(
            text.contains(r#"lifecycle_transitions_total{machine="PipelinePhase",event="pause",from="Running",to="Pausing"} 1"#),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
