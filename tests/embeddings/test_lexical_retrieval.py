"""The emulator's embeddings carry lexical meaning: offline retrieval finds the document that
shares the query's words; vectors are unit length, deterministic across processes."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from dashscope_models import DashScopeClient, EmbeddingRequest
from dashscope_models.emulator import Emulator

DOCUMENTS = [
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, finished in 1889.",
    "Photosynthesis lets green plants turn sunlight, water and carbon dioxide into sugar.",
    "The Great Wall of China stretches thousands of kilometres across northern China.",
    "Python is a programming language known for readable code and a large standard library.",
    "Mount Everest, on the border of Nepal and Tibet, is the highest mountain on Earth.",
    "The human heart pumps blood through arteries and veins around the body.",
    "Jazz music grew from blues and ragtime in New Orleans in the early twentieth century.",
    "Volcanoes erupt when magma rises through the crust and lava flows to the surface.",
    "The stock market lets investors buy and sell shares of public companies.",
    "Coffee beans are roasted seeds of the coffee plant, grown in Brazil and Ethiopia.",
]
QUERIES = [  # paraphrases: a few of the document's keywords, different wording
    "When was the iron tower in Paris built?",
    "How do plants use sunlight to make sugar?",
    "How long is China's great wall?",
    "Which programming language has readable code?",
    "What is the highest mountain in Nepal?",
    "How does the heart move blood in the body?",
    "Where did jazz music come from?",
    "Why does lava flow out of a volcano?",
    "How can investors trade shares?",
    "Where are coffee beans grown?",
]


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))  # unit vectors


@pytest.mark.parametrize("dimension", [None, 256, 64])
async def test_offline_retrieval_finds_the_document_sharing_the_words(
    base_url: str, emulator: Emulator, sync: bool, dimension: int | None
) -> None:
    client = DashScopeClient(base_url=base_url)
    docs = EmbeddingRequest(
        model="text-embedding-v4", texts=DOCUMENTS, text_type="document", dimension=dimension
    )
    queries = EmbeddingRequest(
        model="text-embedding-v4", texts=QUERIES, text_type="query", dimension=dimension
    )
    if sync:
        doc_vectors, query_vectors = client.embed(docs).embeddings, client.embed(queries).embeddings
    else:
        doc_vectors = (await client.aembed(docs)).embeddings
        query_vectors = (await client.aembed(queries)).embeddings
    hits = 0
    for i, query in enumerate(query_vectors):
        scores = [cosine(query, doc) for doc in doc_vectors]
        hits += max(range(len(scores)), key=scores.__getitem__) == i
    assert hits >= 9, f"top hit right for {hits} of 10 queries"
    assert all(len(v) == (dimension or 1024) for v in doc_vectors + query_vectors)
    assert all(math.isclose(cosine(v, v), 1.0, abs_tol=1e-4) for v in doc_vectors)


def test_vectors_are_deterministic_across_processes(base_url: str, emulator: Emulator) -> None:
    texts = ["DashScope hosts Qwen.", "文本排序模型", "?!"]
    here = DashScopeClient(base_url=base_url).embed(
        EmbeddingRequest(model="text-embedding-v3", texts=texts, dimension=512)
    )
    code = (
        "import json, sys; from dashscope_models.emulator._embeddings import embedding_answer; "
        "body = {'model': 'text-embedding-v3', 'input': {'texts': json.loads(sys.argv[1])}, "
        "'parameters': {'dimension': 512}}; print(embedding_answer(body, 'r')[1].decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(texts)], capture_output=True, text=True, check=True
    )
    there = [row["embedding"] for row in json.loads(out.stdout)["output"]["embeddings"]]
    assert there == here.embeddings
    assert len({tuple(v) for v in there}) == 3  # different texts, different vectors
