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

FROM ${BASE_IMAGE} AS build
ARG SERVICE
# The host's CA bundle, for pip behind an intercepting proxy: mounted read-only at build time only.
ARG PIP_CERT=""
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PYTHONDONTWRITEBYTECODE=1
RUN case "$SERVICE" in proposals|challenges|panels|notifications|gateway) ;; \
      *) echo "build with --build-arg SERVICE=<proposals|challenges|panels|notifications|gateway>" >&2; exit 2 ;; esac \
 && python3 -m venv /opt/meemaken
# The shared libraries first: the same layers for every service's image, built once and cached.
COPY libs/events/ /src/libs/events/
COPY libs/kit/ /src/libs/kit/
RUN --mount=type=cache,id=meemaken-pip,target=/root/.cache/pip \
    /opt/meemaken/bin/pip install -q ${PIP_CERT:+--cert "$PIP_CERT"} /src/libs/events /src/libs/kit \
 && python3 -m compileall -q -j 0 /opt/meemaken
# The service in place at /app (its migrations, openapi.json and, but for the gateway, gunicorn.conf.py
# beside src/; the gateway's generated portal CSS in its static files: `make frontend` first).
COPY services/${SERVICE}/ /app/
RUN --mount=type=cache,id=meemaken-pip,target=/root/.cache/pip \
    /opt/meemaken/bin/pip install -q ${PIP_CERT:+--cert "$PIP_CERT"} -e /app \
 && /opt/meemaken/bin/pip uninstall -q -y pip setuptools \
 && rm -rf /app/build /app/src/*.egg-info \
 && rm -rf /opt/meemaken/lib/python3*/site-packages/numpy/*/tests \
 && python3 -m compileall -q -j 0 /opt/meemaken /app/src /app/migrations

FROM ${BASE_IMAGE}
ARG SERVICE
ARG PORT
RUN useradd --no-log-init --uid 10001 --user-group --home-dir /home/meemaken --create-home --shell /usr/sbin/nologin meemaken \
 && install -d -o meemaken -g meemaken -m 0750 /var/lib/meemaken
COPY --from=build /opt/meemaken /opt/meemaken
COPY --from=build /app /app
COPY infra/images/meemaken /usr/local/bin/meemaken
# `meemaken topics`: the declared topics, created as `make run` creates them (infra/kafka/create_topics.py)
COPY infra/kafka/create_topics.py infra/kafka/topics.txt infra/kafka/consumers.txt /opt/meemaken/kafka/
ENV PATH=/opt/meemaken/bin:/usr/local/bin:/usr/bin:/bin VIRTUAL_ENV=/opt/meemaken HOME=/home/meemaken \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    MEEMAKEN_SERVICE=${SERVICE} MEEMAKEN_PORT=${PORT} MEEMAKEN_DATA_DIR=/var/lib/meemaken
WORKDIR /app
USER 10001:10001
EXPOSE ${PORT}
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["meemaken", "healthcheck"]
ENTRYPOINT ["meemaken"]
CMD ["api"]
