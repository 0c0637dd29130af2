"""Scale data for the recovery benchmarks: NPL records with guarantors, limitation events and
this year's recoveries, written set-based (INSERT … SELECT over generate_series).

    .venv/bin/python manage.py recovery_generate --records 200000

The records belong to a union of their own (清收基准联社, 10 cooperatives, 4 officers and 10
villages each); running it again replaces that union's register and nothing else. Mostly
off-balance stock drawn from 1990 on; 70 % carry a receipt signed by the debtor (restarting or
reviving the limitation), 60 % a guarantor, 1 in 10 guarantors a claim inside the guarantee
period. The stored expiries are the engine's (1 in 100 records is left marked stale for the
sweep to recompute, as after an import). The year's baseline is locked at the end.
"""

import time
from datetime import date

from django.core.management import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from creditcoop.models import Cooperative, Role, Staff, Union
from recovery.models import RecoveryPolicy
from recovery.services import expiry_sql, year_baseline_lock
from villages.models import Village

UNION = "清收基准联社"
COOPS, OFFICERS, VILLAGES = 10, 4, 10

RECORDS_SQL = """
INSERT INTO recovery_nplrecord (
    cooperative_id, village_id, household_id, loan_id, source, entered_on,
    borrower_name, borrower_id_number, borrower_phone, loan_number, contract_number,
    ledger_subject, original_amount, principal_owed, interest_owed, penalty_owed,
    drawn_on, due_on, risk_class, book_status, collector_id, actual_user, actual_user_name,
    cause, insider_related, civil_servant, employer, heirs, whereabouts, collateral,
    collateral_state, last_payment_on, last_collection_on, difficulty, status,
    limitation_expires_on, limitation_revived, limitation_stale, note, created_at, updated_at)
SELECT coop[v + 1], vil[v + 1], NULL, NULL, 'import', %(entered)s,
       (ARRAY['张','王','李','赵','刘','陈','杨','黄','周','吴'])[1 + (g %% 10)]
         || (ARRAY['建国','秀英','志强','桂兰','国华','春生','玉梅','德福'])[1 + (g / 10 %% 8)],
       '', '', 'QS' || lpad(g::text, 8, '0'), 'HT' || g, CASE WHEN r_book < 0.15 THEN '' ELSE '108' END,
       amount, round(amount * (0.3 + r_amount * 0.7), 2), round(amount * r_amount * 0.2, 2), 0,
       drawn, due,
       CASE WHEN r_class < 0.2 THEN 2 WHEN r_class < 0.45 THEN 3 ELSE 4 END,
       CASE WHEN r_book < 0.15 THEN 'on_balance' WHEN r_book < 0.75 THEN 'written_off'
            WHEN r_book < 0.9 THEN 'replaced' ELSE 'other' END,
       officer[v + 1],
       (ARRAY['borrower','borrower','borrower','collective','enterprise','government','other_person'])[1 + floor(r_user * 7)::int],
       '',
       (ARRAY['deadbeat','business','death_flight','government','collective_works','lend_to_collect','responsibility','other'])[1 + floor(r_cause * 8)::int],
       r_cause < 0.05, r_cause > 0.97, CASE WHEN r_cause > 0.97 THEN '某乡政府' ELSE '' END,
       '', '', '', 'none', NULL, ev_day, 'potential', 'pursuing',
       CASE WHEN ev_day IS NULL THEN {expiry_due}
            ELSE LEAST({expiry_ev}, (due + interval '20 years')::date) END,
       ev_day IS NOT NULL AND ev_day > {expiry_due},
       FALSE, '', now(), now()
FROM (
    SELECT g, v, drawn, (drawn + 365) AS due, amount, r_book, r_class, r_amount, r_user, r_cause,
           CASE WHEN r_event < 0.7
                THEN GREATEST(drawn + 395, %(today)s::date - floor(r_ev_day * 1400)::int)
           END AS ev_day
    FROM (
        SELECT g, floor(random() * {villages})::int AS v,
               DATE '1990-01-01' + floor(random() * 11700)::int AS drawn,
               round((500 + random() * 49500)::numeric, -2) AS amount,
               random() AS r_book, random() AS r_class, random()::numeric AS r_amount,
               random() AS r_user, random() AS r_cause, random() AS r_event, random() AS r_ev_day
        FROM generate_series(1, %(records)s) g
    ) raw
) s,
(SELECT %(coop)s::bigint[] AS coop, %(vil)s::bigint[] AS vil, %(officer)s::bigint[] AS officer) a
"""

