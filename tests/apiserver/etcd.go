package main

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// startEtcd starts a single-member etcd on the given loopback ports with its
// data in dir/etcd, reusing what an earlier start left there, and registers its
// teardown on cleanups.
func startEtcd(cleanups *cleanupStack, dir string, clientPort, peerPort int) (*embed.Etcd, string, error) {
	clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}

	cfg := embed.NewConfig()
	cfg.Dir = filepath.Join(dir, "etcd")
	// Writes still reach the page cache, so a restart finds them: only a
	// machine crash would lose them, and test data need not survive that.
	cfg.UnsafeNoFsync = true
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
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	cleanups.Push(func() {
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
