// Command lifecycle-apiserver runs a real Kubernetes control-plane API server
// for the lifecycle end-to-end tests: kube-apiserver (core API, RBAC,
// admission, CRDs with CEL validation) backed by an in-process etcd, on
// 127.0.0.1 with TLS. It issues named identities (an admin client
// certificate, a static-token user, a ServiceAccount token), writes a
// kubeconfig with one context per identity, prints "READY <url>" on stdout
// and serves until it is signalled or its parent goes away. With --data-dir it
// can be stopped and started again on the same data, URL and credentials.
//
// There is no controller-manager, scheduler or kubelet: pods stay Pending,
// namespaces never finish deleting, ClusterRole aggregation does not happen.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	_ "time/tzdata" // as upstream kube-apiserver: time zones for CronJobs

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // as upstream: the JSON log format
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // as upstream: client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // as upstream: the version metric
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

const shutdownGrace = 30 * time.Second

// options are the program's own flags; arguments after "--" go to
// kube-apiserver and override the defaults.
type options struct {
	kubeconfig     string
	dataDir        string
	parentPID      int
	stdinEOF       bool
	verbose        bool
	serviceAccount serviceAccountName
	apiserverArgs  []string
}

func main() {
	var o options
	flag.StringVar(&o.kubeconfig, "kubeconfig", "", "path to write the kubeconfig to (required)")
	flag.StringVar(&o.dataDir, "data-dir", "", "keep etcd's data, the certificates, the tokens and the ports in this directory, reuse them on the next start, and keep it and the kubeconfig at exit")
	flag.IntVar(&o.parentPID, "parent-pid", 0, "exit once the process with this pid is gone")
	flag.BoolVar(&o.stdinEOF, "exit-on-stdin-eof", false, "exit once standard input reaches EOF")
	flag.BoolVar(&o.verbose, "verbose", false, "keep the server's info and warning logs on stderr")
	o.serviceAccount = serviceAccountName{Namespace: "lifecycle-system", Name: "numaflow-controller"}
	flag.Var(&o.serviceAccount, "service-account", "NAMESPACE/NAME of the ServiceAccount to create and issue a token for")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: lifecycle-apiserver --kubeconfig PATH [--data-dir DIR] [flags] [-- kube-apiserver flags]")
		flag.PrintDefaults()
	}
	flag.Parse()
	o.apiserverArgs = flag.Args()
	if o.kubeconfig == "" {
		flag.Usage()
		os.Exit(2)
	}

	// When the parent dies, stdout and stderr are often pipes nobody reads.
	// Go exits on EPIPE there unless SIGPIPE is ignored, and that would skip
	// the teardown below.
	signal.Ignore(syscall.SIGPIPE)

	logs := filterServerLogs(o.verbose)
	cleanups := &cleanupStack{}
	err := run(cleanups, logs, o)
	if err != nil {
		logs.ShowHeld()
	}
	// A teardown that hangs is cut short.
	time.AfterFunc(shutdownGrace, func() {
		logs.Printf("lifecycle-apiserver: teardown timed out")
		os.Exit(1)
	})
	if !o.verbose {
		logs.Mute()
	}
	cleanups.Run()
	if err != nil {
		logs.Printf("lifecycle-apiserver: %v", err)
		os.Exit(1)
	}
}

