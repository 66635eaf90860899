// Command lifecycle-apiserver runs a real Kubernetes API server for the
// lifecycle end-to-end tests: the apiextensions-apiserver (CRDs, custom
// resources, CEL validation, status and scale subresources) backed by an
// in-process etcd. It writes a kubeconfig, prints "READY <url>" on stdout and
// serves until it is signalled or its parent goes away.
//
// Build without -trimpath, and keep the Go module cache in place at run time:
// the test server reads its serving-certificate fixtures from its own source
// directory, which it finds through the path recorded in the binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"k8s.io/apiextensions-apiserver/test/integration/fixtures"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/klog/v2"
)

const (
	contextName = "lifecycle-e2e"
	// The loopback certificate in the returned rest.Config names only this
	// host, so clients must send it as SNI and verify against it.
	loopbackServerName = "apiserver-loopback-client"
	shutdownGrace      = 30 * time.Second
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "path to write the kubeconfig to (required)")
	parentPID := flag.Int("parent-pid", 0, "exit once the process with this pid is gone")
	stdinEOF := flag.Bool("exit-on-stdin-eof", false, "exit once standard input reaches EOF")
	verbose := flag.Bool("verbose", false, "keep the server's info and warning logs on stderr")
	flag.Parse()
	if *kubeconfig == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if !*verbose {
		// Errors still reach stderr through klog's default ERROR threshold.
		klog.LogToStderr(false)
		klog.SetOutput(io.Discard)
	}

	// When the parent dies, stdout and stderr are often pipes nobody reads.
	// Go exits on EPIPE there unless SIGPIPE is ignored, and that would skip
	// the teardown below.
	signal.Ignore(syscall.SIGPIPE)

	tb := &cleanupLogger{verbose: *verbose}
	err := run(tb, *kubeconfig, *parentPID, *stdinEOF)
	// Signals are back to their default here, so a second one kills the
	// process outright; a teardown that hangs is cut short as well.
	time.AfterFunc(shutdownGrace, func() {
		fmt.Fprintln(os.Stderr, "lifecycle-apiserver: teardown timed out")
		os.Exit(1)
	})
	tb.runCleanups()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lifecycle-apiserver:", err)
		os.Exit(1)
	}
}

func run(tb *cleanupLogger, kubeconfigPath string, parentPID int, stdinEOF bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Start watching before the slow startup so that a test process which
	// dies early does not leave a server behind.
	if parentPID > 0 {
		go watchParent(ctx, cancel, parentPID)
	}
	if stdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel(errors.New("stdin closed"))
		}()
	}

	etcd, etcdURL, err := startEtcd(tb)
	if err != nil {
		return fmt.Errorf("starting etcd: %w", err)
	}
	// The fixture reads the etcd address from this variable; an extra
	// --etcd-servers flag would be appended rather than replace the default.
	os.Setenv("KUBE_INTEGRATION_ETCD_URL", etcdURL)
	tearDown, cfg, _, err := fixtures.StartDefaultServer(tb)
	if err != nil {
		return fmt.Errorf("starting apiserver: %w", err)
	}
	tb.Cleanup(tearDown)

	if err := writeKubeconfig(kubeconfigPath, cfg); err != nil {
		return err
	}
	// The kubeconfig points at a server that is about to disappear.
	tb.Cleanup(func() { os.Remove(kubeconfigPath) })
	if ctx.Err() == nil {
		fmt.Printf("READY %s\n", cfg.Host)
		os.Stdout.Sync()
	}

	select {
	case <-ctx.Done():
		tb.Logf("shutting down: %v", context.Cause(ctx))
		return nil
	case err := <-etcd.Err():
		return fmt.Errorf("etcd failed: %w", err)
	}
}

