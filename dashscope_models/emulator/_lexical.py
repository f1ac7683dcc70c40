"""Lexical meaning for the emulator: terms of a text, a BM25-like pair score, hashed vectors.

Offline answers should teach the right lesson: the document that shares the query's words
ranks first, and the nearest vector is the one with the most words in common. Not semantics:
lexical overlap, deterministic (no per-process hash salt) and cheap.

* :func:`terms`: lower-cased words (a trailing plural ``s`` dropped) and single CJK characters,
  without common English and Chinese function words.
* :func:`pair_score`: BM25's term-frequency saturation and length normalisation for one
  (query, document) pair, divided by the best possible score, so it lies in [0, 1). There is no
  corpus IDF: a reranker scores each pair on its own, so a call split into several requests
  ranks exactly as one request would.
* :func:`lexical_vector`: a hashed bag of words, CJK characters and bigrams, and character
  trigrams of words, with signs, L2-normalised: cosine similarity follows shared words.

Example::

    pair_score(terms("what is DashScope?"), terms("DashScope is a model service"))  # 0.8...
    lexical_vector("hello world", 64)  # {index: value, ...}: the non-zero components
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import Counter

__all__ = ["lexical_vector", "pair_score", "terms"]

_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")
_ENGLISH_STOP = """a an the and or but of to in on at by for with from as is are was were be been
being it its this that these those what which who whom whose when where why how do does did can
could will would should shall may might must i you he she we they me my your our their his her
them us not no so if then than there here about into over s t"""
_CHINESE_STOP = "的了是在和与及或也就都而吗呢吧啊么什哪谁这那个一有我你他她它们"
_STOP = frozenset(_ENGLISH_STOP.split()) | frozenset(_CHINESE_STOP)
_K1, _B, _AVG_LEN = 1.2, 0.75, 24.0  # BM25's usual k1 and b; a fixed "average" length


def _normalised(token: str) -> str:
    """A token as a term ("" for a function word); cached, a corpus repeats its words."""
    term = _TERMS.get(token)
    if term is None:
        if len(_TERMS) > 500_000:
            _TERMS.clear()
        term = token
        if token in _STOP:
            term = ""
        elif len(token) > 3 and token[-1] == "s" and token[-2] != "s" and token.isascii():
            term = token[:-1]
        _TERMS[token] = term
    return term


_TERMS: dict[str, str] = {}


def terms(text: str) -> list[str]:
    """The text's terms, in order (see the module docstring)."""
    return [term for token in _TOKEN.findall(text.lower()) if (term := _normalised(token))]


def pair_score(query_terms: list[str], document_terms: list[str]) -> float:
    """How much of the query the document covers, BM25-style, in [0, 1)."""
    wanted = Counter(query_terms)
    if not wanted:
        return 0.0
    counts = Counter(document_terms)
    norm = _K1 * (1 - _B + _B * len(document_terms) / _AVG_LEN)
    score = sum(n * counts[t] * (_K1 + 1) / (counts[t] + norm) for t, n in wanted.items())
    return score / ((_K1 + 1) * sum(wanted.values()))


# (term, dimension) -> its features' (index, signed weight); kept across calls (a corpus repeats
# its words), cleared when large. blake2b, not hash(): the same vector in every process.
_PARTS: dict[tuple[str, int], list[tuple[int, float]]] = {}


def _signed(feature: str, weight: float, dimension: int) -> tuple[int, float]:
    bits = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
    return bits % dimension, weight if bits >> 63 else -weight


def _parts(term: str, dimension: int) -> list[tuple[int, float]]:
    parts = _PARTS.get((term, dimension))
    if parts is None:
        if len(_PARTS) > 500_000:
            _PARTS.clear()
        if len(term) <= 2 and not term.isascii():  # a CJK character (1.0) or bigram (0.7)
            parts = [_signed("w:" + term, 1.0 if len(term) == 1 else 0.7, dimension)]
        else:  # the word (1.0) and its trigrams, which catch other forms of it; every word
            # weighs the same (squared: 1 + 0.5), however long, so cosine counts shared words
            padded, weight = f"<{term}>", math.sqrt(0.5 / len(term))
            grams = [_signed("g:" + padded[j : j + 3], weight, dimension) for j in range(len(term))]
            parts = [_signed("w:" + term, 1.0, dimension), *grams]
        _PARTS[(term, dimension)] = parts
    return parts


def _units(words: list[str]) -> list[str]:
    """The words, plus each pair of neighbouring CJK characters."""
    if "".join(words).isascii():
        return words
    units = list(words)
    for first, second in itertools.pairwise(words):
        if len(first) == len(second) == 1 and not (first + second).isascii():
            units.append(first + second)
    return units


def lexical_vector(text: str, dimension: int) -> dict[int, float]:
    """The non-zero components of ``text``'s unit-length vector of size ``dimension``."""
    vector: dict[int, float] = {}
    get = vector.get
    counts = Counter(_units(terms(text)) or ["\x00" + text])  # no words at all: the text
    for unit, count in counts.items():
        scale = 1.0 + math.log(count)  # a repeated word counts, but sublinearly
        for index, value in _parts(unit, dimension):
            vector[index] = get(index, 0.0) + value * scale
    length = math.sqrt(sum(v * v for v in vector.values()))
    if not length:  # every feature cancelled out (hash collisions): one component
        return {_signed(text, 1.0, dimension)[0]: 1.0}
    return {i: v / length for i, v in vector.items() if v}