EVENTS_SQL = """
INSERT INTO recovery_limitationevent (record_id, guarantor_id, kind, occurred_on, ends_on,
    signer_name, signer_relation, receipt_number, media_level, media_name, amount, note,
    recorded_by_id, recorded_at)
SELECT r.id, NULL, 'demand_receipt', r.last_collection_on, NULL, r.borrower_name, 'self',
       'HZ' || r.id, '', '', NULL, '', %(actor)s, now()
FROM recovery_nplrecord r
WHERE r.cooperative_id = ANY(%(coops)s) AND r.last_collection_on IS NOT NULL
"""

GUARANTORS_SQL = """
INSERT INTO recovery_nplguarantor (record_id, name, id_number, phone, contract_signed_on,
    stated_type, agreed_period_end, until_repaid, period_ends_on, limitation_expires_on, created_at)
SELECT r.id, '保' || r.borrower_name, '', '', r.drawn_on,
       CASE WHEN r.id %% 10 = 0 THEN 'joint' ELSE '' END, NULL, FALSE,
       (r.due_on + interval '6 months')::date,
       CASE WHEN r.id %% 10 = 0 THEN {expiry_claim}
            ELSE (r.due_on + interval '6 months')::date END, now()
FROM recovery_nplrecord r
WHERE r.cooperative_id = ANY(%(coops)s) AND r.id %% 5 < 3
"""

GUARANTOR_EVENTS_SQL = """
INSERT INTO recovery_limitationevent (record_id, guarantor_id, kind, occurred_on, ends_on,
    signer_name, signer_relation, receipt_number, media_level, media_name, amount, note,
    recorded_by_id, recorded_at)
SELECT g.record_id, g.id, 'demand_receipt', r.due_on + 90, NULL, g.name, 'self', '', '', '',
       NULL, '', %(actor)s, now()
FROM recovery_nplguarantor g JOIN recovery_nplrecord r ON r.id = g.record_id
WHERE r.cooperative_id = ANY(%(coops)s) AND g.stated_type = 'joint'
"""

ENTRIES_SQL = """
INSERT INTO recovery_recoveryentry (record_id, cooperative_id, collector_id, "on", kind,
    principal, interest, repayment_id, note, recorded_by_id, created_at)
SELECT r.id, r.cooperative_id, r.collector_id,
       %(jan1)s::date + floor(random() * (%(today)s::date - %(jan1)s::date + 1))::int,
       CASE WHEN random() < 0.8 THEN 'cash' ELSE 'restructured' END,
       round(r.principal_owed * 0.2, 2), round(r.interest_owed * 0.5, 2) + 0.01, NULL, '', NULL, now()
FROM recovery_nplrecord r
WHERE r.cooperative_id = ANY(%(coops)s) AND r.id %% 5 = 4
"""

WIPE = [
    "DELETE FROM recovery_recoveryentry WHERE cooperative_id = ANY(%(coops)s)",
    "DELETE FROM recovery_yearbaseline WHERE cooperative_id = ANY(%(coops)s)",
    "DELETE FROM recovery_limitationwarning w USING recovery_nplrecord r"
    " WHERE r.id = w.record_id AND r.cooperative_id = ANY(%(coops)s)",
    "DELETE FROM recovery_limitationevent e USING recovery_nplrecord r"
    " WHERE r.id = e.record_id AND r.cooperative_id = ANY(%(coops)s)",
    "DELETE FROM recovery_nplguarantor g USING recovery_nplrecord r"
    " WHERE r.id = g.record_id AND r.cooperative_id = ANY(%(coops)s)",
    "DELETE FROM recovery_nplrecord WHERE cooperative_id = ANY(%(coops)s)",
    "DELETE FROM creditcoop_notification n USING creditcoop_staff s"
    " WHERE s.id = n.recipient_id AND s.cooperative_id = ANY(%(coops)s)",
    "DELETE FROM creditcoop_smsmessage WHERE dedupe_key LIKE 'npl-warn:%%'",
]


