"""The optional semantic_similarity metric: embeddings through the providers (in-process and
loopback-HTTP simulator), caching, statistics and the user errors."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from switchover.chat import ChatRequest, ChatResponse, Message, StreamEvent, Usage
from switchover.cli.app import main
from switchover.config import load_config
from switchover.errors import UsageError
from switchover.evaluate.embedding import (
    METRIC,
    LocalEmbedder,
    ProviderEmbedder,
    SemanticSimilarity,
    parse_embeddings,
)
from switchover.evaluate.engine import EvalOptions, execute, plan_evaluation
from switchover.evaluate.results import ArmOutput, Case, CaseResult, EvalReport
from switchover.providers.base import Embeddings, Provider
from switchover.providers.sim import SimEngine, run_sim_server
from switchover.providers.sim.provider import SimProvider
from switchover.report import render_html, render_json, render_markdown, report_schema

PROFILES = """\
[profiles.plain]
base = "baseline"
[profiles.plain.latency]
time_scale = 0
[models]
"*" = "plain"
"""

CONFIG = """\
[project]
store = "sqlite:///state.db"

[upstreams.base]
provider = "sim"
options = {{ profiles = "profiles.toml" }}
[upstreams.cand]
provider = "sim"
options = {{ profiles = "profiles.toml" }}
[upstreams.{emb_name}]
provider = "{emb_provider}"
{emb_extra}

[[migrations]]
name = "bot"
from = "sim:gpt-4o"
to = "sim:gpt-4o-new"
baseline_upstream = "base"
candidate_upstream = "cand"

