"""A voice session on fake engines (``tests/fakes/``): a live-paced microphone, a
speaker that plays in real time and logs every 10 ms block it let out, scripted dialogue."""

from __future__ import annotations

from app.voice import events as ev
from app.voice.engines import Engines
from app.voice.session import VoiceSession
from app.voice.settings import VoiceSettings
from speech.echo import EchoGateConfig
from speech.endpoint import EndpointConfig
from speech.sentences import SentenceAggregator
from tests.fakes.speech import FakeMicrophone, FakeRecognizer, FakeSpeaker, FakeSynthesizer, FakeVad
from tests.fakes.voice import EventLog, ScriptedConversation

TEXTS = {1: "where is my order", 2: "wait stop", 3: "number four two", 9: "explode"}
LONG = (
    "Your order left our warehouse yesterday. It is with the courier now. "
    "It should arrive on Friday before noon. You will get a text when it is close. "
    "Is there anything else I can do for you today?"
)
SCRIPT = {
    "where is my order": ("check_order_status", LONG),
    "wait stop": ("stop", "OK."),
    "number four two": ("inform", "Thanks."),
    "where is my order number four two": ("check_order_status", "Order 42 is on its way."),
    "thanks": ("thank", "You are welcome."),
}
SETTINGS = VoiceSettings(
    endpoint=EndpointConfig(start_ms=64, end_silence_ms=160, pre_roll_ms=96),
    echo=EchoGateConfig(),
    echo_cancel=False,  # the fake microphone's samples are codes for words, not sound
)


class Rig:
    """A session on fake engines, started and listening."""

    def __init__(
        self,
        word_delay_s=0.0,
        asr_delay_s=0.0,
        tts_delay_s=0.0,
        settings=SETTINGS,
        speaker=FakeSpeaker,
        turn_model=None,
    ) -> None:
        self.mic = FakeMicrophone()
        self.tts = FakeSynthesizer(delay_s=tts_delay_s)
        self.speaker = speaker(self.tts.text_of)
        self.asr = FakeRecognizer(codes=TEXTS, delay_s=asr_delay_s)
        self.dialogue = ScriptedConversation(SCRIPT, word_delay_s)
        self.log = EventLog()
        engines = Engines(
            self.mic, self.speaker, FakeVad(), self.asr, self.tts, self.dialogue, SentenceAggregator
        )
        engines.turn_model = turn_model
        self.session = VoiceSession(engines, settings, self.log)
        self.session.start(listen=True)
        self.log.wait_for(lambda es: any(isinstance(e, ev.Listening) for e in es))

    def turns_done(self, n: int) -> None:
        self.log.wait_for(lambda es: sum(isinstance(e, ev.TurnDone) for e in es) >= n)

    def close(self) -> None:
        """Stop the session; afterwards every executor has finished its work."""
        if not self.session.wait(0):
            self.session.submit(ev.Stop())
        assert self.session.wait(10)
