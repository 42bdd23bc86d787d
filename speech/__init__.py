"""Wenda's speech layer: microphone, listening (voice activity, endpointing, the echo gate),
recognition, synthesis and playback: everything that touches audio.

Engines are small protocols with ``make_<engine>(config)`` factories that import their heavy
library only when called, so ``import speech`` stays cheap. Nothing here knows about the app,
the dialogue or Qt: callers pass in model paths, arrays and config dataclasses.
Inside, audio is mono float32 at 16 kHz (``speech.audio.SAMPLE_RATE``).
"""