[migrations.eval]
datasets = ["data.jsonl"]
checks = ["ok"]
embeddings = "{embeddings}"
{eval_extra}
"""

TOPICS = ["billing", "shipping", "returns", "password", "invoice", "warranty", "refunds"]


class Answering(Provider):
    """Answers each request with ``answer(case_number)``: the arms of the tests."""

    name = "answering"

    def __init__(self, answer: Callable[[int], str]) -> None:
        self.answer = answer
        self.calls = 0

    async def complete(self, request: ChatRequest) -> ChatResponse:
        self.calls += 1
        n = int(re.findall(r"\d+", request.messages[-1].text)[0])
        return ChatResponse(
            model=request.model,
            text=self.answer(n),
            usage=Usage(input_tokens=10, output_tokens=10),
            latency_s=0.1,
        )

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        raise NotImplementedError
        yield  # pragma: no cover


def _base_answer(n: int) -> str:
    topic = TOPICS[n % len(TOPICS)]
    return (
        f"To sort out your {topic} question number {n}, open the {topic} page and follow the steps."
    )


def _unrelated(n: int) -> str:
    return f"Bananas grow in warm tropical climates; item {n * 7919} weighs about a kilo."


class CountingSim(SimProvider):
    """The in-process simulator, counting embeddings calls and texts."""

    def __init__(self) -> None:
        super().__init__(engine=SimEngine(seed=1, time_scale=0.0))
        self.embed_calls = 0
        self.texts = 0

    async def embed(self, texts: Sequence[str], model: str) -> Embeddings:
        self.embed_calls += 1
        self.texts += len(texts)
        return await super().embed(texts, model)


def _write(
    tmp: Path,
    *,
    n: int = 24,
    embeddings: str = "sim:text-embedding-3-small",
    emb_name: str = "sim",
    emb_provider: str = "sim",
    emb_extra: str = "",
    eval_extra: str = "",
) -> Path:
    rows = [
        {
            "id": f"c{i:03d}",
            "request": {
                "model": "gpt-4o",
                "messages": [{"role": "user", "content": f"Question {i}: help with my account"}],
            },
        }
        for i in range(n)
    ]
    (tmp / "data.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (tmp / "profiles.toml").write_text(PROFILES)
    path = tmp / "switchover.toml"
    path.write_text(
        CONFIG.format(
            emb_name=emb_name,
            emb_provider=emb_provider,
            emb_extra=emb_extra,
            embeddings=embeddings,
            eval_extra=eval_extra,
        )
    )
    return path


async def _run(
    path: Path,
    cand: Callable[[int], str],
    *,
    emb: Provider | None = None,
    base: Callable[[int], str] = _base_answer,
    **opts: object,
) -> tuple[EvalReport, SemanticSimilarity]:
    providers: dict[str, Provider] = {"base": Answering(base), "cand": Answering(cand)}
    if emb is not None:
        providers["sim"] = emb
    options = EvalOptions(providers=providers, n_resamples=2000, **opts)  # type: ignore[arg-type]
    plan = plan_evaluation(load_config(path), options)
    assert plan.similarity is not None
    similarity = plan.similarity
    return await execute(plan), similarity


def _metric(report: EvalReport) -> dict[str, object]:
    (m,) = [m for m in report.comparisons[0].metrics if m.name == METRIC]
    return m.model_dump()


# -- the metric, end to end ---------------------------------------------------------------


async def test_identical_answers_score_one_and_pass_the_gate(tmp_path: Path) -> None:
    path = _write(tmp_path, eval_extra=f"gates = {{ {METRIC} = true }}")
    report, sim = await _run(path, _base_answer, emb=CountingSim())
    m = _metric(report)
    assert m["baseline_mean"] == pytest.approx(1.0)
    assert m["candidate_mean"] == pytest.approx(1.0)
    assert m["diff"] == pytest.approx(0.0)
    assert m["gate"] is True
    assert m["verdict"] == "GO"
    assert report.verdict == "GO"
    # one baseline answer per case: the plan says the baseline scores 1 against itself
    assert any(METRIC in w and "one baseline answer" in w for w in report.warnings)
    out = report.cases[0].candidate_outputs[0].checks[METRIC]
    assert out.score == pytest.approx(1.0)
    assert out.data["mode"] == "single"
    assert sim.embedder.label == "sim:text-embedding-3-small"


async def test_a_diverging_candidate_scores_lower_and_is_a_regression(tmp_path: Path) -> None:
    path = _write(tmp_path, eval_extra=f"gates = {{ {METRIC} = true }}")

    def half_off(n: int) -> str:
        return _unrelated(n) if n % 2 else _base_answer(n)

    report, _ = await _run(path, half_off, emb=CountingSim())
    m = _metric(report)
    assert m["candidate_mean"] < 0.7  # type: ignore[operator]
    assert m["diff"] < -0.3  # type: ignore[operator]
    assert m["change_test"] == "wilcoxon"
    assert m["discordant_worse"] == 12
    assert m["verdict"] == "NO-GO"
    assert report.verdict == "NO-GO"
    assert any(r.startswith(METRIC) for r in report.reasons)
    by_case = {r.case_id: r for r in report.cases}
    assert METRIC in by_case["c001"].regressions
    assert METRIC not in by_case["c002"].regressions
    odd = by_case["c001"].candidate_outputs[0].checks[METRIC]
    assert odd.score is not None
    assert odd.score < 0.3
    assert "cosine" in odd.detail


async def test_ungated_by_default_and_margin_from_the_config(tmp_path: Path) -> None:
    path = _write(tmp_path, eval_extra=f"margins = {{ {METRIC} = 0.5 }}")
    report, _ = await _run(path, _unrelated, emb=CountingSim())
    m = _metric(report)
    assert m["gate"] is False
    assert m["margin"] == 0.5
    assert report.verdict == "GO"  # only "ok" is gated: the metric informs, it does not decide


async def test_repeats_compare_with_the_baseline_own_variation(tmp_path: Path) -> None:
    """With repeats the baseline's value is the mean similarity between its own answers, so a
    candidate drawn from the same distribution differs by about 0, not by its paraphrasing."""
    path = _write(tmp_path, n=12)
    calls = [0]

    def paraphrase(n: int) -> str:  # every call words its answer a little differently
        calls[0] += 1
        return _base_answer(n) + f" Reference R{calls[0] * 104729}."

    report, _ = await _run(path, paraphrase, base=paraphrase, repeats=2)
    m = _metric(report)
    assert 0.5 < m["baseline_mean"] < 0.99  # type: ignore[operator]
    assert m["candidate_mean"] == pytest.approx(m["baseline_mean"], abs=0.03)
    assert m["diff"] == pytest.approx(0.0, abs=0.03)
    assert not any("one baseline answer" in w for w in report.warnings)
    data = report.cases[0].baseline[0].checks[METRIC].data
    assert data["mode"] == "repeats"
    assert data["baseline_answers"] == 2


async def test_a_rerun_makes_no_embedding_call(tmp_path: Path) -> None:
    path = _write(tmp_path, n=30)
    first_sim = CountingSim()
    report, _ = await _run(path, _unrelated, emb=first_sim)
    assert first_sim.embed_calls >= 1
    assert first_sim.texts == 60  # every distinct answer once
    assert first_sim.embed_calls < 30  # batched across concurrent cases
    again = CountingSim()
    rerun, sim2 = await _run(path, _unrelated, emb=again, fresh=True)
    assert again.embed_calls == 0
    assert isinstance(sim2.embedder, ProviderEmbedder)
    assert sim2.embedder.calls == 0
    assert sim2.embedder.cached == 60
    assert _metric(rerun)["candidate_values"] == _metric(report)["candidate_values"]  # exactly
    # --no-cache embeds again
    third = CountingSim()
    await _run(path, _unrelated, emb=third, fresh=True, cache=False)
    assert third.texts == 60


@pytest.fixture(scope="module")
def sim_http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from switchover.providers.sim.profiles import load_profiles

    profiles = tmp_path_factory.mktemp("emb") / "profiles.toml"
    profiles.write_text(PROFILES)
    engine = SimEngine(load_profiles(profiles), seed=3, time_scale=0.0)
    with run_sim_server(engine) as url:
        yield url


async def test_over_loopback_http_with_the_openai_wire_format(
    tmp_path: Path, sim_http: str
) -> None:
    path = _write(
        tmp_path,
        embeddings="openai:text-embedding-3-small",
        emb_name="openai",
        emb_provider="openai-compatible",
        emb_extra=f'base_url = "{sim_http}/v1"',
        eval_extra=f"gates = {{ {METRIC} = true }}",
    )
    report, sim = await _run(path, _unrelated)
    m = _metric(report)
    assert m["verdict"] == "NO-GO"
    assert m["candidate_mean"] < 0.3  # type: ignore[operator]
    assert isinstance(sim.embedder, ProviderEmbedder)
    assert 1 <= sim.embedder.calls < 24
    assert sim.embedder.input_tokens > 0
    _, again = await _run(path, _unrelated, fresh=True)
    assert again.embedder.calls == 0
    # the reports show it like any score metric, and the JSON still follows the schema
    jsonschema.validate(json.loads(render_json(report)), json.loads(report_schema()))
    assert METRIC in render_markdown(report)
    assert METRIC in render_html(report)


# -- the metric on hand-made results --------------------------------------------------------


class FixedEmbedder:
    """Vectors from a table (texts not in it embed to a fixed unrelated direction)."""

    label = "fixed"
    calls = 0
    cached = 0

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table
        self.seen: list[str] = []

    def use_cache(self, cache: object) -> None:
        pass

    async def embed(self, texts: Sequence[str]) -> np.ndarray:  # type: ignore[type-arg]
        self.seen.extend(texts)
        rows = [self.table.get(t, [0.0, 0.0, 1.0]) for t in texts]
        m = np.asarray(rows, dtype=np.float64)
        return m / np.linalg.norm(m, axis=1, keepdims=True)


def _output(arm: str, text: str | None, repeat: int = 0, replayed: bool = False) -> ArmOutput:
    resp = None if text is None else ChatResponse(model="m", text=text)
    err = None if text is not None else {"type": "ProviderServerError", "message": "boom"}
    return ArmOutput.model_validate(
        {
            "arm": arm,
            "model": "m",
            "repeat": repeat,
            "response": resp,
            "error": err,
            "replayed": replayed,
        }
    )


def _case(recorded: str | None = None) -> Case:
    return Case(
        id="x",
        request=ChatRequest(model="m", messages=[Message.user("hi")]),
        baseline_response=None if recorded is None else ChatResponse(model="m", text=recorded),
    )


async def test_scores_on_hand_made_results() -> None:
    emb = FixedEmbedder({"a": [1.0, 0.0, 0.0], "a2": [0.8, 0.6, 0.0], "b": [-1.0, 0.0, 0.0]})
    metric = SemanticSimilarity(emb)
    cr = CaseResult(
        case_id="x",
        candidate="c",
        baseline=[_output("baseline", "a"), _output("baseline", "a2", 1)],
        candidate_outputs=[_output("c", "a2"), _output("c", "b", 1), _output("c", None, 2)],
    )
    await metric.score(_case(), cr)
    base = [o.checks[METRIC].score for o in cr.baseline]
    assert base == [pytest.approx(0.8), pytest.approx(0.8)]  # each against the other
    cand = [o.checks[METRIC] for o in cr.candidate_outputs]
    assert cand[0].score == pytest.approx((0.8 + 1.0) / 2)
    assert cand[1].score == 0.0  # a negative cosine is clipped to 0
    assert not cand[2].applicable  # a failed call is left out
    assert sorted(set(emb.seen)) == ["a", "a2", "b"]  # each text embedded once


async def test_recorded_and_live_baseline_and_empty_answers() -> None:
    emb = FixedEmbedder({"a": [1.0, 0.0, 0.0], "live": [0.6, 0.8, 0.0]})
    metric = SemanticSimilarity(emb)
    # a recorded answer and a live baseline answer: the baseline's own variation
    cr = CaseResult(
        case_id="x",
        candidate="c",
        baseline=[_output("baseline", "live")],
        candidate_outputs=[_output("c", "")],
    )
    await metric.score(_case(recorded="a"), cr)
    assert cr.baseline[0].checks[METRIC].score == pytest.approx(0.6)
    assert cr.candidate_outputs[0].checks[METRIC].score == 0.0  # an empty answer
    # the recording replayed as the baseline arm is one answer, not two
    cr = CaseResult(
        case_id="x",
        candidate="c",
        baseline=[_output("baseline", "a", replayed=True)],
        candidate_outputs=[_output("c", "a")],
    )
    await metric.score(_case(recorded="a"), cr)
    assert cr.baseline[0].checks[METRIC].score == 1.0
    assert cr.baseline[0].checks[METRIC].data["mode"] == "single"
    # a baseline without text: nothing to compare with
    cr = CaseResult(
        case_id="x",
        candidate="c",
        baseline=[_output("baseline", "")],
        candidate_outputs=[_output("c", "a")],
    )
    await metric.score(_case(), cr)
    assert not cr.candidate_outputs[0].checks[METRIC].applicable
    assert "without text" in cr.candidate_outputs[0].checks[METRIC].detail


async def test_provider_errors_leave_the_case_out() -> None:
    from switchover.errors import ProviderServerError

    class Broken(SimProvider):
        async def embed(self, texts: Sequence[str], model: str) -> Embeddings:
            raise ProviderServerError("sim: 500 upstream broke", provider="sim", status=500)

    metric = SemanticSimilarity(ProviderEmbedder(Broken(), "m"))
    cr = CaseResult(
        case_id="x",
        candidate="c",
        baseline=[_output("baseline", "a")],
        candidate_outputs=[_output("c", "b")],
    )
    await metric.score(_case(), cr)
    res = cr.candidate_outputs[0].checks[METRIC]
    assert not res.applicable
    assert "embedding failed" in res.detail


# -- user errors: clear, exit 2 ----------------------------------------------------------------


def test_cli_flag_and_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def _cli(path: Path, *extra: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as info:
            main(["eval", "-c", str(path), "-f", "json", "-o", str(tmp_path / "r"), *extra])
        captured = capsys.readouterr()
        return int(info.value.code or 0), captured.out + captured.err

    path = _write(tmp_path, n=12, embeddings="sim:text-embedding-3-small")
    # unknown local model
    code, out = _cli(path, "--embeddings", "local:bert-large")
    assert code == 2, out
    assert "unknown local embedding model 'bert-large'" in out
    assert "Traceback" not in out
    # an upstream whose provider has no embeddings API
    anth = _write(
        tmp_path,
        n=12,
        embeddings="anthropic:claude-sonnet-4-5",
        emb_name="anthropic",
        emb_provider="anthropic",
        emb_extra='api_key_env = "NO_SUCH_KEY_ENV"',
    )
    code, out = _cli(anth)
    assert code == 2, out
    assert "has no embeddings API" in out
    # an embedding model the upstream does not serve
    path = _write(tmp_path, n=12, emb_extra='options = { profiles = "emb.toml" }')
    (tmp_path / "emb.toml").write_text(PROFILES.replace('"*"', '"gpt-*"'))
    code, out = _cli(path, "--embeddings", "sim:nope-embed")
    assert code == 2, out
    assert "does not know the embedding model" in out
    # the flag works and "none" turns the metric off
    code, out = _cli(path, "--embeddings", "none", "--json")
    assert code == 0, out
    assert METRIC not in out
    code, out = _cli(path, "--embeddings", "sim:gpt-embed", "--dry-run")
    assert code == 0, out
    assert "semantic_similarity: embeddings by sim:gpt-embed" in out
    code, out = _cli(path, "--embeddings", "sim:gpt-embed", "--json", "--fresh")
    assert code == 0, out
    metrics = json.loads(out)["comparisons"][0]["metrics"]
    assert metrics[-1]["name"] == METRIC
    assert metrics[-1]["candidate_mean"] == pytest.approx(1.0)  # one sim profile: same answers


def test_missing_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "wordllama", None)  # as if not installed
    with pytest.raises(UsageError) as exc:
        LocalEmbedder()
    assert "embeddings" in exc.value.message
    assert "switchover[embeddings]" in (exc.value.hint or "")


def test_parse_embeddings() -> None:
    assert parse_embeddings("local").backend == "local"
    assert parse_embeddings("local:wordllama").model == "wordllama"
    spec = parse_embeddings("openai:text-embedding-3-small")
    assert (spec.backend, spec.model) == ("provider", "text-embedding-3-small")
    with pytest.raises(UsageError, match="unknown local embedding model"):
        parse_embeddings("local:nope")


# -- the offline backend (the switchover[embeddings] extra) ----------------------------------------


async def test_local_backend_offline() -> None:
    pytest.importorskip("wordllama")
    emb = LocalEmbedder()
    m = await emb.embed(
        [
            "Reset your password from the account page.",
            "You can reset the password on your account page.",
            "The quarterly revenue grew by twelve percent.",
        ]
    )
    assert m.shape[0] == 3
    assert np.allclose(np.linalg.norm(m, axis=1), 1.0)
    sims = m @ m.T
    assert sims[0, 1] > 0.6 > sims[0, 2]


async def test_local_backend_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("wordllama")
    path = _write(tmp_path, embeddings="local", eval_extra=f"gates = {{ {METRIC} = true }}")
    report, sim = await _run(path, _unrelated)
    m = _metric(report)
    assert sim.embedder.label == "local:wordllama"
    assert m["verdict"] == "NO-GO"
    assert m["candidate_mean"] < 0.5  # type: ignore[operator]
    same, _ = await _run(path, _base_answer, fresh=True, cache=False)
    assert _metric(same)["verdict"] == "GO"


async def test_concurrent_callers_share_batches_and_texts() -> None:
    import asyncio

    sim = CountingSim()
    emb = ProviderEmbedder(sim, "text-embedding-3-small", linger_s=0.01)
    texts = [[f"answer {i}", "shared text"] for i in range(10)]
    rows = await asyncio.gather(*(emb.embed(t) for t in texts))
    assert sim.embed_calls == 1  # one batch for all ten callers
    assert sim.texts == 11  # "shared text" sent once
    assert all(np.allclose(r[1], rows[0][1]) for r in rows)
    assert emb.calls == 1
    # a batch size of 4 splits the next texts into calls of 4
    emb.batch_size = 4
    await asyncio.gather(*(emb.embed([f"new {i}"]) for i in range(9)))
    assert sim.embed_calls == 1 + 3


async def test_a_wrong_number_of_vectors_is_an_error_for_those_cases() -> None:
    class Short(SimProvider):
        async def embed(self, texts: Sequence[str], model: str) -> Embeddings:
            return Embeddings(vectors=[[1.0, 0.0]])

    metric = SemanticSimilarity(ProviderEmbedder(Short(), "m"))
    cr = CaseResult(
        case_id="x",
        candidate="c",
        baseline=[_output("baseline", "a")],
        candidate_outputs=[_output("c", "b")],
    )
    await metric.score(_case(), cr)
    assert "1 embeddings for 2 texts" in cr.candidate_outputs[0].checks[METRIC].detail


# -- money: the embedding calls in the estimate, the spend and the budget ---------------------

PRICED = "sim:gemini-embedding-2"  # the catalog's input price: $0.20 per million tokens
EMB_PRICE = 0.2 / 1_000_000


def _unpriced_arms(path: Path) -> Path:
    """The plan's arms on models the catalog does not price: only embeddings cost money."""
    text = path.read_text().replace('"sim:gpt-4o"', '"sim:gpt-house-a"')
    path.write_text(text.replace('"sim:gpt-4o-new"', '"sim:gpt-house-b"'))
    return path


