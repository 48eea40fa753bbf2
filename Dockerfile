# embedviz: one Streamlit process (about one core, 0.5-0.9 GB once lessons are open) per
# container. For a class, run several behind nginx with session affinity: see compose.yaml and
# deploy/README.md (Kubernetes: deploy/k8s/).
#
#   docker build -t embedviz .          then: docker run -p 8501:8501 embedviz
#
# No "# syntax=" line: the builder's own Dockerfile frontend is enough, so a machine whose only
# image source is a registry mirror needs nothing but the base image below.
#
# Build arguments:
#   BASE_IMAGE       a Python 3.11 image (default python:3.11-slim; any mirror's copy of it works)
#   TORCH_INDEX_URL  where torch's CPU build comes from (default PyTorch's CPU index). Only torch
#                    is asked there, and without its dependencies, so no other package depends on
#                    that index; a local mirror of it works too (see docs/install.md).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

# Nothing edits the code inside the container, so Streamlit needs no file watcher.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

WORKDIR /app

# The lock alone first, so the (large) dependency layer is reused when only the app changes.
# requirements.txt pins torch==X, which on PyPI is the CUDA build for Linux (several GB of
# nvidia-* wheels). So torch's CPU build (X+cpu) is installed first, alone and without
# dependencies, from TORCH_INDEX_URL; the lock then finds torch==X satisfied (X+cpu matches ==X)
# and installs the rest from PyPI, torch's own dependencies included (the CPU wheel names no
# CUDA package). The last line fails the build if any CUDA package got in after all.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
COPY requirements.txt ./
RUN set -eu; \
    torch_pin="$(grep -E '^torch==' requirements.txt)"; \
    python -m pip install --no-deps --index-url "$TORCH_INDEX_URL" "$torch_pin"; \
    python -m pip install -r requirements.txt; \
    python -c "import torch, sys; sys.exit(torch.version.cuda is not None)"; \
    ! python -m pip list --format=freeze | grep -i -E '^(nvidia-|triton=)'

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
