"""Semantic similarity of answers (cosine of text embeddings): the optional
``semantic_similarity`` metric.

Enable it with ``embeddings = "openai:text-embedding-3-small"`` in ``[migrations.eval]`` (or
``switchover eval --embeddings MODEL``). Two backends:

* **an embeddings API** through our own providers (``Provider.embed``: OpenAI and
  OpenAI-compatible ``/embeddings``, Azure deployments, Gemini ``batchEmbedContents``, the
  simulator). Texts from concurrent cases are gathered into batched calls, and every vector is
  kept in the evaluation's response cache (key: upstream, model, text), so a re-run makes no
  embedding call;
* **local** (``embeddings = "local"``): WordLlama's bundled model, fully offline, behind the
  ``switchover[embeddings]`` extra. It embeds ~20,000 answers a second on one core, so it is
  not cached.

Money: an API embedder prices the input tokens each call reports (estimated at ~4 characters
a token when the API reports none, as Gemini's) at the catalog's input price of the model
(``spent_usd``), and sends nothing once the run's budget is reached
(:class:`EmbeddingBudgetReached`); cached vectors and the local backend cost nothing.

The metric, per case (see docs/evaluation.md, "Semantic similarity"): ``B`` is the set of the
baseline's answers (its successful outputs, plus the case's recorded answer when the outputs
are live ones). Similarity ``sim(x, y)`` is the cosine of the embeddings clipped to [0, 1]
(two empty answers: 1; one empty: 0).

* each candidate output scores its mean similarity to the answers in ``B``;
* with two or more baseline answers, each baseline output scores its mean similarity to the
  *other* answers in ``B``: the baseline's own variation. A candidate that behaves like the
  baseline model then scores the same on average, and the difference measures real drift;
* with one baseline answer (``repeats = 1``, or a recorded baseline), the baseline scores 1
  (its answer against itself) and the difference is the candidate's drift from that answer:
  any rewording counts. The plan warns about it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from switchover.chat import ChatResponse, Usage
from switchover.errors import AuthError, ModelNotFoundError, ProviderError, UsageError, redact
from switchover.evaluate.cache import CACHE_VERSION, Pricer, ResponseCache
from switchover.evaluate.results import ArmOutput, Case, CaseResult, CheckResult, MetricSpec
from switchover.modelref import parse_model_ref
from switchover.providers.base import Provider

__all__ = [
    "DEFAULT_MARGIN",
    "LOCAL_MODELS",
    "MAX_CHARS",
    "METRIC",
    "Embedder",
    "EmbeddingBudgetReached",
    "EmbeddingSpec",
    "LocalEmbedder",
    "ProviderEmbedder",
    "SemanticSimilarity",
    "answer_text",
    "build_similarity",
    "embedding_tokens",
    "parse_embeddings",
    "similarity_spec",
]

METRIC = "semantic_similarity"
#: non-inferiority margin in cosine units: the candidate's answers may be, on average, at
#: most 0.05 further from the baseline's than the baseline's own repeats are from each other
DEFAULT_MARGIN = 0.05
#: texts are cut to this many characters (about 6,000 tokens: under every API's input limit)
MAX_CHARS = 24_000
#: offline models of the local backend (each ships inside its wheel)
LOCAL_MODELS = {"wordllama": "WordLlama l2_supercat, 256 dimensions (bundled in the wheel)"}
_EXTRA_HINT = (
    "Install the extra: pip install 'switchover[embeddings]' (the model ships inside the "
    "wheel; nothing is downloaded at run time), or use an API model, e.g. embeddings = "
    '"openai:text-embedding-3-small".'
)


def similarity_spec(
    *, margin: float = DEFAULT_MARGIN, gate: bool = False, model: str = ""
) -> MetricSpec:
    """The metric's spec: a score in [0, 1], higher is better, informational unless gated."""
    via = f" ({model})" if model else ""
    return MetricSpec(
        name=METRIC,
        kind="score",
        margin=margin,
        gate=gate,
        bounds=(0.0, 1.0),
        description=f"cosine similarity of the answer's embedding{via} to the baseline's answers",
    )