func run(cleanups *cleanupStack, logs *serverLogs, o options) error {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	// kube-apiserver installs its own handler for these and sees them too.
	var signalled atomic.Bool
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(signals)
	go func() {
		select {
		case sig := <-signals:
			signalled.Store(true)
			cancel(fmt.Errorf("received %v", sig))
		case <-ctx.Done():
		}
	}()
	// Start watching before the slow startup so that a test process which
	// dies early does not leave a server behind.
	if o.parentPID > 0 {
		go watchParent(ctx, cancel, o.parentPID)
	}
	if o.stdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel(errors.New("stdin closed"))
		}()
	}

	dir, err := stateDir(cleanups, o.dataDir)
	if err != nil {
		return err
	}
	ports, err := choosePorts(o.dataDir)
	if err != nil {
		return err
	}
	etcd, etcdURL, err := startEtcd(cleanups, dir, ports.EtcdClient, ports.EtcdPeer)
	if err != nil {
		return fmt.Errorf("starting etcd: %w", err)
	}
	pki, err := openPKI(dir)
	if err != nil {
		return fmt.Errorf("certificates and keys: %w", err)
	}
	port := ports.APIServer
	if ctx.Err() != nil {
		return nil
	}

	// The command installs kube-apiserver's own SIGTERM/SIGINT handler.
	cmd := app.NewAPIServerCommand()
	cmd.SetArgs(append(apiserverFlags(dir, etcdURL, port, pki), o.apiserverArgs...))
	serverDone := make(chan int, 1)
	go func() { serverDone <- cli.Run(cmd) }()
	// Whatever ends the wait below, the server stops before etcd closes.
	cleanups.Push(func() {
		// After a signal, which kube-apiserver saw too, a second request
		// would make it exit at once.
		if !signalled.Load() {
			genericapiserver.RequestShutdown()
		}
		<-serverDone
	})

	url := fmt.Sprintf("https://127.0.0.1:%d", port)
	started := make(chan error, 1)
	go func() { started <- becomeReady(ctx, o, url, pki) }()

	for {
		select {
		case <-ctx.Done():
			logs.Verbosef("shutting down: %v", context.Cause(ctx))
			return nil
		case code := <-serverDone:
			serverDone <- code // for the cleanup
			return fmt.Errorf("kube-apiserver exited with status %d", code)
		case err := <-etcd.Err():
			return fmt.Errorf("etcd failed: %w", err)
		case err := <-started:
			if err != nil {
				return err
			}
			// The kubeconfig points at a server that is about to disappear,
			// unless it comes back from its data directory, on the same URL
			// with the same credentials.
			if o.dataDir == "" {
				cleanups.Push(func() { os.Remove(o.kubeconfig) })
			}
			logs.Ready()
			if ctx.Err() == nil {
				fmt.Printf("READY %s\n", url)
				os.Stdout.Sync()
			}
			started = nil
		}
	}
}

// becomeReady waits for the server, issues the ServiceAccount token and
// writes the kubeconfig.
func becomeReady(ctx context.Context, o options, url string, pki *pki) error {
	admin, err := adminClient(url, pki)
	if err != nil {
		return err
	}
	if err := waitHealthy(ctx, admin); err != nil {
		return err
	}
	saToken, err := issueServiceAccountToken(ctx, admin, o.serviceAccount)
	if err != nil {
		return fmt.Errorf("issuing the token of ServiceAccount %s: %w", o.serviceAccount, err)
	}
	return writeKubeconfig(o.kubeconfig, url, pki, o.serviceAccount, saToken)
}

// apiserverFlags are kube-apiserver's flags for a single-node server on
// 127.0.0.1 without the components that normally run beside it.
func apiserverFlags(dir, etcdURL string, port int, pki *pki) []string {
	return []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir=" + dir,
		"--tls-cert-file=" + pki.servingCertFile,
		"--tls-private-key-file=" + pki.servingKeyFile,
		"--client-ca-file=" + pki.caCertFile,
		"--token-auth-file=" + pki.tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + pki.serviceAccountKeyFile,
		"--service-account-signing-key-file=" + pki.serviceAccountKeyFile,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		// No controller-manager creates the default ServiceAccounts that this
		// plugin insists on.
		"--disable-admission-plugins=ServiceAccount",
		// 127.0.0.1 is not a valid endpoint address for the kubernetes Service.
		"--endpoint-reconciler-type=none",
	}
}

// watchParent cancels ctx once pid is gone. Signal 0 probes for existence;
// if pid was our parent, being re-parented also means it died, which catches
// the case where the pid has already been reused.
func watchParent(ctx context.Context, cancel context.CancelCauseFunc, pid int) {
	wasParent := os.Getppid() == pid
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) || (wasParent && os.Getppid() != pid) {
			cancel(fmt.Errorf("parent process %d exited", pid))
			return
		}
	}
}

// cleanupStack runs registered teardowns last-in first-out.
type cleanupStack struct {
	mu    sync.Mutex
	funcs []func()
}

func (s *cleanupStack) Push(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.funcs = append(s.funcs, f)
}

func (s *cleanupStack) Run() {
	for {
		s.mu.Lock()
		n := len(s.funcs)
		if n == 0 {
			s.mu.Unlock()
			return
		}
		f := s.funcs[n-1]
		s.funcs = s.funcs[:n-1]
		s.mu.Unlock()
		f()
	}
}

// serviceAccountName is a flag value of the form NAMESPACE/NAME.
type serviceAccountName struct{ Namespace, Name string }

func (n *serviceAccountName) String() string { return n.Namespace + "/" + n.Name }

func (n *serviceAccountName) Set(value string) error {
	ns, name, ok := strings.Cut(value, "/")
	if !ok || ns == "" || name == "" {
		return fmt.Errorf("want NAMESPACE/NAME, got %q", value)
	}
	n.Namespace, n.Name = ns, name
	return nil
}
