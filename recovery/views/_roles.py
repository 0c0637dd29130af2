from creditcoop.models import Role

# Who reads the register (within their scope): collectors and officers, the cooperative's
# leaders, the union's asset-preservation and risk staff, auditors (read only), admins.
READERS = (
    Role.OFFICER,
    Role.DIRECTOR,
    Role.DEPUTY,
    Role.UNION_ASSET,
    Role.UNION_RISK,
    Role.AUDITOR,
    Role.ADMIN,
)
# Who records events, guarantors and assessments (the service checks the record).
PURSUERS = (Role.OFFICER, Role.DIRECTOR, Role.DEPUTY, Role.UNION_ASSET, Role.ADMIN)
# Who imports off-balance stock.
MANAGERS = (Role.DIRECTOR, Role.DEPUTY, Role.UNION_ASSET, Role.ADMIN)
# An entrusted collection firm's staff (托管清收) on the records of their packages only
# (the scope says which): the register, a record, its events, actions and notice receipts.
READERS_AND_AGENCY = (*READERS, Role.AGENCY)
PURSUERS_AND_AGENCY = (*PURSUERS, Role.AGENCY)
