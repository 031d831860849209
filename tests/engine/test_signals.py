"""Per-chat wake-ups: a delivery to one chat wakes its long-polls and no others."""

from __future__ import annotations

from bot.engine.signals import ChatSignals


def test_a_delivery_wakes_only_the_listeners_of_its_chat() -> None:
    signals = ChatSignals()
    with signals.listening("web::a") as a1, signals.listening("web::a") as a2, \
            signals.listening("web::b") as b:
        signals.notify("web::a")
        assert a1.is_set() and a2.is_set() and not b.is_set()
        with signals.listening("web::a") as later:
            assert not later.is_set()  # waits for the next delivery, not the last one
    signals.notify("web::nobody")  # no listener: nothing kept, nothing fails
    assert not signals._events and not signals._listeners


def test_a_delivery_between_reading_and_waiting_is_not_missed() -> None:
    signals = ChatSignals()
    with signals.listening("web::a") as delivered:
        signals.notify("web::a")  # after the long-poll read the chat, before it waits
        assert delivered.is_set()
