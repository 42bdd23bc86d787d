"""Reply templates: pick a variant, fill ``{placeholders}``, fall back sensibly.

Templates come from the domain's ``responses.toml`` (per language). The situations Wenda
itself needs (clarify, fallback, offer_human, ...) have built-in defaults here so a small
hand-written domain works without them. A variant whose placeholders cannot all be filled is
skipped; variants rotate by turn so a repeated question is not word for word the same.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping

from dialogue.domain.model import LanguagePack

log = logging.getLogger(__name__)

GLOBAL = "_global"
DEFAULTS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "clarify": ("Did you want to {option}?",),
        "fallback": (
            "Sorry, I can't help with that. I can check orders, returns, refunds and delivery, or "
            "answer questions about the shop.",
        ),
        "offer_human": ("Would you like me to put you through to a person from our team?",),
        "handoff": (
            "I'm passing you to a colleague from customer service now. They'll see this "
            "conversation, so you won't have to repeat yourself.",
        ),
        "handoff_closed": (
            "Nobody from our team is in right now; they're back {back}. I can't put you "
            "through, but I can keep helping you myself.",
        ),
        "human_declined": ("All right, I'll keep helping you myself.",),
        "apology_prefix": ("I'm sorry about that.",),
        "resume_form": ("Back to your {title}: {question}",),
        "kb_intro": ("",),
        "not_understood": ("Sorry, I didn't catch that.",),
        "corrected": ("OK, {value} instead.",),
        "negated": ("OK, not {value}.",),
        "reset": ("OK, let's start over. How can I help?",),
        "cancelled": ("OK, I've left it as it is.",),
        "remember_name": ("Nice to meet you, {name}.",),
        "recall_name": ("You're {name}.",),
        "unknown_name": ("I don't know your name yet. What should I call you?",),
        "greet_name": ("Hello again, {name}! How can I help?",),
        "error": ("Sorry, something went wrong on my side. Please try again.",),
        "other_language": (
            "This conversation is in English, and that looked like Chinese. Could you say it "
            "in English? 这段对话使用英文。",
        ),
    },
    "zh": {
        "clarify": ("您是想{option}吗？",),
        "fallback": (
            "抱歉，这个我帮不上忙。我可以查询订单、退货、退款和配送，也可以回答关于本店的问题。",
        ),
        "offer_human": ("需要我为您转接人工客服吗？",),
        "handoff": ("我现在为您转接人工客服。同事会看到我们的对话，您不用再说一遍。",),
        "handoff_closed": ("现在没有同事在线，他们{back}回来。暂时无法转接，我可以继续为您服务。",),
        "human_declined": ("好的，我继续为您服务。",),
        "apology_prefix": ("非常抱歉。",),
        "resume_form": ("回到您的{title}：{question}",),
        "kb_intro": ("",),
        "not_understood": ("抱歉，我没听明白。",),
        "corrected": ("好的，改成{value}。",),
        "negated": ("好的，不要{value}。",),
        "reset": ("好的，我们重新开始。请问有什么可以帮您？",),
        "cancelled": ("好的，保持不变。",),
        "remember_name": ("很高兴认识您，{name}。",),
        "recall_name": ("您是{name}。",),
        "unknown_name": ("我还不知道您的名字。请问怎么称呼您？",),
        "greet_name": ("{name}，欢迎回来！有什么可以帮您？",),
        "error": ("抱歉，我这边出了点问题，请再试一次。",),
        "other_language": (
            "这段对话使用中文，刚才那句好像是英文。能用中文再说一遍吗？"
            "This conversation is in Chinese.",
        ),
    },
}


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


class Responses:
    """Templates of one language pack; ``render`` returns None when nothing fits."""

    def __init__(self, pack: LanguagePack) -> None:
        self.pack = pack
        self.defaults = DEFAULTS.get(pack.language, DEFAULTS["en"])

    def variants(self, table: str, key: str) -> tuple[str, ...]:
        found = self.pack.responses.get(table, {}).get(key)
        if found:
            return found
        if table == GLOBAL:
            return self.defaults.get(key, ())
        return ()

    def has(self, table: str, key: str) -> bool:
        return bool(self.variants(table, key))

    def render(
        self, table: str, key: str, values: Mapping[str, object], turn: int = 0
    ) -> str | None:
        """A filled variant of ``table.key`` (rotating with ``turn``), or None."""
        variants = self.variants(table, key)
        usable = [v for v in variants if all(values.get(f) not in (None, "") for f in _fields(v))]
        if not usable:
            if variants:
                log.debug("no variant of %s.%s has all its placeholders", table, key)
            return None
        template = usable[turn % len(usable)]
        return template.format_map({f: values[f] for f in _fields(template)}).strip()
