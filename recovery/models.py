"""NPL recovery (不良贷款清收). The bad credit history it records lives in
``villages.models.BadCreditRecord``, the layer rating, granting and the counter read."""
