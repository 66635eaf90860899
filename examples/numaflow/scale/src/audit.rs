//! The API server's audit log: the controller's requests, read back and counted.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;

/// An audit policy that keeps every completed request of `user` at the `Metadata` level
/// (verb, resource, namespace, response code), or with its body too at `Request`
/// (`bodies`), and nothing of anyone else's.
pub fn policy(user: &str, bodies: bool) -> String {
    let level = if bodies { "Request" } else { "Metadata" };
    format!(
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n\
         - level: {level}\n  users: [\"{user}\"]\n- level: None\n"
    )
}

/// One request, as the audit log records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// When the server received it.
    pub at: Timestamp,
    /// `get`, `list`, `watch`, `create`, `patch`, `update`, `delete`, ...
    pub verb: String,
    /// The resource, with `/subresource` when there is one: `pipelines/status`.
    pub resource: String,
    /// The namespace, empty for cluster-scoped requests.
    pub namespace: String,
    /// The response's HTTP code.
    pub code: u16,
}

impl Request {
    /// A request that writes: anything but `get`, `list` and `watch`.
    pub fn writes(&self) -> bool {
        !matches!(self.verb.as_str(), "get" | "list" | "watch")
    }

    /// `VERB resource`, as the tables print it: `PATCH pipelines/status`. An Event is
    /// created, or patched when it repeats (a series); either way one report of one
    /// transition, so both are `RECORD events`.
    pub fn kind(&self) -> String {
        if self.resource == "events" && matches!(self.verb.as_str(), "create" | "patch") {
            return "RECORD events".to_owned();
        }
        format!("{} {}", self.verb.to_uppercase(), self.resource)
    }
}

