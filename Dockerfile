# The jixiao image: Airflow 3 with the project installed from its lock file. Every Airflow service
# of docker-compose.yml runs it; only the command differs.
FROM python:3.11-slim-bookworm

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

RUN useradd --create-home --uid 50000 airflow \
    && pip install --no-cache-dir uv==0.13.8
# Tesseract's English and Chinese models, the second reading of a scanned document's figures (the
# library itself comes with the tesserocr wheel; the PP-OCR models with rapidocr-onnxruntime's).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr-eng tesseract-ocr-chi-sim \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/jixiao
# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY ingest ingest
COPY jixiao jixiao
COPY expectations expectations
COPY dags dags
COPY dbt_project dbt_project
RUN uv sync --frozen --no-dev \
    && mkdir -p /opt/airflow /opt/jixiao/data \
    && chown -R airflow /opt/airflow /opt/jixiao/data

USER airflow
# Every service refuses to start with a placeholder or default secret, then runs its command.
ENTRYPOINT ["python", "-m", "jixiao.runtime.secrets_guard", "--"]
