# syntax=docker/dockerfile:1
# Build stage: a wheel of the service and its dependencies, installed into a virtualenv.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY cds ./cds
COPY hooks ./hooks
RUN /opt/venv/bin/pip install .

# Run stage: the virtualenv and the fixtures, as a non-root user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MALLOC_ARENA_MAX=2 \
    CDS_DEMO=false
RUN useradd --create-home --uid 10001 cds
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY fixtures ./fixtures
RUN mkdir -p /app/var && chown cds:cds /app/var
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["cds", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
