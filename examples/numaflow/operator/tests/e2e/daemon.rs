//! A stand-in for NumaFlow's daemon, which the controller asks how many messages wait in
//! a pipeline's buffers before a pause may end.

/// A stand-in for NumaFlow's daemon on 127.0.0.1: it answers
/// `GET /api/v1/pipelines/{pipeline}/buffers` with one buffer of `pending` messages, or
/// with a 503 while unreachable. Its thread lives as long as the test process.
#[derive(Clone)]
pub(super) struct FakeDaemon {
    pub(super) url: String,
    state: std::sync::Arc<std::sync::Mutex<(u64, bool)>>,
}

impl FakeDaemon {
    /// A daemon that reports empty buffers.
    pub(super) fn start() -> Self {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let state = std::sync::Arc::new(std::sync::Mutex::new((0u64, true)));
        let shared = state.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut request = Vec::new();
                let mut chunk = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&chunk[..n]),
                    }
                }
                let (pending, up) = *shared.lock().unwrap_or_else(|e| e.into_inner());
                let (status, body) = if up {
                    (
                        "200 OK",
                        format!(
                            r#"{{"buffers":[{{"bufferName":"b-0","pendingCount":{pending},"ackPendingCount":0}}]}}"#
                        ),
                    )
                } else {
                    ("503 Service Unavailable", "daemon down".to_owned())
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        FakeDaemon { url, state }
    }

    /// Reports `pending` messages from now on.
    pub(super) fn set_pending(&self, pending: u64) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0 = pending;
    }

    /// Answers (or not) from now on.
    pub(super) fn set_up(&self, up: bool) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1 = up;
    }
}
