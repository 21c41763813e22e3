#!/usr/bin/env bash
# Provisions the real servers the integration tests run against, without Docker:
#   consul (built from the Go module proxy, MPL-2.0 releases only), kube-apiserver + etcd +
#   kubectl (laid out for io.fabric8:kube-api-test), helm, h2spec (HTTP/2 conformance), redis-server and
#   chromium (Debian packages), and the Kubernetes Gateway API's CRDs and conformance cases (from its
#   Go module).
# Idempotent and cached outside the work tree (ISTHMUS_INFRA_HOME, default ~/.cache/isthmus-infra):
# a warm run only checks stamps and finishes in seconds. Prints the cache layout at the end.
#
#   scripts/provision-test-infra.sh            # everything
#   scripts/provision-test-infra.sh consul k8s # a subset: consul k8s helm h2spec redis chromium gatewayapi
set -euo pipefail

CONSUL_VERSION=${CONSUL_VERSION:-v1.16.3}   # newest MPL-2.0 release served by the Go proxy (v1.16.4 is not served)
K8S_VERSION=${K8S_VERSION:-v1.34.4}
HELM_VERSION=${HELM_VERSION:-v3.22.0}
# The Gateway API release whose typed model fabric8 7.5.2 ships (kubernetes-model-gatewayapi), and
# the last one whose module holds both config/crd/standard and conformance/tests (later releases
# moved the conformance suite into a module of its own).
GATEWAY_API_VERSION=${GATEWAY_API_VERSION:-v1.4.1}
# The newest h2spec the Go module proxy serves (v2.2.1, 145 test cases; later releases are not
# published there). It predates Go modules, so its dependencies are pinned here.
H2SPEC_VERSION=${H2SPEC_VERSION:-v2.2.1}

