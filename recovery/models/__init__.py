"""NPL recovery (不良贷款清收): the register, the limitation events and warnings, the policy.

The bad credit history (blacklist and the like) lives in ``villages.models.BadCreditRecord``,
the layer that rating, granting and the counter read.
"""

from .board import MonthlyRanking, RecoveryEntry, YearBaseline  # noqa: F401  board
from .collect import CollectionAction, CollectionNotice, NoticeBatch, NoticeCounter  # noqa: F401
from .contract import (  # noqa: F401  contract
    Bid,
    BonusBand,
    CollectionContract,
    CollectionPackage,
    ContractCharge,
    ContractorProfile,
    ContractorRegistration,
    ContractSlip,
    DifficultyClass,
    PackageLine,
    PricingRow,
)
from .policy import RecoveryPolicy as RecoveryPolicy
from .policy import VintageScheme as VintageScheme
from .policy import VintageSegment as VintageSegment
from .register import LimitationEvent as LimitationEvent
from .register import LimitationWarning as LimitationWarning
from .register import NplGuarantor as NplGuarantor
from .register import NplImport as NplImport
from .register import NplInstalment as NplInstalment
from .register import NplRecord as NplRecord
from .register import RecoverabilityAssessment as RecoverabilityAssessment
from .register import RiskClass as RiskClass
from .roll import CollectionRoll, CollectionRollLine, PublicationConsent, RollReceipt  # noqa: F401
