"""Lenient reading of DingTalk-style parameters, with errors in the caller's wire style.

DingTalk clients send parameters in the query string (GET, and every TOP call), in a JSON body
(oapi POST, /topapi, /v1.0) or as a form; Python booleans arrive as "True"/"False", ids as
numbers or numeric strings, lists as JSON or comma-joined. `Params` merges what came and
reads it the way DingTalk does; anything missing or unusable raises the style's own error
(40035 / invalidParameter / isv.missing-parameter), never a 422 or a 500.
"""

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request

from tack.openapi_compat.errors import (
    Style,
    body_too_large,
    invalid_parameter,
    missing_parameter,
    top_invalid_parameter,
    top_missing_parameter,
    v1_body_too_large,
    v1_invalid_parameter,
    v1_missing_parameter,
)

# Larger than any legitimate server-API call (a work notification's body is a few KB).
MAX_BODY = 256 * 1024


async def read_body(request: Request, style: Style, limit: int = MAX_BODY) -> bytes:
    """The raw body, refused past `limit` before it is all read (Content-Length first)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise v1_body_too_large(limit) if style == "v1" else body_too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise v1_body_too_large(limit) if style == "v1" else body_too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


class Params:
    def __init__(self, values: dict[str, Any], style: Style) -> None:
        self.values = values
        self.style = style

    @classmethod
    async def of(cls, request: Request, style: Style) -> "Params":
        values: dict[str, Any] = dict(request.query_params)
        if request.method in ("POST", "PUT", "PATCH"):
            raw = await read_body(request, style)
            if raw.strip():
                content_type = request.headers.get("content-type", "")
                if "application/x-www-form-urlencoded" in content_type:
                    body: Any = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
                else:
                    try:
                        body = json.loads(raw)
                    except (ValueError, UnicodeDecodeError):
                        raise cls({}, style).invalid("body", "not JSON") from None
                if not isinstance(body, dict):
                    raise cls({}, style).invalid("body", "not a JSON object")
                values.update(body)
        return cls(values, style)

    # --- errors in the caller's style ------------------------------------------------------

    def missing(self, name: str) -> Exception:
        if self.style == "v1":
            return v1_missing_parameter(name)
        if self.style == "top":
            return top_missing_parameter(name)
        return missing_parameter(name)

    def invalid(self, name: str, why: str = "") -> Exception:
        if self.style == "v1":
            return v1_invalid_parameter(name, why)
        if self.style == "top":
            return top_invalid_parameter(name, why)
        return invalid_parameter(name, why)

    # --- readers ---------------------------------------------------------------------------

    def has(self, name: str) -> bool:
        value = self.values.get(name)
        return value is not None and value != ""

    def text(self, name: str, *, required: bool = False, default: str = "", max_length: int = 1000) -> str:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise self.missing(name)
            return default
        if isinstance(value, (dict, list, bool)):
            raise self.invalid(name, "not a string")
        text = str(value)
        if len(text) > max_length or "\x00" in text:
            raise self.invalid(name, "too long" if len(text) > max_length else "bad characters")
        return text

    def integer(self, name: str, *, required: bool = False, default: int = 0, low: int = 0, high: int = 2**63 - 1) -> int:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise self.missing(name)
            return default
        if isinstance(value, bool):
            raise self.invalid(name, "not a number")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise self.invalid(name, "not a number") from None
        if not low <= number <= high:
            raise self.invalid(name, f"out of range {low}..{high}")
        return number

    def flag(self, name: str, *, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise self.invalid(name, "not a boolean")

    def json_value(self, name: str, *, required: bool = False) -> Any:
        """A JSON value that may arrive encoded as a string (TOP) or as is (a JSON body)."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise self.missing(name)
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise self.invalid(name, "not JSON") from None
        return value

    def str_list(self, name: str, *, max_items: int = 5000) -> list[str]:
        """A list given as a JSON array, a JSON-encoded array or "a,b,c" (also "a|b")."""
        value = self.values.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, str):
            stripped = value.strip()
            if stripped.startswith("["):
                try:
                    value = json.loads(stripped)
                except ValueError:
                    raise self.invalid(name, "not a list") from None
            else:
                value = [p for p in stripped.replace("|", ",").split(",") if p.strip()]
        if not isinstance(value, list) or any(isinstance(v, (dict, list)) for v in value):
            raise self.invalid(name, "not a list")
        items = [str(v).strip() for v in value if str(v).strip()]
        if len(items) > max_items:
            raise self.invalid(name, f"more than {max_items} items")
        return items
