"""NPL recovery (不良贷款清收): the register, the limitation events and warnings, the policy.

The bad credit history (blacklist and the like) lives in ``villages.models.BadCreditRecord``,
the layer that rating, granting and the counter read.
"""

from .agency import (  # noqa: F401,E501  agency
    Agency,
    AgencyFeeList,
    AgencyHandover,
    AgencyMember,
    AgencyPackage,
    AgencyPackageLine,
)
from .agree import AgreementInstalment as AgreementInstalment
from .agree import AgreementPayment as AgreementPayment
from .agree import EnforcementWarning as EnforcementWarning
from .agree import Lawsuit as Lawsuit
from .agree import RepaymentAgreement as RepaymentAgreement
from .assets import (  # noqa: F401  debt-for-asset
    AssetKind,
    DebtAsset,
    DebtAssetDisposal,
    DebtAssetLease,
    DebtAssetOwnUse,
    DebtAssetSettlement,
    DebtAssetWarning,
)
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
from .incentive import (  # noqa: F401  incentive
    IncentiveBand,
    IncentiveSlip,
    IncentiveSlipLine,
    OfficerTarget,
    RiskDeposit,
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
from .responsibility import ForceMajeureExtension as ForceMajeureExtension
from .responsibility import LossAssessment as LossAssessment
from .responsibility import OfficerEscalation as OfficerEscalation
from .responsibility import ResponsibilityDeduction as ResponsibilityDeduction
from .responsibility import ResponsibilityShare as ResponsibilityShare
from .responsibility import ResponsiblePerson as ResponsiblePerson
from .roll import CollectionRoll, CollectionRollLine, PublicationConsent, RollReceipt  # noqa: F401
from .writeoff import (  # noqa: F401  write-off
    WriteOffApproval,
    WriteOffCondition,
    WriteOffDossier,
    WriteOffEvidence,
    WriteOffLevel,
    WriteOffRecovery,
    WriteOffTick,
)