// startEtcd starts a single-member etcd on two free loopback ports with a
// throwaway data directory, registering its teardown on tb.
func startEtcd(tb *cleanupLogger) (*embed.Etcd, string, error) {
	dir, err := os.MkdirTemp("", "lifecycle-etcd-")
	if err != nil {
		return nil, "", err
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	clientURL, err := freeLoopbackURL()
	if err != nil {
		return nil, "", err
	}
	peerURL, err := freeLoopbackURL()
	if err != nil {
		return nil, "", err
	}

	cfg := embed.NewConfig()
	cfg.Dir = dir
	cfg.UnsafeNoFsync = true // the data is thrown away at exit anyway
	// etcd reports its own listeners closing as errors; silence it before
	// Close so that a clean shutdown prints nothing.
	logLevel := zap.NewAtomicLevelAt(zap.ErrorLevel)
	zcfg := zap.NewProductionConfig()
	zcfg.Level = logLevel
	zcfg.DisableStacktrace = true
	lg, err := zcfg.Build()
	if err != nil {
		return nil, "", err
	}
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(lg)
	cfg.ListenClientUrls = []url.URL{*clientURL}
	cfg.AdvertiseClientUrls = []url.URL{*clientURL}
	cfg.ListenPeerUrls = []url.URL{*peerURL}
	cfg.AdvertisePeerUrls = []url.URL{*peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	tb.Cleanup(func() {
		logLevel.SetLevel(zap.FatalLevel)
		e.Close()
	})
	select {
	case <-e.Server.ReadyNotify():
		return e, clientURL.String(), nil
	case err := <-e.Err():
		return nil, "", err
	case <-time.After(time.Minute):
		return nil, "", errors.New("etcd not ready after a minute")
	}
}

// freeLoopbackURL asks the kernel for an unused port. Another process could
// take it before etcd binds it, but on a test machine that is unlikely.
func freeLoopbackURL() (*url.URL, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer l.Close()
	return &url.URL{Scheme: "http", Host: l.Addr().String()}, nil
}

// writeKubeconfig writes the kubeconfig atomically, so a reader never sees a
// partial file.
func writeKubeconfig(path string, cfg *rest.Config) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters[contextName] = &clientcmdapi.Cluster{
		Server:                   cfg.Host,
		CertificateAuthorityData: cfg.CAData,
		TLSServerName:            loopbackServerName,
	}
	kc.AuthInfos[contextName] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
	kc.Contexts[contextName] = &clientcmdapi.Context{
		Cluster:   contextName,
		AuthInfo:  contextName,
		Namespace: "default",
	}
	kc.CurrentContext = contextName
	data, err := clientcmd.Write(*kc)
	if err != nil {
		return fmt.Errorf("encoding kubeconfig: %w", err)
	}

	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing kubeconfig: %w", err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing kubeconfig: %w", err)
	}
	return nil
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

// cleanupLogger is the stand-in for testing.TB that the test server expects.
// Like testing.T it runs registered cleanups last-in first-out, also on Fatal,
// so that a failure does not leak etcd or its temp directories.
type cleanupLogger struct {
	verbose  bool
	mu       sync.Mutex
	cleanups []func()
}

func (l *cleanupLogger) Name() string { return "lifecycle-apiserver" }
func (l *cleanupLogger) Helper()      {}

func (l *cleanupLogger) Cleanup(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cleanups = append(l.cleanups, f)
}

func (l *cleanupLogger) runCleanups() {
	for {
		l.mu.Lock()
		n := len(l.cleanups)
		if n == 0 {
			l.mu.Unlock()
			return
		}
		f := l.cleanups[n-1]
		l.cleanups = l.cleanups[:n-1]
		l.mu.Unlock()
		f()
	}
}

func (l *cleanupLogger) Logf(format string, args ...any) {
	if l.verbose {
		l.Errorf(format, args...)
	}
}

func (l *cleanupLogger) Error(args ...any) { fmt.Fprintln(os.Stderr, args...) }
func (l *cleanupLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func (l *cleanupLogger) Fatal(args ...any)                 { l.Error(args...); l.exit() }
func (l *cleanupLogger) Fatalf(format string, args ...any) { l.Errorf(format, args...); l.exit() }

func (l *cleanupLogger) exit() {
	l.runCleanups()
	os.Exit(1)
}
