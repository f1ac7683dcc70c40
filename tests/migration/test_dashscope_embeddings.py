"""langchain-community's ``DashScopeEmbeddings`` examples, one import changed, over the emulator.

Each test is an example from DashScopeEmbeddings' docstring, LangChain's "DashScope" embedding
notebook or langchain-community's tests, with
``from langchain_dashscope_models import DashScopeEmbeddings`` in place of the
langchain-community import (the notebook's "your-dashscope-api-key" placeholder is the
emulator's key). The default-model difference has its own test at the end.
"""

from __future__ import annotations

import os

import pytest
from pydantic import SecretStr

from dashscope_models import RequestValidationError
from dashscope_models.emulator import Emulator
from langchain_dashscope_models import DashScopeEmbeddings  # the one changed line

# -- the docstring ---------------------------------------------------------------------------


def test_docstring_construct_with_key() -> None:
    embeddings = DashScopeEmbeddings(dashscope_api_key="my-api-key")
    assert isinstance(embeddings.dashscope_api_key, SecretStr)
    assert "my-api-key" not in repr(embeddings)


def test_docstring_embed_query(emulator: Emulator) -> None:
    embeddings = DashScopeEmbeddings(
        model="text-embedding-v1",
    )
    text = "This is a test query."
    query_result = embeddings.embed_query(text)
    assert len(query_result) == 1536
    assert emulator.requests[-1].body["parameters"]["text_type"] == "query"


# -- LangChain's DashScope embedding notebook ------------------------------------------------


def test_notebook(emulator: Emulator) -> None:
    your_dashscope_api_key = os.environ["DASHSCOPE_API_KEY"]  # the emulator's key
    embeddings = DashScopeEmbeddings(
        model="text-embedding-v1", dashscope_api_key=your_dashscope_api_key
    )
    text = "This is a test document."
    query_result = embeddings.embed_query(text)
    assert len(query_result) == 1536
    doc_results = embeddings.embed_documents(["foo"])
    assert len(doc_results) == 1 and len(doc_results[0]) == 1536


# -- langchain-community's tests -------------------------------------------------------------


def test_dashscope_embedding_documents(emulator: Emulator) -> None:
    """Test dashscope embeddings."""
    documents = ["foo bar"]
    embedding = DashScopeEmbeddings(model="text-embedding-v1")
    output = embedding.embed_documents(documents)
    assert len(output) == 1
    assert len(output[0]) == 1536


def test_dashscope_embedding_documents_multiple(emulator: Emulator) -> None:
    """Test dashscope embeddings."""
    documents = ["foo bar", "bar foo", "foo"] + [f"foo{i}" for i in range(25)]
    embedding = DashScopeEmbeddings(model="text-embedding-v1")
    output = embedding.embed_documents(documents)
    assert len(output) == 28
    assert len(output[0]) == 1536
    assert len(output[1]) == 1536
    assert len(output[2]) == 1536
    assert len(emulator.requests) == 2  # text-embedding-v1 takes 25 texts a request


def test_dashscope_embedding_query(emulator: Emulator) -> None:
    """Test dashscope embeddings."""
    document = "foo bar"
    embedding = DashScopeEmbeddings(model="text-embedding-v1")
    output = embedding.embed_query(document)
    assert len(output) == 1536


def test_dashscope_embedding_with_empty_string_is_refused(emulator: Emulator) -> None:
    """The anchor's test embedded ``""``; DashScope refuses an empty text ("Input texts should
    not be empty"), so ours raises that before sending, naming the text's position."""
    embedding = DashScopeEmbeddings(model="text-embedding-v1")
    with pytest.raises(RequestValidationError, match=r"texts\[0\] is empty"):
        embedding.embed_documents(["", "abc"])
    assert emulator.requests == []


# -- the documented difference: the default model -------------------------------------------


def test_difference_default_model(emulator: Emulator) -> None:
    """langchain-community's default was text-embedding-v1 (1536 numbers); ours is
    text-embedding-v4 (1024 by default). To keep an existing index, name the model it was
    built with."""
    assert len(DashScopeEmbeddings().embed_query("foo")) == 1024
    assert emulator.requests[-1].body["model"] == "text-embedding-v4"
    kept = DashScopeEmbeddings(model="text-embedding-v1")  # the one-line fix
    assert len(kept.embed_query("foo")) == 1536
