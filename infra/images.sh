#!/usr/bin/env bash
# Container images of meemaken, built and run without a Docker engine: Debian's buildah and podman.
#   images.sh check               can images be built and run here? (exit 0, or 1 with the reason)
#   images.sh base                the base image: a Debian rootfs (mmdebstrap) imported into podman, cached
#   images.sh build [service...]  the base, then each service's image (default: all five), from the repo root
#   images.sh list                the images and their sizes
# Environment: IMAGE_PREFIX (localhost/meemaken), IMAGE_TAG (dev), IMAGE_CACHE_DIR (~/.cache/meemaken/images:
# the rootfs tarball, outside the repository), HOST_CA_BUNDLE (/etc/ssl/certs/ca-certificates.crt: mounted
# read-only into the build's RUN steps for pip, never copied into an image), DEBIAN_MIRROR.
# CONTAINERS_CONF defaults to images/containers.conf (runc, cgroupfs, ulimits: what works on a hybrid-cgroup host).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PREFIX="${IMAGE_PREFIX:-localhost/meemaken}"
TAG="${IMAGE_TAG:-dev}"
CACHE="${IMAGE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meemaken/images}"
CA="${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org}"
SERVICES=(proposals challenges panels notifications gateway)
declare -A PORTS=([gateway]=8100 [proposals]=8101 [challenges]=8102 [panels]=8103 [notifications]=8104)
BASE="$PREFIX/base:bookworm"
# What the base holds; its hash names the cached rootfs, so a change here makes a new one.
BASE_PACKAGES="python3,python3-venv,ca-certificates"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$HERE/images/containers.conf}"

say() { echo "images: $*" >&2; }

# Why images cannot be built or run here (empty when they can).
unable() {
  local tool
  for tool in podman buildah mmdebstrap runc; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install podman buildah mmdebstrap runc)"; return 0; }
  done
  [ "$(id -u)" = 0 ] || { echo "the builds run as root (rootful podman): run as root"; return 0; }
  podman info >/dev/null 2>&1 || { echo "podman cannot start here: $(podman info 2>&1 | tail -n 1)"; return 0; }
}

check() {
  local why; why="$(unable)"
  if [ -n "$why" ]; then say "$why"; exit 1; fi
  say "podman $(podman --version | awk '{print $3}'), buildah $(buildah --version | awk '{print $3}') with $(podman info --format '{{.Host.OCIRuntime.Name}}')"
}

base_key() { printf '%s\n' "$BASE_PACKAGES" "$MIRROR" "$(sed -n '/^mmdebstrap_args()/,/^}/p' "${BASH_SOURCE[0]}")" | sha256sum | cut -c1-16; }

# The rootfs: Debian 12 minbase with Python 3.11 and its venv module; no documentation, man pages,
# locales or apt lists. apt stays, so images for PostgreSQL or a JRE can add Debian packages.
mmdebstrap_args() {
  MMDEBSTRAP_ARGS=(--variant=minbase --format=tar --include="$BASE_PACKAGES" --aptopt='Acquire::Retries "3"'
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*'
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*'
    --dpkgopt='path-exclude=/usr/share/info/*'
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*.log')
}

base() {
  local key tar
  key="$(base_key)"
  if [ "$(podman image inspect --format '{{index .Labels "org.meemaken.base"}}' "$BASE" 2>/dev/null || true)" = "$key" ]; then
    return 0
  fi
  tar="$CACHE/debian-bookworm-python-$key.tar"
  if [ ! -f "$tar" ]; then
    mkdir -p "$CACHE"
    say "making the base rootfs with mmdebstrap (a few minutes, once): $tar"
    local started=$SECONDS
    mmdebstrap_args
    mmdebstrap --quiet "${MMDEBSTRAP_ARGS[@]}" bookworm "$tar.part" \
      "deb $MIRROR/debian bookworm main" "deb $MIRROR/debian bookworm-updates main" \
      "deb $MIRROR/debian-security bookworm-security main"
    mv "$tar.part" "$tar"
    say "rootfs made in $((SECONDS - started)) s"
  fi
  # podman import keeps no labels: one build step adds the key, so a changed package list is noticed.
  podman import --quiet --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' "$tar" "$BASE-import" >/dev/null
  local ctr; ctr="$(buildah from --quiet "$BASE-import")"
  buildah config --label "org.meemaken.base=$key" "$ctr"
  buildah commit --quiet --rm "$ctr" "$BASE" >/dev/null
  podman rmi "$BASE-import" >/dev/null
  say "base image $BASE ($key)"
}

build() {
  local services=("$@") service started
  [ ${#services[@]} -gt 0 ] || services=("${SERVICES[@]}")
  base
  if [[ " ${services[*]} " == *" gateway "* ]] && [ ! -f "$ROOT/services/gateway/src/gateway/static/vendor/nlds.css" ]; then
    say "the portal's CSS is generated, not committed: make frontend"; make -C "$ROOT" --no-print-directory frontend >&2
  fi
  # The build context: only what .dockerignore lets in (and it), staged once for the five builds. buildah
  # walks its whole context for every COPY; the repository with .venv, .run and .cache holds some 60,000 files.
  CONTEXT="$(mktemp -d "${TMPDIR:-/tmp}/meemaken-images.XXXXXX")"
  trap 'rm -rf "$CONTEXT"' EXIT
  (cd "$ROOT" && cp -a --parents .dockerignore $(sed -n 's/^!//p' .dockerignore) "$CONTEXT/")
  local mounts=()
  if [ -f "$CA" ]; then mounts=(--volume "$CA:/run/host-ca.pem:ro" --build-arg PIP_CERT=/run/host-ca.pem); fi
  for service in "${services[@]}"; do
    [ -n "${PORTS[$service]:-}" ] || { say "no such service: $service"; exit 2; }
    started=$SECONDS
    buildah bud --quiet --layers --format docker --network host "${mounts[@]}" --build-arg "BASE_IMAGE=$BASE" \
      --build-arg "SERVICE=$service" --build-arg "PORT=${PORTS[$service]}" \
      -f "$HERE/images/service.Dockerfile" -t "$PREFIX/$service:$TAG" "$CONTEXT" >/dev/null
    say "$PREFIX/$service:$TAG built in $((SECONDS - started)) s"
  done
}

list() { podman images --filter "reference=$PREFIX/*" --format '{{.Repository}}:{{.Tag}} {{.Size}}'; }

main() {
  case "${1:-}" in
    check) check ;;
    base) check; base ;;
    build) shift; check; build "$@" ;;
    list) list ;;
    *) echo "usage: $0 check | base | build [service...] | list" >&2; exit 2 ;;
  esac
}

main "$@"; exit $?
