"""Loan files at scale: one section-b file for every credit contract that has none, set-based.

    manage.py archives_generate                    # files for the contracts already there
    manage.py archives_generate --loans 1000000    # first make sure there are 1,000,000 contracts

`--loans N` builds the missing contracts with the loans benchmark's own builder
(`bench/loans.py`, one loan per contract, bulk SQL) and runs the nightly classification on its
classification day, so the loans carry a spread of five-level classes. See docs/benchmarks.md.
"""

from __future__ import annotations

import importlib.util
import time
from datetime import date

from django.conf import settings
from django.core.management import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction

from archives.models import ArchiveSettings, Retention, Section
from archives.services.files import room_for, template_in_force

# Custody states by the file's key (contract id × a prime, mod 1000): mostly in the room.
STATE_SLICES = [
    ("preparing", 80),
    ("handed_over", 40),
    ("in_room", 730),
    ("lent", 70),
    ("transferred", 40),
    ("destroyed", 40),
]
FILED = ("in_room", "lent", "transferred", "destroyed")

FILE_COLUMNS = """cooperative_id, room_id, section, series, colour, status, title, record_date,
    contract_id, household_id, village_id, borrower_name, id_number, contract_number,
    template_id, officer_id, clerk_id, risk_class, recorded_balance, archive_number,
    volume_number, pages, shelf, box, transferred_to, in_litigation, retention, settled_on,
    keep_until, opened_on, handover_due, filed_on, created_at, note"""

# The chunk's files are built in a temporary table first: a plain SELECT may run in parallel
# and computes each contract's worst class once; the INSERT then only copies rows.
FILES_SQL = """
CREATE TEMPORARY TABLE archives_generate_chunk ({columns}) ON COMMIT DROP AS
SELECT c.cooperative_id, r.id, 'b',
    CASE WHEN k.cls >= %(npl_from)s THEN 'npl' ELSE 'normal' END,
    CASE k.cls WHEN 0 THEN %(c0)s WHEN 1 THEN %(c1)s WHEN 2 THEN %(c2)s WHEN 3 THEN %(c3)s
               ELSE %(c4)s END,
    k.state,
    m.name || '农户贷款档案（' || c.number || '）', c.signed_on, c.id,
    c.household_id, c.village_id, m.name, m.id_number, c.number, %(template)s,
    coalesce(v.officer_id, c.signed_by_id), NULL::bigint, k.cls,
    CASE WHEN k.key %% 200 = 7 THEN
             CASE WHEN c.outstanding >= 100 THEN c.outstanding - 100 ELSE c.outstanding + 100 END
         ELSE c.outstanding END,
    CASE WHEN k.filed THEN k.prefix || '-b-' || k.yr || '-' || lpad(c.id::text, 7, '0')
         ELSE '' END,
    CASE WHEN k.filed THEN k.prefix || '-b-' || k.yr || '-'
             || CASE WHEN k.cls >= %(npl_from)s THEN 'B' ELSE 'Z' END || '-'
             || lpad((c.id / r.volume_size + 1)::text, 5, '0')
         ELSE '' END,
    CASE WHEN k.filed THEN %(pages)s ELSE 0 END,
    CASE WHEN k.filed THEN 'J' || lpad((c.id / 4000 %% 100 + 1)::text, 2, '0') ELSE '' END,
    CASE WHEN k.filed THEN 'H' || lpad((c.id / 40 %% 100 + 1)::text, 3, '0') ELSE '' END,
    CASE WHEN k.state = 'transferred' THEN '县联社资产保全部' ELSE '' END,
    k.state = 'transferred' AND k.key %% 2 = 0,
    CASE WHEN c.term_months <= %(short_months)s THEN 'short' ELSE 'long' END,
    CASE WHEN k.state = 'destroyed' THEN c.signed_on + 30 END,
    CASE WHEN k.state = 'destroyed' THEN c.signed_on + 30 + 1826 END,
    c.signed_on, c.signed_on + %(handover_days)s,
    CASE WHEN k.filed THEN c.signed_on + 20 END,
    now(), ''
FROM loans_creditcontract c
JOIN villages_member m ON m.id = c.borrower_id
JOIN villages_village v ON v.id = c.village_id
JOIN archives_archiveroom r ON r.cooperative_id = c.cooperative_id
JOIN creditcoop_cooperative co ON co.id = c.cooperative_id
LEFT JOIN (
    SELECT l.contract_id, max(l.risk_class) AS cls FROM loans_loan l
    WHERE l.status = 'open' AND l.contract_id >= %(lo)s AND l.contract_id < %(hi)s
    GROUP BY l.contract_id
) w ON w.contract_id = c.id
CROSS JOIN LATERAL (
    SELECT x.key, x.cls, x.state, x.state IN ('in_room', 'lent', 'transferred', 'destroyed') AS filed,
           coalesce(nullif(r.number_prefix, ''), co.code) AS prefix,
           extract(year FROM c.signed_on)::int AS yr
    FROM (SELECT (c.id * 7919) %% 1000 AS key, coalesce(w.cls, 0) AS cls,
                 CASE {states} END AS state) x
) k
WHERE c.id >= %(lo)s AND c.id < %(hi)s
  AND NOT EXISTS (SELECT 1 FROM archives_archivefile f WHERE f.contract_id = c.id);
INSERT INTO archives_archivefile ({columns}) SELECT * FROM archives_generate_chunk;
DROP TABLE archives_generate_chunk
"""

