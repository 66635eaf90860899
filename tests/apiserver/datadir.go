package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
)

// portsFile is where a data directory records the ports of its first start.
const portsFile = "ports.json"

// ports are the loopback ports one server listens on.
type ports struct {
	APIServer  int `json:"apiserver"`
	EtcdClient int `json:"etcdClient"`
	EtcdPeer   int `json:"etcdPeer"`
}

// stateDir is where the server keeps etcd's data and its PKI: dataDir, kept
// at exit, or without it a temp dir removed at exit.
func stateDir(cleanups *cleanupStack, dataDir string) (string, error) {
	if dataDir != "" {
		return dataDir, os.MkdirAll(dataDir, 0o700)
	}
	dir, err := os.MkdirTemp("", "lifecycle-apiserver-")
	if err != nil {
		return "", err
	}
	cleanups.Push(func() { os.RemoveAll(dir) })
	return dir, nil
}

// choosePorts picks free loopback ports. In a data directory it picks them on
// the first start and records them, and later starts reuse them, so that the
// server's URL stays the same and etcd finds its member where it was.
func choosePorts(dataDir string) (ports, error) {
	if dataDir == "" {
		return freePorts()
	}
	path := filepath.Join(dataDir, portsFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		p, err := freePorts()
		if err != nil {
			return p, err
		}
		data, err := json.Marshal(p)
		if err != nil {
			return p, err
		}
		return p, writeFileAtomically(path, append(data, '\n'))
	}
	if err != nil {
		return ports{}, err
	}
	var p ports
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("reading %s: %w", path, err)
	}
	for _, recorded := range []struct {
		what string
		port int
	}{
		{"kube-apiserver", p.APIServer},
		{"etcd's clients", p.EtcdClient},
		{"etcd's peers", p.EtcdPeer},
	} {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", recorded.port))
		if err != nil {
			return p, fmt.Errorf("port %d for %s, recorded in %s, is not free: %w", recorded.port, recorded.what, path, err)
		}
		l.Close()
	}
	return p, nil
}

// freePorts asks the kernel for three unused ports, holding each until all
// are found so that no two are the same. Another process could take one
// before it is bound again, but on a test machine that is unlikely.
func freePorts() (ports, error) {
	var found [3]int
	for i := range found {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return ports{}, err
		}
		defer l.Close()
		found[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports{APIServer: found[0], EtcdClient: found[1], EtcdPeer: found[2]}, nil
}

// writeFileAtomically writes data to path through a temp file beside it, so
// that a reader never sees a partial file.
func writeFileAtomically(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
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
	}
	return err
}
