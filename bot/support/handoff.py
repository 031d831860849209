"""Human handoff, pure: open a ticket, relay between the customer and the operators' group."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.engine.replies import say, text
from bot.engine.types import Outcome, Turn
from bot.i18n import N_, gettext
from bot.messages import Button, Inbound, Outgoing, Reply
from bot.support.handoff_records import (
    RECENT,
    REPLY_TICKET,
    TICKET,
    TICKET_COUNT,
    AddToTicket,
    CloseTicket,
    OpenTicket,
    TicketView,
)
from bot.support.tickets import CLOSED, OPEN, WAITING

FORWARD_LIMIT = 3500
"""Telegram takes 4096 characters per message; the full text stays in the transcript."""
HISTORY_LIMIT = FORWARD_LIMIT - 500
"""Room left for the history in a ticket's first message, after its header and footer."""
GROUP_CHATS = frozenset({"group", "supergroup"})
HIGH, NORMAL = 1, 0
FORWARDED = N_("I have passed your request to our team (ticket #{ref}). {when} They will answer "
               "right here. Send /close if you no longer need help.")
STORED = N_("I have saved your request as ticket #{ref}. {when} Our team will answer right here. "
            "Send /close to talk to the bot again.")
QUIET_OFFER = N_("Our team has not answered your request #{ref} yet. I can try to help in the "
                 "meantime, or you can keep waiting for a person.")
BACK_TO_BOT = N_("Back to the bot")
KEEP_WAITING = N_("Keep waiting")
CLOSE_PAYLOAD, WAIT_PAYLOAD = "handoff:close", "handoff:wait"
"""The customer's way back to the bot (it closes the ticket) and the way to stay with people."""
REASONS = {
    "request": N_("the customer asked for a person"),
    "misses": N_("the bot could not answer"),
    "complaint": N_("the customer is upset"),
    "not_helpful": N_("an answer did not help"),
}


