# Cobro's images, one target per role (docker-compose.yml builds each):
#   api     the API (core dependencies only: no bots or app extras, so no /app or /webhooks)
#   worker  the job workers: the core and the "bots" extra (pywa and python-telegram-bot send
#           reminders over WhatsApp and Telegram)
#   bots    the chat webhooks on their own (`cobro bots`), calling the API over HTTP
#   app     the field agent app for browsers (`cobro field-app`), calling the API over HTTP
#   rasa    the Rasa action server with Cobro's actions (`cobro rasa-actions`)
# `docker build .` builds the last stage, the API. Configure with DATABASE_URL,
# COBRO_SECRET_KEY, COBRO_ENV (see README.md and docs/operations.md).

FROM python:3.11-slim AS source
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY bots ./bots
COPY mobile ./mobile
COPY shared ./shared

# One virtualenv per set of extras; each is copied whole into its runtime stage.
FROM source AS venv-core
RUN python -m venv /opt/cobro && /opt/cobro/bin/pip install .

FROM source AS venv-bots
RUN python -m venv /opt/cobro && /opt/cobro/bin/pip install ".[bots]"

FROM source AS venv-app
RUN python -m venv /opt/cobro && /opt/cobro/bin/pip install ".[mobile]"

FROM source AS venv-rasa
RUN python -m venv /opt/cobro && /opt/cobro/bin/pip install ".[rasa]"

FROM python:3.11-slim AS runtime
ENV PATH=/opt/cobro/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system cobro \
    && useradd --system --gid cobro --home-dir /app --shell /usr/sbin/nologin cobro \
    && mkdir -p /app/var/mobile \
    && chown -R cobro:cobro /app
WORKDIR /app

FROM runtime AS rasa
COPY --from=venv-rasa /opt/cobro /opt/cobro
USER cobro
EXPOSE 5055
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5055/health', timeout=4)"]
CMD ["cobro", "rasa-actions", "--port", "5055"]

FROM runtime AS app
COPY --from=venv-app /opt/cobro /opt/cobro
USER cobro
EXPOSE 8550
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8550/livez', timeout=4)"]
CMD ["cobro", "field-app", "--host", "0.0.0.0", "--port", "8550"]

FROM runtime AS bots
COPY --from=venv-bots /opt/cobro /opt/cobro
USER cobro
EXPOSE 8001
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8001/readyz', timeout=4)"]
CMD ["cobro", "bots", "--host", "0.0.0.0", "--port", "8001"]

FROM runtime AS worker
COPY --from=venv-bots /opt/cobro /opt/cobro
USER cobro
EXPOSE 9100
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9100/livez', timeout=4)"]
CMD ["cobro", "worker", "--concurrency", "4", "--metrics-host", "0.0.0.0", "--metrics-port", "9100"]

FROM runtime AS api
COPY --from=venv-core /opt/cobro /opt/cobro
USER cobro
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
# Migrations run at every start (Alembic is a no-op at head), then the server replaces the shell
# (docker-compose.yml migrates once, in its own service, and starts the servers after it).
CMD ["sh", "-c", "cobro migrate && exec cobro serve --host 0.0.0.0 --port 8000 --workers ${COBRO_API_WORKERS:-2}"]
