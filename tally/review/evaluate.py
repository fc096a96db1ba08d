"""Score mention and fact tables against a gold folder (pure functions; `tally eval --gold DIR` prints them).

Gold folder layout (as ../shared/gold):
  seed_mentions.csv   mention_id,start,end,text,value,unit,comparator,change,fact_id  (one document: the seed)
  seed_facts.csv      fact_id,indicator,subject,counterpart,measure,value,unit,comparator,period_start,period_end,...
  dev/mentions.csv    doc_id,start,end,text,value,unit,comparator,change,subject,counterpart,period_start,period_end,...
  dev/docs/<doc_id>.txt (optional)
Predicted tables are DataFrames shaped like the warehouse's: mentions with doc_id,start,end,text,value,unit,
comparator,change,subject,counterpart,period_start,period_end,indicator; facts with indicator,subject,
counterpart,measure,value,unit,comparator,period_start,period_end (and doc_ids to pick the seed's facts).

Mentions are paired by span (exact, else the largest overlap). Span P/R/F1 counts pairs. A field's precision is
correct pairs / predicted mentions and its recall correct pairs / gold mentions that carry the field, so both
span and field errors count. Seed mentions take subject, counterpart and indicator from their gold fact; their
period is not scored (a mention may legitimately omit the year its fact has). Facts match on all nine fields.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

MENTION_FIELDS = ("value", "unit", "comparator", "change", "subject", "counterpart", "period", "indicator")
# "all": a mention whose span, value, unit, comparator and change are all right (the quantity itself).
ALL_FIELDS = ("value", "unit", "comparator", "change")
FACT_FIELDS = ("indicator", "subject", "counterpart", "measure", "value", "unit", "comparator", "period_start",
               "period_end")


def _nz(x: Any) -> Any:
    if x is None:
        return None
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, str) and x.strip() == "":
        return None
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    return x


def _same(fieldname: str, a: Any, b: Any) -> bool:
    a, b = _nz(a), _nz(b)
    if fieldname == "value":
        if a is None or b is None:
            return a is None and b is None
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)
    if isinstance(a, str) or isinstance(b, str):
        return (str(a) if a is not None else None) == (str(b) if b is not None else None)
    return a == b


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "n_pred": n_pred, "n_gold": n_gold}


@dataclass
class GoldSet:
    """One labelled set in the dev format: mentions.csv, docs/<doc_id>.txt, manifest.csv."""

    name: str
    folder: Path
    mentions: pd.DataFrame
    texts: dict[str, str] = field(default_factory=dict)
    manifest: dict[str, dict[str, str]] = field(default_factory=dict)  # doc_id -> manifest row


@dataclass
class Gold:
    seed_mentions: pd.DataFrame | None = None  # with subject/counterpart/indicator/measure from the facts
    seed_facts: pd.DataFrame | None = None
    sets: dict[str, GoldSet] = field(default_factory=dict)

    @property
    def dev_mentions(self) -> pd.DataFrame | None:
        """The `dev` set's mentions (the folder layout of ../shared/gold)."""
        return self.sets["dev"].mentions if "dev" in self.sets else None


def load_gold(gold_dir: str | Path) -> Gold:
    """Read whatever of the seed and dev gold the folder holds."""
    d = Path(gold_dir)
    g = Gold()
    if (d / "seed_facts.csv").exists():
        g.seed_facts = pd.read_csv(d / "seed_facts.csv", dtype=str, keep_default_na=False)
        g.seed_facts["value"] = g.seed_facts["value"].astype(float)
    if (d / "seed_mentions.csv").exists():
        sm = pd.read_csv(d / "seed_mentions.csv", dtype=str, keep_default_na=False)
        for c in ("start", "end"):
            sm[c] = sm[c].astype(int)
        sm["value"] = sm["value"].astype(float)
        if g.seed_facts is not None:
            f = g.seed_facts.set_index("fact_id")
            for c in ("subject", "counterpart", "indicator", "measure"):
                sm[c] = sm["fact_id"].map(f[c])
        g.seed_mentions = sm
    for folder in ([d] if (d / "mentions.csv").exists() else sorted(s for s in d.iterdir() if (s / "mentions.csv").exists())):
        g.sets[folder.name] = load_set(folder)
    return g