# The template's first lines and its IOU line (the contract's first loan); items of filed files
# are accepted and paginated, of files being prepared collected or not.
ITEMS_SQL = """
INSERT INTO archives_fileitem (
    file_id, directory_item_id, "order", name, source, reference, loan_id, required, original,
    pages, page_from, page_to, status, collected_by_id, collected_at, reject_reason)
SELECT f.id, d.id, d."order", d.name, d.source,
    CASE d.source WHEN 'contract' THEN f.contract_number WHEN 'iou' THEN coalesce(l.number, '')
                  WHEN 'application' THEN 'SQ' || c.application_id ELSE '' END,
    CASE WHEN d.source = 'iou' THEN l.id END,
    d.required, d.original, d.pages,
    CASE WHEN f.status IN ('in_room', 'lent', 'transferred', 'destroyed')
         THEN d.page_to - d.pages + 1 END,
    CASE WHEN f.status IN ('in_room', 'lent', 'transferred', 'destroyed') THEN d.page_to END,
    CASE WHEN f.status = 'preparing'
         THEN CASE WHEN (f.id + d."order") %% 3 = 0 THEN 'missing' ELSE 'collected' END
         WHEN f.status = 'handed_over' THEN 'collected' ELSE 'accepted' END,
    NULL, NULL, ''
FROM archives_archivefile f
JOIN loans_creditcontract c ON c.id = f.contract_id
CROSS JOIN (
    SELECT i.*, sum(i.pages) OVER (ORDER BY i."order") AS page_to
    FROM archives_directoryitem i WHERE i.id = ANY(%(items)s)
) d
LEFT JOIN LATERAL (
    SELECT l.id, l.number FROM loans_loan l WHERE l.contract_id = f.contract_id
    ORDER BY l.id LIMIT 1
) l ON d.source = 'iou'
WHERE f.id > %(after)s AND f.contract_id >= %(lo)s AND f.contract_id < %(hi)s
"""


def _states_case() -> str:
    parts, upto = [], 0
    for state, share in STATE_SLICES:
        upto += share
        parts.append(f"WHEN (c.id * 7919) %% 1000 < {upto} THEN '{state}'")
    return " ".join(parts[:-1]) + f" ELSE '{STATE_SLICES[-1][0]}'"


def _skip_key_checks(cur) -> None:
    """Inside this transaction only, skip the foreign-key triggers: every key written here is
    read from its parent table in the same statement. Needs a superuser (as the benchmark
    databases are); otherwise the checks simply run."""
    try:
        with transaction.atomic():
            cur.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


