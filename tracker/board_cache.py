"""The board re-renders only what changed: each row's HTML is cached under the journey's id and version,
the current minute and the row templates' version, in Django's cache framework.

A change to a journey bumps its version (every verb does): that row's key is new, so that row alone is
read and rendered again; every other row comes from the cache. One thing a row shows is not its own
journey's: a bay-clash alert names the other patients in progress in the same bay (journey.board), so
the key of a row in a shared bay also carries its bay-mates' ids and versions, and a change to any of
them renders that bay's rows again. The minute in the key re-renders every row once a minute, for what
time alone changes (a round falling overdue, a stage going over target, the expected time home). The
templates' version is a hash of the row partials' source, so a deployment that changes them never shows
an old row.

Which rows are cached is found from a light read of the day (id, version, bay and status, one query);
only the rows not found are read in full and rendered. The cache is Django's default cache: local
memory per process unless CACHES says otherwise (the README says how to share one between app
servers). Without a cache, or with a cold one, the board is simply rendered in full: nothing depends on
a row being found.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection, Iterable
from datetime import date, datetime
from functools import cache as once
from typing import NamedTuple

from django.core.cache import cache
from django.template import engines
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from journey.board import BoardRow, board_rows, day_index, shared_bays
from journey.models import Configuration, Journey
from tracker.board_display import displays

# Jinja2 partials (templates/jinja2/, tracker/jinja.py): a cold board renders a thousand rows.
ROW_TEMPLATE = "tracker/_board_row.html"
# What a row's HTML is made from: a change to either file is a new version of every row.
ROW_TEMPLATES = (ROW_TEMPLATE, "tracker/_timer.html")
# A key names its minute, so no row is read after its minute: the timeout only frees the memory.
ROW_SECONDS = 150


class CachedRow(NamedTuple):
    """A rendered row and what the board needs to order, filter and count it without the journey.
    Kept in the cache as a plain tuple: a thousand of them are read back per board."""

    journey_id: int
    html: SafeString
    rank: int
    order: tuple[str, str, int]  # scheduled time, bay, id: the board's order within a rank
    stage_code: str
    stage_name: str
    stage_order: int  # the current stage's place in its pathway, for the stage filter's order
    bay: str
    needs_attention: bool


@once
def template_version() -> str:
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    sources = [env.loader.get_source(env, name)[0] for name in ROW_TEMPLATES]
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()[:12]


def row_key(journey_id: int, version: int, now: datetime, bay_mates: Iterable[tuple[int, int]] = ()) -> str:
    """The row's key: its journey's id and version, and those of the other patients in progress in its bay."""
    return _key(_prefix(now), journey_id, version, tuple(bay_mates))


def _prefix(now: datetime) -> str:
    return f"board-row:{template_version()}:{now:%Y%m%d%H%M}:"


def _key(prefix: str, journey_id: int, version: int, bay_mates: Collection[tuple[int, int]] = ()) -> str:
    """``row_key`` with the minute's prefix worked out once for the whole board."""
    if not bay_mates:  # most rows: a bay of their own
        return f"{prefix}{journey_id}:{version}"
    mates = ",".join(f"{mate}.{mate_version}" for mate, mate_version in sorted(bay_mates))
    return f"{prefix}{journey_id}:{version}:{hashlib.sha256(mates.encode()).hexdigest()[:16]}"


