"""``wenda talk --input ... --json`` as a script runner: recordings in, one JSON line a turn.

No audio server here: the replies go to the silent speaker (a warning says so), which keeps
time like a real one. The recording is synthetic (Piper), the rest real.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from app.bench.utterances import synthesize_clips
from tests.app.chat_models import shop_nlu_model

pytestmark = pytest.mark.slow


def test_talk_json_has_one_line_per_turn_with_stage_times(
    tmp_path: Path, wenda_cmd: list[str], wenda_env: dict[str, str]
) -> None:
    from app.config import Config
    from app.serving import voice_config
    from app.store.store import ModelStore
    from app.voice.build import _load_tts

    speak = _load_tts(voice_config(Config(), ModelStore(), "en")).synthesize
    (clip,) = synthesize_clips(["What are your opening hours?"], "talk", tmp_path, speak)
    env = {k: v for k, v in wenda_env.items() if k not in ("XDG_RUNTIME_DIR", "PULSE_SERVER")}
    done = subprocess.run(
        [*wenda_cmd, "talk", "--json", "--no-generator", "--input", str(clip.path),
         "--nlu-model", str(shop_nlu_model("en"))],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    (line,) = done.stdout.splitlines()
    turn = json.loads(line)
    # tiny.en on this synthetic clip has heard both "opening hours" and "opening now"; word
    # accuracy is tested in tests/speech, here the turn and its stage times are
    assert "opening" in turn["transcript"].lower()
    assert turn["intent"] and "Monday" in turn["reply"] and not turn["interrupted"]
    times = turn["times_ms"]
    assert times["speech_end_ms"] == 0.0
    assert 0 < times["endpoint_ms"] < times["transcript_ms"] < times["first_audio_ms"]
    assert turn["stages_ms"]["end_of_speech_to_first_audio_ms"] == times["first_audio_ms"]