def test_the_estimate_prices_the_embedding_calls(tmp_path: Path) -> None:
    path = _unpriced_arms(_write(tmp_path, n=24, embeddings=PRICED))
    plan = plan_evaluation(load_config(path), EvalOptions(providers={"sim": CountingSim()}))
    e = plan.estimate
    # every live answer (24 cases x 2 arms) at its expected 400 output tokens ...
    assert e.embedding_model == PRICED
    assert e.embedding_texts == 48
    assert e.embedding_input_tokens == 48 * 400
    assert e.embedding_cost_usd == pytest.approx(48 * 400 * EMB_PRICE)
    # ... in the totals: the arms are unpriced, so the embeddings are the whole estimate
    assert e.cost_usd == pytest.approx(48 * 400 * EMB_PRICE)
    assert e.max_cost_usd == pytest.approx(48 * 4096 * EMB_PRICE)  # answers at their limit
    assert PRICED not in e.unpriced_models
    # repeats embed every answer
    plan2 = plan_evaluation(
        load_config(path), EvalOptions(providers={"sim": CountingSim()}, repeats=3)
    )
    assert plan2.estimate.embedding_texts == 48 * 3
    assert plan2.estimate.embedding_cost_usd == pytest.approx(3 * 48 * 400 * EMB_PRICE)


