"""Settings of the workbench: one object, read once (from options and the environment)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_UPLOAD_MB = 50
TOKEN_ENV = "FACILITY_CHECK_TOKEN"  # noqa: S105 (the variable's name, not a secret)
UPLOAD_ENV = "FACILITY_CHECK_UPLOAD_MB"


def default_data_dir() -> Path:
    """The user's data directory (e.g. ``~/.local/share/facility-check``)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("facility-check", appauthor=False))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class WebSettings:
    data_dir: Path
    token: str | None = None
    upload_limit_bytes: int = DEFAULT_UPLOAD_MB * 1024 * 1024
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'facility-check.sqlite3'}"

    @property
    def hazards_dir(self) -> Path:
        return self.data_dir / "hazards"

    @classmethod
    def create(
        cls,
        data_dir: str | Path | None = None,
        *,
        token: str | None = None,
        upload_mb: int | None = None,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
    ) -> WebSettings:
        """Options win over the environment (``FACILITY_CHECK_TOKEN``, ``FACILITY_CHECK_UPLOAD_MB``)."""
        token = token or os.environ.get(TOKEN_ENV) or None
        if upload_mb is None:
            env = os.environ.get(UPLOAD_ENV)
            upload_mb = int(env) if env and env.isdigit() else DEFAULT_UPLOAD_MB
        return cls(
            data_dir=Path(data_dir) if data_dir is not None else default_data_dir(),
            token=token,
            upload_limit_bytes=upload_mb * 1024 * 1024,
            host=host,
            port=port,
        )


class UnsafeBind(ValueError):
    """A non-loopback address without a token."""


def check_bind(settings: WebSettings) -> None:
    if not is_loopback(settings.host) and not settings.token:
        raise UnsafeBind(settings.host)
