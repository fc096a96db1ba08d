"""How often each resolver rule fires and how often it is right, per gold set (`tally rules --gold DIR ...`).

Every decided field of a mention records the rule that decided it (`period_rule`, `subject_rule`,
`indicator_reason`, ...). Pairing the built mentions with a gold set's mentions (as `tally eval` does)
tells, per rule, how many figures it decided and how many of those the gold agrees with. A rule that
fires on the seed alone was probably written for it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tally.review.evaluate import _nz, _pair, _same, load_gold

# rule column -> the mention fields it decides (scored against the gold when the gold has them)
RULE_COLUMNS: dict[str, tuple[str, ...]] = {
    "period_rule": ("period_start", "period_end"),
    "subject_rule": ("subject",),
    "counterpart_rule": ("counterpart",),
    "indicator_reason": ("indicator",),
    "unit_rule": ("unit",),
    "change_rule": ("change",),
    "comparator_rule": ("comparator",),
}


@dataclass
class RuleCount:
    """One rule on one gold set: mentions it decided, how many were paired with gold, how many right."""

    column: str
    rule: str
    gold_set: str
    fires: int = 0
    scored: int = 0
    right: int = 0

    @property
    def precision(self) -> float:
        """Share of the scored decisions the gold agrees with (NaN when none could be scored)."""
        return self.right / self.scored if self.scored else math.nan


def rule_name(value: object) -> str | None:
    """The rule's name from a recorded value such as `flow_parse` or `cue:crude exports`."""
    v = _nz(value)
    if v is None:
        return None
    text = str(v).strip()
    for sep in (":", " ", "("):
        text = text.split(sep, 1)[0]
    return text or None


def _right(fields: tuple[str, ...], pred: pd.Series, gold: pd.Series) -> bool | None:
    """Whether the prediction agrees with the gold on the rule's fields; None when the gold lacks them."""
    if any(f not in gold.index for f in fields):
        return None
    return all(_same(f, pred.get(f), gold[f]) for f in fields)


def count_rules(mentions: pd.DataFrame, gold_sets: dict[str, pd.DataFrame],
                doc_map: dict[str, dict[str, str]]) -> list[RuleCount]:
    """Per (rule column, rule, gold set): fires, scored and right, over the gold sets' documents."""
    columns = [c for c in RULE_COLUMNS if c in mentions.columns]
    counts: dict[tuple[str, str, str], RuleCount] = {}
    for set_name, gold in gold_sets.items():
        dmap = doc_map.get(set_name, {})
        for gdoc, g in gold.groupby("doc_id", sort=True):
            pdoc = dmap.get(gdoc, gdoc)
            p = mentions[mentions["doc_id"] == pdoc].sort_values("start").reset_index(drop=True)
            g = g.sort_values("start").reset_index(drop=True)
            for i, j in _pair(p, g):
                if i is None:
                    continue
                for col in columns:
                    rule = rule_name(p.at[i, col])
                    if rule is None:
                        continue
                    c = counts.setdefault((col, rule, set_name), RuleCount(col, rule, set_name))
                    c.fires += 1
                    if j is not None:
                        ok = _right(RULE_COLUMNS[col], p.loc[i], g.loc[j])
                        if ok is not None:
                            c.scored += 1
                            c.right += ok
    return sorted(counts.values(), key=lambda c: (c.column, c.rule, c.gold_set))


def rules_report(gold_dirs: list[Path]) -> tuple[list[RuleCount], list[str]]:
    """Build every gold folder's documents and count the rules on each of its sets; the set names in order."""
    from tally.review.goldrun import run_gold

    out: list[RuleCount] = []
    names: list[str] = []
    for d in gold_dirs:
        gold = load_gold(d)
        run = run_gold(d)
        sets = {name: gs.mentions for name, gs in gold.sets.items()}
        maps = {name: run.doc_map for name in sets}
        if gold.seed_mentions is not None and run.seed_doc_id:
            seed = gold.seed_mentions.assign(doc_id="seed")
            sets = {"seed": seed, **sets}
            maps["seed"] = {"seed": run.seed_doc_id}
        names += [n for n in sets if n not in names]
        out += count_rules(run.mentions, sets, maps)
    return out, names


def format_rules(counts: list[RuleCount], sets: list[str]) -> str:
    """A plain table: one row per rule, `right/fires` per gold set, and a flag for seed-only rules."""
    rows: dict[tuple[str, str], dict[str, RuleCount]] = {}
    for c in counts:
        rows.setdefault((c.column, c.rule), {})[c.gold_set] = c
    head = f"{'column':<18} {'rule':<28} " + " ".join(f"{s:>14}" for s in sets) + "  note"
    lines = [head, "-" * len(head)]
    for (col, rule), per in sorted(rows.items()):
        cells = []
        for s in sets:
            c = per.get(s)
            cells.append(f"{'':>14}" if c is None else f"{f'{c.right}/{c.scored} of {c.fires}':>14}")
        note = "fires only on the seed" if set(per) == {"seed"} else ""
        lines.append(f"{col:<18} {rule:<28} " + " ".join(cells) + f"  {note}".rstrip())
    if not rows:
        lines.append("(no rule columns in the mentions: nothing records which rule decided a field)")
    lines.append("cells: right/scored of fires (scored = paired with a gold mention that carries the field)")
    return "\n".join(lines)
