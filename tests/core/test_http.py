"""``_http``: the one HTTP request builder, from the endpoint table (``_endpoints``)."""

from __future__ import annotations

import json

import pytest

from dashscope_models import ConfigurationError, GenerationRequest
from dashscope_models._config import ClientConfig
from dashscope_models._endpoints import ENDPOINTS, GENERATION_ENDPOINTS, OTHER_ENDPOINT
from dashscope_models._http import _headers, http_request
from dashscope_models._request import build_body, build_http_request

CONFIG = ClientConfig.resolve(api_key="sk-test", base_url="https://dashscope.example/api/v1")


def test_the_key_is_only_in_the_request_it_was_built_for() -> None:
    """No cache is keyed by (or holds) the key text: the shared headers carry no key, and two
    keys give two requests, each with its own."""
    prepared = build_body(GenerationRequest(model="qwen-plus", prompt="hi"), stream=False)
    first = build_http_request(ClientConfig.resolve(api_key="sk-first"), prepared)
    second = build_http_request(ClientConfig.resolve(api_key="sk-second"), prepared)
    assert first.headers["authorization"] == "Bearer sk-first"
    assert second.headers["authorization"] == "Bearer sk-second"
    assert "authorization" not in _headers(None, False)
    assert "sk-" not in repr(_headers.cache_info()) + repr(list(_headers(None, False).items()))


@pytest.mark.parametrize(
    ("endpoint", "path", "method", "url"),
    [
        ("text-rerank", None, "POST",
         "https://dashscope.example/api/v1/services/rerank/text-rerank/text-rerank"),
        ("batch-get", {"id": "b1"}, "GET",
         "https://dashscope.example/compatible-mode/v1/batches/b1"),
        ("file-delete", {"id": "f1"}, "DELETE",
         "https://dashscope.example/compatible-mode/v1/files/f1"),
        ("batch-cancel", {"id": "b1"}, "POST",
         "https://dashscope.example/compatible-mode/v1/batches/b1/cancel"),
        ("file-get", {"id": "f1"}, "GET",
         "https://dashscope.example/compatible-mode/v1/files/f1"),
        ("upload-policy", None, "GET", "https://dashscope.example/api/v1/uploads"),
    ],
)  # fmt: skip
def test_every_endpoint_is_built_from_its_row(
    endpoint: str, path: dict[str, str] | None, method: str, url: str
) -> None:
    request = http_request(CONFIG, endpoint, path=path)
    assert (request.method, str(request.url)) == (method, url)
    assert request.headers["authorization"] == "Bearer sk-test"
    assert "content-type" not in request.headers and request.content == b""
    assert request.extensions["timeout"]["connect"] == 10.0


def test_a_json_body_and_the_workspace_header() -> None:
    config = ClientConfig.resolve(api_key="sk-test", region="singapore", workspace="ws-1")
    request = http_request(config, "batch-create", {"input_file_id": "f", "note": "中"})
    assert str(request.url) == (
        "https://ws-1.ap-southeast-1.maas.aliyuncs.com/compatible-mode/v1/batches"
    )
    assert json.loads(request.content) == {"input_file_id": "f", "note": "中"}
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-dashscope-workspace"] == "ws-1"


def test_generation_goes_to_its_endpoint_row() -> None:
    prepared = build_body(GenerationRequest(model="qwen-plus", prompt="hi"), stream=True)
    request = build_http_request(CONFIG, prepared)
    assert str(request.url).endswith(ENDPOINTS[prepared.endpoint].path)
    assert request.headers["accept"] == "text/event-stream"
    assert {"text-generation", "multimodal-generation"} == GENERATION_ENDPOINTS
    assert all(OTHER_ENDPOINT[OTHER_ENDPOINT[e]] == e for e in GENERATION_ENDPOINTS)


@pytest.mark.no_emulator_env
def test_no_key_no_request() -> None:
    config = ClientConfig.resolve(base_url="https://dashscope.example/api/v1")
    with pytest.raises(ConfigurationError, match="No DashScope API key"):
        http_request(config, "batch-get", path={"id": "b1"})


def test_a_query_string_leaves_out_none() -> None:
    query = {"action": "getPolicy", "model": "qwen-vl-plus", "after": None}
    request = http_request(CONFIG, "upload-policy", query=query)
    assert str(request.url) == (
        "https://dashscope.example/api/v1/uploads?action=getPolicy&model=qwen-vl-plus"
    )


def test_an_outside_host_gets_neither_the_key_nor_the_workspace() -> None:
    # The temporary storage's upload host (OSS), named by the upload policy.
    from dashscope_models._attachments import Local
    from dashscope_models._uploads import FormBody

    config = ClientConfig.resolve(api_key="sk-test", workspace="ws-1")
    form = FormBody({"key": "dir/a.png"}, Local("image", "a.png", "image/png", 3, data=b"abc"))
    host = {"upload_host": "https://bucket.oss-cn-beijing.aliyuncs.com"}
    request = http_request(config, "oss-upload", path=host, upload=form)
    assert (request.method, str(request.url)) == ("POST", host["upload_host"])
    assert "authorization" not in request.headers
    assert "x-dashscope-workspace" not in request.headers
    assert request.headers["host"] == "bucket.oss-cn-beijing.aliyuncs.com"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert int(request.headers["content-length"]) == len(b"".join(form))
