"""A private PulseAudio server with a virtual microphone (``vmic``, fed through the
``micfeed`` sink) and speaker, as in shared/TESTING_AUDIO_GUI.md."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def available() -> bool:
    return all(shutil.which(t) for t in ("pulseaudio", "pactl", "paplay", "parec"))


@contextmanager
def virtual_audio(tmp: Path) -> Iterator[dict[str, str]]:
    """Start the server; yields the environment variables a client needs."""
    runtime = tmp / "pulse-runtime"
    runtime.mkdir(mode=0o700)
    env = {
        "XDG_RUNTIME_DIR": str(runtime),
        "PULSE_STATE_PATH": str(runtime / "state"),
        "PULSE_COOKIE": str(runtime / "cookie"),
    }
    full = {**os.environ, **env}
    subprocess.run(
        [
            "pulseaudio",
            "--daemonize=yes",
            "--exit-idle-time=-1",
            "-n",
            "--load=module-native-protocol-unix auth-anonymous=1",
            "--load=module-null-sink sink_name=speaker",
            "--load=module-null-sink sink_name=micfeed",
            "--load=module-virtual-source source_name=vmic master=micfeed.monitor",
        ],
        env=full,
        check=True,
        capture_output=True,
        timeout=30,
    )
    keepers = []
    try:
        for _ in range(50):
            if subprocess.run(["pactl", "info"], env=full, capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        subprocess.run(["pactl", "set-default-sink", "speaker"], env=full, check=True)
        subprocess.run(["pactl", "set-default-source", "vmic"], env=full, check=True)
        # keep both monitors busy so the first real stream does not wait for the idle server
        for device in ("micfeed.monitor", "speaker.monitor"):
            keepers.append(
                subprocess.Popen(
                    ["parec", "-d", device],
                    env=full,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        time.sleep(2.0)
        yield env
    finally:
        for keeper in keepers:
            keeper.terminate()
            keeper.wait(5)
        subprocess.run(["pulseaudio", "-k"], env=full, capture_output=True)


def play_into_microphone(wav: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(["paplay", "--device=micfeed", str(wav)], env={**os.environ, **env})
