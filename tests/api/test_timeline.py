"""One timeline per contact across messages, tickets, consent and the features' events."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.beta.tables import BetaApplication
from bot.consent.tables import ConsentEvent
from bot.feedback.tables import FeedbackItem
from bot.storage.base import utcnow
from bot.storage.events import Event, emit
from bot.storage.models import Contact, MessageLog
from bot.surveys.tables import SurveyAnswer, SurveyResponse
from tests.api.conftest import Api


async def test_timeline_merges_every_job_newest_first_and_pages_without_gaps(api: Api) -> None:
    await api.harness.say("hello there")
    await api.harness.say("/human")
    async with api.harness.bot.sessionmaker() as session:
        contact = await session.scalar(select(Contact))
        assert contact is not None
        session.add(ConsentEvent(contact_id=contact.id, purpose="research", action="grant",
                                 channel="test"))
        session.add(FeedbackItem(key="t:1", contact_id=contact.id, channel="test",
                                 language="en", origin="command", text="The lid rattles",
                                 text_hash="x", category="bug", sentiment="negative"))
        response = SurveyResponse(key="r1", survey_id="support_csat", version="v",
                                  contact_id=contact.id, channel="test", language="en",
                                  status="completed")
        session.add(response)
        await session.flush()
        session.add(SurveyAnswer(response_id=response.id, survey_id="support_csat",
                                 version="v", question_id="nps", question_type="nps",
                                 question_text="Recommend us?", number=9.0))
        await emit(session, "survey.completed", {"survey": "support_csat"},
                   contact_id=contact.id)
        session.add(BetaApplication(campaign="tasting_box", contact_id=contact.id,
                                    status="accepted", consent_version="v1", channel="test",
                                    language="en", applied_at=utcnow() - timedelta(hours=1)))
        # A burst at one instant across sources: paging must neither repeat nor lose any.
        moment = utcnow() + timedelta(seconds=5)
        for n in range(4):
            session.add(MessageLog(contact_id=contact.id, direction="in", channel="test",
                                   chat_id="c1", text=f"burst {n}", created_at=moment))
            session.add(Event(name="ticket.closed", contact_id=contact.id,
                              payload={"ticket_id": n}, created_at=moment))
        await session.commit()
        contact_id = contact.id
    token = await api.token("contacts:read")
    whole = (await api.get(f"/contacts/{contact_id}/timeline", token, limit=500)).json()
    kinds = {entry["kind"] for entry in whole["items"]}
    assert {"message.in", "message.out", "ticket.opened", "consent.grant", "feedback.created",
            "survey.answer", "survey.completed", "beta.applied", "beta.accepted"} <= kinds
    answer = next(e for e in whole["items"] if e["kind"] == "survey.answer")
    assert answer["summary"] == "Recommend us? — 9" and answer["data"]["value"] == 9
    stamps = [entry["at"] for entry in whole["items"]]
    assert stamps == sorted(stamps, reverse=True)
    assert whole["next_cursor"] is None
    paged, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await api.get(f"/contacts/{contact_id}/timeline", token, **params)).json()
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [(e["source"], e["id"]) for e in paged] == [
        (e["source"], e["id"]) for e in whole["items"]]
    shown = (await api.get(f"/contacts/{contact_id}", token)).json()
    assert shown["consent"]["research"] is True and shown["consent"]["marketing"] is False
    consent = (await api.get("/consent", token, contact_id=contact_id)).json()["items"]
    assert [(c["purpose"], c["action"]) for c in consent] == [("research", "grant")]


async def test_timeline_of_unknown_contact_is_404_and_needs_contacts_scope(api: Api) -> None:
    token = await api.token("contacts:read")
    assert (await api.get("/contacts/424242/timeline", token)).status_code == 404
    assert (await api.get("/contacts/424242", token)).status_code == 404
    other = await api.token("feedback:read", "tickets:write", "surveys:read", "beta:write")
    assert (await api.get("/contacts/1/timeline", other)).status_code == 403