@dataclass(frozen=True, slots=True)
class Handoff:
    """Hands conversations to people in an operators' group; without one, only stores tickets."""

    operators_chat_id: int | None = None
    operators_language: str = "en"
    response_time: Mapping[str, str] = field(default_factory=dict)
    operators_channel: str = "telegram"
    angry_sentiment: float = -0.6
    """A customer message this negative (or a complaint) raises its ticket to high priority."""

    def is_operators_chat(self, message: Inbound) -> bool:
        """Whether ``message`` was written in the operators' group."""
        return (self.operators_chat_id is not None and message.chat_type in GROUP_CHATS
                and message.channel == self.operators_channel
                and message.chat_id == str(self.operators_chat_id))

    def open(self, turn: Turn, reason: str, priority: int = NORMAL) -> Outcome:
        """Open a ticket (one per chat at a time), forward the conversation, tell the customer."""
        existing: TicketView | None = turn.context.get(TICKET)
        if existing is not None:
            return say(turn, "Your request #{ref} is already with our team; they will answer "
                             "here.", state=turn.state.idle(), ref=existing.ref)
        ref = f"{turn.contact.id}-{int(turn.context.get(TICKET_COUNT, 0)) + 1}"
        transcript = (*turn.needs(RECENT, ()), ("customer", turn.text or "(button)"))
        record = OpenTicket(ref, reason, priority, turn.language, turn.message.channel,
                            turn.message.chat_id, turn.message.account, transcript)
        sends = self._to_operators(ref, self._summary(turn, record))
        msgid = FORWARDED if sends else STORED
        when = self.response_time.get(turn.language, "")
        outcome = say(turn, msgid, state=turn.state.idle(), records=(record,), ref=ref, when=when)
        return Outcome(outcome.state, outcome.replies, sends, outcome.records)

    def human_command(self, turn: Turn, _args: str) -> Outcome:
        """``/human``: a person takes over."""
        return self.open(turn, "request")

    def button(self, turn: Turn) -> Outcome | None:
        """``handoff:<reason>`` buttons under answers and apologies; ``handoff:close`` and
        ``handoff:wait`` under the offers to go back to the bot."""
        action = (turn.message.payload or "").partition(":")[2]
        if action == "close":
            return self.close_command(turn, "")
        if action == "wait":
            return self._keep_waiting(turn)
        return self.open(turn, action) if action in REASONS else None

    @staticmethod
    def _keep_waiting(turn: Turn) -> Outcome:
        ticket: TicketView | None = turn.context.get(TICKET)
        if ticket is None:
            return say(turn, "You have no open request. Ask me anything, or send /human to "
                             "talk to a person.")
        return say(turn, "All right: your request #{ref} stays open and our team will answer "
                         "here. Send /close to talk to the bot again.", ref=ticket.ref)

    def customer_message(self, turn: Turn) -> Outcome | None:
        """While a ticket is open the customer talks to people: transcript and group, no bot."""
        ticket: TicketView | None = turn.context.get(TICKET)
        if ticket is None or self.is_operators_chat(turn.message):
            return None
        name = turn.contact.display_name or turn.contact.external_id
        urgent = self._angry(turn)
        record = AddToTicket(ticket.id, "customer", turn.text, status=OPEN,
                             priority=HIGH if urgent else None)
        mark = gettext(self.operators_language, "HIGH PRIORITY") + " · " if urgent else ""
        sends = self._to_operators(ticket.ref,
                                   f"{mark}#{ticket.ref} {name}: {_cut(turn.text)}")
        if sends:
            return Outcome(turn.state, sends=sends, records=(record,))
        return say(turn, "Added to your request #{ref}; our team will answer here. Send /close "
                         "to talk to the bot again.", records=(record,), ref=ticket.ref)

    def _angry(self, turn: Turn) -> bool:
        parse = turn.parse
        return parse is not None and (parse.intent.name == "complaint"
                                      or parse.sentiment <= self.angry_sentiment)

    def operator_message(self, turn: Turn) -> Outcome | None:
        """In the operators' group: a reply to a ticket message goes to that customer."""
        if not self.is_operators_chat(turn.message):
            return None
        ticket: TicketView | None = turn.context.get(REPLY_TICKET)
        if ticket is None:
            return Outcome(turn.state)  # operators talking among themselves
        if ticket.status == CLOSED:
            return self._to_group(turn, N_("Ticket #{ref} is closed, so the customer did not get "
                                           "this message."), ticket,
                                  AddToTicket(ticket.id, "operator", turn.text, delivered=False))
        answer = gettext(ticket.language, "Our team: {text}", text=turn.text)
        return Outcome(turn.state, sends=(self._to_customer(ticket, answer),),
                       records=(AddToTicket(ticket.id, "operator", turn.text, status=WAITING),))

    def close_command(self, turn: Turn, _args: str) -> Outcome:
        """``/close`` by the customer, or by an operator replying to a ticket message."""
        if self.is_operators_chat(turn.message):
            return self._close_by_operator(turn)
        ticket: TicketView | None = turn.context.get(TICKET)
        if ticket is None:
            return say(turn, "You have no open request. Ask me anything, or send /human to "
                             "talk to a person.")
        outcome = say(turn, "Your request #{ref} is closed. Ask me anything!", ref=ticket.ref,
                      state=turn.state.idle(), records=(CloseTicket(ticket.id, "customer"),))
        notice = gettext(self.operators_language, "Ticket #{ref} was closed by the customer.",
                         ref=ticket.ref)
        sends = self._to_operators(ticket.ref, notice)
        return Outcome(outcome.state, outcome.replies, sends, outcome.records)

    def _close_by_operator(self, turn: Turn) -> Outcome:
        ticket: TicketView | None = turn.context.get(REPLY_TICKET)
        if ticket is None:
            return say(turn, "To close a ticket, reply /close to one of its messages.")
        if ticket.status == CLOSED:
            return self._to_group(turn, N_("Ticket #{ref} is already closed."), ticket)
        notice = gettext(ticket.language, "Our team has closed your request #{ref}. If you need "
                                          "anything else, just write.", ref=ticket.ref)
        outcome = self._to_group(turn, N_("Ticket #{ref} closed."), ticket,
                                 CloseTicket(ticket.id, "operator"))
        return Outcome(outcome.state, outcome.replies, (self._to_customer(ticket, notice),),
                       outcome.records)

    def _to_group(self, turn: Turn, msgid: str, ticket: TicketView,
                  *records: AddToTicket | CloseTicket) -> Outcome:
        reply = Reply(gettext(self.operators_language, msgid, ref=ticket.ref),
                      language=self.operators_language,
                      reply_to_message_id=turn.message.message_id, meta={"ticket": ticket.ref})
        return Outcome(turn.state, replies=(reply,), records=records)

    def _to_operators(self, ref: str, body: str) -> tuple[Outgoing, ...]:
        if self.operators_chat_id is None:
            return ()
        reply = Reply(body, language=self.operators_language, meta={"ticket": ref})
        return (Outgoing(self.operators_channel, str(self.operators_chat_id), reply),)

    @staticmethod
    def _to_customer(ticket: TicketView, body: str) -> Outgoing:
        reply = Reply(body, language=ticket.language, meta={"ticket": ticket.ref})
        return Outgoing(ticket.channel, ticket.chat_id, reply, ticket.account)

    def _summary(self, turn: Turn, record: OpenTicket) -> str:
        language = self.operators_language
        urgent = gettext(language, "HIGH PRIORITY") + " · " if record.priority >= HIGH else ""
        reason = gettext(language, REASONS.get(record.reason, record.reason))
        head = gettext(language, "Ticket #{ref}: {reason}", ref=record.ref, reason=reason)
        who = (f"{turn.contact.display_name or turn.contact.external_id} "
               f"({record.channel}, {record.language})")
        # One Telegram message (the adapter splits longer ones and reports the last part's id,
        # which operators would not reply to): the oldest history goes first.
        history = "\n".join(f"{author}: {_cut(line, 500)}" for author, line in record.transcript)
        history = history if len(history) < HISTORY_LIMIT else "…" + history[-HISTORY_LIMIT:]
        footer = gettext(language, "Reply to this message to answer; reply /close to close the "
                                   "ticket.")
        return "\n".join([urgent + head, who, "—", history, "—", footer])