@dataclass(frozen=True)
class EmbeddingSpec:
    """What ``embeddings = "..."`` names: the local model, or a provider's embedding model."""

    ref: str
    backend: Literal["local", "provider"]
    model: str


def parse_embeddings(value: str) -> EmbeddingSpec:
    """``"local"`` / ``"local:wordllama"`` or a model reference ``provider:model``."""
    text = value.strip()
    if text == "local" or text.startswith("local:"):
        name = text.partition(":")[2] or "wordllama"
        if name not in LOCAL_MODELS:
            raise UsageError(
                f"unknown local embedding model {name!r}",
                hint="Local models: "
                + ", ".join(f"local:{k} ({v})" for k, v in LOCAL_MODELS.items())
                + '; or "provider:model" for an embeddings API.',
            )
        return EmbeddingSpec(ref=f"local:{name}", backend="local", model=name)
    try:
        ref = parse_model_ref(text)
    except UsageError as exc:
        raise UsageError(
            f"embeddings: {exc.message}",
            hint='Write "provider:model" (e.g. "openai:text-embedding-3-small") or "local".',
        ) from None
    return EmbeddingSpec(ref=text, backend="provider", model=ref.model)


def embedding_tokens(text: str) -> int:
    """Input tokens of one text sent for embedding (cut to ``MAX_CHARS``), by the usual rule
    of thumb of about 4 characters a token: for estimates, and for APIs that report none."""
    return max(1, math.ceil(len(text[:MAX_CHARS]) / 4))


class EmbeddingBudgetReached(Exception):
    """An embedding call was not sent: the run's budget (``--max-cost``) is spent."""


class Embedder(Protocol):
    """Turns texts into unit vectors (rows of the returned array, in order). ``spent_usd``:
    money spent on embedding calls so far (catalog price; 0 when offline or unpriced)."""

    label: str
    calls: int
    cached: int
    spent_usd: float

    def use_cache(self, cache: ResponseCache) -> None: ...

    async def embed(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float64]]: ...


