# The Cobro API for production: core dependencies only. The bots and mobile packages are
# copied (the CLI and the app module import them lazily) but their extras are not installed,
# so the API serves without /app and /webhooks.
# Built by docker-compose.yml; configure it with DATABASE_URL, COBRO_SECRET_KEY, COBRO_ENV.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY bots ./bots
COPY mobile ./mobile
COPY shared ./shared
# A virtualenv is copied whole into the runtime stage; the sources stay behind.
RUN python -m venv /opt/cobro \
    && /opt/cobro/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/cobro/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system cobro \
    && useradd --system --gid cobro --home-dir /app --shell /usr/sbin/nologin cobro \
    && mkdir -p /app/var \
    && chown -R cobro:cobro /app
COPY --from=build /opt/cobro /opt/cobro
WORKDIR /app
USER cobro
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# Migrations run at every start (Alembic is a no-op at head), then the server replaces the shell.
CMD ["sh", "-c", "cobro migrate && exec cobro serve --host 0.0.0.0 --port 8000"]
