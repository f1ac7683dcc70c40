"""The emulator's temporary storage: upload policies, an upload host on loopback, ``oss://``.

* ``GET /api/v1/uploads?action=getPolicy&model=…`` answers a policy in the recorded shape
  (``get-upload-policy-nosse``: ``policy``, ``signature``, ``upload_dir``, ``upload_host``,
  ``expire_in_seconds`` 300, ``max_file_size_mb`` 1024, ...). Its ``upload_host`` is the
  emulator itself (``http://<the Host the client called>``), so the upload stays on loopback.
* ``POST /`` there takes the multipart form of ``upload-temporary-file-nosse`` (the policy's
  fields, ``key``, the file last) and stores the file under ``key``, as OSS's PostObject: the
  signature must be the policy's, the key inside ``upload_dir``, the policy unexpired, the file
  within ``max_file_size_mb``, an existing key not overwritten (``x-oss-forbid-overwrite``).
* :meth:`TemporaryStorage.check` is the generation endpoints' ``oss://`` resolution: a request
  naming ``oss://`` files must carry ``X-DashScope-OssResourceResolve: enable`` and the files
  must exist and belong to the model they were uploaded for (docs: get-temporary-file-url,
  "File-model binding", step 2).

The policy document's content, the signature (an HMAC-SHA1 of the policy, as OSS's POST
signature), the OSS error documents and the generation error texts are [INF].

Example::

    storage = TemporaryStorage()
    status, body = storage.policy({"action": "getPolicy", "model": "qwen-vl-plus"}, "127.0.0.1:80")
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from dashscope_models.emulator._files import parse_multipart

__all__ = ["OSS_HEADER", "TemporaryStorage", "oss_error", "oss_urls"]

OSS_HEADER = "x-dashscope-ossresourceresolve"
_MAX_MB = 1024  # as recorded
_LIFE = 300  # seconds, as recorded
_MEDIA = ("image", "video", "audio")


def oss_urls(body: Any) -> list[str]:
    """The ``oss://`` URLs of a generation body's media parts."""
    found: list[str] = []
    messages = ((body or {}).get("input") or {}).get("messages") or []
    for m in messages:
        content = m.get("content") if isinstance(m, dict) else None
        for part in content if isinstance(content, list) else ():
            for key in _MEDIA:
                value = part.get(key) if isinstance(part, dict) else None
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, str) and v.startswith("oss://"):
                        found.append(v)
    return found


def oss_error(status: int, code: str, message: str) -> tuple[int, bytes]:
    # OSS's error document [INF: shape of OSS's documented PostObject errors].
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message><RequestId>{uuid.uuid4().hex}</RequestId></Error>"
    )
    return status, text.encode()


class TemporaryStorage:
    """Policies issued and files stored (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secret = secrets.token_bytes(16)
        self.policies: dict[str, tuple[str, str, float]] = {}  # policy → (model, dir, expires)
        self.objects: dict[str, tuple[bytes, str]] = {}  # key → (data, model)
        self.uploads = 0  # files stored so far (a test counts them)

    def _sign(self, policy: str) -> str:
        digest = hmac.new(self._secret, policy.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    def policy(self, query: dict[str, str], host: str) -> tuple[int, dict[str, Any]]:
        """``(status, body)`` of a getPolicy request (``host``: where the client called)."""
        model = query.get("model") or ""
        if query.get("action") != "getPolicy" or not model:  # [INF]
            return 400, {"code": "InvalidParameter",
                         "message": "action=getPolicy and model are required."}  # fmt: skip
        request_id = str(uuid.uuid4())
        today = datetime.now(UTC)
        upload_dir = f"dashscope-instant/{uuid.uuid4().hex}/{today:%Y-%m-%d}/{request_id}"
        expires = today + timedelta(seconds=_LIFE)
        document = {"expiration": expires.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "conditions": [
            ["content-length-range", 0, _MAX_MB * 1024 * 1024],
            ["starts-with", "$key", upload_dir], {"bucket": "dashscope-file-mgr"},
            {"x-oss-object-acl": "private"}, {"x-oss-forbid-overwrite": "true"}]}  # fmt: skip
        policy = base64.b64encode(json.dumps(document, separators=(",", ":")).encode()).decode()
        with self._lock:
            self.policies[policy] = (model, upload_dir, time.time() + _LIFE)
        # Keys and their order as get-upload-policy-nosse.
        data = {"policy": policy, "signature": self._sign(policy), "upload_dir": upload_dir,
                "upload_host": f"http://{host}", "expire_in_seconds": _LIFE,
                "max_file_size_mb": _MAX_MB, "capacity_limit_mb": 999999999,
                "oss_access_key_id": "emulator-access-key-id", "x_oss_object_acl": "private",
                "x_oss_forbid_overwrite": "true"}  # fmt: skip
        return 200, {"data": data, "request_id": request_id}

    def upload(self, content_type: str, body: bytes) -> tuple[int, bytes]:
        """``(status, body)`` of a PostObject upload to the upload host."""
        fields = parse_multipart(content_type, body)

        def text(name: str) -> str:
            for key, (_, value) in fields.items():
                if key.lower() == name.lower():
                    return value.decode("utf-8", "replace").strip()
            return ""

        policy, key = text("policy"), text("key")
        if "file" not in fields or not key:
            return oss_error(400, "InvalidArgument", "file and key are required.")
        with self._lock:
            issued = self.policies.get(policy)
        if issued is None or not hmac.compare_digest(text("Signature"), self._sign(policy)):
            return oss_error(403, "SignatureDoesNotMatch", "The request signature does not "
                              "match the policy.")  # fmt: skip
        model, upload_dir, expires = issued
        if time.time() > expires:
            return oss_error(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        if not key.startswith(upload_dir + "/"):
            return oss_error(403, "AccessDenied", "Invalid according to Policy: key.")
        data = fields["file"][1]
        if len(data) > _MAX_MB * 1024 * 1024:
            return oss_error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum.")
        with self._lock:
            if key in self.objects:
                return oss_error(409, "FileAlreadyExists", "The object you specified exists.")
            self.objects[key] = (data, model)
            self.uploads += 1
        return (200 if text("success_action_status") == "200" else 204), b""

    def check(self, body: Any, headers: dict[str, str]) -> tuple[int, str, str] | None:
        """The generation endpoints' answer to unresolvable ``oss://`` URLs, else ``None``."""
        urls = oss_urls(body)
        if not urls:
            return None
        if headers.get(OSS_HEADER, "").lower() != "enable":  # docs: step 2 is required [INF text]
            return (
                400,
                "InvalidParameter",
                (
                    "The oss:// resource cannot be read: send the request with the header "
                    "X-DashScope-OssResourceResolve: enable."
                ),
            )
        model = body.get("model")
        for url in urls:
            with self._lock:
                stored = self.objects.get(url.removeprefix("oss://"))
            if stored is None:  # [INF text]
                return 400, "InvalidParameter", f"The file {url} does not exist or has expired."
            if stored[1] != model:  # docs: "File-model binding" [INF text]
                return (
                    400,
                    "InvalidParameter",
                    (f"The file {url} was uploaded for {stored[1]}, not {model}."),
                )
        return None

    def read(self, url: str) -> bytes | None:
        """The bytes stored under an ``oss://`` URL."""
        with self._lock:
            stored = self.objects.get(url.removeprefix("oss://"))
        return None if stored is None else stored[0]