def test_the_estimate_counts_recorded_answers_by_their_text(tmp_path: Path) -> None:
    path = _unpriced_arms(_write(tmp_path, n=4, embeddings=PRICED))
    rows = [json.loads(line) for line in (tmp_path / "data.jsonl").read_text().splitlines()]
    for row in rows:
        row["response"] = {"model": "gpt-house-a", "text": "x" * 400}  # a recorded baseline
    (tmp_path / "data.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    plan = plan_evaluation(load_config(path), EvalOptions(providers={"sim": CountingSim()}))
    e = plan.estimate
    assert e.cached_or_replayed == 4
    assert e.embedding_texts == 4 + 4  # the recorded baseline + the live candidate
    assert e.embedding_input_tokens == 4 * 100 + 4 * 400  # 400 characters = 100 tokens


def test_an_unpriced_embedding_model_says_price_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, n=12)  # sim:text-embedding-3-small: no price in the catalog
    plan = plan_evaluation(load_config(path), EvalOptions(providers={"sim": CountingSim()}))
    e = plan.estimate
    assert e.embedding_texts == 24
    assert e.embedding_cost_usd is None
    assert "sim:text-embedding-3-small" in e.unpriced_models
    off = plan_evaluation(load_config(path), EvalOptions(embeddings=""))
    assert e.cost_usd == pytest.approx(off.estimate.cost_usd)  # nothing added for it
    with pytest.raises(SystemExit) as info:
        main(["eval", "-c", str(path), "--dry-run"])
    assert info.value.code in (0, None)
    out = " ".join(capsys.readouterr().out.split())
    assert "semantic_similarity: embeddings by sim:text-embedding-3-small: 24 answer(s)" in out
    assert "~9,600 input tokens, price unknown" in out
    assert "no catalog price for:" in out
    assert "sim:text-embedding-3-small" in out
    with pytest.raises(SystemExit):
        main(["eval", "-c", str(path), "--dry-run", "--embeddings", PRICED])
    out = " ".join(capsys.readouterr().out.split())
    assert f"embeddings by {PRICED}: 24 answer(s), ~9,600 input tokens, ~$0.0019" in out
    assert "not in the estimate" not in out


