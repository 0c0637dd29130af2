"""The nightly series and colour job (docs/rules.md §6.3), set-based.

After the loans' nightly classification, every natural-person (section b) loan file takes the
worst class of its contract's open loans (正常 when none is open) and the colour the settings
map that class to; a file whose class reaches ``npl_from_class`` moves from the normal to the
non-performing series. The move is one way: a loan upgraded later leaves its file in the
non-performing series (the file's history stays where it was filed).

Three statements, each touching only rows that differ, so a second run writes nothing:
the class and colour update (one audit row per colour change), the series move (one event
row and one audit row per file) and, inside it, the volume numbers of filed files.
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.utils.translation import gettext as _

from creditcoop.jobs import job_lock

from ..models import ArchiveSettings, Section, Series
from ._common import today_or

FILE_TYPE = "archives.archivefile"

# Class and colour of every section-b loan file; one audit row per colour that changed.
CLASSIFY_SQL = """
WITH calc AS (
    SELECT f.id, f.risk_class AS old_class, f.colour AS old_colour, w.cls,
        CASE w.cls WHEN 0 THEN %(c0)s WHEN 1 THEN %(c1)s WHEN 2 THEN %(c2)s
                   WHEN 3 THEN %(c3)s ELSE %(c4)s END AS colour
    FROM archives_archivefile f
    CROSS JOIN LATERAL (
        SELECT COALESCE(MAX(l.risk_class), 0) AS cls
        FROM loans_loan l WHERE l.contract_id = f.contract_id AND l.status = 'open'
    ) w
    WHERE f.section = %(section)s AND f.contract_id IS NOT NULL AND f.status <> 'destroyed'
), changed AS (
    UPDATE archives_archivefile f SET risk_class = c.cls, colour = c.colour
    FROM calc c
    WHERE f.id = c.id AND (f.risk_class <> c.cls OR f.colour <> c.colour)
    RETURNING f.id, f.cooperative_id, f.archive_number, f.title, c.old_class, c.cls,
              c.old_colour, c.colour
), audited AS (
    INSERT INTO creditcoop_auditlog (at, actor_id, action, object_type, object_id, object_repr,
                                     changes, cooperative_id)
    SELECT now(), NULL, 'archives.colour_change', %(type)s, id::text,
           LEFT(COALESCE(NULLIF(archive_number, ''), title), 200),
           jsonb_build_object('colour', jsonb_build_array(old_colour, colour),
                              'risk_class', jsonb_build_array(old_class, cls)),
           cooperative_id
    FROM changed WHERE old_colour <> colour
    RETURNING 1
)
SELECT (SELECT count(*) FROM changed), (SELECT count(*) FROM audited)
"""

# The move to the non-performing series. A filed file (it has an archive number) gets a new
# volume in that series: per room, the files moved in a year are counted on the sequence row
# (room, "npl-move-<year>"), advanced once per run by the number of files it moves; the n-th
# such file goes to volume ceil(n / room.volume_size), written "<year>-bN-<volume:03d>".
MOVE_SQL = """
WITH moving AS (
    SELECT f.id, f.room_id, f.archive_number <> '' AS filed, f.volume_number AS old_volume,
        ROW_NUMBER() OVER (PARTITION BY f.room_id, f.archive_number <> '' ORDER BY f.id) AS rn
    FROM archives_archivefile f
    WHERE f.section = %(section)s AND f.series = %(normal)s AND f.risk_class >= %(npl_from)s
      AND f.contract_id IS NOT NULL AND f.status <> 'destroyed'
), counts AS (
    SELECT room_id, count(*) AS n FROM moving WHERE filed GROUP BY room_id
), seq AS (
    INSERT INTO archives_numbersequence (room_id, key, last)
    SELECT room_id, %(key)s, n FROM counts
    ON CONFLICT (room_id, key) DO UPDATE SET last = archives_numbersequence.last + EXCLUDED.last
    RETURNING room_id, last
), numbered AS (
    SELECT m.id, m.old_volume,
        CASE WHEN m.filed THEN
            %(year)s::text || '-bN-' || LPAD(CEIL((s.last - c.n + m.rn)::numeric
                                            / r.volume_size)::int::text, 3, '0')
        END AS new_volume
    FROM moving m
    LEFT JOIN counts c ON c.room_id = m.room_id AND m.filed
    LEFT JOIN seq s ON s.room_id = m.room_id AND m.filed
    JOIN archives_archiveroom r ON r.id = m.room_id
), moved AS (
    UPDATE archives_archivefile f
    SET series = %(npl)s, volume_number = COALESCE(n.new_volume, f.volume_number)
    FROM numbered n
    WHERE f.id = n.id
    RETURNING f.id, f.cooperative_id, f.archive_number, f.title, f.risk_class, n.old_volume,
              f.volume_number
), events AS (
    INSERT INTO creditcoop_workflowevent (object_type, object_id, from_state, to_state, actor_id,
                                          at, reason, cooperative_id)
    SELECT %(type)s, id::text, %(normal)s, %(npl)s, NULL, now(), %(reason)s, cooperative_id
    FROM moved
    RETURNING 1
), audited AS (
    INSERT INTO creditcoop_auditlog (at, actor_id, action, object_type, object_id, object_repr,
                                     changes, cooperative_id)
    SELECT now(), NULL, 'archives.series_move', %(type)s, id::text,
           LEFT(COALESCE(NULLIF(archive_number, ''), title), 200),
           jsonb_build_object('series', jsonb_build_array(%(normal)s, %(npl)s),
                              'volume_number', jsonb_build_array(old_volume, volume_number),
                              'risk_class', risk_class),
           cooperative_id
    FROM moved
    RETURNING 1
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM events),
       (SELECT count(*) FROM audited)
"""


def npl_volume_key(year: int) -> str:
    return f"npl-move-{year}"


@transaction.atomic
def archive_classify(today: date | None = None) -> dict:
    """The nightly job: class, colour and series of every section-b loan file. Returns the
    counts written (a second run returns zeros)."""
    job_lock("archive_classify")
    today = today_or(today)
    s = ArchiveSettings.current()
    colours = {f"c{i}": s.colour_for(i) for i in range(5)}
    with connection.cursor() as cur:
        cur.execute(
            CLASSIFY_SQL,
            {**colours, "section": Section.PERSONAL, "type": FILE_TYPE},
        )
        changed, colour_changes = cur.fetchone()
        cur.execute(
            MOVE_SQL,
            {
                "section": Section.PERSONAL,
                "normal": Series.NORMAL,
                "npl": Series.NPL,
                "npl_from": s.npl_from_class,
                "key": npl_volume_key(today.year),
                "year": str(today.year),
                "type": FILE_TYPE,
                "reason": _("贷款五级分类转为不良，档案转入不良类系列"),
            },
        )
        moved, _events, _audited = cur.fetchone()
    return {"classified": changed, "colour_changes": colour_changes, "moved": moved}
