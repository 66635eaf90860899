//! A stand-in for NumaFlow's daemon, which the controller asks how many messages wait in
//! a pipeline's buffers before a pause may end.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

/// A stand-in for NumaFlow's daemon on 127.0.0.1: it answers
/// `GET /api/v1/pipelines/{pipeline}/buffers` with one buffer of `pending` messages, or
/// with a 503 while unreachable, and counts the requests. Its thread lives as long as the
/// process.
#[derive(Clone)]
pub struct StandInDaemon {
    /// Where it serves: `http://127.0.0.1:PORT`, for the controller's `--daemon-url`.
    pub url: String,
    state: Arc<Mutex<DaemonState>>,
}

#[derive(Default)]
struct DaemonState {
    pending: u64,
    down: bool,
    asked: u64,
}

impl StandInDaemon {
    /// A daemon that reports empty buffers: every pipeline drained.
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let state = Arc::new(Mutex::new(DaemonState::default()));
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
                let (status, body) = {
                    let mut state = shared.lock().unwrap_or_else(|e| e.into_inner());
                    state.asked += 1;
                    if state.down {
                        ("503 Service Unavailable", "daemon down".to_owned())
                    } else {
                        let pending = state.pending;
                        (
                            "200 OK",
                            format!(
                                r#"{{"buffers":[{{"bufferName":"b-0","pendingCount":{pending},"ackPendingCount":0}}]}}"#
                            ),
                        )
                    }
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        StandInDaemon { url, state }
    }

    /// Reports `pending` messages from now on.
    pub fn set_pending(&self, pending: u64) {
        self.lock().pending = pending;
    }

    /// Answers (or not) from now on.
    pub fn set_up(&self, up: bool) {
        self.lock().down = !up;
    }

    /// How many requests it has answered so far.
    pub fn asked(&self) -> u64 {
        self.lock().asked
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DaemonState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