async def test_embedding_calls_are_spent_and_free_when_cached(tmp_path: Path) -> None:
    path = _unpriced_arms(_write(tmp_path, n=24, embeddings=PRICED))
    sim = CountingSim()
    options = EvalOptions(
        providers={"base": Answering(_base_answer), "cand": Answering(_unrelated), "sim": sim},
        n_resamples=2000,
    )
    plan = plan_evaluation(load_config(path), options)
    report = await execute(plan)
    assert plan.similarity is not None
    embedder = plan.similarity.embedder
    assert isinstance(embedder, ProviderEmbedder)
    assert embedder.input_tokens > 0
    spent = embedder.input_tokens * EMB_PRICE
    assert plan.stats is not None
    assert plan.stats.embedding_calls == sim.embed_calls >= 1
    assert plan.stats.embedding_usd == pytest.approx(spent)
    assert report.meta.cost_usd == pytest.approx(round(spent, 6))  # the arms are free
    # a re-run reads every vector from the cache: no call, no money
    again = CountingSim()
    options.providers["sim"] = again
    options.fresh = True
    plan = plan_evaluation(load_config(path), options)
    rerun = await execute(plan)
    assert again.embed_calls == 0
    assert plan.stats is not None
    assert plan.stats.embedding_usd == 0.0
    assert rerun.meta.cost_usd == 0.0


