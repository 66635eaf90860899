//go:build tools

// Package ksm pins kube-state-metrics, which the end-to-end tests build with
// `go build k8s.io/kube-state-metrics/v2` and run against the test API server with the
// CustomResourceStateMetrics configuration generated from the lifecycles.
package ksm

import _ "k8s.io/kube-state-metrics/v2"