def day_rows(day: date, now: datetime, *, fresh: bool = False) -> list[CachedRow]:
    """Every journey of the day as a rendered row, most urgent first: from the cache where the journey
    (and its bay-mates) have not changed this minute, rendered (and cached) where it has. ``fresh``
    renders every row."""
    prefix = _prefix(now)
    index = day_index(day)
    versions = {pk: version for pk, version, _, _ in index}
    mates = {
        pk: [mate for mate in sharing if mate != pk]
        for sharing in shared_bays((pk, bay, status) for pk, _, bay, status in index).values()
        for pk in sharing
    }

    def key(pk: int, version: int) -> str:
        return _key(prefix, pk, version, [(mate, versions[mate]) for mate in mates[pk]] if pk in mates else ())

    keys = {pk: key(pk, version) for pk, version in versions.items()}
    found: dict[str, CachedRow] = {} if fresh else _found(prefix, list(keys.values()))
    missing = {pk for pk, k in keys.items() if k not in found}
    if missing:
        # A clash alert names the whole bay: render a shared bay's rows together.
        missing |= {mate for pk in list(missing) for mate in mates.get(pk, ())}
        minute = _this_minute(prefix)
        if fresh or minute.configuration is None:
            minute.configuration = Configuration.read()
        only = missing if len(missing) < len(keys) else None
        journeys = Journey.objects.on_board(day, only=only, configuration=minute.configuration)
        rendered = _render(board_rows(journeys, now, minute.configuration))
        made = {key(r.journey_id, v): r for r, v in rendered}
        cache.set_many({k: tuple(r) for k, r in made.items()}, ROW_SECONDS)
        minute.rows.update(made)
        found.update({keys[r.journey_id]: r for r, _ in rendered if r.journey_id in keys})
    rows = [found[k] for k in keys.values() if k in found]
    return sorted(rows, key=lambda r: (r.rank, r.order))


class _Minute:
    """This process's copy of the current minute's rows, and the configuration (pathways, stages, checklist
    items) they were rendered with.

    The rows as they came out of the cache or the render: a key names its row's whole content, so a row
    found here is the cache's row, without unpickling (and checking the key of) a thousand values per board
    (8 ms at 1000 journeys), or making a thousand CachedRows again from the plain tuples the cache keeps (2
    ms). The configuration is read once a minute rather than with every changed row (it cost a change four
    queries: the pathways, the open stages, their checklist items and the pathways' stages for the time
    home): a pathway edited by the unit's admin reaches the board within the minute, as it reaches a cached
    row. A pathway or stage it does not hold yet is read at once.

    It lasts while the cache holds the minute's mark: a cleared cache, or none (the dummy cache), clears it
    too. Django's cache stays where rows are shared between processes and servers."""

    def __init__(self, mark: str = "") -> None:
        self.mark = mark
        self.rows: dict[str, CachedRow] = {}
        self.configuration: Configuration | None = None


_minute = _Minute()


def _this_minute(prefix: str) -> _Minute:
    global _minute
    mark = cache.get(f"{prefix}mark")
    if mark is None:
        mark = uuid.uuid4().hex
        if not cache.add(f"{prefix}mark", mark, ROW_SECONDS):  # another process marked the minute first
            mark = cache.get(f"{prefix}mark", mark)
    if mark != _minute.mark:
        _minute = _Minute(mark)
    return _minute


def _found(prefix: str, keys: list[str]) -> dict[str, CachedRow]:
    here = _this_minute(prefix).rows
    found = {k: here[k] for k in keys if k in here}
    wanted = [k for k in keys if k not in found]
    if wanted:
        shared = {k: CachedRow._make(value) for k, value in cache.get_many(wanted).items()}
        here.update(shared)
        found.update(shared)
    return found


def _render(rows: list[BoardRow]) -> list[tuple[CachedRow, int]]:
    """Each row rendered on its own (with its journey's version, for its key)."""
    template = engines["jinja2"].get_template(ROW_TEMPLATE)
    zone = timezone.get_current_timezone()
    rendered = []
    for row, shown in zip(rows, displays(rows), strict=True):
        journey, visit = row.journey, row.journey.current_visit
        cached = CachedRow(
            journey_id=journey.pk,
            html=mark_safe(_ascii(template.render({"row": shown, "zone": zone}))),
            rank=row.rank,
            order=(journey.scheduled_time.isoformat(), journey.bay, journey.pk),
            stage_code=row.stage_code,
            stage_name=row.stage_name,
            stage_order=visit.stage.order if visit else 10**6,
            bay=journey.bay,
            needs_attention=row.needs_attention,
        )
        rendered.append((cached, journey.version))
    return rendered


def _ascii(html: str) -> str:
    """The row with its few non-ASCII characters (the "·" between initials and MRN digits, "—" for
    nothing, an accented name) as HTML character references, which a browser shows as the characters.
    A page of ASCII rows is one byte a character in Python and encodes to UTF-8 as a plain copy; one
    "—" made a 1000-row board two bytes a character, and its encoding (for the response, and for the
    shared render's pickle) cost 0.8 ms each."""
    return html if html.isascii() else html.encode("ascii", "xmlcharrefreplace").decode("ascii")