def close_offer(turn: Turn) -> Outcome | None:
    """``/cancel`` while a ticket is open: offer to close it (None when there is none)."""
    ticket: TicketView | None = turn.context.get(TICKET)
    if ticket is None:
        return None
    return say(turn, "Your request #{ref} is still open with our team. Do you want to close it "
                     "and talk to the bot again?", ref=ticket.ref,
               buttons=(Button(text(turn, "Close the request"), CLOSE_PAYLOAD),
                        Button(text(turn, KEEP_WAITING), WAIT_PAYLOAD)))


def quiet_offer(ref: str, language: str) -> Reply:
    """Sent when operators have been quiet too long: go back to the bot, or keep waiting."""
    return Reply(gettext(language, QUIET_OFFER, ref=ref), language=language,
                 buttons=(Button(gettext(language, BACK_TO_BOT), CLOSE_PAYLOAD),
                          Button(gettext(language, KEEP_WAITING), WAIT_PAYLOAD)),
                 meta={"ticket": ref})


def human_button(turn: Turn) -> Button:
    """The "talk to a person" button offered under apologies and unhelpful answers."""
    return Button(text(turn, "Talk to a person"), "handoff:request")


def _cut(body: str, limit: int = FORWARD_LIMIT) -> str:
    if len(body) <= limit:
        return body
    return f"{body[:limit]}… (+{len(body) - limit})"
