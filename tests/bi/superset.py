"""A real Superset for the BI lane: the pinned release from bi/superset/requirements.txt in its own
virtual environment (`make test-bi` installs it in .tools/superset), its metadata in SQLite under the
test's folder, served by gunicorn on a free port, driven through its REST API as a user's script or
its web client would."""

from __future__ import annotations

import io
import json
import os
import secrets
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests.conftest import PROJECT_ROOT

SUPERSET_VENV = PROJECT_ROOT / ".tools" / "superset"
BUNDLE = PROJECT_ROOT / "bi" / "superset" / "dashboard"
ADMIN = {"username": "admin", "password": secrets.token_urlsafe(12)}


class SupersetError(AssertionError):
    """An API call that did not answer as a working Superset does."""


@dataclass
class Superset:
    home: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    session: requests.Session | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SUPERSET_CONFIG_PATH": str(self.home / "superset_config.py"),
            "SUPERSET_HOME": str(self.home),
            # Superset's own process must not inherit the project's Airflow or jixiao settings.
            "PYTHONPATH": "",
        }

    def bootstrap(self) -> None:
        """Superset's documented first steps: the metadata DB, an admin, the default roles."""
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "superset_config.py").write_text(
            f"SECRET_KEY = {secrets.token_hex(32)!r}\n"
            f"SQLALCHEMY_DATABASE_URI = 'sqlite:///{self.home / 'superset.db'}'\n"
            # No HTTPS in the test: Talisman would redirect every call.
            "TALISMAN_ENABLED = False\n",
            encoding="utf-8",
        )
        superset = str(SUPERSET_VENV / "bin" / "superset")
        for command in (
            ["db", "upgrade"],
            ["fab", "create-admin", "--username", ADMIN["username"], "--password", ADMIN["password"],
             "--firstname", "jixiao", "--lastname", "analyst", "--email", "analyst@example.org"],
            ["init"],
        ):  # fmt: skip
            done = subprocess.run(
                [superset, *command], env=self.env, capture_output=True, text=True, timeout=300
            )
            if done.returncode != 0:
                raise SupersetError(f"superset {command[0]}: {done.stdout[-2000:]}{done.stderr[-2000:]}")

    def start(self) -> None:
        log = (self.home / "gunicorn.log").open("wb")
        self.process = subprocess.Popen(
            [str(SUPERSET_VENV / "bin" / "gunicorn"), "--no-control-socket", "--workers", "1",
             "--threads", "4", "--timeout", "120", "--bind", f"127.0.0.1:{self.port}",
             "superset.app:create_app()"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.home,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.home / "gunicorn.log").read_text(errors="replace")
            try:
                # The first answer waits for the app to load.
                if requests.get(f"{self.url}/health", timeout=30).text == "OK":
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            raise SupersetError("Superset did not answer /health within 120 s")
        self.session = self._login()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def _login(self) -> requests.Session:
        """A JWT for the API, and the CSRF token (with its session cookie) every write needs."""
        session = requests.Session()
        login = session.post(
            f"{self.url}/api/v1/security/login", json={**ADMIN, "provider": "db"}, timeout=30
        )
        login.raise_for_status()
        session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        csrf = session.get(f"{self.url}/api/v1/security/csrf_token/", timeout=30)
        csrf.raise_for_status()
        session.headers["X-CSRFToken"] = csrf.json()["result"]
        session.headers["Referer"] = self.url
        return session

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        assert self.session is not None, "start() first"
        response = self.session.request(method, f"{self.url}{path}", timeout=120, **kwargs)
        if response.status_code != expect:
            raise SupersetError(f"{method} {path}: {response.status_code} {response.text[:2000]}")
        return response.json()

    def sql_lab(self, database_id: int, sql: str) -> requests.Response:
        """A synchronous SQL Lab query, as the SQL Lab page sends it; the response, failed or not."""
        assert self.session is not None
        return self.session.post(
            f"{self.url}/api/v1/sqllab/execute/",
            json={"database_id": database_id, "sql": sql, "runAsync": False},
            timeout=120,
        )

    def import_dashboard(self, bundle: Path) -> None:
        """Import a dashboard exported as YAML files (Superset's export format), zipped as its
        export endpoint zips them."""
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            for path in sorted(bundle.rglob("*.yaml")):
                zipped.write(path, f"dashboard_export/{path.relative_to(bundle)}")
        self.call(
            "POST",
            "/api/v1/dashboard/import/",
            files={"formData": ("dashboard.zip", archive.getvalue(), "application/zip")},
            data={"overwrite": "true"},
        )


def readme_recipe() -> dict[str, Any]:
    """The engine parameters the README gives Superset users (its JSON block after the marker)."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    marker = "<!-- superset-engine-parameters -->"
    block = readme.split(marker, 1)[1].split("```json", 1)[1].split("```", 1)[0]
    recipe: dict[str, Any] = json.loads(block)
    return recipe
