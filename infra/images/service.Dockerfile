# The image of one meemaken service (proposals, challenges, panels, notifications, gateway), built from the
# repository root so that the shared libs/ are installed as packages. One file for all five: the service
# and its port are build arguments.
#   bash infra/images.sh build proposals     buildah, no Docker engine needed (how CI builds it)
#   docker build -f infra/images/service.Dockerfile --build-arg SERVICE=proposals --build-arg PORT=8101 \
#     -t localhost/meemaken/proposals:dev .
#                                            after `docker build -f infra/images/base.Dockerfile -t localhost/meemaken/base:bookworm infra/images`
# Ports: gateway 8100, proposals 8101, challenges 8102, panels 8103, notifications 8104 (infra/images.sh).
# One image, several commands (infra/images/meemaken): api (default), worker, migrate, topics, healthcheck.
# Runs as uid 10001 with a writable home and /var/lib/meemaken; the root filesystem can be read-only
# when /tmp is a tmpfs. Configuration only from the environment: see infra/README.md.
ARG BASE_IMAGE=localhost/meemaken/base:bookworm

# First the layers the five images share, built once for all (no SERVICE or PORT argument above them: an
# argument in use is part of every later layer's cache key): the user, then a venv with the third-party
# requirements of the shared libs, read from their pyproject.toml files alone (a code change rebuilds none
# of it). What one service alone needs (numpy and highspy for proposals and panels, Authlib and Flask-WTF for
# the gateway) comes in its own layer further down, from its pyproject.toml alone.
FROM ${BASE_IMAGE}
# The host's CA bundle, for pip behind an intercepting proxy: mounted read-only at build time only.
ARG PIP_CERT=""
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PYTHONDONTWRITEBYTECODE=1
RUN useradd --no-log-init --uid 10001 --user-group --home-dir /home/meemaken --create-home --shell /usr/sbin/nologin meemaken \
 && install -d -o meemaken -g meemaken -m 0750 /var/lib/meemaken \
 && python3 -m venv /opt/meemaken
COPY infra/images/requirements.py /src/
COPY libs/events/pyproject.toml /src/libs/events/
COPY libs/kit/pyproject.toml /src/libs/kit/
RUN --mount=type=cache,id=meemaken-pip,target=/root/.cache/pip \
    python3 /src/requirements.py /src/libs/*/pyproject.toml > /src/requirements.txt \
 && /opt/meemaken/bin/pip install -q ${PIP_CERT:+--cert "$PIP_CERT"} "setuptools>=77" -r /src/requirements.txt \
 && rm -rf /src \
 && python3 -m compileall -q -j 0 /opt/meemaken
# The shared libraries (their requirements are in place: no resolving, no isolated build environment).
COPY libs/events/ /src/libs/events/
COPY libs/kit/ /src/libs/kit/
RUN /opt/meemaken/bin/pip install -q --no-deps --no-build-isolation /src/libs/events /src/libs/kit \
 && rm -rf /src \
 && python3 -m compileall -q -j 0 /opt/meemaken

# What every service's image runs and how (not yet as whom: pip below runs as root).
COPY infra/images/meemaken /usr/local/bin/meemaken
# `meemaken topics`: the declared topics, created as `make run` creates them (infra/kafka/create_topics.py)
COPY infra/kafka/create_topics.py infra/kafka/topics.txt infra/kafka/consumers.txt /opt/meemaken/kafka/
WORKDIR /app
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["meemaken", "healthcheck"]
ENTRYPOINT ["meemaken"]
CMD ["api"]

# The service's own third-party requirements (those the libs' layer has are left as they are; notifications has
# none), from its pyproject.toml alone: a code change rebuilds none of it.
ARG SERVICE
COPY infra/images/requirements.py /src/
COPY services/${SERVICE}/pyproject.toml /src/service/
RUN --mount=type=cache,id=meemaken-pip,target=/root/.cache/pip \
    python3 /src/requirements.py /src/service/pyproject.toml > /src/requirements.txt \
 && if [ -s /src/requirements.txt ]; then \
      /opt/meemaken/bin/pip install -q ${PIP_CERT:+--cert "$PIP_CERT"} -r /src/requirements.txt; fi \
 && rm -rf /src /opt/meemaken/lib/python3*/site-packages/numpy/*/tests \
 && python3 -m compileall -q -j 0 /opt/meemaken

# The service in place at /app (its migrations and openapi.json beside src/; the gateway's generated portal CSS
# in its static files: `make frontend` first). `pip check` stops the build if the venv lacks one of its requirements.
ARG PORT
COPY services/${SERVICE}/ /app/
RUN case "$SERVICE" in proposals|challenges|panels|notifications|gateway) ;; \
      *) echo "build with --build-arg SERVICE=<proposals|challenges|panels|notifications|gateway>" >&2; exit 2 ;; esac \
 && /opt/meemaken/bin/pip install -q --no-deps --no-build-isolation -e /app \
 && /opt/meemaken/bin/pip check \
 && /opt/meemaken/bin/pip uninstall -q -y pip setuptools \
 && rm -rf /app/build /app/src/*.egg-info \
 && python3 -m compileall -q -j 0 /opt/meemaken /app/src /app/migrations
ENV PATH=/opt/meemaken/bin:/usr/local/bin:/usr/bin:/bin VIRTUAL_ENV=/opt/meemaken HOME=/home/meemaken \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    MEEMAKEN_SERVICE=${SERVICE} MEEMAKEN_PORT=${PORT} MEEMAKEN_DATA_DIR=/var/lib/meemaken
USER 10001:10001
EXPOSE ${PORT}
