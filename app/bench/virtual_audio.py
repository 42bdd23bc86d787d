"""A private PulseAudio server with a virtual microphone and speaker, for benchmarks and tests.

The recipe is ../shared/TESTING_AUDIO_GUI.md: two null sinks, ``speaker`` (the default
output) and ``micfeed``, and a virtual source ``vmic`` on ``micfeed.monitor`` (the default
input). Playing a file into ``micfeed`` is someone talking into the microphone; recording
``speaker.monitor`` is listening to what the app said. Two idle ``parec`` keepers stop the
server from suspending, which otherwise delays a new stream's first callback by up to 2 s.
The one copy of the recipe: ``wenda bench voice`` and the audio tests both use it.

Acoustic echo is simulated with ``module-loopback`` from ``speaker.monitor`` into ``micfeed``:
everything the app plays comes back into its microphone ``latency_msec`` later (measured
about 55 ms end to end with 30 ms asked), at unity gain by default, the worst case.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)

ENV_KEYS = ("XDG_RUNTIME_DIR", "PULSE_STATE_PATH", "PULSE_COOKIE", "PULSE_SERVER")
WARM_UP_S = 2.0  # the recipe: idle streams need this long before callbacks come promptly


class VirtualAudioError(Exception):
    """PulseAudio is not installed or would not start; the message says which."""


class VirtualAudio:
    """``with VirtualAudio() as audio:`` starts the server and points this process at it."""

    def __init__(self) -> None:
        self.dir: Path | None = None
        self.env: dict[str, str] = {}  # what a subprocess needs to reach this server
        self._saved: dict[str, str | None] = {}
        self._keepers: list[subprocess.Popen] = []
        self._echo_module: str | None = None

    def __enter__(self) -> VirtualAudio:
        for tool in ("pulseaudio", "pactl", "paplay", "parec"):
            if shutil.which(tool) is None:
                raise VirtualAudioError(
                    f"{tool} is missing: install pulseaudio and pulseaudio-utils"
                )
        self.dir = Path(tempfile.mkdtemp(prefix="wenda-pulse-"))
        self.dir.chmod(0o700)
        self._saved = {k: os.environ.get(k) for k in ENV_KEYS}
        self.env = {
            "XDG_RUNTIME_DIR": str(self.dir),
            "PULSE_STATE_PATH": str(self.dir),
            "PULSE_COOKIE": str(self.dir / "cookie"),
            "PULSE_SERVER": f"unix:{self.dir / 'pulse' / 'native'}",
        }
        os.environ.update(self.env)
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        modules = (
            "module-native-protocol-unix auth-anonymous=1",
            "module-null-sink sink_name=speaker",
            "module-null-sink sink_name=micfeed",
            "module-virtual-source source_name=vmic master=micfeed.monitor",
        )
        args = ["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "-n"]
        args += [f"--load={m}" for m in modules]
        done = subprocess.run(args, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise VirtualAudioError(f"pulseaudio would not start: {done.stderr.strip()}")
        self.pactl("set-default-sink", "speaker")
        self.pactl("set-default-source", "vmic")
        for source in ("micfeed.monitor", "speaker.monitor"):
            self._keepers.append(
                subprocess.Popen(
                    ["parec", "-d", source],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        threading.Event().wait(WARM_UP_S)
        _rescan_devices()  # PortAudio lists devices once: rescan with this server

    def pactl(self, *args: str) -> str:
        done = subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10)
        if done.returncode != 0:
            raise VirtualAudioError(f"pactl {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def echo_on(self, volume: str = "100%", latency_ms: int = 30) -> None:
        """Loop the speaker back into the microphone: acoustic echo at ``volume`` (PulseAudio
        volume: 100% is unity gain, the worst case; 70% is about -9 dB)."""
        self.echo_off()
        self._echo_module = self.loopback(latency_ms, volume)

    def loopback(self, latency_ms: int, volume: str = "100%") -> str:
        """One path from the speaker into the microphone, ``latency_ms`` late at ``volume``;
        returns its module id (unload it with ``pactl unload-module``)."""
        module = self.pactl(
            "load-module",
            "module-loopback",
            "source=speaker.monitor",
            "sink=micfeed",
            f"latency_msec={latency_ms}",
        )
        if volume != "100%":
            for block in self.pactl("list", "sink-inputs").split("Sink Input #")[1:]:
                if f"Owner Module: {module}" in block:
                    self.pactl("set-sink-input-volume", block.split()[0], volume)
        return module

    def echo_off(self) -> None:
        if self._echo_module is not None:
            self.pactl("unload-module", self._echo_module)
            self._echo_module = None

    def say(self, wav: Path) -> subprocess.Popen:
        """Play ``wav`` into the virtual microphone (returns at once; wait on the process)."""
        return subprocess.Popen(
            ["paplay", "--device=micfeed", str(wav)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def record_speaker(self, wav: Path) -> subprocess.Popen:
        """Record what the app plays into ``wav`` until the process is terminated."""
        return subprocess.Popen(
            ["parecord", "--device=speaker.monitor", "--file-format=wav", str(wav)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for keeper in self._keepers:
            keeper.terminate()
        for keeper in self._keepers:
            keeper.wait(timeout=5)
        self._keepers.clear()
        if self.dir is not None:
            subprocess.run(["pulseaudio", "-k"], capture_output=True, timeout=10)
        for key, old in self._saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
            _rescan_devices()  # forget this server's devices


def _rescan_devices() -> None:
    """Make sounddevice (PortAudio) list the devices again, as of the current environment."""
    import sounddevice

    sounddevice._terminate()
    sounddevice._initialize()
