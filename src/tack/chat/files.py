"""Bytes of chat uploads on local disk under the data directory, and image recognition.

Files are written before the database commit; a rollback leaves an orphan blob that
nothing references (a later sweep can remove them), never a row without its bytes.
"""

import hashlib
import secrets
from pathlib import Path

ROOT = "chat-files"

# Magic numbers of the image types shown inline; anything else is served as a download.
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_image(head: bytes) -> str | None:
    for magic, content_type in _IMAGE_MAGIC:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def store_blob(data_dir: Path, org_id: int, data: bytes) -> tuple[str, str]:
    """Writes the bytes under a random name; returns (relative path, sha256)."""
    digest = hashlib.sha256(data).hexdigest()
    relative = Path(ROOT) / str(org_id) / digest[:2] / f"{secrets.token_hex(16)}"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".part")
    temporary.write_bytes(data)
    temporary.replace(target)
    return str(relative), digest


def blob_path(data_dir: Path, relative: str) -> Path:
    path = (data_dir / relative).resolve()
    if not path.is_relative_to((data_dir / ROOT).resolve()):
        raise ValueError("blob path escapes the data directory")
    return path