/// The requests of a whole audit log, in the order the server wrote them: each once, as
/// it completed, or for a watch as it started. Lines that are not a resource request
/// (such as `/version`) are passed over; a line that is not JSON is an error that names
/// it.
pub fn parse(log: &str) -> Result<Vec<Request>, String> {
    let mut out = Vec::new();
    for (n, line) in log.lines().enumerate() {
        let event: Value = serde_json::from_str(line)
            .map_err(|e| format!("audit log line {}: {e}: {line}", n + 1))?;
        let stage = if event["verb"] == "watch" {
            "ResponseStarted"
        } else {
            "ResponseComplete"
        };
        if event["stage"] != stage {
            continue;
        }
        let Some(object) = event.get("objectRef") else {
            continue;
        };
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let mut resource = text(&object["resource"]);
        if let Some(sub) = object["subresource"].as_str() {
            resource = format!("{resource}/{sub}");
        }
        let at = event["requestReceivedTimestamp"]
            .as_str()
            .and_then(|t| t.parse::<Timestamp>().ok())
            .ok_or_else(|| format!("audit log line {}: no requestReceivedTimestamp", n + 1))?;
        out.push(Request {
            at,
            verb: text(&event["verb"]),
            resource,
            namespace: text(&object["namespace"]),
            code: event["responseStatus"]["code"]
                .as_u64()
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The audit log at `path` once the server has finished writing it: requests sent a
/// moment ago may still be on their way, the last line half written.
pub async fn settled(path: &Path) -> Result<Vec<Request>, String> {
    let mut last = String::new();
    for _ in 0..40 {
        let log = std::fs::read_to_string(path)
            .map_err(|e| format!("reading the audit log {}: {e}", path.display()))?;
        if (log.is_empty() || log.ends_with('\n'))
            && let Ok(requests) = parse(&log)
        {
            return Ok(requests);
        }
        last = log;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    parse(&last).map_err(|e| format!("the audit log never ends in a whole line: {e}"))
}

/// How long after a LIST the WATCH that follows it may start, for the LIST to count as
/// the watch's own: a watch lists, then watches from the version the list returned.
pub const LIST_THEN_WATCH: std::time::Duration = std::time::Duration::from_secs(10);

/// The reads among `requests` that no watch made: every GET, and every LIST not followed
/// within [`LIST_THEN_WATCH`] by a WATCH of the same resource in the same namespace (a
/// watch lists when it starts, and again when it cannot resume where it stopped).
pub fn outside_watches(requests: &[Request]) -> Vec<&Request> {
    let window = jiff::SignedDuration::try_from(LIST_THEN_WATCH).unwrap_or_default();
    requests
        .iter()
        .filter(|r| match r.verb.as_str() {
            "get" => true,
            "list" => !requests.iter().any(|w| {
                w.verb == "watch"
                    && w.resource == r.resource
                    && w.namespace == r.namespace
                    && w.at >= r.at
                    && w.at <= r.at + window
            }),
            _ => false,
        })
        .collect()
}

/// How many requests of each kind (`PATCH pipelines/status`, ...) fall in `[from, to)`
/// in `namespace`.
pub fn count(
    requests: &[Request],
    namespace: &str,
    from: Timestamp,
    to: Timestamp,
) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for r in requests
        .iter()
        .filter(|r| r.namespace == namespace && r.at >= from && r.at < to)
    {
        *out.entry(r.kind()).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completed_resource_requests_are_read_and_the_rest_passed_over() {
        let log = concat!(
            r#"{"stage":"ResponseComplete","verb":"patch","requestReceivedTimestamp":"2026-12-06T01:00:00.5Z","objectRef":{"resource":"pipelines","subresource":"status","namespace":"scale"},"responseStatus":{"code":200}}"#,
            "\n",
            r#"{"stage":"ResponseStarted","verb":"watch","requestReceivedTimestamp":"2026-12-06T01:00:00Z","objectRef":{"resource":"pods"}}"#,
            "\n",
            r#"{"stage":"ResponseComplete","verb":"watch","requestReceivedTimestamp":"2026-12-06T01:00:00Z","objectRef":{"resource":"pods"}}"#,
            "\n",
            r#"{"stage":"ResponseStarted","verb":"get","requestReceivedTimestamp":"2026-12-06T01:00:00Z","objectRef":{"resource":"pods"}}"#,
            "\n",
            r#"{"stage":"ResponseComplete","verb":"get","requestReceivedTimestamp":"2026-12-06T01:00:01Z","responseStatus":{"code":200}}"#,
            "\n",
        );
        let requests = parse(log).unwrap();
        // The patch as it completed, the watch as it started; nothing else.
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].kind(), "PATCH pipelines/status");
        assert_eq!(requests[1].kind(), "WATCH pods");
        assert!(requests[0].writes());
        let from: Timestamp = "2026-12-06T01:00:00Z".parse().unwrap();
        let to: Timestamp = "2026-12-06T01:00:01Z".parse().unwrap();
        assert_eq!(
            count(&requests, "scale", from, to)["PATCH pipelines/status"],
            1
        );
        assert!(count(&requests, "other", from, to).is_empty());
        assert!(count(&requests, "scale", to, to).is_empty());
    }

    #[test]
    fn a_list_a_watch_follows_is_the_watch_s_own() {
        let at = |s: &str| format!("2026-12-06T01:00:{s}Z");
        let line = |verb: &str, stage: &str, t: &str, resource: &str| {
            format!(
                r#"{{"stage":"{stage}","verb":"{verb}","requestReceivedTimestamp":"{}","objectRef":{{"resource":"{resource}","namespace":"scale"}},"responseStatus":{{"code":200}}}}"#,
                at(t)
            )
        };
        let log = [
            line("list", "ResponseComplete", "00", "pods"),
            line("watch", "ResponseStarted", "01", "pods"),
            line("watch", "ResponseComplete", "01", "pods"),
            line("list", "ResponseComplete", "02", "vertices"),
            line("get", "ResponseComplete", "03", "pods"),
            line("list", "ResponseComplete", "04", "pods"),
            line("watch", "ResponseStarted", "30", "pods"),
        ]
        .join("\n");
        let requests = parse(&log).unwrap();
        // The watch is counted once, as it started.
        assert_eq!(requests.iter().filter(|r| r.verb == "watch").count(), 2);
        let outside: Vec<String> = outside_watches(&requests)
            .iter()
            .map(|r| format!("{} {}", r.kind(), r.at))
            .collect();
        assert_eq!(
            outside,
            [
                format!("LIST vertices {}", at("02")),
                format!("GET pods {}", at("03")),
                format!("LIST pods {}", at("04")),
            ]
        );
    }

    #[test]
    fn a_line_that_is_not_json_is_named() {
        let error = parse("{}\nnot json\n").unwrap_err();
        assert!(error.starts_with("audit log line 2:"), "{error}");
    }
}
