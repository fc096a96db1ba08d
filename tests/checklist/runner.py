"""Run the behavioural cases and score them per capability (shared by the test and bench/checklist.py)."""
from __future__ import annotations

from collections import defaultdict

from checklist_cases import Case, cases, invariance_sets

from tally.extract.quantities import extract


def answer(text: str) -> list[tuple[str, float, str, str, str | None]]:
    """The extractor's mentions of one sentence as comparable tuples."""
    return [(q.text, q.value, q.unit, q.comparator, q.change) for q in extract(text)]


def _same(got: list, want: tuple) -> bool:
    """Same mentions in order: text, unit, comparator and change exact, value within 1e-9 relative."""
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if g[0] != w[0] or g[2:] != w[2:] or abs(g[1] - w[1]) > 1e-9 * max(1.0, abs(w[1])):
            return False
    return True


def run() -> tuple[dict[str, tuple[int, int]], dict[str, list[tuple[Case, list]]]]:
    """(capability -> (passed, total), capability -> failures) over every generated case and invariance."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures: dict[str, list[tuple[Case, list]]] = defaultdict(list)
    for case in cases():
        got = answer(case.text)
        ok = _same(got, case.expected)
        totals[case.capability][0] += ok
        totals[case.capability][1] += 1
        if not ok:
            failures[case.capability].append((case, got))
    for frame, group in invariance_sets():
        shapes = [[(m[2], m[3], m[4]) for m in answer(t)] for t in group]
        ref = max(set(map(tuple, shapes)), key=[tuple(s) for s in shapes].count)
        for text, shape in zip(group, shapes):
            ok = tuple(shape) == ref
            totals["invariance"][0] += ok
            totals["invariance"][1] += 1
            if not ok:
                failures["invariance"].append((Case("invariance", text, ()), shape))
    return {k: (v[0], v[1]) for k, v in totals.items()}, failures


def table(totals: dict[str, tuple[int, int]]) -> str:
    """The per-capability pass-rate table as text."""
    lines = [f"{'capability':<14} {'passed':>7} {'cases':>7} {'rate':>7}"]
    for cap, (ok, n) in totals.items():
        lines.append(f"{cap:<14} {ok:>7} {n:>7} {ok / n:>7.1%}")
    ok_all = sum(v[0] for v in totals.values())
    n_all = sum(v[1] for v in totals.values())
    lines.append(f"{'all':<14} {ok_all:>7} {n_all:>7} {ok_all / n_all:>7.1%}")
    return "\n".join(lines)
