"""Linearity of period assignment (issue 18 item 3): ms at 10 KB, 100 KB and 1 MB of '1,1,1,...' and of
'from 1 to ' repeated (script, not a test).

  python bench/periods.py            # extraction + period stage at every size, whole resolve up to 100 KB
  python bench/periods.py --whole    # also the whole resolve (entities, indicators, periods) at 1 MB

The period stage is timed alone (slots built as resolve_mentions builds them, then assign_periods), so its
scaling is not hidden by the other resolvers; `build_mentions` is the whole library resolve of the text.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tally.extract import quantities  # noqa: E402
from tally.ingest.segment import segment  # noqa: E402
from tally.model import DocContext  # noqa: E402
from tally.resolve.mentions import PassageIndex, _Spans, build_mentions  # noqa: E402
from tally.resolve.periods import PeriodContext, Slot, assign_periods  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)
UNITS = ("1,", "from 1 to ")


def period_stage(text: str) -> tuple[float, int, int]:
    """Seconds of the period stage alone, its work count and the number of figures."""
    passages = segment(text)
    found = quantities.extract(text)
    t0 = time.perf_counter()
    index, spans, ctx = PassageIndex(passages), _Spans(text), PeriodContext.of(text)
    slots = []
    for q in found:
        p = index.at(q.start, q.end) or index.at(q.start)
        pspan = (p.start, p.end) if p else (q.start, q.end)
        sent, clause = spans.at(pspan, q.start)
        slots.append(Slot(q.start, q.end, sent, clause, [], q.change is not None, None, q.unit, passage=pspan))
    work = assign_periods(text, slots, ctx)
    return time.perf_counter() - t0, work, len(slots)


def main(whole_at_1mb: bool) -> None:
    for unit in UNITS:
        for n in SIZES:
            text = (unit * (n // len(unit) + 1))[:n]
            t0 = time.perf_counter()
            quantities.extract(text)
            t_extract = time.perf_counter() - t0
            t_periods, work, figures = period_stage(text)
            line = (f"{unit!r:>12} {n / 1000:>6,.0f} KB: {figures:>7,} figures  extract {t_extract * 1e3:>8,.0f} ms  "
                    f"periods {t_periods * 1e3:>7,.0f} ms (work {work / max(figures, 1):.1f} per figure)")
            if n < 1_000_000 or whole_at_1mb:
                t0 = time.perf_counter()
                build_mentions(DocContext("bench", text), segment(text))
                line += f"  whole resolve {(time.perf_counter() - t0) * 1e3:>9,.0f} ms"
            print(line, flush=True)


if __name__ == "__main__":
    main("--whole" in sys.argv)
