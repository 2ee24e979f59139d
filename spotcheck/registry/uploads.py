"""Uploaded directory files waiting for confirmation, kept on disk (never in the session).

Each upload gets a directory VAR_DIR/uploads/<token>/ with the file, `meta.json` (who uploaded
it, what kind, the validation report) and, once written, the rejects file. Uploads older than a
day are removed when a new one arrives.
"""

import json
import re
import secrets
import shutil
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404

from spotcheck.accounts.models import User
from spotcheck.accounts.permissions import narrow_to_agency

MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def uploads_root() -> Path:
    return Path(settings.VAR_DIR) / "uploads"


@dataclass
class StoredUpload:
    token: str
    directory: Path
    meta: dict[str, Any]

    @property
    def path(self) -> Path:
        return self.directory / self.meta["stored_name"]

    @property
    def rejects_path(self) -> Path:
        return self.directory / "rejects.csv"

    def save(self) -> None:
        (self.directory / "meta.json").write_text(
            json.dumps(self.meta, ensure_ascii=False, default=str), encoding="utf-8"
        )

    def claim(self) -> bool:
        """Take the upload for writing; False when another request holds it (a second click on
        「确认导入」 while the first runs). The claim is a file created exclusively."""
        try:
            (self.directory / "claimed").touch(exist_ok=False)
        except FileExistsError:
            return False
        return True

    def release(self) -> None:
        (self.directory / "claimed").unlink(missing_ok=True)

    def owned_by(self, user: Any) -> bool:
        return self.meta.get("user_id") == user.pk or user.has_role("administrator")


def store(upload: UploadedFile, meta: dict[str, Any]) -> StoredUpload:
    purge_old()
    token = secrets.token_urlsafe(24)
    directory = uploads_root() / token
    directory.mkdir(parents=True)
    suffix = Path(upload.name or "").suffix.lower()
    stored = StoredUpload(token, directory, {**meta, "stored_name": "source" + suffix})
    with stored.path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    stored.save()
    return stored


def load(token: str) -> StoredUpload | None:
    if not _TOKEN.fullmatch(token):
        return None
    directory = uploads_root() / token
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return StoredUpload(token, directory, meta)


def load_for_user(token: str, user: Any, *, kinds: Collection[str]) -> StoredUpload:
    """The upload behind a preview/confirm page: one of `kinds`, uploaded in the user's agency
    (another agency's upload is "not found", so tokens reveal nothing) and by the user (or an
    administrator)."""
    stored = load(token)
    if stored is None or stored.meta.get("kind") not in kinds:
        raise Http404("上传的文件不存在或已过期，请重新上传")
    uploader = narrow_to_agency(User.objects.all(), user).filter(pk=stored.meta.get("user_id"))
    if not uploader.exists():
        raise Http404("上传的文件不存在或已过期，请重新上传")
    if not stored.owned_by(user):
        raise PermissionDenied("只能查看自己上传的文件")
    return stored


def purge_old(now: float | None = None) -> None:
    root = uploads_root()
    if not root.is_dir():
        return
    limit = (now or time.time()) - MAX_AGE_SECONDS
    for directory in root.iterdir():
        if directory.is_dir() and directory.stat().st_mtime < limit:
            shutil.rmtree(directory, ignore_errors=True)