INFRA_HOME=${ISTHMUS_INFRA_HOME:-$HOME/.cache/isthmus-infra}
BIN=$INFRA_HOME/bin
KUBE_API_TEST_DIR=$INFRA_HOME/kubeapitest
K8S_BIN=$KUBE_API_TEST_DIR/k8s/${K8S_VERSION#v}-linux-amd64
BUILD=$INFRA_HOME/build
mkdir -p "$BIN" "$BUILD" "$K8S_BIN"

export GOFLAGS=-buildvcs=false GOTOOLCHAIN=local CGO_ENABLED=0

log() { printf '[provision %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
stamp_ok() { [ -f "$1.stamp" ] && [ "$(cat "$1.stamp")" = "$2" ] && [ -x "$1" ]; }
set_stamp() { printf '%s' "$2" > "$1.stamp"; }

# Refuses to continue if any module compiled into $2 (a package, built in module dir $1)
# carries a Business Source licence. Checks every module of the build graph, not only the root.
require_open_licences() {
  local dir=$1 pkg=$2 bad=0
  while read -r mod moddir; do
    [ -n "$moddir" ] || continue
    for f in "$moddir"/LICENSE*; do
      [ -f "$f" ] || continue
      if grep -qi 'Business Source' "$f"; then log "REFUSED: $mod is BUSL-licensed ($f)"; bad=1; fi
    done
  done < <(cd "$dir" && go list -deps -f '{{with .Module}}{{.Path}}@{{.Version}} {{.Dir}}{{end}}' "$pkg" | sort -u)
  [ $bad -eq 0 ] || { log "refusing to build $pkg: a module above is not open source"; exit 3; }
}

provision_consul() {
  local out=$BIN/consul
  if stamp_ok "$out" "$CONSUL_VERSION"; then log "consul $CONSUL_VERSION: cached"; return; fi
  log "consul $CONSUL_VERSION: building from the Go module proxy"
  local d=$BUILD/consul; rm -rf "$d"; mkdir -p "$d"; cd "$d"
  cat > go.mod <<MOD
module isthmus.local/consulbuild

go 1.22

// github.com/hashicorp/consul's own go.mod excludes these; exclusions do not propagate.
exclude (
	github.com/hashicorp/go-msgpack v1.1.5
	github.com/hashicorp/go-msgpack v1.1.6
)
MOD
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/hashicorp/consul"\n' > tools.go
  # The proxy serves these modules but its checksum database has no entry for them.
  GONOSUMDB=github.com/hashicorp/consul/envoyextensions,github.com/hashicorp/hcp-sdk-go \
    go get "github.com/hashicorp/consul@$CONSUL_VERSION" 2>&1 | grep -vE '^go: (downloading|added|upgraded)' >&2 || true
  grep -q 'hashicorp/consul ' go.mod
  require_open_licences "$d" github.com/hashicorp/consul
  go build -trimpath -ldflags="-s -w -checklinkname=0 -X github.com/hashicorp/consul/version.GitCommit=proxy-${CONSUL_VERSION} -X github.com/hashicorp/consul/version.Version=${CONSUL_VERSION#v} -X github.com/hashicorp/consul/version.VersionPrerelease=" \
      -o "$out.tmp" github.com/hashicorp/consul
  mv "$out.tmp" "$out"; set_stamp "$out" "$CONSUL_VERSION"
  log "consul: $("$out" version | head -1)"
}

# kube-apiserver and kubectl from k8s.io/kubernetes: its staging repos are required at v0.0.0
# with local replaces, so the wrapper module replaces each one with the published v0.X.Y tag.
provision_k8s() {
  local apiserver=$K8S_BIN/kube-apiserver
  if stamp_ok "$apiserver" "$K8S_VERSION" && stamp_ok "$K8S_BIN/kubectl" "$K8S_VERSION" && stamp_ok "$K8S_BIN/etcd" "$K8S_VERSION"; then
    log "kubernetes $K8S_VERSION (kube-apiserver, kubectl, etcd): cached"; return
  fi
  local staging=v0.${K8S_VERSION#v1.}
  local d=$BUILD/k8s; rm -rf "$d"; mkdir -p "$d"; cd "$d"
  log "kubernetes $K8S_VERSION: resolving modules"
  local kmod; kmod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  { echo "module isthmus.local/k8sbuild"; echo; echo "go 1.24"; echo
    echo "require k8s.io/kubernetes $K8S_VERSION"; echo
    grep -E '^\s*k8s\.io/[a-z0-9-]+ v0\.0\.0\s*$' "$kmod" | awk -v v="$staging" '{print "replace " $1 " => " $1 " " v}' | sort -u
  } > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n' > tools.go
  go get "k8s.io/kubernetes@$K8S_VERSION" 2>&1 | grep -vE '^go: (downloading|added|upgraded)' >&2 || true
  local ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  log "kubernetes $K8S_VERSION: building kube-apiserver"
  go build -mod=mod -trimpath -ldflags="$ld" -o "$apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv "$apiserver.tmp" "$apiserver"; set_stamp "$apiserver" "$K8S_VERSION"
  log "kubernetes $K8S_VERSION: building kubectl"
  go build -mod=mod -trimpath -ldflags="$ld" -o "$K8S_BIN/kubectl.tmp" k8s.io/kubernetes/cmd/kubectl
  mv "$K8S_BIN/kubectl.tmp" "$K8S_BIN/kubectl"; set_stamp "$K8S_BIN/kubectl" "$K8S_VERSION"

  # etcd: the server version that this Kubernetes release pins, in a module of its own so its
  # dependency versions are etcd's, not the apiserver's.
  local etcdv; etcdv=$(go list -m -f '{{.Version}}' go.etcd.io/etcd/client/v3)
  local e=$BUILD/etcd; rm -rf "$e"; mkdir -p "$e"; cd "$e"
  printf 'module isthmus.local/etcdbuild\n\ngo 1.24\n' > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
  log "etcd $etcdv: building"
  go get "go.etcd.io/etcd/server/v3@$etcdv" 2>&1 | grep -vE '^go: (downloading|added|upgraded)' >&2 || true
  go build -mod=mod -trimpath -ldflags="-s -w" -o "$K8S_BIN/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$K8S_BIN/etcd.tmp" "$K8S_BIN/etcd"; set_stamp "$K8S_BIN/etcd" "$K8S_VERSION"
  echo "$etcdv" > "$K8S_BIN/etcd.version"
  log "kube-apiserver: $("$apiserver" --version); etcd: $("$K8S_BIN/etcd" --version | head -1)"
}

provision_helm() {
  local out=$BIN/helm
  if stamp_ok "$out" "$HELM_VERSION"; then log "helm $HELM_VERSION: cached"; return; fi
  log "helm $HELM_VERSION: building"
  GOBIN=$BUILD/helm-bin go install -trimpath -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$BUILD/helm-bin/helm" "$out"; set_stamp "$out" "$HELM_VERSION"
  log "helm: $("$out" version --short)"
}

# The Gateway API's standard-channel CRDs and its conformance manifests, from the module on the Go
# proxy (checksum-verified by go): $INFRA_HOME/gateway-api/<version>/{crds,conformance}.
provision_gatewayapi() {
  local out=$INFRA_HOME/gateway-api/$GATEWAY_API_VERSION
  if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$GATEWAY_API_VERSION" ]; then
    log "gateway-api $GATEWAY_API_VERSION: cached"; return
  fi
  log "gateway-api $GATEWAY_API_VERSION: fetching the module"
  local dir; dir=$(cd "$BUILD" && go mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -d "$dir/config/crd/standard" ] && [ -d "$dir/conformance/tests" ] \
    || { log "gateway-api $GATEWAY_API_VERSION: the module has no config/crd/standard or conformance/tests"; exit 3; }
  rm -rf "$out"; mkdir -p "$out/crds" "$out/conformance"
  cp "$dir"/config/crd/standard/*.yaml "$out/crds/"
  cp -r "$dir/conformance/tests" "$dir/conformance/base" "$out/conformance/"
  chmod -R u+w "$out"
  printf '%s' "$GATEWAY_API_VERSION" > "$out/.stamp"
  log "gateway-api: $(ls "$out/crds" | wc -l) CRDs, $(ls "$out/conformance/tests" | grep -c '^httproute-.*\.yaml$') HTTPRoute conformance manifests"
}

# h2spec (MIT), the HTTP/2 conformance suite, for Http2ConformanceIT. Built in a wrapper module:
# v2.2.1 has no go.mod (it used dep), so the module versions it is built with are pinned here.
provision_h2spec() {
  local out=$BIN/h2spec
  if stamp_ok "$out" "$H2SPEC_VERSION"; then log "h2spec $H2SPEC_VERSION: cached"; return; fi
  log "h2spec $H2SPEC_VERSION: building from the Go module proxy"
  local d=$BUILD/h2spec; rm -rf "$d"; mkdir -p "$d"; cd "$d"
  cat > go.mod <<MOD
module isthmus.local/h2specbuild

go 1.22

require (
	github.com/summerwind/h2spec ${H2SPEC_VERSION}+incompatible
	github.com/fatih/color v1.19.0
	github.com/mattn/go-colorable v0.1.14
	github.com/mattn/go-isatty v0.0.20
	github.com/spf13/cobra v1.10.2
	github.com/spf13/pflag v1.0.9
	github.com/inconshreveable/mousetrap v1.1.0
	golang.org/x/net v0.63.0
	golang.org/x/sys v0.50.0
	golang.org/x/text v0.44.0
)
MOD
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/summerwind/h2spec/cmd/h2spec"\n' > tools.go
  go mod tidy 2>&1 | grep -vE '^go: (downloading|finding|found)' >&2 || true
  go build -trimpath -ldflags="-s -w -X main.VERSION=${H2SPEC_VERSION#v} -X main.COMMIT=proxy-${H2SPEC_VERSION}" \
      -o "$out.tmp" github.com/summerwind/h2spec/cmd/h2spec
  mv "$out.tmp" "$out"; set_stamp "$out" "$H2SPEC_VERSION"
  log "h2spec: $("$out" --version)"
}

# Redis comes from Debian; the tests start their own server on a free port.
provision_redis() {
  if command -v redis-server >/dev/null; then log "redis: $(redis-server --version | cut -d' ' -f3)"; return; fi
  log "redis: installing Debian's redis-server"
  apt_install redis-server
  # The package starts a system instance on 6379; tests never use it.
  (command -v systemctl >/dev/null && systemctl disable --now redis-server >/dev/null 2>&1) || true
  log "redis: $(redis-server --version | cut -d' ' -f3)"
}

# Chromium and ChromeDriver from Debian, for the diagnostics page's browser test.
provision_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    log "chromium: $(chromium --version 2>/dev/null | head -1)"; return
  fi
  log "chromium: installing Debian's chromium and chromium-driver"
  apt_install chromium chromium-driver
  log "chromium: $(chromium --version 2>/dev/null | head -1)"
}

apt_install() {
  local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q --no-install-recommends "$@" >/dev/null; }
}

parts=("$@"); [ ${#parts[@]} -gt 0 ] || parts=(redis chromium helm h2spec consul k8s gatewayapi)
start=$SECONDS
for p in "${parts[@]}"; do "provision_$p"; done
log "done in $((SECONDS - start))s; ISTHMUS_INFRA_HOME=$INFRA_HOME"
