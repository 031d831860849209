"""Themes in storage: join new feedback to a theme, regroup, merge and split by hand.

Manual choices stick: merged themes point to where their members went (``merged_into_id``) and
new feedback for them goes there too; items a person moved (``theme_manual``) and themes a
person made (``manual``) are never touched by regrouping.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.feedback.catalog import PRODUCT_PREFIX, Catalog
from bot.feedback.tables import FeedbackItem, FeedbackTheme
from nlu.themes import Item, builtin_labels, centroid, group, nearest, vector

MAX_THEMES_COMPARED = 5000
"""Live joining compares with this many most recent active themes (regrouping sees all)."""


class ThemeError(ValueError):
    """A merge or split that cannot be done (unknown ids, a theme into itself)."""


def label_of(signature: Mapping[str, float], catalog: Catalog, language: str = "en") -> str:
    """A readable theme name: its products first, then what is said about them."""
    names = builtin_labels()
    ordered = sorted(signature, key=lambda c: (not c.startswith(PRODUCT_PREFIX), -signature[c]))
    parts = []
    for concept in ordered[:3]:
        item = catalog.items.get(concept[len(PRODUCT_PREFIX):])
        if concept.startswith(PRODUCT_PREFIX) and item is not None:
            parts.append(item.title(language))
        else:
            parts.append(names.get(concept, concept))
    return " · ".join(parts) or "(no common words)"


async def signatures(session: AsyncSession, *, manual_only: bool = False
                     ) -> dict[int, dict[str, float]]:
    """Theme signatures, newest first, at most ``MAX_THEMES_COMPARED``.

    Merged-away themes are included: what resembles them belongs where they were merged.
    """
    query = select(FeedbackTheme.id, FeedbackTheme.signature)
    if manual_only:
        query = query.where(FeedbackTheme.manual.is_(True)
                            | FeedbackTheme.merged_into_id.is_not(None))
    rows = await session.execute(query.order_by(FeedbackTheme.id.desc())
                                 .limit(MAX_THEMES_COMPARED))
    return {theme_id: dict(signature or {}) for theme_id, signature in rows.all() if signature}


async def theme_for(session: AsyncSession, concepts: Mapping[str, float]) -> int | None:
    """The existing theme new feedback with ``concepts`` joins, if any."""
    found = nearest(concepts, await signatures(session))
    return await resolve(session, found) if found is not None else None


async def assign(session: AsyncSession, item: FeedbackItem, catalog: Catalog) -> None:
    """Put a new item in the nearest theme, or found a theme for it when it names concepts."""
    concepts = dict(item.concepts or {})
    theme_id = await theme_for(session, concepts)
    if theme_id is None and concepts:
        signature = vector(concepts)
        theme = FeedbackTheme(label=label_of(signature, catalog), signature=signature)
        session.add(theme)
        await session.flush()
        theme_id = theme.id
    item.theme_id = theme_id


async def resolve(session: AsyncSession, theme_id: int) -> int:
    """Follow ``merged_into_id`` to the theme that now holds the members."""
    seen: set[int] = set()
    while theme_id not in seen:
        seen.add(theme_id)
        target = await session.scalar(
            select(FeedbackTheme.merged_into_id).where(FeedbackTheme.id == theme_id))
        if target is None:
            return theme_id
        theme_id = target
    return theme_id


async def merge(session: AsyncSession, *, sources: Sequence[int], into: int) -> int:
    """Move every member of ``sources`` into ``into`` for good; the number of items moved."""
    ids = {*sources, into}
    found = set((await session.scalars(
        select(FeedbackTheme.id).where(FeedbackTheme.id.in_(ids)))).all())
    if missing := ids - found:
        raise ThemeError(f"no theme {', '.join(map(str, sorted(missing)))}")
    if into in sources:
        raise ThemeError(f"theme {into} cannot be merged into itself")
    moved = await session.execute(
        update(FeedbackItem).where(FeedbackItem.theme_id.in_(sources))
        .values(theme_id=into, theme_manual=True))
    await session.execute(update(FeedbackTheme).where(FeedbackTheme.id.in_(sources))
                          .values(merged_into_id=into))
    await session.execute(update(FeedbackTheme).where(FeedbackTheme.merged_into_id.in_(sources))
                          .values(merged_into_id=into))
    await session.execute(update(FeedbackTheme).where(FeedbackTheme.id == into)
                          .values(manual=True))
    return int(getattr(moved, "rowcount", 0) or 0)


async def split(session: AsyncSession, *, item_ids: Sequence[int], label: str | None,
                catalog: Catalog) -> int:
    """Move items into a new theme made by a person; its id."""
    items = list((await session.scalars(
        select(FeedbackItem).where(FeedbackItem.id.in_(item_ids)))).all())
    if missing := set(item_ids) - {item.id for item in items}:
        raise ThemeError(f"no feedback item {', '.join(map(str, sorted(missing)))}")
    signature = centroid(vector(dict(item.concepts or {})) for item in items)
    theme = FeedbackTheme(label=label or label_of(signature, catalog), signature=signature,
                          manual=True)
    session.add(theme)
    await session.flush()
    for item in items:
        item.theme_id, item.theme_manual = theme.id, True
    return theme.id


async def regroup(session: AsyncSession, catalog: Catalog) -> int:
    """Group every item a person did not place again; the number of active themes after.

    New groups keep the id of the old theme most of their members were in, so links to
    themes stay valid; groups that overlap no old theme get a new one.
    """
    items = list((await session.scalars(
        select(FeedbackItem).where(FeedbackItem.theme_manual.is_(False))
        .order_by(FeedbackItem.id))).all())
    labels = group([Item(i.text, i.language, dict(i.concepts or {})) for i in items])
    members: defaultdict[int, list[FeedbackItem]] = defaultdict(list)
    for item, label in zip(items, labels, strict=True):
        members[label].append(item)
    taken = await _themes_people_made(session)
    made = await signatures(session, manual_only=True)
    for label in sorted(members, key=lambda lb: -len(members[lb])):
        await _place(session, members[label], taken, made, catalog)
    return int(await session.scalar(select(func.count()).select_from(FeedbackTheme)
                                    .where(FeedbackTheme.merged_into_id.is_(None))) or 0)


async def _themes_people_made(session: AsyncSession) -> set[int]:
    rows = await session.scalars(select(FeedbackTheme.id).where(
        (FeedbackTheme.manual.is_(True)) | (FeedbackTheme.merged_into_id.is_not(None))))
    return set(rows.all())


async def _place(session: AsyncSession, members: list[FeedbackItem], taken: set[int],
                 made: Mapping[int, Mapping[str, float]], catalog: Catalog) -> None:
    vectors = [vector(dict(m.concepts or {})) for m in members]
    signature = centroid(vectors)
    if not signature and len(members) == 1:
        members[0].theme_id = None  # a lone message with no known words is no theme yet
        return
    chosen = nearest(signature, made) if signature else None
    if chosen is not None:  # like a theme a person made or merged into: it goes there
        target = await resolve(session, chosen)
        for member in members:
            member.theme_id = target
        return
    old = Counter(m.theme_id for m in members if m.theme_id is not None and
                  m.theme_id not in taken)
    theme_id = next((tid for tid, _ in old.most_common()), None)
    theme = await session.get(FeedbackTheme, theme_id) if theme_id is not None else None
    if theme is None:
        theme = FeedbackTheme(label="", signature={})
        session.add(theme)
        await session.flush()
    theme.signature = signature
    theme.label = label_of(signature, catalog) if signature else _text_label(members)
    taken.add(theme.id)
    for member in members:
        member.theme_id = theme.id


def _text_label(members: Iterable[FeedbackItem]) -> str:
    """A theme without concepts is named after its shortest message."""
    text = min((m.text for m in members if m.text), key=len, default="")
    return (text[:60] + "…") if len(text) > 60 else text or "(no text)"
