#!/usr/bin/env bash
# Builds the test API server into OUTPUT, with the Kubernetes release from go.mod stamped
# in as kube-apiserver's version, so that /version and `kubectl version` report it.
# The stamp is the same on every build, so Go's cache turns a rebuild into a no-op.
set -euo pipefail
out=${1:?usage: build.sh OUTPUT}
# A relative OUTPUT is relative to where the script was called from.
case $out in /*) ;; *) out=$PWD/$out ;; esac
cd "$(dirname "$0")"
version=$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' go.mod) # v1.36.3
IFS=. read -r major minor _ <<<"${version#v}"
stamp=k8s.io/component-base/version
export GOTOOLCHAIN=local CGO_ENABLED=0
exec go build -o "$out" -ldflags "-X $stamp.gitVersion=$version -X $stamp.gitMajor=$major -X $stamp.gitMinor=$minor -X $stamp.gitTreeState=clean" .
