from __future__ import annotations

import asyncio
import itertools
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchover.chat import ChatRequest, Message
from switchover.errors import UsageError
from switchover.evaluate.ratelimit import RateLimiter, TokenBucket
from switchover.evaluate.results import Case
from switchover.evaluate.sampling import allocate, sample_cases, stratum_of


def _cases(spec: dict[str, int]) -> list[Case]:
    out = []
    for tag, n in spec.items():
        for i in range(n):
            out.append(
                Case(
                    id=f"{tag}-{i}",
                    tags=[tag] if tag != "-" else [],
                    call_site=f"site-{tag}",
                    request=ChatRequest(model="m", messages=[Message.user(f"{tag}{i}")]),
                )
            )
    return out


def test_sampling_is_seeded_and_stratified() -> None:
    cases = _cases({"a": 60, "b": 30, "c": 9, "-": 1})
    s1 = sample_cases(cases, 20, stratify_by="tag", seed=3)
    assert s1 == sample_cases(cases, 20, stratify_by="tag", seed=3)
    assert s1 != sample_cases(cases, 20, stratify_by="tag", seed=4)
    counts = Counter(stratum_of(c, "tag") for c in s1)
    assert counts == {"a": 12, "b": 6, "c": 1, "(none)": 1}  # one for every stratum
    by_site = Counter(c.call_site for c in sample_cases(cases, 10, stratify_by="call_site"))
    assert sum(by_site.values()) == 10
    assert len(by_site) == 4
    plain = sample_cases(cases, 7, seed=1)
    assert len(plain) == 7
    assert len({c.id for c in plain}) == 7
    everything = sample_cases(cases, None, seed=1)
    assert sorted(c.id for c in everything) == sorted(c.id for c in cases)
    assert [c.id for c in everything] != [c.id for c in cases]  # shuffled
    with pytest.raises(UsageError):
        sample_cases(cases, 0)


@given(
    st.dictionaries(st.text(min_size=1, max_size=3), st.integers(1, 50), min_size=1, max_size=8),
    st.integers(1, 200),
)
def test_allocation_properties(sizes: dict[str, int], n: int) -> None:
    alloc = allocate(sizes, n)
    assert sum(alloc.values()) == min(n, sum(sizes.values()))
    assert all(0 <= alloc[k] <= sizes[k] for k in sizes)
    if len(sizes) <= n < sum(sizes.values()):
        assert all(alloc[k] >= 1 for k in sizes)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


async def test_token_bucket_spaces_requests() -> None:
    t = FakeTime()
    b = TokenBucket(2.0, 1.0, clock=t.clock, sleep=t.sleep)  # 2 per second, no burst
    assert await b.acquire() == 0.0
    waits = [await b.acquire() for _ in range(3)]
    assert waits == pytest.approx([0.5, 0.5, 0.5])
    assert t.now == pytest.approx(1.5)
    t.now = 10.0
    assert b.wait_time() == 0.0  # refilled (capped at the capacity: no burst saved up)
    assert await b.acquire() == 0.0
    assert b.wait_time() == pytest.approx(0.5)
    b.pause(3.0)
    assert b.wait_time() == pytest.approx(3.0)
    assert await b.acquire() == pytest.approx(3.0)
    assert b.waited_s == pytest.approx(4.5)
    with pytest.raises(ValueError):
        TokenBucket(0, 1)


async def test_concurrent_callers_are_served_in_order() -> None:
    t = FakeTime()
    b = TokenBucket(10.0, 1.0, clock=t.clock, sleep=t.sleep)
    released: list[float] = []

    async def caller() -> None:
        await b.acquire()
        released.append(t.now)

    await asyncio.gather(*(caller() for _ in range(5)))
    gaps = [y - x for x, y in itertools.pairwise(released)]
    assert gaps == pytest.approx([0.1] * 4)


async def test_rate_limiter_requests_and_tokens() -> None:
    t = FakeTime()
    lim = RateLimiter(
        60, 600, window_s=60.0, burst_s=1.0, headroom=1.0, clock=t.clock, sleep=t.sleep
    )
    assert lim.active
    assert await lim.acquire(5) == 0.0  # 1 request, 5 tokens (burst 10)
    # 1 s request spacing; the 20 tokens leave the bucket 10 in debt
    assert await lim.acquire(20) == pytest.approx(1.0)
    # the next caller pays the debt: 1 s spacing (10 tokens back), then 0.5 s for 5 more
    assert await lim.acquire(5) == pytest.approx(1.5)
    lim.settle(20, 5)  # used fewer tokens than reserved: refunded
    assert lim.tokens is not None
    assert lim.tokens.wait_time(5) == 0.0
    lim.pause(2.0)
    assert lim.requests is not None
    assert lim.requests.wait_time() >= 2.0
    assert not RateLimiter().active


def test_headroom_keeps_pacing_under_the_limit() -> None:
    lim = RateLimiter(120, None, window_s=60.0)
    assert lim.requests is not None
    assert lim.requests.rate == pytest.approx(120 * 0.98 / 60)
