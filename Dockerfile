# The service in a virtualenv installed from uv.lock, on a Python base trimmed of what it
# does not run, as one layer. BASE_IMAGE: a Debian-based image whose `python` is CPython 3.11
# with its venv module. Few steps on purpose: under vfs storage each one copies the whole tree.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
COPY . /src
# uv at the version pyproject.toml requires. Left out: what uvicorn[standard] brings for
# auto-reload, websockets and YAML log configs, and the FHIR models other than R4B.
RUN python -m venv /opt/uv \
    && /opt/uv/bin/pip install --quiet --no-cache-dir --disable-pip-version-check \
        "uv$(sed -n 's/^required-version = "\(.*\)"$/\1/p' /src/pyproject.toml)" \
    && UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_NO_CACHE=1 \
        UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy \
        /opt/uv/bin/uv sync --project /src --locked --no-dev --no-editable --python python \
        --no-install-package watchfiles --no-install-package websockets \
        --no-install-package pyyaml \
    && find /opt/venv/lib/python3*/site-packages/fhir/resources -mindepth 1 -maxdepth 1 \
        ! -name R4B ! -name __init__.py -exec rm -r {} +

FROM ${BASE_IMAGE} AS run
RUN useradd --no-create-home --uid 10001 cds \
    && mkdir -p /app/var && chown cds:cds /app/var \
    && rm -rf /usr/share/doc /usr/share/man /usr/share/info /usr/share/locale \
        /usr/share/python-wheels /var/lib/apt/lists/*
COPY --from=build /opt/venv /opt/venv

# One layer, copied last so that the settings above it cost nothing to build. Its root
# directory has mode 755 whatever the base's was (one imported from a debootstrap directory
# has 700, which user 10001 could not enter).
FROM scratch
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MALLOC_ARENA_MAX=2 \
    CDS_DEMO=false
WORKDIR /app
USER 10001
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["cds", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
# hadolint ignore=DL3067
COPY --from=run / /
