# The base of every meemaken image where a Docker engine and a registry exist:
#   docker build -f infra/images/base.Dockerfile -t localhost/meemaken/base:bookworm infra/images
# The same content as infra/images.sh makes without them (a Debian 12 rootfs by mmdebstrap, podman import):
# Debian's Python 3.11 with its venv module and Debian's CA certificates, nothing else.
FROM docker.io/library/debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV LANG=C.UTF-8
