//! Checks a test makes of what the server does: waiting for what happens in the
//! background, and reading a request's answer.

use std::future::Future;
use std::time::Duration;

/// Polls `check` every 250 ms until it holds, for at most 30 s: RBAC bindings,
/// admission policies and controllers all take effect in the background.
///
/// # Panics
///
/// When `check` does not hold within 30 s, naming `what` did not happen.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..120 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{what} did not happen within 30 s");
}

/// The status code of a refused request, or 0 for success.
///
/// # Panics
///
/// When the request failed without an answer from the server.
pub fn status_of<T>(result: Result<T, kube::Error>) -> u16 {
    match result {
        Ok(_) => 0,
        Err(kube::Error::Api(status)) => status.code,
        Err(e) => panic!("not an API answer: {e}"),
    }
}