def load_set(folder: Path) -> GoldSet:
    """Read one dev-format gold set."""
    import csv

    dm = pd.read_csv(folder / "mentions.csv", dtype=str, keep_default_na=False)
    for c in ("start", "end"):
        dm[c] = dm[c].astype(int)
    dm["value"] = dm["value"].astype(float)
    docs = folder / "docs"
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(docs.glob("*.txt"))} if docs.is_dir() else {}
    manifest = {}
    if (folder / "manifest.csv").exists():
        with open(folder / "manifest.csv", encoding="utf-8", newline="") as fh:
            manifest = {r["doc_id"]: r for r in csv.DictReader(fh)}
    return GoldSet(folder.name, folder, dm, texts, manifest)


def _spans(df: pd.DataFrame) -> set[tuple[int, int, str]]:
    return {(int(s), int(e), str(t)) for s, e, t in zip(df["start"], df["end"], df["text"])}


def match_doc(pred: pd.DataFrame, gold: pd.DataFrame) -> str | None:
    """The predicted doc_id whose mention spans agree most with one gold document's (ids may differ)."""
    if pred is None or pred.empty:
        return None
    want = _spans(gold)
    best, best_n = None, 0
    for doc_id, g in pred.groupby("doc_id"):
        n = len(want & _spans(g))
        if n > best_n:
            best, best_n = doc_id, n
    return best


def _pair(pred: pd.DataFrame, gold: pd.DataFrame) -> list[tuple[int | None, int | None]]:
    """One-to-one pairs of row positions: exact spans first, then largest overlap."""
    pairs: list[tuple[int | None, int | None]] = []
    p_rows = list(zip(range(len(pred)), pred["start"].astype(int), pred["end"].astype(int)))
    g_rows = list(zip(range(len(gold)), gold["start"].astype(int), gold["end"].astype(int)))
    used_p: set[int] = set()
    exact = {(s, e): i for i, s, e in p_rows}
    rest = []
    for j, s, e in g_rows:
        i = exact.get((s, e))
        if i is not None and i not in used_p:
            pairs.append((i, j))
            used_p.add(i)
        else:
            rest.append((j, s, e))
    for j, s, e in rest:
        cands = [(min(e, pe) - max(s, ps), i) for i, ps, pe in p_rows if i not in used_p and min(e, pe) > max(s, ps)]
        if cands:
            _, i = max(cands)
            pairs.append((i, j))
            used_p.add(i)
        else:
            pairs.append((None, j))
    pairs += [(i, None) for i, _, _ in p_rows if i not in used_p]
    return pairs


