# Sarafan in a container: the same install as `./dev run` (a venv with the project installed
# from this source tree at the versions pinned in requirements.lock, then `sarafan run`, which
# migrates the database once at start), minus the developer tools.
#   docker build -t sarafan .
#   docker run -p 8080:8080 -v sarafan-data:/data sarafan      # web chat on http://localhost:8080/chat
# Configure with SARAFAN_* variables (e.g. -e TELEGRAM_BOT_TOKEN=...) or a mounted sarafan.yml
# (-v $PWD/sarafan.yml:/app/sarafan.yml:ro).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/app/.venv/bin:$PATH

RUN useradd --system --create-home --home-dir /home/sarafan --uid 10001 sarafan \
 && install -d -o sarafan -g sarafan /data

WORKDIR /app
# Relative var/ paths (the SQLite file, the NLU model) land in the volume.
RUN ln -s /data /app/var
# Editable, as in development: Alembic reads migrations/ from the source tree.
# requirements.lock (./dev lock) pins every dependency, so two builds install the same versions.
COPY pyproject.toml requirements.lock README.md LICENSE ./
COPY bot ./bot
COPY nlu ./nlu
COPY migrations ./migrations
RUN python -m venv .venv \
 && .venv/bin/python -m pip install --quiet --upgrade pip \
 && .venv/bin/python -m pip install --quiet -c requirements.lock -e .

ENV SARAFAN_HOST=0.0.0.0 \
    SARAFAN_PORT=8080 \
    SARAFAN_DATABASE_URL=sqlite+aiosqlite:////data/sarafan.sqlite3

USER sarafan
VOLUME ["/data"]
EXPOSE 8080
# `sarafan health` reads the same settings as `sarafan run` (variables, .env, a mounted
# sarafan.yml), so the check follows the port wherever it is configured.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["sarafan", "health", "--timeout", "4"]
# Exec form: sarafan itself is PID 1, so `docker stop` (SIGTERM) reaches it for a clean stop.
CMD ["sarafan", "run"]
