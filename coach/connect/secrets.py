"""Keys encrypted at rest: Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with
``COACH_SECRET_KEY``.

Without ``COACH_SECRET_KEY`` the key is read from ``COACH_DATA_DIR/secret.key``, which is created
once with owner-only permissions (0600), so a plain install encrypts from the first connection.
Losing that file (or changing the variable) makes stored keys unreadable: the athlete is asked to
reconnect, nothing else breaks.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from coach.connect.errors import SecretUnreadable

log = logging.getLogger(__name__)

SECRET_FILE_NAME = "secret.key"
SECRET_FILE_MODE = 0o600


class BadSecretKey(ValueError):
    """COACH_SECRET_KEY (or the key file) is not a Fernet key; the message names where it came from."""


class SecretBox:
    """Encrypts and decrypts short secrets (API keys, tokens) with one Fernet key."""

    def __init__(self, key: bytes | str) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as error:
            raise BadSecretKey("not a Fernet key (32 url-safe base64-encoded bytes)") from error

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, ValueError) as error:
            raise SecretUnreadable(
                "I can't read the key you connected with any more (the server's secret key changed); "
                "please connect again."
            ) from error


def key_file(data_dir: Path) -> Path:
    return data_dir / SECRET_FILE_NAME


def load_or_create_key(data_dir: Path) -> bytes:
    """The key in ``data_dir/secret.key``, generated (mode 0600, never overwritten) when absent."""
    path = key_file(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_FILE_MODE)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s is readable by others (mode %o); it should be 0600", path, mode)
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as out:
        out.write(key + b"\n")
    log.info("generated a new secret key in %s (mode 0600)", path)
    return key


def secret_box(data_dir: Path, configured: str | None) -> SecretBox:
    """From ``COACH_SECRET_KEY`` when set, else from the key file in the data folder."""
    if configured:
        try:
            return SecretBox(configured.strip())
        except BadSecretKey as error:
            raise BadSecretKey(f"COACH_SECRET_KEY is {error}") from error
    try:
        return SecretBox(load_or_create_key(data_dir))
    except BadSecretKey as error:
        raise BadSecretKey(f"{key_file(data_dir)} is {error}") from error
