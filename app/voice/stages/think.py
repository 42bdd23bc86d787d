"""Stage 3, think: what was said -> the dialogue's reply -> sentences for the voice.

The dialogue streams its reply in pieces already spaced (``dialogue.reply`` is the one
place pieces are joined), so the reply's text is the pieces concatenated, and each
sentence the aggregator releases is a slice of it: what was said and what was heard are
then prefixes of that text, and nothing here joins words. The first sentence goes on in
short chunks (``speech.sentences.lead_chunks``) so the first audio does not wait for a long
sentence to be synthesised whole.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from app.voice import events as ev
from app.voice.engines import Conversation, ReplyInfo, SentenceStream
from app.voice.frames import ReplyEndFrame, SentenceFrame
from app.voice.stages.base import Crew, Stage
from app.voice.turns import ReplyStream, Turn
from speech.expectation import Expectation
from speech.sentences import lead_chunks
from speech.transcript import Transcript

log = logging.getLogger(__name__)


class ThinkStage(Stage[Transcript]):
    name = "dialogue"

    def __init__(
        self,
        crew: Crew,
        conversation: Conversation,
        sentences: Callable[[], SentenceStream],
        lead_chunk_words: int,
        out: Stage[SentenceFrame | ReplyEndFrame],
        expectation: Callable[[], Expectation | None] | None = None,
    ) -> None:
        super().__init__(crew)
        self.conversation, self.sentences = conversation, sentences
        self.lead_chunk_words, self.out = lead_chunk_words, out
        self.expectation = expectation
        self.expected: Expectation | None = None  # what the last reply asked for

    async def process(self, frame: Transcript) -> None:
        turn = self.turns.current
        self.turns.emit(ev.Thinking(turn.turn_id))
        respond = self.conversation.respond
        pieces = await self.workers.call("dialogue", respond, frame.text, turn.stop)
        turn.stream = ReplyStream.STREAMING
        sentences = self.sentences()
        # Drain the pieces even after a barge-in (``stop`` makes that quick), so the dialogue
        # finishes its turn before it is told what was heard.
        while (piece := await self.workers.call("dialogue", next, pieces, None)) is not None:
            if isinstance(piece, ReplyInfo):
                reply = turn.reply
                reply.intent, reply.source, reply.extra = piece.intent, piece.source, piece.extra
                continue
            turn.reply.text += piece
            for text in sentences.push(piece):
                await self._sentence(turn, text)
        for text in sentences.flush():
            await self._sentence(turn, text)
        turn.stream = ReplyStream.ENDED
        if self.expectation is not None:  # read on the dialogue's worker: it owns the state
            self.expected = await self.workers.call("dialogue", self.expectation)
        self.turns.tell_heard(turn)  # if a barge-in ended the turn while the reply streamed
        if self.turns.live(turn.turn_id):
            await self.out.inbox.put(ReplyEndFrame(turn.turn_id))

    async def _sentence(self, turn: Turn, text: str) -> None:
        """Send a sentence on to the voice, the first one in short chunks."""
        words = self.lead_chunk_words
        first = turn.reply.sentences == 0
        for chunk in lead_chunks(text, words) if words and first else [text]:
            if self.turns.live(turn.turn_id) is None:
                return
            reply = turn.reply
            start = reply.text.find(chunk, reply.said_until)
            start = reply.said_until if start < 0 else start
            frame = SentenceFrame(turn.turn_id, reply.sentences, chunk, start)
            reply.sentences, reply.said_until = reply.sentences + 1, start + len(chunk)
            turn.mark(first_sentence_s=time.monotonic())
            self.turns.emit(ev.ReplyText(turn.turn_id, frame.index, chunk))
            await self.out.inbox.put(frame)