def _bench_loans():
    """The loans benchmark module (bench/loans.py), loaded by path: bench/ is not a package."""
    path = settings.BASE_DIR / "bench" / "loans.py"
    spec = importlib.util.spec_from_file_location("bench_loans", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Command(BaseCommand):
    help = (
        "为每一份还没有档案的授信合同生成一份自然人贷款档案（b 类）及其资料清单，"
        "六种保管状态都有，已入库的带档案号、卷号和位置（批量 SQL，分段提交）。"
        "--loans N：合同不足 N 份时先用 bench/loans.py 的生成器补足（每份合同一笔贷款）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--loans", type=int, default=0, help="先确保至少有 N 份合同和贷款")
        parser.add_argument("--chunk", type=int, default=100_000, help="每段合同数（默认 10 万）")
        parser.add_argument("--items", type=int, default=12, help="每份档案的资料数（默认 12）")

    def handle(self, *args, loans, chunk, items, verbosity, **options):
        def say(text):
            if verbosity >= 1:
                self.stdout.write(text)
                self.stdout.flush()

        from loans.models import CreditContract

        if loans:
            self._ensure_loans(loans, say)
        s = ArchiveSettings.current()
        template = template_in_force(section=Section.PERSONAL, on=date(2100, 1, 1))
        if template is None:
            raise CommandError("没有在用的 b 类档案目录模板，请先在管理后台设置。")
        lines = list(template.items.order_by("order"))
        iou = [i.pk for i in lines if i.source == "iou"][:1]
        picked = [i.pk for i in lines if i.source != "iou"][: max(items - len(iou), 0)] + iou
        from creditcoop.models import Cooperative

        for coop in Cooperative.objects.filter(
            pk__in=CreditContract.objects.values("cooperative_id").distinct()
        ):
            room_for(coop)
        with connection.cursor() as cur:
            cur.execute(
                """SELECT min(c.id), max(c.id), count(*) FROM loans_creditcontract c
                   WHERE NOT EXISTS (SELECT 1 FROM archives_archivefile f
                                     WHERE f.contract_id = c.id)"""
            )
            lo, hi, todo = cur.fetchone()
        if not todo:
            say("每份合同都已有档案，无需生成。")
            return
        say(f"为 {todo:,} 份合同生成档案（每段 {chunk:,} 份合同，每份 {len(picked)} 项资料）…")
        params = {
            "npl_from": s.npl_from_class,
            "c0": s.colour_normal,
            "c1": s.colour_watch,
            "c2": s.colour_substandard,
            "c3": s.colour_doubtful,
            "c4": s.colour_loss,
            "template": template.pk,
            "pages": sum(i.pages for i in lines if i.pk in picked),
            "short_months": s.short_term_max_months,
            "handover_days": s.handover_days,
        }
        files_sql = FILES_SQL.replace("{states}", _states_case()).replace("{columns}", FILE_COLUMNS)
        assert Retention.SHORT == "short" and Retention.LONG == "long"
        t0 = time.perf_counter()
        done_files = done_items = 0
        start = lo
        while start <= hi:
            end = start + chunk
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET LOCAL jit = off")
                _skip_key_checks(cur)
                cur.execute("SELECT coalesce(max(id), 0) FROM archives_archivefile")
                after = cur.fetchone()[0]
                create, insert, drop = files_sql.split(";")
                cur.execute(create, {**params, "lo": start, "hi": end})
                cur.execute(insert)
                done_files += cur.rowcount
                cur.execute(drop)
                cur.execute(ITEMS_SQL, {"items": picked, "after": after, "lo": start, "hi": end})
                done_items += cur.rowcount
            elapsed = time.perf_counter() - t0
            say(
                f"  {done_files:,} / {todo:,} 份档案，{done_items:,} 项资料，"
                f"{elapsed:,.0f} 秒（{done_files / max(elapsed, 0.001):,.0f} 份/秒）"
            )
            start = end
        with connection.cursor() as cur:
            cur.execute("ANALYZE archives_archivefile")
            cur.execute("ANALYZE archives_fileitem")
        say(
            f"完成：{done_files:,} 份档案，{done_items:,} 项资料，"
            f"用时 {time.perf_counter() - t0:,.1f} 秒。"
        )

    def _ensure_loans(self, wanted: int, say) -> None:
        from loans.models import CreditContract
        from loans.services import loans_classify
        from villages.models import Village

        have = CreditContract.objects.count()
        if have >= wanted:
            say(f"已有 {have:,} 份合同，不再生成贷款。")
            return
        if Village.objects.filter(code="BENCH-L").exists():
            raise CommandError(
                f"数据库中只有 {have:,} 份合同，且 bench/loans.py 的数据已生成过；"
                "请换一个空数据库再加 --loans。"
            )
        bench = _bench_loans()
        t0 = time.perf_counter()
        bench.build(wanted - have, wanted - have)
        say(f"合同与贷款已生成（{time.perf_counter() - t0:,.0f} 秒），执行五级分类 …")
        with transaction.atomic():
            changed = loans_classify(today=bench.CLASSIFY_DAY)
        say(f"{changed:,} 笔贷款分类变动。")
