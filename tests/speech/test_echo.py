"""The echo gate on synthetic speech: Wenda's echo is explained, the user's voice is not."""

from __future__ import annotations

import numpy as np
import pytest

from speech.audio import FRAME_SAMPLES, SAMPLE_RATE
from speech.echo import BLOCK_S, EchoGate, EchoGateConfig, best_lag
from speech.endpoint import EndpointConfig, SpeechStarted
from speech.listen import Listener, Utterance

FRAME_S = FRAME_SAMPLES / SAMPLE_RATE


def speechlike(seconds: float, seed: int, level: float = 0.1) -> np.ndarray:
    """Noise shaped by a random syllable envelope (3-6 Hz), like speech in energy terms."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    rate = rng.uniform(3, 6)
    envelope = np.clip(np.sin(2 * np.pi * rate * t + rng.uniform(0, 6)), 0, None) ** 2
    envelope *= np.repeat(rng.uniform(0.3, 1.0, n // 4000 + 1), 4000)[:n]
    return (level * envelope * rng.standard_normal(n)).astype(np.float32)


def echo_of(ref: np.ndarray, delay_s: float, gain: float, seed: int = 9) -> np.ndarray:
    """What the mic hears of ``ref``: delayed (negative: the clocks put it early), scaled,
    plus a little room noise."""
    d = int(delay_s * SAMPLE_RATE)
    if d < 0:
        out = (gain * ref[-d:]).astype(np.float32)
    else:
        out = np.zeros(len(ref) + d, dtype=np.float32)
        out[d:] = gain * ref
    noise = np.random.default_rng(seed).standard_normal(len(out)) * 1e-4
    return (out + noise).astype(np.float32)


def run_gate(gate: EchoGate, mic: np.ndarray, t0: float) -> list[bool]:
    return [
        gate.judge(mic[i : i + FRAME_SAMPLES], t0 + i / SAMPLE_RATE).explained
        for i in range(0, len(mic) - FRAME_SAMPLES + 1, FRAME_SAMPLES)
    ]


def _frame_rms(audio: np.ndarray) -> np.ndarray:
    n = len(audio) // FRAME_SAMPLES
    return np.sqrt((audio[: n * FRAME_SAMPLES].reshape(n, -1) ** 2).mean(axis=1))


@pytest.mark.parametrize(
    "delay_s, gain", [(-0.06, 1.0), (0.0, 1.0), (0.054, 1.0), (0.12, 0.5), (0.3, 1.4)], ids=str
)
def test_echo_alone_is_always_explained(delay_s: float, gain: float) -> None:
    ref = speechlike(6.0, seed=1)
    gate = EchoGate(EchoGateConfig(initial_gain=1.0), origin_s=0.0)
    gate.add_reference(ref, start_s=1.0)
    mic = echo_of(ref, delay_s, gain)
    verdicts = run_gate(gate, mic, t0=1.0)
    loud = _frame_rms(mic) > 0.01
    unexplained = [i for i, (v, ld) in enumerate(zip(verdicts, loud, strict=True)) if ld and not v]
    assert unexplained == [], f"echo frames taken for the user: {unexplained}"


def test_delay_and_gain_are_measured() -> None:
    ref = speechlike(5.0, seed=2)
    gate = EchoGate(origin_s=0.0)
    gate.add_reference(ref, start_s=0.5)
    run_gate(gate, echo_of(ref, 0.08, 0.6), t0=0.5)
    assert gate.delay_blocks is not None
    assert abs(gate.delay_blocks * BLOCK_S - 0.08) <= 0.009
    assert gate.gain == pytest.approx(0.6, rel=0.15)


def test_user_talking_over_the_echo_is_not_explained() -> None:
    ref = speechlike(6.0, seed=3)
    gate = EchoGate(origin_s=0.0)
    gate.add_reference(ref, start_s=0.0)
    mic = echo_of(ref, 0.06, 0.5)
    user = speechlike(1.5, seed=4, level=0.2)
    at = int(4.0 * SAMPLE_RATE)
    mic[at : at + len(user)] += user
    verdicts = run_gate(gate, mic, t0=0.0)
    user_frames = range(at // FRAME_SAMPLES, (at + len(user)) // FRAME_SAMPLES)
    user_loud = [i for i in user_frames if _frame_rms(user)[i - user_frames[0]] > 0.05]
    passed = sum(not verdicts[i] for i in user_loud)
    assert passed / len(user_loud) > 0.8


def test_after_a_cut_the_user_is_heard_again() -> None:
    ref = speechlike(4.0, seed=5)
    gate = EchoGate(origin_s=0.0)
    gate.add_reference(ref, start_s=0.0)
    gate.cut_reference(1.0)
    user = speechlike(1.0, seed=6, level=0.05)  # quieter than Wenda: would be gated before
    start = 1.5
    verdicts = run_gate(gate, user, t0=start)
    assert not any(verdicts)
    assert not gate.active(start + 1.0)


def test_best_lag_finds_a_shift() -> None:
    rng = np.random.default_rng(0)
    ref = rng.standard_normal(300)
    mic = np.concatenate([np.zeros(7), ref])[:300]
    assert best_lag(mic, ref, range(-10, 21))[0] == 7
    assert best_lag(ref, mic, range(-10, 21))[0] == -7


def test_listener_with_gate_never_starts_on_echo_but_does_on_the_user() -> None:
    ref = speechlike(5.0, seed=7)
    gate = EchoGate(origin_s=0.0)
    gate.add_reference(ref, start_s=0.0)
    mic = echo_of(ref, 0.05, 1.0)
    listener = Listener(EndpointConfig(end_silence_ms=300), gate)
    starts = []
    for i in range(0, len(mic) - FRAME_SAMPLES, FRAME_SAMPLES):
        frame = mic[i : i + FRAME_SAMPLES]
        p = 1.0 if np.sqrt((frame**2).mean()) > 0.01 else 0.0  # a VAD that hears all speech
        if isinstance(listener.push(frame, i / SAMPLE_RATE, p), SpeechStarted):
            starts.append(i)
    assert starts == [] and listener.gated_frames > 20
    ungated = Listener(EndpointConfig(end_silence_ms=300))
    heard = [ungated.push(mic[i : i + FRAME_SAMPLES], 0.0, 1.0) for i in range(0, 4096, 512)]
    assert any(isinstance(h, SpeechStarted) for h in heard)


def test_without_echo_the_gain_falls_so_a_normal_voice_can_interrupt() -> None:
    ref = speechlike(4.0, seed=8)
    gate = EchoGate(origin_s=0.0)
    gate.add_reference(ref, start_s=0.0)
    room = np.random.default_rng(1).standard_normal(len(ref)).astype(np.float32) * 1e-3
    run_gate(gate, room[: int(2.5 * SAMPLE_RATE)], t0=0.0)  # headphones: the mic hears no echo
    assert gate.delay_blocks is None and gate.gain < 0.1
    user = speechlike(0.3, seed=9, level=0.05)  # quieter than Wenda's own output
    verdicts = run_gate(gate, user, t0=2.5)
    loud = _frame_rms(user) > 0.02
    assert loud.sum() >= 2 and not any(v for v, ld in zip(verdicts, loud, strict=True) if ld)


def test_pre_roll_keeps_the_users_first_syllable_but_not_wendas_echo() -> None:
    ref = speechlike(6.0, seed=10)
    gate = EchoGate(origin_s=0.0)
    gate.add_reference(ref, start_s=0.0)
    mic = echo_of(ref, 0.05, 0.3)[: int(5.0 * SAMPLE_RATE)]
    user = speechlike(1.0, seed=11, level=0.3)
    at = int(3.0 * SAMPLE_RATE)
    mic[at : at + len(user)] += user
    listener = Listener(EndpointConfig(end_silence_ms=300, pre_roll_ms=320), gate)
    heard = []
    for i in range(0, len(mic) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        frame = mic[i : i + FRAME_SAMPLES]
        p = 1.0 if np.sqrt((frame**2).mean()) > 0.01 else 0.0
        if (out := listener.push(frame, i / SAMPLE_RATE, p)) is not None:
            heard.append(out)
    starts = [h for h in heard if isinstance(h, SpeechStarted)]
    (utterance,) = [h for h in heard if isinstance(h, Utterance)]
    assert len(starts) == 1 and 3.0 <= starts[0].at_s < 3.3
    echo_only = int((3.0 - (starts[0].at_s - 0.32)) * SAMPLE_RATE)  # pre-roll before the user
    assert echo_only > 0 and np.abs(utterance.audio[:echo_only]).max() == 0.0
    speech = utterance.audio[int(0.32 * SAMPLE_RATE) :]  # from the first speech frame on
    assert np.abs(speech[:FRAME_SAMPLES]).max() > 0.1


def test_after_a_playback_slip_the_echo_is_expected_where_it_now_is() -> None:
    """A stalled sound server delays the rest of a reply by a second (PulseAudio stalls up to
    ~2 s after an underflow): with the old plan only, its echo looks like the user barging
    in; told the new start (as the pipeline is by the speaker's second ``on_start``), the
    gate explains it, before the slip and after."""
    ref = speechlike(6.0, seed=4)
    slip = int(1.0 * SAMPLE_RATE)
    heard = np.concatenate([ref[: 2 * SAMPLE_RATE], np.zeros(slip), ref[2 * SAMPLE_RATE :]])
    mic = echo_of(heard.astype(np.float32), delay_s=0.05, gain=0.7)
    stale = EchoGate(EchoGateConfig(), origin_s=0.0)
    stale.add_reference(ref, start_s=1.0)
    told = EchoGate(EchoGateConfig(), origin_s=0.0)
    told.add_reference(ref, start_s=1.0)
    told.cut_reference(3.0)  # two seconds in, the sound server stalled
    told.add_reference(ref[2 * SAMPLE_RATE :], start_s=4.0)  # the rest, a second later
    voiced = _frame_rms(mic) > 0.01  # frames with echo in them (not the stall's silence)
    stale_verdicts = np.array(run_gate(stale, mic, t0=1.0))[: len(voiced)]
    told_verdicts = np.array(run_gate(told, mic, t0=1.0))[: len(voiced)]
    assert not stale_verdicts[voiced].all()
    assert told_verdicts[voiced].all()


def test_behind_a_canceller_the_gain_is_not_measured_until_it_settles() -> None:
    """A canceller leaves almost nothing of the echo once it has converged; measured in its
    first moments that would make the gate trust it too early."""
    ref = speechlike(6.0, seed=11)
    mic = echo_of(ref, 0.05, 0.01)  # what a converged canceller leaves: -40 dB
    settling = EchoGate(EchoGateConfig(settle_s=4.0), origin_s=0.0)
    eager = EchoGate(EchoGateConfig(), origin_s=0.0)
    for gate in (settling, eager):
        gate.add_reference(ref, start_s=0.0)
        run_gate(gate, mic[: 3 * SAMPLE_RATE], t0=0.0)
    assert settling.gain == 1.0 and eager.gain < 0.1
    run_gate(settling, mic[3 * SAMPLE_RATE :], t0=3.0)  # 6 s judged in all: settled
    assert settling.gain < 0.1


def test_after_a_silence_the_first_moments_are_judged_at_full_echo() -> None:
    """Behind a canceller, which lets the echo through for a moment when Wenda starts
    speaking again, the gate expects the full echo at each onset (``onset_guard_ms``)."""
    first, second = speechlike(4.0, seed=12), speechlike(2.0, seed=13)
    leak = echo_of(second, 0.05, 1.0)  # the canceller leaked the onset: the full echo
    verdicts = {}
    for guard in (0.0, 400.0):
        gate = EchoGate(EchoGateConfig(onset_guard_ms=guard), origin_s=0.0)
        gate.add_reference(first, start_s=0.0)
        run_gate(gate, echo_of(first, 0.05, 0.01), t0=0.0)  # converged: gain learned low
        assert gate.gain < 0.1
        gate.add_reference(second, start_s=5.0)  # a second after the first reply ended
        onset = leak[: int(0.35 * SAMPLE_RATE)]
        loud = _frame_rms(onset) > 0.01
        verdicts[guard] = [
            v for v, ld in zip(run_gate(gate, onset, t0=5.0), loud, strict=False) if ld
        ]
    assert verdicts[400.0] and all(verdicts[400.0])
    assert not all(verdicts[0.0])  # without the guard the leak passes for the user
