"""Wenda's speech layer: microphone, voice activity, recognition, synthesis and playback.

Engines are small protocols with ``make_<engine>(config)`` factories that import their heavy
library only when called, so ``import speech`` stays cheap. Nothing here knows about the app,
the dialogue or Qt: callers pass in model paths, arrays and config dataclasses.
Inside, audio is mono float32 at 16 kHz (``speech.audio.SAMPLE_RATE``).
"""
