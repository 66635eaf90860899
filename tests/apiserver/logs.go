package main

import (
	"bufio"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// syncMarker is written through the pipe to learn that every line before it
// has been read.
const syncMarker = "\x00lifecycle-apiserver-sync\x00"

// serverLogs stands between kube-apiserver's logs and the real stderr.
// kube-apiserver logs through klog to os.Stderr, which is replaced by a pipe.
// Unless verbose, only error and fatal entries (klog headers "E" and "F")
// pass, with their continuation lines; those logged while starting are held
// back, because a healthy start logs a few, and shown only if the start fails.
type serverLogs struct {
	stderr  *os.File
	verbose bool
	pipe    *os.File
	synced  chan struct{}
	ready   atomic.Bool
	muted   atomic.Bool
	mu      sync.Mutex
	held    []string
}

func filterServerLogs(verbose bool) *serverLogs {
	l := &serverLogs{stderr: os.Stderr, verbose: verbose, synced: make(chan struct{}, 1)}
	if verbose {
		return l
	}
	r, w, err := os.Pipe()
	if err != nil {
		return l // unfiltered, but working
	}
	l.pipe = w
	os.Stderr = w
	go l.forward(r)
	return l
}

func (l *serverLogs) forward(r *os.File) {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 64*1024), 1024*1024)
	passing := false
	for scanner.Scan() {
		line := scanner.Text()
		if line == syncMarker {
			l.synced <- struct{}{}
			continue
		}
		if isKlogHeader(line) {
			passing = line[0] == 'E' || line[0] == 'F'
		}
		switch {
		case !passing || l.muted.Load():
		case l.ready.Load():
			fmt.Fprintln(l.stderr, line)
		default:
			l.mu.Lock()
			l.held = append(l.held, line)
			l.mu.Unlock()
		}
	}
}

// isKlogHeader matches "E1130 03:20:00.123456 ...": a severity letter and
// four digits of month and day.
func isKlogHeader(line string) bool {
	if len(line) < 5 {
		return false
	}
	switch line[0] {
	case 'I', 'W', 'E', 'F':
	default:
		return false
	}
	for _, c := range line[1:5] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// sync waits until every line logged so far has been read from the pipe.
func (l *serverLogs) sync() {
	if l.pipe == nil {
		return
	}
	fmt.Fprintln(l.pipe, syncMarker)
	select {
	case <-l.synced:
	case <-time.After(time.Second):
	}
}

// Ready drops the errors of a healthy start; later ones pass at once.
func (l *serverLogs) Ready() {
	l.sync()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held = nil
	l.ready.Store(true)
}

// ShowHeld prints the errors logged during a start that failed.
func (l *serverLogs) ShowHeld() {
	l.sync()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.held {
		fmt.Fprintln(l.stderr, line)
	}
	l.held = nil
}

// Mute drops every further server log entry: during teardown the server and
// etcd report their connections closing as errors.
func (l *serverLogs) Mute() {
	l.muted.Store(true)
}

// Printf writes one of the program's own messages to the real stderr.
func (l *serverLogs) Printf(format string, args ...any) {
	fmt.Fprintf(l.stderr, format+"\n", args...)
}

// Verbosef is Printf with --verbose only.
func (l *serverLogs) Verbosef(format string, args ...any) {
	if l.verbose {
		l.Printf(format, args...)
	}
}