def _unit(matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    m = np.asarray(matrix, dtype=np.float64)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    out: np.ndarray[Any, np.dtype[np.float64]] = np.divide(
        m, norms, out=np.zeros_like(m), where=norms > 0
    )
    return out


def _load_wordllama() -> Any:
    try:
        import wordllama  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise UsageError(
            "the local embedding backend needs the optional 'embeddings' extra",
            hint=_EXTRA_HINT,
        ) from None
    # The bundled tokenizer sits in the package's "tokenizers" folder, which WordLlama only
    # finds through cache_dir; downloads stay off so nothing ever leaves the machine.
    try:
        return wordllama.WordLlama.load(
            cache_dir=Path(wordllama.__file__).parent, disable_download=True
        )
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise UsageError(
            f"the installed wordllama package has no usable bundled model ({exc})",
            hint="Reinstall it: pip install --force-reinstall 'switchover[embeddings]'.",
        ) from None


class LocalEmbedder:
    """Offline embeddings from WordLlama's bundled model (the ``embeddings`` extra)."""

    def __init__(self, model: str = "wordllama") -> None:
        self.label = f"local:{model}"
        self.calls = 0
        self.cached = 0
        self.spent_usd = 0.0  # offline: free
        self._model = _load_wordllama()

    def use_cache(self, cache: ResponseCache) -> None:
        """Not cached: embedding locally is cheaper than a store read."""

    async def embed(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
        if not texts:
            return np.zeros((0, 1))
        self.calls += 1
        return _unit(self._model.embed([t[:MAX_CHARS] for t in texts], norm=False))


def _pack(vec: np.ndarray[Any, Any]) -> str:
    return base64.b64encode(np.asarray(vec, dtype="<f4").tobytes()).decode("ascii")


def _unpack(text: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float64)


class ProviderEmbedder:
    """An embeddings API through a :class:`Provider`, batched across concurrent callers
    and cached per text in the evaluation's response cache.

    Store reads are batched the same way: the texts asked for by the cases running at the
    same moment are looked up in one query. Texts asked for while a batch is filling
    (``linger_s``) or in flight are sent once; ``calls`` counts the provider calls made,
    ``cached`` the texts answered from the store.

    ``spent_usd`` prices each call's input tokens (as reported, else estimated with
    :func:`embedding_tokens`) at the catalog's price of the model (``label``; nothing when
    the catalog has no price). ``may_spend`` (set by the runner) is asked
    before a text goes to the API; when it says no, the callers get
    :class:`EmbeddingBudgetReached`."""

    def __init__(
        self,
        provider: Provider,
        model: str,
        *,
        upstream: str = "",
        label: str = "",
        batch_size: int | None = None,
        linger_s: float = 0.002,
    ) -> None:
        self.provider = provider
        self.model = model
        self.upstream = upstream
        self.label = label or f"{provider.name}:{model}"
        self.pricer = Pricer()
        self.spent_usd = 0.0
        self.may_spend: Callable[[], bool] | None = None
        self.batch_size = max(1, batch_size or provider.max_embed_batch)
        self.linger_s = linger_s
        self.cache: ResponseCache | None = None
        self.calls = 0
        self.cached = 0
        self.input_tokens = 0
        self._memo: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
        self._waiters: dict[str, list[asyncio.Future[np.ndarray[Any, Any]]]] = {}
        self._reading: dict[str, list[asyncio.Future[np.ndarray[Any, Any]]]] = {}
        self._prefix = json.dumps(
            [CACHE_VERSION, "embedding", upstream, model], separators=(",", ":")
        ).encode()
        self._queue: list[str] = []
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def use_cache(self, cache: ResponseCache) -> None:
        self.cache = cache

    def _key(self, text: str) -> str:
        digest = hashlib.sha256(self._prefix + b"\0" + text.encode("utf-8", "surrogatepass"))
        return "emb:" + digest.hexdigest()

    def _remember(self, text: str, vec: np.ndarray[Any, np.dtype[np.float64]]) -> None:
        if len(self._memo) >= 8192:  # the baseline's texts recur once per candidate
            self._memo.pop(next(iter(self._memo)))
        self._memo[text] = vec

    async def embed(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
        cut = [t[:MAX_CHARS] for t in texts]
        if not cut:
            return np.zeros((0, 1))
        found = {t: self._memo[t] for t in cut if t in self._memo}
        missing = [t for t in dict.fromkeys(cut) if t not in found]
        if missing:
            got = await asyncio.gather(*(self._lookup(t) for t in missing))
            found.update(zip(missing, got, strict=True))
        return np.vstack([found[t] for t in cut])

    def _lookup(self, text: str) -> asyncio.Future[np.ndarray[Any, Any]]:
        """The vector of ``text``: from the store (one read for every text asked for in
        this turn of the event loop), else from the API."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[np.ndarray[Any, Any]] = loop.create_future()
        if self.cache is None or self.cache.store is None:
            self._enqueue(text, [fut])
            return fut
        waiting = self._reading.get(text)
        if waiting is not None:
            waiting.append(fut)
            return fut
        if not self._reading:
            loop.call_soon(self._read)
        self._reading[text] = [fut]
        return fut

    def _read(self) -> None:
        reading, self._reading = self._reading, {}
        store = self.cache.store if self.cache is not None else None
        keys = {self._key(t): t for t in reading}
        try:
            rows = store.cache_get_many(keys) if store is not None else {}
        except Exception as exc:
            for futs in reading.values():
                _settle(futs, exc)
            return
        for key, text in keys.items():
            value = rows.get(key)
            if (
                value is None
                or value.get("v") != CACHE_VERSION
                or not isinstance(value.get("vec"), str)
            ):
                self._enqueue(text, reading[text])
                continue
            vec = _unpack(value["vec"])
            self._remember(text, vec)
            self.cached += 1
            _settle(reading[text], vec)

    def _enqueue(self, text: str, futs: list[asyncio.Future[np.ndarray[Any, Any]]]) -> None:
        """Queue ``text`` for the API (once, however many callers wait for it)."""
        loop = asyncio.get_running_loop()
        waiting = self._waiters.get(text)
        if waiting is not None:  # already queued or in flight
            waiting.extend(futs)
            return
        if self.may_spend is not None and not self.may_spend():
            _settle(futs, EmbeddingBudgetReached(f"{self.label}: the cost limit is reached"))
            return
        self._waiters[text] = list(futs)
        self._queue.append(text)
        if len(self._queue) >= self.batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.linger_s, self._flush)

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._queue:
            batch, self._queue = self._queue[: self.batch_size], self._queue[self.batch_size :]
            task = asyncio.get_running_loop().create_task(self._send(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: list[str]) -> None:
        try:
            res = await self.provider.embed(batch, self.model)
            if len(res.vectors) != len(batch):
                raise ProviderError(
                    f"{self.label}: {len(res.vectors)} embeddings for {len(batch)} texts",
                    provider=self.provider.name,
                )
            # float32 as stored, so a first run and its cached re-run score alike
            vectors = _unit(np.asarray(res.vectors, dtype=np.float64)).astype("<f4")
        except ModelNotFoundError as exc:
            self._fail(batch, _model_error(self.label, exc))
            return
        except Exception as exc:
            self._fail(batch, exc)
            return
        self.calls += 1
        tokens = res.input_tokens or sum(embedding_tokens(t) for t in batch)
        self.input_tokens += tokens
        cost = self.pricer.cost(self.label, Usage(input_tokens=tokens))
        if cost is not None:
            self.spent_usd += cost
        store = self.cache.store if self.cache is not None else None
        if store is not None:
            store.cache_put_many(
                {
                    self._key(t): {"v": CACHE_VERSION, "model": self.model, "vec": _pack(v)}
                    for t, v in zip(batch, vectors, strict=True)
                }
            )
        for text, vec in zip(batch, vectors.astype(np.float64), strict=True):
            self._remember(text, vec)
            _settle(self._waiters.pop(text, []), vec)

    def _fail(self, batch: list[str], exc: BaseException) -> None:
        for text in batch:
            _settle(self._waiters.pop(text, []), exc)


def _settle(
    futs: list[asyncio.Future[np.ndarray[Any, Any]]], outcome: np.ndarray[Any, Any] | BaseException
) -> None:
    for fut in futs:
        if fut.done():
            continue
        if isinstance(outcome, BaseException):
            fut.set_exception(outcome)
        else:
            fut.set_result(outcome)


def _model_error(label: str, exc: ModelNotFoundError) -> UsageError:
    return UsageError(
        f"embeddings: the upstream does not know the embedding model {label!r} "
        f"({exc.provider_message or exc.message})",
        hint='Check embeddings = "provider:model" in [migrations.eval] (or --embeddings).',
    )


def answer_text(response: ChatResponse) -> str:
    """The text whose meaning is compared: the answer's text, else its refusal."""
    return (response.text or response.refusal or "").strip()


def _sim(vectors: dict[str, np.ndarray[Any, Any]], x: str, y: str) -> float:
    """Cosine of the two answers' unit vectors, clipped to [0, 1] and rounded to 6 places
    (float32 noise); 1 for the same text (two empty answers too), 0 when one is empty."""
    if x == y:
        return 1.0
    if not x or not y:
        return 0.0
    return min(1.0, max(0.0, round(float(np.dot(vectors[x], vectors[y])), 6)))


def _na(detail: str) -> CheckResult:
    return CheckResult(name=METRIC, kind="score", applicable=False, detail=detail)


@dataclass
class SemanticSimilarity:
    """The ``semantic_similarity`` metric over an :class:`Embedder` (see module docstring)."""

    embedder: Embedder
    margin: float = DEFAULT_MARGIN
    gate: bool = False
    modes: dict[str, int] = field(default_factory=lambda: {"repeats": 0, "single": 0})

    def spec(self) -> MetricSpec:
        return similarity_spec(margin=self.margin, gate=self.gate, model=self.embedder.label)

    def use_cache(self, cache: ResponseCache) -> None:
        self.embedder.use_cache(cache)

    async def score(self, case: Case, result: CaseResult) -> None:
        """Add the metric to every output of ``result`` (both arms), in place."""
        base_ok = [o for o in result.baseline if o.ok]
        answers: list[str] = [answer_text(o.response) for o in base_ok if o.response is not None]
        recorded = case.baseline_response
        if recorded is not None and not any(o.replayed for o in result.baseline):
            answers.append(answer_text(recorded))  # recorded vs live baseline
        outputs = [*result.baseline, *result.candidate_outputs]
        if not answers or not any(answers):
            why = "no baseline answer" if not answers else "the baseline answered without text"
            self._set_all(outputs, _na(why))
            return
        cand_ok = [o for o in result.candidate_outputs if o.ok and o.response is not None]
        texts = [*answers, *(answer_text(o.response) for o in cand_ok if o.response is not None)]
        unique = list(dict.fromkeys(t for t in texts if t))
        try:
            matrix = await self.embedder.embed(unique)
        except (AuthError, UsageError, EmbeddingBudgetReached):
            raise  # systematic (every case would fail the same way), or the budget is spent
        except ProviderError as exc:
            self._set_all(outputs, _na(redact(f"embedding failed: {exc.message}")))
            return
        vec = {t: matrix[i] for i, t in enumerate(unique)}
        n = len(answers)
        mode = "repeats" if n >= 2 else "single"
        self.modes[mode] += 1
        data = {"mode": mode, "model": self.embedder.label, "baseline_answers": n}
        for i, out in enumerate(base_ok):
            if n >= 2:
                s = sum(_sim(vec, answers[i], answers[k]) for k in range(n) if k != i) / (n - 1)
                detail = f"cosine {s:.3f} to the baseline's other {n - 1} answer(s)"
            else:
                s, detail = 1.0, "the baseline's only answer (compared with itself)"
            self._set(
                out, CheckResult(name=METRIC, kind="score", score=s, detail=detail, data=data)
            )
        for out in cand_ok:
            assert out.response is not None
            c = answer_text(out.response)
            s = sum(_sim(vec, c, b) for b in answers) / n
            detail = f"cosine {s:.3f} to the baseline's answer" + (f"s ({n})" if n > 1 else "")
            self._set(
                out, CheckResult(name=METRIC, kind="score", score=s, detail=detail, data=data)
            )
        for out in outputs:
            if METRIC not in out.checks:
                self._set(out, _na("no response"))

    @staticmethod
    def _set(out: ArmOutput, result: CheckResult) -> None:
        out.checks = {**out.checks, METRIC: result}

    def _set_all(self, outputs: Sequence[ArmOutput], result: CheckResult) -> None:
        for out in outputs:
            self._set(out, result)

    def plan_warnings(self, *, repeats: int, baseline_replayed: bool, recorded: int) -> list[str]:
        """The warning when the baseline's own variation cannot be measured."""
        if repeats >= 2 and not baseline_replayed and not recorded:
            return []
        return [
            f"{METRIC}: one baseline answer per case, so the baseline scores 1 (its answer "
            "against itself) and any rewording by the candidate counts as drift; run the "
            "baseline live with --repeats 2 or more to compare with its own variation, or set "
            f"margins.{METRIC} to the drift you accept"
        ]


def build_similarity(
    value: str,
    resolve: Callable[[str], tuple[str, Provider]],
    *,
    margin: float = DEFAULT_MARGIN,
    gate: bool = False,
) -> SemanticSimilarity:
    """The metric for ``embeddings = value``. ``resolve(model_ref)`` gives the upstream's
    cache identity and provider for an API model. Errors (unknown model, missing extra, a
    provider without embeddings) are :class:`UsageError` raised here, before any call."""
    spec = parse_embeddings(value)
    embedder: Embedder
    if spec.backend == "local":
        embedder = LocalEmbedder(spec.model)
    else:
        upstream, provider = resolve(spec.ref)
        if not provider.supports_embeddings:
            raise UsageError(
                f"embeddings: provider {provider.name!r} (for {spec.ref}) has no embeddings API",
                hint="Name a model of an openai, openai-compatible, azure, gemini or sim "
                'upstream, or use the offline backend: embeddings = "local".',
            )
        embedder = ProviderEmbedder(provider, spec.model, upstream=upstream, label=spec.ref)
    return SemanticSimilarity(embedder, margin=margin, gate=gate)
