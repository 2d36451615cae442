"""Encryption at rest of personal identities — whistleblowers, parties of person cases (Fernet,
AES-128-CBC + HMAC-SHA256).

The key comes from ``QIANDAI_SECRET_KEY`` (a urlsafe-base64 Fernet key) or, when unset, from the
file ``$QIANDAI_HOME/secret.key``, created on first use with permissions 0600. Back the key up: without
it no reporter or party identity can be read again.
"""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from qiandai import settings
from qiandai.config import get_settings
from qiandai.domain.errors import QiandaiError


def _key() -> bytes:
    env = get_settings().secret_key_value()
    if env:
        return env.encode()
    path = settings.home() / "secret.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    return path.read_bytes().strip()


def encrypt(data: dict[str, Any]) -> str:
    return Fernet(_key()).encrypt(json.dumps(data, ensure_ascii=False).encode()).decode()


def decrypt(token: str) -> dict[str, Any]:
    try:
        return dict(json.loads(Fernet(_key()).decrypt(token.encode())))
    except InvalidToken:
        raise QiandaiError("无法解密个人信息：密钥不匹配") from None
