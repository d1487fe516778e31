"""Getting ready for a class: the pool grows to the class, within the server's limits, and shrinks back."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from her2lesson.class_ready import ClassReadiness, Readiness, ReadyRefused, own_server_url


def run(coroutine):
    """Run a coroutine in a thread of its own: after the browser tests, this thread's loop is Playwright's."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


class Started:
    """A pool entry whose kernel has started (Voila's pool holds futures of {"kernel_id": ...})."""

    def __init__(self, kernel_id: str, done: bool = True):
        self.kernel_id, self._done = kernel_id, done

    def done(self) -> bool:
        return self._done

    def cancelled(self) -> bool:
        return False

    def exception(self) -> None:
        return None

    def result(self) -> dict:
        return {"kernel_id": self.kernel_id}


class FakePoolManager:
    """Voila's pooled kernel manager as ClassReadiness uses it: a size in kernel_pools_config, a pool per
    notebook that fill_if_needed tops up to that size, shutdown_kernel taking a kernel out of the pool."""

    def __init__(self, size: int, instantly: bool = True):
        self.kernel_pools_config = {"default": {"pool_size": size}}
        self.notebook_path = "dashboard.ipynb"
        self._pools = {self.notebook_path: []}
        self.started = 0
        self.instantly = instantly
        self.shut: list[str] = []
        self.fill_if_needed()

    @property
    def pool(self) -> list:
        return self._pools[self.notebook_path]

    def fill_if_needed(self, delay=None, notebook_name=None) -> None:
        while len(self.pool) < self.kernel_pools_config["default"]["pool_size"]:
            self.started += 1
            self.pool.append(Started(f"k{self.started}", done=self.instantly))

    def claim(self) -> None:
        """What Voila does when a page takes a preheated kernel: pop one, refill to the size set now."""
        self.pool.pop(0)
        self.fill_if_needed()

    async def shutdown_kernel(self, kernel_id: str) -> None:
        self.shut.append(kernel_id)
        self._pools[self.notebook_path] = [e for e in self.pool if e.kernel_id != kernel_id]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def readiness(manager, max_learners=150, learners=0, free_mb=24_000, clock=None) -> ClassReadiness:
    return ClassReadiness(manager, max_learners, lambda: learners, clock=clock or Clock(), free_mb=lambda: free_mb)


def test_a_class_of_thirty_gets_thirty_kernels_ready_and_the_pool_shrinks_as_they_arrive():
    manager = FakePoolManager(2)
    ready = readiness(manager)
    status = ready.ask(30)
    assert (status.asked, status.granted, status.limited_by) == (30, 30, "")
    assert status.ready + status.starting == 2 + ClassReadiness.STARTING_AT_ONCE  # a few at a time, not 28 at once
    for _ in range(30):
        run(ready.tick())  # the server's tick: the next few, as the last ones are ready
    assert ready.status().ready == 30 and len(manager.pool) == 30
    for arrived in range(1, 31):
        ready.page_claimed()
        manager.claim()
        assert len(manager.pool) == max(2, 30 - arrived)  # never started again for learners already here
    assert manager.started == 32  # the usual 2, then 28 more for the class, then the usual pool refilled by 2
    assert ready.status().granted == 0


def test_the_class_is_held_within_the_learner_cap_and_the_free_memory():
    capped = readiness(FakePoolManager(2), max_learners=40, learners=25).ask(30)
    assert (capped.granted, capped.limited_by) == (15, "learner cap")
    low = readiness(FakePoolManager(2), free_mb=1000).ask(30)  # 70% of 1000 MB at 100 MB a kernel, plus the 2 held
    assert (low.granted, low.limited_by) == (9, "memory")


def test_places_not_taken_are_given_back_when_the_time_is_over():
    clock = Clock()
    manager = FakePoolManager(2)
    ready = readiness(manager, clock=clock)
    ready.ask(10, minutes=15)
    for _ in range(3):
        ready.page_claimed()
        manager.claim()
    run(ready.tick())
    assert len(manager.pool) == 7 and not manager.shut  # still within the time: the rest of the class may come
    clock.now += 15 * 60
    run(ready.tick())
    assert len(manager.pool) == 2 and len(manager.shut) == 5
    assert ready.status() == Readiness(asked=0, granted=0, ready=2, starting=0, minutes_left=0, limited_by="")


def test_calling_the_class_off_and_kernels_still_starting():
    manager = FakePoolManager(1, instantly=False)
    ready = readiness(manager)
    status = ready.ask(5)
    assert (status.ready, status.starting) == (0, min(5, ClassReadiness.STARTING_AT_ONCE))
    assert ready.ask(0).granted == 0
    run(ready.tick())
    assert not manager.shut  # kernels still starting are left to finish; they go at a later tick


def test_a_kernel_is_ready_only_once_it_waits_for_its_learner():
    """A pool kernel that has started but still runs the lesson's first cells would keep its page waiting."""
    manager = FakePoolManager(3)
    waiting = {"k1"}
    ready = ClassReadiness(manager, 150, lambda: 0, waiting=lambda: waiting, free_mb=lambda: None)
    assert (ready.status().ready, ready.status().starting) == (1, 2)
    waiting.update({"k2", "k3"})
    assert (ready.status().ready, ready.status().starting) == (3, 0)


def test_a_server_without_a_pool_cannot_get_ready():
    assert not readiness(FakePoolManager(0)).supported
    assert readiness(FakePoolManager(1)).supported


