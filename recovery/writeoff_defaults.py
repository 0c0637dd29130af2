"""Default write-off conditions, evidence checklists and approval chain: seeded by the
migration, re-seeded after a transactional test's flush (recovery/tests/conftest.py), and
edited by administrators in the admin."""

# The recognition conditions of 《金融企业呆账核销管理办法》 (L15) with their evidence
# checklists (name, required), and the approval chain; all editable in the admin.
CONDITIONS = [
    (
        "bankruptcy",
        "借款人依法宣告破产、关闭、解散或撤销，终止法人资格",
        [
            ("法院破产裁定书或关闭、解散、撤销决定", True),
            ("破产清算或清偿分配文件", True),
            ("对保证人追偿记录", False),
        ],
    ),
    (
        "death",
        "借款人死亡或依法宣告失踪、死亡，以其财产或遗产清偿后仍未能还清",
        [
            ("死亡证明或法院宣告失踪、死亡判决书", True),
            ("对遗产及继承人的追偿记录", True),
            ("对保证人的追偿记录", True),
        ],
    ),
    (
        "disaster",
        "借款人遭受重大自然灾害或意外事故，损失巨大且不能获得保险补偿",
        [
            ("县级以上政府或主管部门出具的受灾证明", True),
            ("保险理赔情况证明", True),
            ("对保证人追偿记录", False),
        ],
    ),
    (
        "licence_revoked",
        "借款人被依法吊销营业执照，经追偿仍不能还清",
        [
            ("工商部门吊销营业执照的证明", True),
            ("对借款人及保证人的追偿记录", True),
        ],
    ),
    (
        "crime",
        "借款人触犯刑律，依法受到制裁，其财产不足归还借款",
        [
            ("法院判决书或公安机关证明", True),
            ("财产执行或追偿情况说明", True),
        ],
    ),
    (
        "enforcement_ended",
        "经法院强制执行，借款人和保证人无财产可执行，法院裁定终结或中止执行",
        [
            ("法院终结（中止）执行裁定书", True),
            ("对保证人追偿记录", False),
        ],
    ),
    (
        "other_legal",
        "其他经国家规定可以核销的情形",
        [
            ("相关法律文书或证明", True),
            ("追偿情况说明", True),
        ],
    ),
]

LEVELS = [
    (1, "信用社主任", "director", True),
    (2, "联社风险管理委员会（风险管理部）", "union_risk", False),
    (3, "联社负责人", "admin", False),
]


def seed(apps, schema_editor=None):
    Condition = apps.get_model("recovery", "WriteOffCondition")
    Evidence = apps.get_model("recovery", "WriteOffEvidence")
    Level = apps.get_model("recovery", "WriteOffLevel")
    for pos, (code, name, items) in enumerate(CONDITIONS, start=1):
        cond, _ = Condition.objects.get_or_create(
            code=code,
            defaults={"name": name, "position": pos, "basis": "《金融企业呆账核销管理办法》"},
        )
        for i, (item, required) in enumerate(items, start=1):
            Evidence.objects.get_or_create(
                condition=cond, name=item, defaults={"required": required, "position": i}
            )
    for pos, name, role, coop in LEVELS:
        Level.objects.get_or_create(
            position=pos, defaults={"name": name, "role": role, "cooperative_level": coop}
        )