def bench_org():
    """The benchmark union: cooperatives, their directors, officers and villages."""
    union, _ = Union.objects.get_or_create(name=UNION)
    RecoveryPolicy.current(union)
    coops, villages, officers, directors = [], [], [], []
    for c in range(COOPS):
        coop, _ = Cooperative.objects.get_or_create(
            code=f"QSJZ{c:02d}", defaults={"union": union, "name": f"清收基准信用社{c:02d}"}
        )
        coops.append(coop)
        director, _ = Staff.objects.get_or_create(
            username=f"QSD{c:02d}",
            defaults={
                "name": f"基准主任{c:02d}",
                "roles": [Role.DIRECTOR],
                "cooperative": coop,
                "union": union,
                "phone": f"1390000{c:04d}",
            },
        )
        directors.append(director)
        staff = []
        for o in range(OFFICERS):
            officer, _ = Staff.objects.get_or_create(
                username=f"QSO{c:02d}{o}",
                defaults={
                    "name": f"基准信贷{c:02d}{o}",
                    "roles": [Role.OFFICER],
                    "cooperative": coop,
                    "union": union,
                    "phone": f"1380{c:02d}{o}00000"[:11],
                },
            )
            staff.append(officer)
        for v in range(VILLAGES):
            village, _ = Village.objects.get_or_create(
                code=f"QSV{c:02d}{v:02d}",
                defaults={
                    "cooperative": coop,
                    "name": f"基准{c:02d}{v:02d}村",
                    "officer": staff[v % OFFICERS],
                },
            )
            villages.append(village)
            officers.append(village.officer_id)
    return union, coops, villages, officers, directors


class Command(BaseCommand):
    help = "清收基准数据：成批生成不良贷款登记（含保证人、时效事项、本年收回），用于 bench/recovery.py。"

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=200_000)
        parser.add_argument("--today", type=date.fromisoformat, default=None)

    def handle(self, *args, records, today, **options):
        today = today or timezone.localdate()
        started = time.perf_counter()
        union, coops, villages, officers, directors = bench_org()
        coop_ids = [c.pk for c in coops]
        params = {
            "coops": coop_ids,
            "coop": [v.cooperative_id for v in villages],
            "vil": [v.pk for v in villages],
            "officer": officers,
            "records": records,
            "entered": today,
            "today": today,
            "jan1": date(today.year, 1, 1),
            "actor": directors[0].pk,
        }
        sql = (
            RECORDS_SQL.replace("{expiry_due}", expiry_sql("due"))
            .replace("{expiry_ev}", expiry_sql("ev_day"))
            .replace("{villages}", str(len(villages)))
        )
        guarantors_sql = GUARANTORS_SQL.replace("{expiry_claim}", expiry_sql("(r.due_on + 90)"))
        steps = []
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT setseed(0.4213)")
            for stmt in WIPE:
                cur.execute(stmt, params)
            for name, stmt in [
                ("records", sql),
                ("events", EVENTS_SQL),
                ("guarantors", guarantors_sql),
                ("guarantor events", GUARANTOR_EVENTS_SQL),
                ("recoveries", ENTRIES_SQL),
            ]:
                t = time.perf_counter()
                cur.execute(stmt, params)
                steps.append((name, cur.rowcount, time.perf_counter() - t))
            # 1 in 100 left for the sweep to recompute (as after an import or an admin edit).
            cur.execute(
                "UPDATE recovery_nplrecord SET limitation_stale = TRUE"
                " WHERE cooperative_id = ANY(%(coops)s) AND id %% 100 = 0",
                params,
            )
            steps.append(("marked stale", cur.rowcount, 0))
        year_baseline_lock(today=today)
        with connection.cursor() as cur:
            cur.execute(
                "ANALYZE recovery_nplrecord; ANALYZE recovery_nplguarantor;"
                " ANALYZE recovery_limitationevent; ANALYZE recovery_recoveryentry"
            )
        for name, n, secs in steps:
            self.stdout.write(f"{name}: {n:,} 行 {secs:.1f} 秒")
        self.stdout.write(f"合计 {time.perf_counter() - started:.1f} 秒（{UNION}）。")
