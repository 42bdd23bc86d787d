"""What every stage shares: the models' executors, and a loop over a queue of frames that
drops stale frames and turns an error into an event that ends only that turn."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from app.voice.turns import Turns

log = logging.getLogger(__name__)
T = TypeVar("T")


class Tagged(Protocol):
    """Any frame: it names the turn it belongs to."""

    @property
    def turn_id(self) -> int: ...


F = TypeVar("F", bound=Tagged)
WORKERS = ("microphone", "echo", "vad", "turn", "asr", "dialogue", "tts", "speaker")
Trace = Callable[[str, Any, bool], None]  # (stage, frame, live): sees every frame taken


class Workers:
    """One single-worker executor per model (and device): each model's blocking calls run
    in order on its own thread, and the loop never waits on one."""

    def __init__(self) -> None:
        self.executors = {
            name: ThreadPoolExecutor(1, thread_name_prefix=f"voice-{name}") for name in WORKERS
        }

    async def call(self, name: str, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on worker ``name``, awaited."""
        return await asyncio.get_running_loop().run_in_executor(self.executors[name], fn, *args)

    def submit(self, name: str, fn: Callable[..., T], *args: Any) -> Future[T]:
        """``fn(*args)`` on worker ``name``, not awaited (in order with its other calls)."""
        return self.executors[name].submit(fn, *args)

    def shutdown(self) -> None:
        for executor in self.executors.values():
            executor.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class Crew:
    """What every stage works with: the turns, the models' workers, the queues' bound."""

    turns: Turns
    workers: Workers
    queue_frames: int


class Stage(Generic[F]):
    """A stage fed by a bounded queue of frames of type ``F``; subclasses :meth:`process`."""

    name = "stage"

    def __init__(self, crew: Crew) -> None:
        self.turns, self.workers = crew.turns, crew.workers
        self.inbox: asyncio.Queue[F] = asyncio.Queue(crew.queue_frames)
        self.trace: Trace | None = None

    async def process(self, frame: F) -> None:
        raise NotImplementedError

    async def run(self) -> None:
        """Take frames in order, drop stale ones, and keep going whatever one turn does:
        an error becomes an event and ends that turn only."""
        while True:
            frame = await self.inbox.get()
            turn_id = frame.turn_id
            live = self.turns.live(turn_id) is not None
            if self.trace is not None:
                self.trace(self.name, frame, live)
            if not live:
                continue
            try:
                await self.process(frame)
            except Exception as e:  # one bad turn must never end the session
                log.exception("voice stage %s failed on turn %d", self.name, turn_id)
                self.turns.fail(turn_id, self.name, e)

    def drop_stale(self) -> None:
        """Empty the queue of frames of turns other than the current one."""
        keep = []
        while not self.inbox.empty():
            frame = self.inbox.get_nowait()
            if frame.turn_id == self.turns.current.turn_id:
                keep.append(frame)
        for frame in keep:
            self.inbox.put_nowait(frame)

    def put_now(self, frame: F) -> None:
        """Queue a frame from the loop without waiting: only stale frames can fill a queue
        this early in a turn, so they make room."""
        if self.inbox.full():
            self.drop_stale()
        self.inbox.put_nowait(frame)
