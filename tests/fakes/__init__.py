"""Fakes for unit tests of the logic around engines, one per protocol, grouped by the
package that owns the protocol:

- ``tests.fakes.speech``: VAD, recognizer, synthesizer, speaker, microphone, and the coded
  square waves (``utterance``) they pass between them;
- ``tests.fakes.voice``: what the voice session itself defines: a scripted conversation, and
  a log of the session's events to wait on;
- ``tests.fakes.dialogue``: the NLU (scripted answers) and the sentence encoder (bag of words);
- ``tests.fakes.session``: the conversation and the voice behind the window's session.

Feature tests use the real engines; these only stand in where the point is the code in
between. The speech fakes are also importable from here (``from tests.fakes.speech import
FakeSpeaker``).
"""

from tests.fakes.speech import (
    FakeMicrophone,
    FakeRecognizer,
    FakeSpeaker,
    FakeSynthesizer,
    FakeVad,
)

__all__ = ["FakeMicrophone", "FakeRecognizer", "FakeSpeaker", "FakeSynthesizer", "FakeVad"]
