"""The container lane's images, built on this machine without a registry: Debian bookworm bases made
by mmdebstrap from Debian's packages and imported into podman, then the project's image built from
the Dockerfile on that base. Users keep python:3.11-slim-bookworm, postgres:16, redis:7 and nginx; the lane
substitutes these through tests/deploy/compose.offline.yml.

An image is made again only when what it is made from changed: each carries a label with the
digest of its inputs."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import PROJECT_ROOT

HERE = Path(__file__).resolve().parent
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
UV_CACHE = Path.home() / ".cache" / "uv"
PROJECT_IMAGE = "localhost/jixiao:latest"


@dataclass(frozen=True)
class BaseImage:
    name: str
    packages: tuple[str, ...]
    changes: tuple[str, ...] = ()  # Dockerfile instructions `podman import` applies
    hooks: tuple[str, ...] = ()  # mmdebstrap --customize-hook commands

    def digest(self) -> str:
        inputs = repr((self.packages, self.changes, self.hooks)).encode()
        for hook in self.hooks:
            for word in hook.split():
                if word.startswith(str(HERE)):
                    inputs += Path(word).read_bytes()
        return hashlib.sha256(inputs).hexdigest()[:16]


BASES = (
    BaseImage("localhost/jixiao-base:bookworm", ("python3.11", "python3-venv", "ca-certificates")),
    BaseImage(
        "localhost/postgres:16-offline",
        ("postgresql-15", "ca-certificates"),
        changes=('ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',),
        hooks=(
            f"upload {HERE / 'postgres-entrypoint.sh'} /usr/local/bin/docker-entrypoint.sh",
            'chroot "$1" chmod 755 /usr/local/bin/docker-entrypoint.sh',
            # Debian's package makes a cluster of its own; the entrypoint makes the compose file's.
            'rm -rf "$1"/etc/postgresql/15/main "$1"/var/lib/postgresql/15/main',
        ),
    ),
    BaseImage("localhost/redis:7-offline", ("redis-server",), changes=('CMD ["redis-server"]',)),
    # Debian's nginx reads conf.d/*.conf as the official image does; its own site would take the port.
    BaseImage(
        "localhost/nginx:offline",
        ("nginx",),
        changes=('CMD ["nginx", "-g", "daemon off;"]',),
        hooks=('rm -f "$1"/etc/nginx/sites-enabled/default',),
    ),
)


def run(*command: str, timeout: float = 900) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)}: exit {done.returncode}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


def label(image: str, key: str) -> str | None:
    done = subprocess.run(
        ["podman", "image", "inspect", "--format", f'{{{{ index .Labels "{key}" }}}}', image],
        capture_output=True,
        text=True,
    )
    value = done.stdout.strip()
    return value if done.returncode == 0 and value not in ("", "<no value>") else None


def build_base(image: BaseImage, work: Path) -> None:
    if label(image.name, "jixiao.inputs") == image.digest():
        return
    tarball = work / f"{image.name.split('/')[-1].replace(':', '-')}.tar"
    hooks = [argument for hook in image.hooks for argument in ("--customize-hook", hook)]
    run(
        "mmdebstrap",
        "--variant=apt",
        f"--include={','.join(image.packages)}",
        *hooks,
        "bookworm",
        str(tarball),
    )
    changes = [argument for change in image.changes for argument in ("--change", change)]
    changes += ["--change", f"LABEL jixiao.inputs={image.digest()}"]
    run("podman", "import", *changes, str(tarball), image.name)
    tarball.unlink()


def build_project_image() -> None:
    """The Dockerfile on the offline base. The build reaches the package index through the host's
    network (netavark's bridge has no route to this machine's resolver) and its CA bundle; the host's
    uv cache saves downloading the locked wheels again."""
    UV_CACHE.mkdir(parents=True, exist_ok=True)
    run(
        "podman", "build", "--network", "host",
        "--build-arg", f"BASE_IMAGE={BASES[0].name}",
        "--build-arg", f"SSL_CERT_FILE={HOST_CA_BUNDLE}",
        "--volume", f"{HOST_CA_BUNDLE}:{HOST_CA_BUNDLE}:ro",
        "--volume", f"{UV_CACHE}:/root/.cache/uv",
        "--tag", PROJECT_IMAGE,
        str(PROJECT_ROOT),
        timeout=1800,
    )  # fmt: skip


def build_images(work: Path) -> dict[str, int]:
    """Every image of the lane; their sizes in bytes."""
    work.mkdir(parents=True, exist_ok=True)
    for image in BASES:
        build_base(image, work)
    build_project_image()
    return {
        image: int(run("podman", "image", "inspect", "--format", "{{.Size}}", image).strip())
        for image in (*(base.name for base in BASES), PROJECT_IMAGE)
    }