def score_mentions(pred: pd.DataFrame, gold: pd.DataFrame, fields: tuple[str, ...] = MENTION_FIELDS,
                   doc_map: dict[str, str] | None = None) -> dict[str, Any]:
    """Span and per-field P/R/F1 of predicted mentions against gold mentions, plus the misses.

    doc_map: gold doc_id -> predicted doc_id (identity when absent). Fields missing from the gold are skipped.
    """
    doc_map = doc_map or {}
    fields = tuple(f for f in fields if f in gold.columns or (f == "period" and "period_start" in gold.columns))
    span_tp = n_pred = n_gold = 0
    counts = {f: [0, 0, 0] for f in fields}  # correct, n_pred, n_gold
    all_ok = 0
    misses: list[dict[str, Any]] = []
    for gdoc, g in gold.groupby("doc_id", sort=True):
        g = g.sort_values("start").reset_index(drop=True)
        pdoc = doc_map.get(gdoc, gdoc)
        p = pred[pred["doc_id"] == pdoc].sort_values("start").reset_index(drop=True) if pred is not None else g.iloc[0:0]
        for i, j in _pair(p, g):
            if i is not None:
                n_pred += 1
                for f in fields:
                    counts[f][1] += 1
            if j is not None:
                n_gold += 1
                for f in fields:
                    counts[f][2] += 1
            if j is None:
                misses.append({"doc_id": gdoc, "kind": "extra mention", "start": int(p.at[i, "start"]),
                               "text": p.at[i, "text"]})
                continue
            if i is None:
                misses.append({"doc_id": gdoc, "kind": "missed mention", "start": int(g.at[j, "start"]),
                               "text": g.at[j, "text"]})
                continue
            span_tp += 1
            wrong = set()
            for f in fields:
                if f == "period":
                    gv = (_nz(g.at[j, "period_start"]), _nz(g.at[j, "period_end"]))
                    pv = (_nz(p.at[i, "period_start"]) if "period_start" in p else None,
                          _nz(p.at[i, "period_end"]) if "period_end" in p else None)
                    ok = gv == pv
                else:
                    gv = _nz(g.at[j, f])
                    pv = _nz(p.at[i, f]) if f in p.columns else None
                    ok = _same(f, pv, gv)
                if ok:
                    counts[f][0] += 1
                else:
                    wrong.add(f)
                    misses.append({"doc_id": gdoc, "kind": f, "start": int(g.at[j, "start"]), "text": g.at[j, "text"],
                                   "gold": gv, "pred": pv})
            all_ok += not (wrong & set(ALL_FIELDS))
    scored = {f: prf(c[0], c[1], c[2]) for f, c in counts.items()}
    if set(ALL_FIELDS) <= set(fields):
        scored["all"] = prf(all_ok, n_pred, n_gold)
    return {"span": prf(span_tp, n_pred, n_gold),
            "fields": scored,
            "misses": misses}


def _fact_key(row: Any) -> tuple:
    out = []
    for f in FACT_FIELDS:
        v = _nz(row[f]) if f in row else None
        if f == "value" and v is not None:
            v = float(f"{float(v):.9g}")
        out.append(v)
    return tuple(out)


def score_facts(pred: pd.DataFrame, gold: pd.DataFrame) -> dict[str, Any]:
    """Fact P/R/F1 (a match agrees on all nine fields), per-field accuracy of the closest predicted fact for
    each gold fact (same |value| and unit), and the missed and extra facts."""
    pk: dict[tuple, list[str]] = {}
    for _, r in pred.iterrows():
        pk.setdefault(_fact_key(r), []).append(str(r.get("fact_id", "")))
    gk = {_fact_key(r): r.get("fact_id", "") for _, r in gold.iterrows()}
    tp = len(set(pk) & set(gk))
    fields = {f: [0, len(gold)] for f in FACT_FIELDS}
    misses = []
    for key, fid in gk.items():
        if key in pk:
            for f in FACT_FIELDS:
                fields[f][0] += 1
            continue
        cands = [k for k in pk if k[5] == key[5] and k[4] is not None and key[4] is not None
                 and math.isclose(abs(k[4]), abs(key[4]), rel_tol=1e-6)]
        best = max(cands, key=lambda k: sum(a == b for a, b in zip(k, key)), default=None)
        if best is not None:
            for n, f in enumerate(FACT_FIELDS):
                fields[f][0] += best[n] == key[n]
        misses.append({"kind": "missed fact", "fact_id": fid, "gold": dict(zip(FACT_FIELDS, key)),
                       "closest": dict(zip(FACT_FIELDS, best)) if best else None})
    for key, ids in pk.items():
        if key not in gk:
            misses.append({"kind": "extra fact", "fact_id": ",".join(ids), "pred": dict(zip(FACT_FIELDS, key))})
    return {"facts": prf(tp, len(pk), len(gk)),
            "fields": {f: (c / n if n else 1.0) for f, (c, n) in fields.items()},
            "misses": misses}