async def test_max_cost_stops_cleanly_on_embedding_spend(tmp_path: Path) -> None:
    path = _unpriced_arms(_write(tmp_path, n=24, embeddings=PRICED))
    providers: dict[str, Provider] = {
        "base": Answering(_base_answer),
        "cand": Answering(_unrelated),
        "sim": CountingSim(),
    }
    # one case at a time (each case's answers are one embedding call of ~40 tokens)
    options = EvalOptions(providers=providers, n_resamples=2000, workers=1, max_cost_usd=2e-5)
    plan = plan_evaluation(load_config(path), options)
    report = await execute(plan)
    assert plan.stats is not None
    assert plan.stats.budget_stopped
    assert 0 < report.meta.n_cases < 24
    assert plan.stats.embedding_usd >= 2e-5  # stopped once reached, not before
    assert any("stopped at the cost limit" in w for w in report.warnings)
    done = report.meta.n_cases
    # the stopped cases were not stored half-scored: a run without the limit finishes them,
    # and pays only for the texts it has not embedded yet
    providers["sim"] = rest = CountingSim()
    plan = plan_evaluation(
        load_config(path), EvalOptions(providers=providers, n_resamples=2000, workers=1)
    )
    full = await execute(plan)
    assert full.meta.n_cases == 24
    assert plan.stats is not None
    assert plan.stats.resumed == done
    assert all(METRIC in o.checks for r in full.cases for o in r.candidate_outputs)
    assert rest.texts <= 2 * (24 - done) + 2  # at most the case cut off by the limit again


def test_offline_and_unknown_embedders_cost_nothing() -> None:
    from switchover.evaluate.engine import _estimate
    from switchover.evaluate.runner import BASELINE, Arm

    case = Case(id="x", request=ChatRequest(model="m", messages=[Message.user("hi")]))
    arms = [Arm(label=BASELINE, model="m", provider=CountingSim()), Arm("c", "m", CountingSim())]
    e = _estimate([case], arms, 1, None, SemanticSimilarity(FixedEmbedder({})))
    assert e.embedding_model == "fixed"
    assert (e.embedding_texts, e.embedding_input_tokens, e.embedding_cost_usd) == (0, 0, 0.0)
