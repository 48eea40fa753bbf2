# syntax=docker/dockerfile:1
# embedviz: one Streamlit process (about one core, 0.5-0.7 GB once lessons are open) per
# container. For a class, run several behind nginx with session affinity: see compose.yaml.
FROM python:3.11-slim

# Nothing edits the code inside the container, so Streamlit needs no file watcher.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

WORKDIR /app

# The lock alone first, so the (large) dependency layer is reused when only the app changes.
# requirements.txt pins torch==2.13.0+cpu, which lives on PyTorch's CPU index; the index is
# named here only, never in the requirements files.
COPY requirements.txt ./
RUN python -m pip install --no-cache-dir \
        --extra-index-url https://download.pytorch.org/whl/cpu \
        -r requirements.txt

# An unprivileged user; the code stays owned by root (read-only to the app).
RUN useradd --create-home --home-dir /home/embedviz --uid 10001 --user-group \
        --shell /usr/sbin/nologin embedviz

# .streamlit/config.toml is part of the app (upload cap, theme); .dockerignore drops the rest.
COPY . .

USER embedviz
EXPOSE 8501

# python:3.11-slim has no curl; the standard library answers the health check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

CMD ["streamlit", "run", "app.py", "--server.port", "8501", "--server.address", "0.0.0.0", "--server.headless", "true"]