def _facts_of_doc(facts: pd.DataFrame, doc_id: str | None) -> pd.DataFrame:
    if facts is None or doc_id is None or "doc_ids" not in facts.columns:
        return facts
    keep = facts["doc_ids"].map(lambda ids: doc_id in (list(ids) if not isinstance(ids, str) else ids.split(",")))
    return facts[keep]


def evaluate(gold_dir: str | Path, mentions: pd.DataFrame | None, facts: pd.DataFrame | None = None,
             seed_doc_id: str | None = None, doc_map: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything the gold folder can score: seed mentions and facts, dev mentions.

    seed_doc_id / doc_map name the predicted documents; when absent they are found by span agreement.
    """
    gold = load_gold(gold_dir)
    report: dict[str, Any] = {"gold": str(gold_dir)}
    if gold.seed_mentions is not None and mentions is not None:
        sm = gold.seed_mentions.copy()
        sm["doc_id"] = "seed"
        seed_doc_id = seed_doc_id or match_doc(mentions, sm)
        report["seed_doc_id"] = seed_doc_id
        fields = ("value", "unit", "comparator", "change", "subject", "counterpart", "indicator")
        report["seed_mentions"] = score_mentions(mentions, sm, fields, {"seed": seed_doc_id} if seed_doc_id else None)
    if gold.seed_facts is not None and facts is not None:
        report["seed_facts"] = score_facts(_facts_of_doc(facts, seed_doc_id), gold.seed_facts)
    for name, gs in gold.sets.items():
        if mentions is None:
            break
        dm = gs.mentions
        dmap = dict(doc_map or {})
        for d, g in dm.groupby("doc_id"):
            if d not in dmap and not (mentions["doc_id"] == d).any():
                found = match_doc(mentions, g)
                if found:
                    dmap[d] = found
        # Score only the gold documents the warehouse holds; say how many that is.
        present = [d for d in dm["doc_id"].unique() if d in dmap or (mentions["doc_id"] == d).any()]
        report[f"{name}_documents"] = {"found": len(present), "gold": int(dm["doc_id"].nunique())}
        if present:
            fields = ("value", "unit", "comparator", "change", "subject", "counterpart", "period")
            report[f"{name}_mentions"] = score_mentions(mentions, dm[dm["doc_id"].isin(present)], fields, dmap)
    report["sets"] = list(gold.sets)
    return report


def _line(name: str, s: dict[str, float]) -> str:
    return (f"  {name:<12} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}"
            f"   ({s['tp']}/{s['n_pred']} pred, {s['n_gold']} gold)")


def format_report(report: dict[str, Any], max_misses: int = 40) -> str:
    """Plain-text rendering of `evaluate`'s result."""
    out = [f"gold: {report.get('gold')}"]
    sets = report.get("sets", [])
    for name in sets:
        n = report[f"{name}_documents"]
        out.append(f"{name} documents found in the warehouse: {n['found']} of {n['gold']}")
    for part in ["seed_mentions"] + [f"{s}_mentions" for s in sets]:
        if part in report:
            r = report[part]
            out.append(f"{part.replace('_', ' ')}:")
            out.append(_line("span", r["span"]))
            for f, s in r["fields"].items():
                out.append(_line(f, s))
    if "seed_facts" in report:
        r = report["seed_facts"]
        out.append("seed facts (all nine fields):")
        out.append(_line("facts", r["facts"]))
        out.append("  closest-fact field accuracy: " + ", ".join(f"{f} {v:.2f}" for f, v in r["fields"].items()))
    for part in ["seed_facts", "seed_mentions"] + [f"{s}_mentions" for s in sets]:
        ms = report.get(part, {}).get("misses") or []
        if ms:
            out.append(f"misses in {part.replace('_', ' ')} ({len(ms)}):")
            for m in ms[:max_misses]:
                out.append("  " + ", ".join(f"{k}={v!r}" for k, v in m.items()))
            if len(ms) > max_misses:
                out.append(f"  ... {len(ms) - max_misses} more")
    return "\n".join(out)
