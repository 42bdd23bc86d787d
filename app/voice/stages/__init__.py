"""The stages of a voice turn, one module each, in the order a turn passes them:

    listen (microphone, VAD, echo gate, endpointer) -> recognise (ASR) -> think (dialogue,
    sentences) -> speak (TTS) -> play (speaker)

Each stage takes typed frames from its own bounded queue (the listener reads the
microphone instead), drops frames of stale turns, calls its model on that model's own
single-worker executor (``base.Workers``) and puts what it makes on the next stage's queue.
``app.voice.pipeline`` wires them in that straight line and owns the fast lane.
"""
