"""Finding the microphone or speaker the user named (by index or by part of its name).

PortAudio, through sounddevice, lists devices; a machine with no sound card, a server with
no audio daemon, or a missing PortAudio library all end here with a message that says what
to install or choose instead.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from speech.errors import AudioDeviceError

log = logging.getLogger(__name__)

Direction = Literal["input", "output"]
_NOUN = {"input": "microphone", "output": "speaker"}


def import_sounddevice() -> Any:
    """sounddevice, or a clear error when the PortAudio library is not installed."""
    try:
        import sounddevice
    except OSError as e:  # raised at import when libportaudio cannot be found
        raise AudioDeviceError(
            f"the PortAudio library is missing ({e}); install it "
            f"(Debian/Ubuntu: `sudo apt-get install libportaudio2`)"
        ) from e
    return sounddevice


def _channels(device: dict[str, Any], direction: Direction) -> int:
    return int(device[f"max_{direction}_channels"])


def list_devices(direction: Direction) -> list[tuple[int, str]]:
    """``(index, name)`` of every device that can record (input) or play (output)."""
    sd = import_sounddevice()
    try:
        devices = sd.query_devices()
    except sd.PortAudioError as e:
        raise AudioDeviceError(f"cannot list audio devices: {e}") from e
    return [(i, d["name"]) for i, d in enumerate(devices) if _channels(d, direction) > 0]


def _none_found(direction: Direction) -> AudioDeviceError:
    noun = _NOUN[direction]
    return AudioDeviceError(
        f"no {noun} found: this machine has no audio {direction} device that PortAudio can "
        f"use. Connect a {noun}, or start the sound server (PulseAudio/PipeWire) and check "
        f"that this session can reach it (e.g. `pactl info`)"
    )


def find_device(spec: str, direction: Direction) -> int:
    """The PortAudio index for ``spec``: "" (the system default), an index, or part of a name."""
    sd = import_sounddevice()
    available = list_devices(direction)
    if not available:
        raise _none_found(direction)
    names = "; ".join(f"{i}: {n}" for i, n in available)
    spec = spec.strip()
    if not spec:
        default = sd.default.device[0 if direction == "input" else 1]
        if default is not None and int(default) in dict(available):
            return int(default)
        log.info("no default %s device; using %s", direction, available[0][1])
        return available[0][0]
    if spec.isdigit():
        if int(spec) in dict(available):
            return int(spec)
        raise AudioDeviceError(f"{_NOUN[direction]} {spec} does not exist; devices: {names}")
    wanted = spec.lower()
    exact = [i for i, n in available if n.lower() == wanted]
    partial = [i for i, n in available if wanted in n.lower()]
    if exact or partial:
        return (exact or partial)[0]
    raise AudioDeviceError(f"no {_NOUN[direction]} named {spec!r}; devices: {names}")
