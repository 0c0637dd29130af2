"""The deadline engine (限时办结): a core service every stage uses, importing none of them.

- ``kinds``: the registry of deadline kinds; each app registers its own kinds, labels and
  stop conditions in its ``AppConfig.ready``.
- ``models``: ``Deadline``, ``Accountability`` and their history (registered under the
  ``servicehall`` app label, so their tables keep their names).
- ``engine``: open, stop and hand over deadlines (``deadline_open_many`` and friends).
- ``sweep``: the periodic, set-based reminder / escalation / accountability run.
- ``accountability``: tiers, lateness, lost interest and the director's decision.

Import the submodules, not this package: models load with the app registry.
"""
