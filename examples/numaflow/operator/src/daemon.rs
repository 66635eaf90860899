//! NumaFlow's daemon, asked for a pipeline's buffer depths over its REST API:
//! `GET /api/v1/pipelines/{pipeline}/buffers` on the pipeline's daemon service, which
//! answers `{"buffers":[{"bufferName", "pendingCount", "ackPendingCount", ...}]}`.
//!
//! The daemon serves HTTPS with a certificate it signs itself, so, as NumaFlow's own
//! client does, the connection is encrypted but the certificate is not verified. Any
//! answer but a well-formed list is an error: the caller then knows nothing of the
//! buffers, and a pipeline whose buffers are unknown is never taken as drained.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper::{Request, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use serde::Deserialize;

use numaflow_model::plan::BufferDepth;

/// Where a pipeline's daemon listens unless told otherwise: `{pipeline}` and
/// `{namespace}` are filled in.
pub const DEFAULT_DAEMON_URL: &str = "https://{pipeline}-daemon-svc.{namespace}.svc:4327";
/// How long the daemon has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// The largest answer read.
const MAX_BODY: usize = 1 << 20;

/// Why the buffers could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// No TLS client could be set up.
    #[error("cannot set up TLS for NumaFlow's daemon")]
    Tls(#[source] rustls::Error),
    /// The address, once filled in, is no URL.
    #[error("`{url}` is not a URL")]
    Url {
        /// The address.
        url: String,
        /// Why.
        #[source]
        source: hyper::http::uri::InvalidUri,
    },
    /// No connection, or no answer.
    #[error("cannot reach NumaFlow's daemon at {url}")]
    Unreachable {
        /// The request's URL.
        url: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No answer within [`TIMEOUT`].
    #[error("NumaFlow's daemon at {url} did not answer within {} s", TIMEOUT.as_secs())]
    Timeout {
        /// The request's URL.
        url: String,
    },
    /// An answer other than 200.
    #[error("NumaFlow's daemon at {url} answered {status}: {body}")]
    Status {
        /// The request's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of the answer.
        body: String,
    },
    /// A 200 whose body is not a buffer list.
    #[error("NumaFlow's daemon at {url} answered something that is not a buffer list: {detail}")]
    Garbage {
        /// The request's URL.
        url: String,
        /// What was wrong.
        detail: String,
    },
}

/// A client of the daemons of many pipelines, at an address template.
#[derive(Clone, Debug)]
pub struct Daemon {
    template: String,
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
}

impl Daemon {
    /// A client for daemons at `template`, in which `{pipeline}` and `{namespace}` are
    /// filled in: [`DEFAULT_DAEMON_URL`], or for tests `http://127.0.0.1:8080`.
    pub fn new(template: impl Into<String>) -> Result<Self, DaemonError> {
        // The process's provider if one is installed, else the one rustls takes from its
        // enabled features (*ring*, as kube's client here): one TLS stack per process.
        let provider = match CryptoProvider::get_default() {
            Some(installed) => installed.clone(),
            None => ClientConfig::builder().crypto_provider().clone(),
        };
        let tls = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(DaemonError::Tls)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(SelfSigned(
                provider.signature_verification_algorithms,
            )))
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Daemon {
            template: template.into(),
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// The buffers URL of `pipeline` in `namespace`.
    pub fn url(&self, namespace: &str, pipeline: &str) -> String {
        let base = self
            .template
            .replace("{pipeline}", pipeline)
            .replace("{namespace}", namespace);
        format!(
            "{}/api/v1/pipelines/{pipeline}/buffers",
            base.trim_end_matches('/')
        )
    }

    /// The buffers of `pipeline` in `namespace`, as its daemon reports them.
    pub async fn buffers(
        &self,
        namespace: &str,
        pipeline: &str,
    ) -> Result<Vec<BufferDepth>, DaemonError> {
        let url = self.url(namespace, pipeline);
        let uri: Uri = url.parse().map_err(|source| DaemonError::Url {
            url: url.clone(),
            source,
        })?;
        let unreachable =
            |source: Box<dyn std::error::Error + Send + Sync>| DaemonError::Unreachable {
                url: url.clone(),
                source,
            };
        let request = Request::get(uri)
            .header("accept", "application/json")
            .body(Empty::new())
            .map_err(|e| unreachable(e.into()))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| unreachable(e.into()))?;
            let status = response.status().as_u16();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(unreachable)?
                .to_bytes();
            Ok::<_, DaemonError>((status, body))
        };
        let (status, body) = tokio::time::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| DaemonError::Timeout { url: url.clone() })??;
        if status != 200 {
            let text = String::from_utf8_lossy(&body);
            return Err(DaemonError::Status {
                url,
                status,
                body: text.chars().take(200).collect(),
            });
        }
        parse_buffers(&body).map_err(|detail| DaemonError::Garbage { url, detail })
    }
}

