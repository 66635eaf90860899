//! What an operator shows of itself over HTTP: `/metrics` in the OpenMetrics text
//! format, `/healthz` and `/readyz`.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use ::kube::Resource;
use ::kube::runtime::reflector::Store;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::CONTENT_TYPE;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tracing::{debug, warn};

use crate::metrics::LifecycleMetrics;
use crate::{HasPhase, Lifecycle};

/// The content type of `/metrics`.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

type Refresh = Box<dyn Fn(&LifecycleMetrics) + Send + Sync>;

/// An operator's metrics and health.
///
/// - The lifecycle metrics ([`LifecycleMetrics`]) live in the registry, beside any the
///   application registers itself ([`Telemetry::with_registry`]).
/// - The gauge of objects per state is read from the controllers' caches at each
///   scrape ([`Telemetry::count_objects`]), so it costs nothing between scrapes.
/// - Ready means reconciling, or standing by as a leader-election candidate with the
///   Lease in reach; the operator sets it.
///
/// ```
/// use lifecycle_model::runtime::Telemetry;
///
/// let telemetry = Telemetry::default();
/// assert_eq!(telemetry.respond("/healthz").status(), 200);
/// assert_eq!(telemetry.respond("/readyz").status(), 503);
/// telemetry.set_ready(true);
/// assert_eq!(telemetry.respond("/readyz").status(), 200);
/// assert!(telemetry.encode().ends_with("# EOF\n"));
/// ```
pub struct Telemetry {
    registry: Registry,
    metrics: LifecycleMetrics,
    ready: AtomicBool,
    refresh: Mutex<Vec<Refresh>>,
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::with_registry(Registry::default())
    }
}

impl Telemetry {
    /// Serves `registry`, with the lifecycle metrics added to it.
    pub fn with_registry(mut registry: Registry) -> Self {
        let metrics = LifecycleMetrics::default();
        metrics.register(&mut registry);
        Telemetry {
            registry,
            metrics,
            ready: AtomicBool::new(false),
            refresh: Mutex::new(Vec::new()),
        }
    }

    /// The lifecycle metrics, for counting transitions.
    pub fn metrics(&self) -> &LifecycleMetrics {
        &self.metrics
    }

    /// Says whether the operator is ready.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }

    /// Whether the operator said it is ready.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Counts the objects of `store` per state of `P` at every scrape.
    pub fn count_objects<K, P>(&self, store: Store<K>)
    where
        K: Resource<DynamicType = ()> + HasPhase<P> + Clone + Send + Sync + 'static,
        P: Lifecycle + Send + Sync,
    {
        self.count_with(move |metrics| {
            metrics.set_objects(store.state().iter().filter_map(|o| o.phase()));
        });
    }

    /// Runs `refresh` before every scrape: for gauges read from elsewhere than a store
    /// of objects with a phase.
    pub fn count_with(&self, refresh: impl Fn(&LifecycleMetrics) + Send + Sync + 'static) {
        self.refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(refresh));
    }

    /// The metrics in the OpenMetrics text format, gauges refreshed first.
    pub fn encode(&self) -> String {
        for refresh in self
            .refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            refresh(&self.metrics);
        }
        let mut text = String::new();
        // Writing to a `String` cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// The answer to a request for `path`. An unknown path is a 404 that lists the
    /// endpoints.
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

/// Serves `telemetry` on `listener` over HTTP/1 until the task is dropped.
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

    #[test]
    fn unknown_paths_say_what_exists() {
        let telemetry = Telemetry::default();
        let missing = telemetry.respond("/nope");
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let metrics = telemetry.respond("/metrics");
        assert_eq!(
            metrics.headers()[CONTENT_TYPE].to_str().ok(),
            Some(OPENMETRICS_CONTENT_TYPE)
        );
    }

    #[test]
    fn gauges_are_refreshed_at_every_scrape() {
        let telemetry = Telemetry::default();
        let scrapes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = scrapes.clone();
        telemetry.count_with(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
        });
        telemetry.encode();
        telemetry.encode();
        assert_eq!(scrapes.load(Ordering::SeqCst), 2);
    }
}
