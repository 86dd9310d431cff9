"""The production image's entrypoint: refuse to start an Airflow service with a placeholder or a
default secret, then run the service's command.

Compose's `${VAR:?}` only checks that a value is set; `change-me` from `.env.example` is set. Every
service of the stack starts through this check (the Dockerfile's ENTRYPOINT), so a stack copied
from the example and not filled in stops at once, naming each value to replace.

    python -m jixiao.runtime.secrets_guard -- airflow scheduler
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

# Values nobody should run with: the example's placeholders and the usual defaults.
PLACEHOLDERS = frozenset({"", "change-me", "changeme", "secret", "password", "airflow", "admin", "redis"})
SECRETS = (
    "POSTGRES_PASSWORD",
    "REDIS_PASSWORD",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_API_SECRET_KEY",
    "AIRFLOW_ADMIN_PASSWORD",
)
MIN_SECRET_LENGTH = 16
DEFAULT_USERS = frozenset({"admin", "airflow", "root", "user"})


def problems(environ: Mapping[str, str]) -> list[str]:
    """What is wrong with the secrets in `environ`, one line each; empty when all are usable."""
    found = []
    for name in SECRETS:
        value = environ.get(name, "")
        if value.strip().lower() in PLACEHOLDERS:
            found.append(f"{name} is unset or a placeholder ({value!r})")
        elif len(value) < MIN_SECRET_LENGTH:
            found.append(f"{name} is shorter than {MIN_SECRET_LENGTH} characters")
    fernet = environ.get("AIRFLOW_FERNET_KEY", "")
    try:
        from cryptography.fernet import Fernet

        Fernet(fernet.encode())
    except (ValueError, TypeError):
        found.append("AIRFLOW_FERNET_KEY is not a Fernet key (generate one with Fernet.generate_key())")
    admin = environ.get("AIRFLOW_ADMIN_USER", "")
    if admin.strip().lower() in DEFAULT_USERS | PLACEHOLDERS or not admin.isidentifier():
        found.append(f"AIRFLOW_ADMIN_USER is no user name, a placeholder or a default one ({admin!r})")
    if environ.get("AIRFLOW_ADMIN_EMAIL", "").count("@") != 1:
        found.append("AIRFLOW_ADMIN_EMAIL is not a mail address")
    return found


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--"]:
        args = args[1:]
    found = problems(os.environ if environ is None else environ)
    if found:
        for problem in found:
            print(f"jixiao: refusing to start: {problem}", file=sys.stderr)
        print("jixiao: fill in .env (see .env.example) and start again", file=sys.stderr)
        return 78  # EX_CONFIG
    if not args:
        return 0
    os.execvp(args[0], args)
    return 0  # not reached: exec replaced this process


if __name__ == "__main__":
    sys.exit(main())