/// A buffer count: NumaFlow's JSON writes 64-bit counts as numbers, and protobuf's JSON
/// mapping as decimal strings; both are read.
#[derive(Deserialize)]
#[serde(untagged)]
enum Count {
    Number(u64),
    Text(String),
}

impl Count {
    fn value(&self, field: &str, buffer: &str) -> Result<u64, String> {
        match self {
            Count::Number(n) => Ok(*n),
            Count::Text(text) => text
                .parse()
                .map_err(|_| format!("{field} of buffer {buffer:?} is {text:?}, not a count")),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Buffer {
    buffer_name: String,
    pending_count: Option<Count>,
    ack_pending_count: Option<Count>,
}

#[derive(Deserialize)]
struct Buffers {
    buffers: Vec<Buffer>,
}

/// The buffer depths in a daemon's answer. A missing count is an error, not a zero: a
/// buffer of unknown depth is not an empty one.
pub fn parse_buffers(body: &[u8]) -> Result<Vec<BufferDepth>, String> {
    let parsed: Buffers = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    parsed
        .buffers
        .into_iter()
        .map(|b| {
            let count = |field: &str, count: Option<Count>| {
                count
                    .ok_or_else(|| format!("buffer {:?} has no {field}", b.buffer_name))?
                    .value(field, &b.buffer_name)
            };
            Ok(BufferDepth {
                pending: count("pendingCount", b.pending_count)?,
                ack_pending: count("ackPendingCount", b.ack_pending_count)?,
                name: b.buffer_name,
            })
        })
        .collect()
}

/// Accepts the daemon's self-signed certificate, as NumaFlow's daemon client does;
/// handshake signatures are still checked, with the provider's algorithms.
#[derive(Debug)]
struct SelfSigned(WebPkiSupportedAlgorithms);

/// A [`ServerCertVerifier`] method that checks a handshake signature with rustls' own
/// function of the same name: TLS 1.2's and 1.3's differ in that function alone.
macro_rules! check_signature_with {
    ($method:ident) => {
        fn $method(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::$method(message, cert, dss, &self.0)
        }
    };
}

impl ServerCertVerifier for SelfSigned {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    check_signature_with!(verify_tls12_signature);
    check_signature_with!(verify_tls13_signature);

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    #[test]
    fn the_template_is_filled_in() {
        let daemon = Daemon::new(DEFAULT_DAEMON_URL).unwrap();
        assert_eq!(
            daemon.url("prod", "simple"),
            "https://simple-daemon-svc.prod.svc:4327/api/v1/pipelines/simple/buffers"
        );
        let local = Daemon::new("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            local.url("prod", "simple"),
            "http://127.0.0.1:8080/api/v1/pipelines/simple/buffers"
        );
    }

    #[test]
    fn counts_read_as_numbers_or_decimal_strings() {
        let body = br#"{"buffers":[
            {"pipeline":"simple","bufferName":"simple-cat-0","pendingCount":3,"ackPendingCount":"2",
             "totalMessages":5,"bufferLength":30000,"bufferUsageLimit":0.8,"bufferUsage":0,"isFull":false},
            {"bufferName":"simple-out-0","pendingCount":"0","ackPendingCount":0}
        ]}"#;
        assert_eq!(
            parse_buffers(body),
            Ok(vec![
                BufferDepth {
                    name: "simple-cat-0".into(),
                    pending: 3,
                    ack_pending: 2
                },
                BufferDepth {
                    name: "simple-out-0".into(),
                    pending: 0,
                    ack_pending: 0
                },
            ])
        );
        assert_eq!(parse_buffers(br#"{"buffers":[]}"#), Ok(vec![]));
    }

    #[test]
    fn garbage_is_an_error_never_an_empty_list() {
        for (body, says) in [
            (&b"<html>502 Bad Gateway</html>"[..], "expected value"),
            (b"{}", "missing field `buffers`"),
            (
                br#"{"buffers":[{"bufferName":"b","ackPendingCount":0}]}"#,
                "buffer \"b\" has no pendingCount",
            ),
            (
                br#"{"buffers":[{"bufferName":"b","pendingCount":"many","ackPendingCount":0}]}"#,
                "pendingCount of buffer \"b\" is \"many\", not a count",
            ),
            (
                br#"{"buffers":[{"bufferName":"b","pendingCount":-1,"ackPendingCount":0}]}"#,
                "did not match any variant",
            ),
        ] {
            let error = parse_buffers(body).unwrap_err();
            assert!(error.contains(says), "{error}");
        }
    }

    /// Serves one connection on 127.0.0.1 with `response`, over TLS with a self-signed
    /// certificate for `simple-daemon-svc.default.svc` (as NumaFlow's daemon has) when
    /// `tls`, and returns the address.
    fn serve_once(response: impl Into<String>, tls: bool) -> std::net::SocketAddr {
        let response = response.into();
        let config = tls.then(self_signed);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let Ok((tcp, _)) = listener.accept() else {
                return;
            };
            let Some(config) = config else {
                return answer(tcp, &response);
            };
            let session = rustls::ServerConnection::new(Arc::new(config)).unwrap();
            let mut stream = rustls::StreamOwned::new(session, tcp);
            answer(&mut stream, &response);
            stream.conn.send_close_notify();
            let _ = stream.flush();
        });
        addr
    }

    /// Reads a request from `stream` and writes `response`.
    fn answer(mut stream: impl Read + Write, response: &str) {
        let mut request = [0u8; 1024];
        if stream.read(&mut request).is_ok() {
            let _ = stream.write_all(response.as_bytes());
        }
    }

    /// A TLS server's configuration with the self-signed certificate in
    /// `tests/fixtures/`.
    fn self_signed() -> rustls::ServerConfig {
        use rustls::pki_types::PrivateKeyDer;
        use rustls::pki_types::pem::PemObject;
        let fixture = |file: &str| format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
        let cert = CertificateDer::from_pem_file(fixture("daemon-tls.crt")).unwrap();
        let key = PrivateKeyDer::from_pem_file(fixture("daemon-tls.key")).unwrap();
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap()
    }

    /// The pending messages of the one buffer the daemon at `template` reports for
    /// pipeline `simple`.
    async fn pending_at(template: String) -> u64 {
        let daemon = Daemon::new(template).unwrap();
        daemon.buffers("default", "simple").await.unwrap()[0].pending
    }

    /// What asking the daemon at `template` for pipeline `simple`'s buffers fails with.
    async fn failure_from(template: impl Into<String>) -> DaemonError {
        Daemon::new(template)
            .unwrap()
            .buffers("default", "simple")
            .await
            .unwrap_err()
    }

    #[tokio::test]
    async fn a_daemon_is_read_over_http_and_over_tls_with_a_self_signed_certificate() {
        for (tls, scheme, pending) in [(false, "http", 4), (true, "https", 2)] {
            let body = format!(
                r#"{{"buffers":[{{"bufferName":"b","pendingCount":{pending},"ackPendingCount":1}}]}}"#
            );
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let addr = serve_once(response, tls);
            assert_eq!(pending_at(format!("{scheme}://{addr}")).await, pending);
        }
    }

    #[tokio::test]
    async fn failures_say_where_and_what() {
        let addr = serve_once(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 7\r\nconnection: close\r\n\r\nno isbs",
            false,
        );
        let error = failure_from(format!("http://{addr}")).await;
        assert_eq!(
            error.to_string(),
            format!(
                "NumaFlow's daemon at http://{addr}/api/v1/pipelines/simple/buffers answered 503: no isbs"
            )
        );

        let garbage = serve_once(
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
            false,
        );
        let error = failure_from(format!("http://{garbage}")).await;
        assert!(matches!(error, DaemonError::Garbage { .. }), "{error}");

        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let error = failure_from(format!("http://{closed}")).await;
        assert!(matches!(error, DaemonError::Unreachable { .. }), "{error}");
        assert_eq!(
            error.to_string(),
            format!(
                "cannot reach NumaFlow's daemon at http://{closed}/api/v1/pipelines/simple/buffers"
            )
        );

        let error = failure_from("http://{pipeline} bad").await;
        assert!(matches!(error, DaemonError::Url { .. }), "{error}");
    }
}
