"""What the CLI, the API and the dashboard read and change: campaigns and applicants."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.beta.campaign import Campaign
from bot.beta.tables import ACCEPTED, REJECTED, STATUSES, BetaApplication
from bot.storage.base import utcnow


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """A campaign with its applications counted per status."""

    id: str
    product: str
    capacity: int
    open: bool
    counts: Mapping[str, int]


async def summaries(*, session: AsyncSession,
                    campaigns: Mapping[str, Campaign]) -> list[CampaignSummary]:
    """Every campaign (also ones only in the database) with its counts per status."""
    rows = await session.execute(select(BetaApplication.campaign, BetaApplication.status,
                                        func.count()).group_by(BetaApplication.campaign,
                                                               BetaApplication.status))
    counts: dict[str, dict[str, int]] = {}
    for campaign, status, n in rows.all():
        counts.setdefault(campaign, {})[status] = int(n)
    now = utcnow()
    found = [CampaignSummary(c.id, c.product, c.capacity, c.is_open(now), counts.get(c.id, {}))
             for c in campaigns.values()]
    found += [CampaignSummary(cid, "?", 0, False, n) for cid, n in counts.items()
              if cid not in campaigns]
    return found


async def applicants(*, session: AsyncSession, campaign: str, status: str | None = None,
                     after_id: int = 0, limit: int | None = None) -> list[BetaApplication]:
    """The campaign's applications, oldest first, optionally of one status.

    Paging: at most ``limit`` (None: all) with ids above ``after_id``; the last id returned
    is the next page's ``after_id``, so rows added meanwhile are not skipped."""
    query = select(BetaApplication).where(BetaApplication.campaign == campaign,
                                          BetaApplication.id > after_id)
    if status is not None:
        query = query.where(BetaApplication.status == status)
    query = query.order_by(BetaApplication.id)
    if limit is not None:
        query = query.limit(max(1, limit))
    return list((await session.scalars(query)).all())


class DecisionError(Exception):
    """An operator's accept/reject that cannot apply; the message says why."""


async def set_status(*, session: AsyncSession, campaign: str, ids: Iterable[int],
                     status: str) -> list[int]:
    """An operator accepts or rejects applications by id (over the capacity if they wish)."""
    if status not in (ACCEPTED, REJECTED):
        raise DecisionError(f"status must be {ACCEPTED} or {REJECTED}")
    wanted = sorted(set(ids))
    rows = (await session.scalars(select(BetaApplication).where(
        BetaApplication.campaign == campaign, BetaApplication.id.in_(wanted)))).all()
    missing = sorted(set(wanted) - {row.id for row in rows})
    if missing:
        raise DecisionError(f"no application {missing[0]} in campaign {campaign!r}")
    for row in rows:
        if row.contact_id is None or row.status in ("left", "invited", "active"):
            state = row.status if row.contact_id is not None else "erased"
            raise DecisionError(f"application {row.id} is {state}; it cannot be changed")
    for row in rows:
        row.status, row.reason, row.updated_at = status, "operator", utcnow()
    return [row.id for row in rows]


CSV_FIELDS = ("id", "status", "reason", "email", "phone", "channel", "language", "source",
              "via", "consent_version", "applied_at", "invited_at")


def _cell(value: object) -> str:
    """A typed text cannot become a spreadsheet formula (CSV injection)."""
    text = str(value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(rows: Iterable[BetaApplication], questions: Iterable[str] = ()) -> str:
    """Applicants as CSV, one column per screener question after the fixed ones."""
    questions = list(questions)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_FIELDS, *questions])
    for row in rows:
        fixed = [getattr(row, name) for name in CSV_FIELDS]
        fixed = [v.isoformat(timespec="seconds") if hasattr(v, "isoformat") else v for v in fixed]
        fixed[CSV_FIELDS.index("email")] = _cell(row.email)
        writer.writerow([*("" if v is None else v for v in fixed),
                         *(_cell((row.answers or {}).get(q)) for q in questions)])
    return out.getvalue()


__all__ = ["STATUSES", "CampaignSummary", "DecisionError", "applicants", "set_status",
           "summaries", "to_csv"]
