"""The emulator's temporary storage (_oss): policy, upload host checks, oss:// resolution."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from dashscope_models.emulator import Emulator

AUTH = {"authorization": "Bearer sk-any"}


def policy(emulator: Emulator, model: str = "qwen-vl-plus") -> dict[str, Any]:
    response = emulator.handle(
        "GET", f"/api/v1/uploads?action=getPolicy&model={model}", {**AUTH, "host": "h:1"}, b""
    )
    assert response.status == 200
    data: dict[str, Any] = json.loads(b"".join(f.data for f in response.frames))["data"]
    return data


def form(fields: dict[str, str], data: bytes) -> tuple[dict[str, str], bytes]:
    b = uuid.uuid4().hex
    body = "".join(
        f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ).encode()
    body += (
        f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'.encode()
    )
    body += data + f"\r\n--{b}--\r\n".encode()
    return {"content-type": f"multipart/form-data; boundary={b}"}, body


def upload(emulator: Emulator, p: dict[str, Any], key: str, signature: str | None = None) -> int:
    headers, body = form({"OSSAccessKeyId": p["oss_access_key_id"], "policy": p["policy"],
                          "Signature": signature or p["signature"], "key": key,
                          "success_action_status": "200"}, b"png")  # fmt: skip
    return emulator.handle("POST", "/", headers, body).status


def generate(emulator: Emulator, url: str, model: str, resolve: bool) -> Any:
    body = {"model": model, "input": {"messages": [
        {"role": "user", "content": [{"image": url}, {"text": "What?"}]}]}}  # fmt: skip
    headers = {**AUTH, **({"x-dashscope-ossresourceresolve": "enable"} if resolve else {})}
    return emulator.handle(
        "POST", "/api/v1/services/aigc/multimodal-generation/generation", headers,
        json.dumps(body).encode(),
    )  # fmt: skip


def test_policy_points_at_the_host_called() -> None:
    p = policy(Emulator())
    assert p["upload_host"] == "http://h:1" and p["expire_in_seconds"] == 300
    assert p["max_file_size_mb"] == 1024


def test_upload_checks_signature_key_and_overwrite() -> None:
    emulator = Emulator()
    p = policy(emulator)
    assert upload(emulator, p, "elsewhere/a.png") == 403
    assert upload(emulator, p, f"{p['upload_dir']}/a.png", signature="forged") == 403
    assert upload(emulator, p, f"{p['upload_dir']}/a.png") == 200
    assert upload(emulator, p, f"{p['upload_dir']}/a.png") == 409  # x-oss-forbid-overwrite
    assert emulator.storage.uploads == 1


def test_oss_urls_need_the_header_the_file_and_the_same_model() -> None:
    emulator = Emulator()
    p = policy(emulator)
    url = f"oss://{p['upload_dir']}/a.png"
    assert upload(emulator, p, url.removeprefix("oss://")) == 200
    assert generate(emulator, url, "qwen-vl-plus", resolve=False).status == 400
    assert generate(emulator, url + "x", "qwen-vl-plus", resolve=True).status == 400
    assert generate(emulator, url, "qwen-vl-max", resolve=True).status == 400
    assert generate(emulator, url, "qwen-vl-plus", resolve=True).status == 200


def test_upload_faults_are_scripted_apart_and_counted(emulator: Emulator) -> None:
    # Only refusals and delays make sense for an upload; a refused upload stores nothing and
    # answers OSS's error document on the upload host.
    from dataclasses import replace

    from dashscope_models.emulator import Fault

    with pytest.raises(ValueError, match="http_error or slow"):
        emulator.uploads.queue(Fault.drop())
    emulator.uploads.queue(replace(Fault.server_error(), code="InternalError"))
    headers = {"content-type": "multipart/form-data; boundary=x"}
    response = emulator.handle("POST", "/", headers, b"")
    assert response.status == 500 and b"<Code>InternalError</Code>" in response.frames[0].data
    assert emulator.uploads.received == 1 and emulator.storage.uploads == 0
    assert emulator.requests == []  # the model's script and log are untouched
