"""When a figure holds: time expressions found in text, fiscal years, and the rules that scope them to figures.

Periods are `YYYY`, `YYYY-MM` or `YYYY-MM-DD` strings, either bound open (None). Conventions (gold READMEs):
"in T" -> T/T, "since T" -> T/-, "by/through T" -> -/T, "before/prior to T" -> -/(T-1), "between A and B"
-> A/B, quarters and halves span their months, fiscal years follow the publisher's country
(`schemas/fiscal_years.yaml`), marketing years Jul-Jun, a one-step change ("from 2017 to 2018", a 12-month
change, "the year to the June 2015 quarter") takes only its last unit, relative times resolve against the
document's publication date when known and are otherwise left open with a note.

Modules: `calendar` (arithmetic, document context), `fiscal` (fiscal calendars), `dates` and `relative`
(time rules: text -> time expressions), `times` (find_times), `apply` (how a time dates a figure), `tables`
(header and row-label times), `scoping` and `rules` (scoping rules: figure -> period, and the sweep).
"""
from tally.resolve.periods.calendar import PeriodContext
from tally.resolve.periods.expr import TimeExpr
from tally.resolve.periods.rules import SLOT_RULES, assign_periods
from tally.resolve.periods.scoping import Slot
from tally.resolve.periods.times import TIME_RULES, find_times

__all__ = ["PeriodContext", "Slot", "TimeExpr", "assign_periods", "find_times", "SLOT_RULES", "TIME_RULES"]
