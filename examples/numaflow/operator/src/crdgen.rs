//! The command line of `numaflow-crdgen` (and of `lifecycle-examples`' `crdgen`, the
//! same program under the README's name). It prints the Pipeline, Vertex and MonoVertex
//! CRDs as one YAML stream and, given the controller's ServiceAccount, the writer
//! policies of NumaFlow's lifecycles with their bindings, the controller's ClusterRole
//! and binding, and the roles that may edit, pause and resume pipelines and MonoVertices
//! or only view them:
//! `cargo run -q -p numaflow-operator --bin numaflow-crdgen -- --controller-service-account numaflow-system:numaflow-controller | kubectl apply -f -`.

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};
use numaflow_model::crd::{self, ServiceAccountRef};

/// Prints the NumaFlow Pipeline, Vertex and MonoVertex CRDs as one YAML stream on
/// stdout, each document starting with `---`.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example: crdgen --controller-service-account numaflow-system:numaflow-controller | kubectl apply -f -"
)]
pub struct Args {
    /// The ServiceAccount numaflow-controller runs as, NAMESPACE:NAME. With it, crdgen
    /// also prints ValidatingAdmissionPolicies with their bindings (only that account
    /// moves a pipeline's status.phase and a vertex's spec.lifecycle.desiredPhase, and
    /// creates vertices; the desired phase of a pipeline or a MonoVertex moves for holders
    /// of the RBAC verbs pause and resume), the controller's ClusterRole and
    /// ClusterRoleBinding, and the ClusterRoles numaflow-pipeline-editor (aggregated to
    /// edit and admin) and numaflow-pipeline-viewer (aggregated to view).
    #[arg(long, value_name = "NAMESPACE:NAME")]
    pub controller_service_account: Option<ServiceAccountRef>,
    /// Print instead Argo CD's health checks of the three kinds, generated from their
    /// lifecycles: the argocd-cm ConfigMap whose resource.customizations.health.* keys
    /// hold the Lua (Paused reads Suspended, Running Healthy, Pausing Progressing,
    /// Failed Degraded).
    #[arg(long, conflicts_with = "controller_service_account")]
    pub argocd_health: bool,
    /// Print instead kube-state-metrics' CustomResourceStateMetrics configuration of the
    /// three kinds, generated from their lifecycles: a state-set series per phase field,
    /// the conditions, and the generations (--custom-resource-state-config-file).
    #[arg(long, conflicts_with_all = ["controller_service_account", "argocd_health"])]
    pub kube_state_metrics: bool,
}

/// Parses the command line and prints the manifests: the whole of the binary, which
/// names itself as it was called (`crdgen` or `numaflow-crdgen`).
pub fn main() -> ExitCode {
    let called = std::env::args_os().next().map(std::path::PathBuf::from);
    let name = match called.as_deref().and_then(|p| p.file_stem()?.to_str()) {
        Some("numaflow-crdgen") => "numaflow-crdgen",
        _ => "crdgen",
    };
    let matches = Args::command().name(name).get_matches();
    let args = match Args::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
    let rendered = if args.argocd_health {
        crd::argocd_health_yaml()
    } else if args.kube_state_metrics {
        crd::kube_state_metrics_yaml()
    } else {
        crd::manifests_yaml(args.controller_service_account.as_ref())
    };
    let yaml = match rendered {
        Ok(yaml) => yaml,
        Err(e) => {
            eprintln!("crdgen: cannot render the manifests: {e}");
            return ExitCode::FAILURE;
        }
    };
    match std::io::stdout().write_all(yaml.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crdgen: cannot write to stdout: {e}");
            ExitCode::FAILURE
        }
    }
}
