"""The voice loop: microphone -> VAD endpointing -> ASR -> dialogue -> TTS -> speaker.

A :class:`~app.voice.session.VoiceSession` runs one asyncio loop in one background thread;
each model's blocking calls run on that model's own single-worker executor. Everything that
flows between stages is a typed frame carrying a ``turn_id`` (``app.voice.frames``); a
barge-in bumps the turn id and every stage drops frames of older turns. Front ends read
events (``app.voice.events``) and send commands with ``session.submit(command)``.

This package is the only place where ``speech`` and ``dialogue`` meet.
"""
