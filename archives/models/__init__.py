"""Credit archives (信贷档案): files, their items, custody and the registers around them.

The rules are in ``docs/rules.md §6``; ``docs/architecture.md`` says how the stage is built.
"""

from .borrowing import ApprovalRule as ApprovalRule
from .borrowing import Authority as Authority
from .borrowing import BorrowerType as BorrowerType
from .borrowing import Borrowing as Borrowing
from .borrowing import BorrowingLine as BorrowingLine
from .borrowing import Method as Method
from .control import AccountingBalance as AccountingBalance
from .control import AccountingImport as AccountingImport
from .control import DestructionBatch as DestructionBatch
from .control import DestructionLine as DestructionLine
from .control import Inspection as Inspection
from .control import InspectionFinding as InspectionFinding
from .control import StockImport as StockImport
from .files import ArchiveFile as ArchiveFile
from .files import ArchiveRoom as ArchiveRoom
from .files import ArchiveSettings as ArchiveSettings
from .files import Colour as Colour
from .files import DirectoryItem as DirectoryItem
from .files import DirectoryTemplate as DirectoryTemplate
from .files import FileItem as FileItem
from .files import FileStatus as FileStatus
from .files import NumberSequence as NumberSequence
from .files import Retention as Retention
from .files import Section as Section
from .files import Series as Series
from .handover import HandoverBatch as HandoverBatch
from .handover import HandoverLine as HandoverLine
from .handover import IntakeRecord as IntakeRecord
