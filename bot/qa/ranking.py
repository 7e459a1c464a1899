"""BM25 ranking of FAQ entries over all their phrasings.

Each phrasing of an entry (and its keyword list) is one BM25 document; an
entry scores as its best phrasing, so a long list of alternatives never
dilutes the others. Words and reading bigrams are ranked in separate indices
and blended, because a bigram hit is weaker evidence than a word hit.

Next to the score, ``coverage`` says how much of the question the winning
entry explains (IDF-weighted share of the question's words that occur in the
entry). A high BM25 score from one shared word of a long unrelated question
is exactly the case where coverage stays low and the engine says so instead
of answering.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from bot.qa.tokenise import Terms

SOUND_WEIGHT = 0.35
SOUND_COVERAGE_DISCOUNT = 0.85


@dataclass(frozen=True)
class Candidate:
    """One ranked entry."""

    entry_id: str
    score: float
    coverage: float


@dataclass(frozen=True)
class _Document:
    entry_id: str
    terms: Terms


class _Bm25:
    """A bm25s index over token lists, with document frequencies kept for coverage."""

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        corpus = [list(tokens) if tokens else ["\u0000"] for tokens in documents]
        self._model = bm25s.BM25()
        self._model.index(corpus, show_progress=False)
        counts: dict[str, int] = {}
        for tokens in corpus:
            for token in set(tokens):
                counts[token] = counts.get(token, 0) + 1
        total = len(corpus)
        self._idf = {token: math.log(1 + (total - n + 0.5) / (n + 0.5)) for token, n in counts.items()}
        self._unknown_idf = math.log(1 + (total + 0.5) / 0.5)

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        known = [token for token in tokens if token in self._idf]
        if not known:
            return np.zeros(self._model.scores["num_docs"], dtype=np.float32)
        return self._model.get_scores(known)

    def idf(self, token: str) -> float:
        return self._idf.get(token, self._unknown_idf)


class EntryRanker:
    """Rank entries of one language; built once, queried many times."""

    def __init__(self, phrasings: Sequence[tuple[str, Terms]]) -> None:
        if not phrasings:
            raise ValueError("an index needs at least one phrasing")
        documents = [_Document(entry_id, terms) for entry_id, terms in phrasings]
        self._entry_ids: list[str] = list(dict.fromkeys(d.entry_id for d in documents))
        position = {entry_id: i for i, entry_id in enumerate(self._entry_ids)}
        self._owner = np.array([position[d.entry_id] for d in documents], dtype=np.int64)
        self._words = _Bm25([d.terms.words for d in documents])
        self._sounds = _Bm25([d.terms.sounds for d in documents])
        self._entry_words: list[set[str]] = [set() for _ in self._entry_ids]
        self._entry_sounds: list[set[str]] = [set() for _ in self._entry_ids]
        for document in documents:
            self._entry_words[position[document.entry_id]].update(document.terms.words)
            self._entry_sounds[position[document.entry_id]].update(document.terms.sounds)

    def rank(self, query: Terms, limit: int = 10, pool: int = 20) -> list[Candidate]:
        """Best entries first; empty when nothing in the question is known at all.

        The ``pool`` best by BM25 are re-ordered by BM25 x coverage: an entry
        that shares one rare word with a long question (更新 in 離島で船が欠航したら
        ... 更新?) must not beat the entry that explains most of it.
        """
        blended = self._words.scores(query.words) + SOUND_WEIGHT * self._sounds.scores(query.sounds)
        best = np.full(len(self._entry_ids), 0.0, dtype=np.float64)
        np.maximum.at(best, self._owner, blended)
        order = np.argsort(-best)[:pool]
        found = []
        for i in order:
            if best[i] <= 0:
                continue
            coverage = self._coverage(query, i)
            found.append(Candidate(self._entry_ids[i], float(best[i]) * max(coverage, 0.05), coverage))
        found.sort(key=lambda c: c.score, reverse=True)
        return found[:limit]

    def _coverage(self, query: Terms, entry_position: int) -> float:
        """IDF-weighted share of the question the entry knows, by words or (discounted) by sounds.

        Sounds rescue questions typed in kana (しゅうりょうしょう), which Sudachi
        splits into words no entry has.
        """
        by_words = _share(query.words, self._entry_words[entry_position], self._words)
        by_sounds = _share(query.sounds, self._entry_sounds[entry_position], self._sounds)
        return max(by_words, SOUND_COVERAGE_DISCOUNT * by_sounds)


def _share(terms: Sequence[str], vocabulary: set[str], index: _Bm25) -> float:
    if not terms:
        return 0.0
    weights = [index.idf(term) for term in terms]
    covered = sum(w for term, w in zip(terms, weights, strict=True) if term in vocabulary)
    return covered / sum(weights)
