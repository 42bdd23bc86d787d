"""A private PulseAudio server with a virtual microphone and speaker, for audio tests.

The recipe from TESTING_AUDIO_GUI.md: null sinks ``speaker`` (what the app plays; its
``speaker.monitor`` records it) and ``micfeed`` (what tests play into the microphone), a
virtual source ``vmic`` on ``micfeed.monitor`` as the default input. Two idle ``parec``
keepers stop the server from suspending, which otherwise delays a new stream's first
callback by up to 2 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

MODULES = (
    "module-native-protocol-unix auth-anonymous=1",
    "module-null-sink sink_name=speaker",
    "module-null-sink sink_name=micfeed",
    "module-virtual-source source_name=vmic master=micfeed.monitor",
)
ENV_KEYS = ("XDG_RUNTIME_DIR", "PULSE_STATE_PATH", "PULSE_COOKIE", "PULSE_SERVER")


class PulseServer:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="wenda-pulse-"))
        os.chmod(self.dir, 0o700)
        self.env = {
            "XDG_RUNTIME_DIR": str(self.dir),
            "PULSE_STATE_PATH": str(self.dir / "state"),
            "PULSE_COOKIE": str(self.dir / "cookie"),
            "PULSE_SERVER": f"unix:{self.dir / 'pulse' / 'native'}",
        }
        self._saved = {k: os.environ.get(k) for k in ENV_KEYS}
        self._keepers: list[subprocess.Popen[bytes]] = []

    def run(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, env={**os.environ, **self.env}, capture_output=True, text=True, timeout=timeout
        )

    def start(self) -> None:
        if not shutil.which("pulseaudio"):
            raise RuntimeError("pulseaudio is not installed (scripts/setup.sh installs it)")
        command = ["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "-n"]
        command += [f"--load={m}" for m in MODULES]
        started = self.run(*command)
        if started.returncode != 0:
            raise RuntimeError(f"pulseaudio did not start: {started.stderr}")
        self.run("pactl", "set-default-sink", "speaker")
        self.run("pactl", "set-default-source", "vmic")
        os.environ.update(self.env)
        for source in ("micfeed.monitor", "speaker.monitor"):
            self._keepers.append(
                subprocess.Popen(
                    ["parec", "-d", source],
                    env={**os.environ},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        time.sleep(2.0)  # let the keepers wake the server so first callbacks come fast
        import sounddevice as sd

        sd._terminate()  # PortAudio lists devices once; rescan with the server running
        sd._initialize()

    def stop(self) -> None:
        for keeper in self._keepers:
            keeper.terminate()
            keeper.wait(timeout=10)
        self.run("pulseaudio", "-k")
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(self.dir, ignore_errors=True)
        import sounddevice as sd

        sd._terminate()  # forget this server's devices
        sd._initialize()