@pytest.mark.parametrize("host,url", [("0.0.0.0", "http://127.0.0.1:8866/"), ("", "http://127.0.0.1:8866/"),
                                      ("10.1.2.3", "http://10.1.2.3:8866/"), ("::", "http://[::1]:8866/")])
def test_a_kernel_reaches_its_server_on_a_local_address(host, url):
    assert own_server_url(host, 8866) == url


def test_the_educator_view_gets_ready_and_says_how_far_it_got(content):
    from her2lesson.dashboard.educator import ClassReady
    from her2lesson.strings import Strings

    asked: list[tuple[str, int | None]] = []

    def server(code: str, learners: int | None) -> Readiness:
        asked.append((code, learners))
        if code != "EDU-CODE":
            raise ReadyRefused("That educator code does not open a class on this server.", "code")
        return Readiness(asked=12, granted=10, ready=4, starting=6, minutes_left=30, limited_by="memory")

    panel = ClassReady(Strings.for_language(content.strings), server)
    panel.POLL_SECONDS = 3600  # the follow-up poll is not part of this test
    panel.code = "EDU-CODE"
    assert panel.get_ready("twelve") is None
    assert "whole number" in panel.status.html and not asked
    assert panel.get_ready(" 12 ").granted == 10
    assert asked == [("EDU-CODE", 12)]
    said = panel.status.html
    assert "4 of 10 places ready, 6 starting" in said and "can keep only 10 places right now" in said
    panel.code = "wrong"
    assert panel.get_ready("3") is None and "does not open a class" in panel.status.html
    assert "Check the code" in panel.status.html  # the catalogue's sentence, not the server's English
    assert panel.describe(Readiness(12, 10, 10, 0, 29, ""))[0].startswith("Ready: 10 places are waiting")


def test_one_address_may_start_a_class_worth_of_pages_at_once_but_not_a_stream_of_them():
    from her2lesson.server import AddressLimits

    clock = Clock()
    limits = AddressLimits(clock=clock)
    hospital = [limits.allow_page("10.0.0.1") for _ in range(int(AddressLimits.BURST))]
    assert all(hospital)  # a whole class behind one address, at once
    assert not limits.allow_page("10.0.0.1")  # then a script's loop is held...
    assert limits.allow_page("10.0.0.2")  # ...while other addresses are not affected
    clock.now += 1
    assert [limits.allow_page("10.0.0.1") for _ in range(3)] == [True, True, False]  # two a second again
    limits.flooded("10.0.0.2")
    assert not limits.allow_page("10.0.0.2")
    clock.now += AddressLimits.PENALTY_S
    assert limits.allow_page("10.0.0.2")  # a minute later the address may come back


def test_wrong_educator_codes_are_limited_per_address_and_the_table_stays_bounded():
    from her2lesson.server import AddressLimits

    clock = Clock()
    limits = AddressLimits(clock=clock)
    counts = [limits.wrong_code("10.0.0.9") for _ in range(AddressLimits.CODE_TRIES)]
    assert counts == list(range(1, AddressLimits.CODE_TRIES + 1)) and limits.codes_blocked("10.0.0.9")
    assert not limits.codes_blocked("10.0.0.8")  # another address may still try
    clock.now += AddressLimits.CODE_WINDOW_S
    assert not limits.codes_blocked("10.0.0.9") and "10.0.0.9" not in limits.wrong_codes  # forgotten, not kept
    for n in range(AddressLimits.MOST_ADDRESSES + 5):  # a scan from many addresses, one wrong code each
        limits.wrong_code(f"10.1.{n // 250}.{n % 250}")
        clock.now += AddressLimits.CODE_WINDOW_S / AddressLimits.MOST_ADDRESSES
    assert len(limits.wrong_codes) <= AddressLimits.MOST_ADDRESSES


def test_free_memory_counts_a_containers_limit(tmp_path):
    from her2lesson.class_ready import free_memory_mb

    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 33554432 kB\nMemAvailable: 25165824 kB\n")  # a 32 GB node, 24 GB free
    cgroup = tmp_path / "cgroup"
    cgroup.mkdir()
    assert free_memory_mb(meminfo, cgroup) == 24576  # no cgroup files: the machine's figure
    (cgroup / "memory.max").write_text("3221225472\n")  # the pod may use 3 GiB...
    (cgroup / "memory.current").write_text("1073741824\n")  # ...and uses 1 GiB
    assert free_memory_mb(meminfo, cgroup) == 2048
    (cgroup / "memory.max").write_text("max\n")
    assert free_memory_mb(meminfo, cgroup) == 24576


def test_the_pool_refills_after_a_lone_learners_page_and_at_once_when_a_class_arrives():
    from her2lesson.server import RefillTiming

    now = [100.0]
    timing = RefillTiming(clock=lambda: now[0])
    assert timing.delay(ready_left=1) == RefillTiming.AFTER_S, "alone, with a kernel still ready: after the page"
    now[0] += 1.0
    assert timing.delay(ready_left=1) == 0.0, "another page a second later: a class is arriving"
    now[0] += RefillTiming.ARRIVING_WITHIN_S + 1
    assert timing.delay(ready_left=0) == 0.0, "the last ready kernel was taken: refill now"
    now[0] += RefillTiming.ARRIVING_WITHIN_S + 1
    assert timing.delay(ready_left=2) == RefillTiming.AFTER_S
