# Liaison in a container: the wheel is built in a first stage and installed alone in a slim
# image, run as an unprivileged user. `liaison run` (web server and scheduler) by default.
#
#   docker build -t liaison .
#   docker run --env-file .env -p 3000:3000 -v "$PWD/config:/app/config:ro" \
#       -v liaison-data:/app/data liaison
#
# compose.yaml starts it with PostgreSQL; the README says how to deploy it in other ways.

FROM python:3.11-slim AS build
WORKDIR /src
# bot/_migrations, bot/_config and bot/manifest.yml link to these; the wheel carries copies.
COPY pyproject.toml README.md manifest.yml ./
COPY migrations ./migrations
COPY config ./config
COPY bot ./bot
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /dist/ /tmp/dist/
RUN pip install --no-cache-dir /tmp/dist/liaison-*.whl \
    && rm -rf /tmp/dist \
    && useradd --system --uid 10001 --user-group --home-dir /app --no-create-home liaison \
    && mkdir -p /app/config /app/data \
    && chown liaison:liaison /app /app/data
WORKDIR /app
# Mount your config file at /app/config/liaison.toml, or none: Liaison is then set up from its
# Home tab. Without DATABASE_URL, the SQLite file is kept in /app/data (mount a volume there).
ENV LIAISON_CONFIG=/app/config/liaison.toml \
    DATABASE_URL=sqlite:////app/data/liaison.db \
    PORT=3000
USER liaison
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
# SIGTERM (docker stop) stops it gracefully: requests and sends under way finish first.
STOPSIGNAL SIGTERM
CMD ["liaison", "run"]
