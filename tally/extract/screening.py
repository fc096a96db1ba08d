"""What is not a quantity (years, base years, age and date bands, labels, references, footnotes, ordinals) and bare counts."""
from __future__ import annotations

import re

from tally.extract.units import DURATIONS
from tally.extract.candidates import _Cand, _MONTHS, _WORD_NEXT, _last_word_at
from tally.extract.changes import _VERB_BEFORE


_LABEL_BEFORE = re.compile(
    r"(?:\b(?:No|Nos|Number|Section|Sections|Sec|Secs|Article|Articles|Art|Chapter|Chapters|Ch|Table|Tables|Figure"
    r"|table|tables|chart|charts|Chart|Charts|figure|figures|fig|graph|Graph|exhibit|map|Map|box|annex|appendix"
    r"|Figures|Fig|Exhibit|Exhibits|Appendix|Annex|Box|Page|Pages|page|pages|pp?|Vol|Volume|Part|Parts|Title|Division"
    r"|Rule|Resolution|Res|Item|Phase|Stage|Tier|Level|Round|Step|Option|Paragraph|para|Clause|clause|Amendment"
    r"|Order|Directive|Regulation|Report|Rept|Doc|Stat|Law|Bill|Code|Form|Schedule|Line|Flight|Route|Highway"
    r"|Interstate|Gate|Room|Suite|Building|Apt|Lot|Zone|District|Ward|Region|Grade|Class|Category|Type|Model"
    r"|Series|Version|v|Footnote|Note|Notes|footnote|note|Rev|Protocol|Decree|Act|Acts|Rank|rank|number|No|S|H\.R"
    r"|H\.Res|S\.Res|H\.J\.Res|S\.J\.Res|L|U\.S\.C|C\.F\.R|CFR|USC|Pub|EO|Executive\s+Order)\.?|[#§¶])\s{0,2}$"
)


_LIST_GAP = re.compile(r"^(?:,\s*|\s*(?:,\s*)?(?:and|or|&|through|to|-|–)\s*)$")


_DATE_BEFORE = re.compile(
    rf"\b(?:{_MONTHS}|mon(?:day)?|tue(?:sday)?|wed(?:nesday)?|thu(?:rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)\.?,?\s{{1,2}}$",
    re.IGNORECASE,
)


_DATE_AFTER = re.compile(rf"^(?:st|nd|rd|th)?\s(?:of\s)?(?:{_MONTHS})\b|^:[0-5][0-9]|^\s?(?:a\.m\.|p\.m\.|am\b|pm\b|GMT|UTC|EST|ET\b)", re.IGNORECASE)


_NAME_BEFORE = re.compile(r"(?<![\w.])(?P<w>[A-Za-z]*[A-Z][\w-]*)[ \u00a0]$")


_FUNCTION_WORDS = frozenset(
    "in on at by since about some over nearly all only just the these those and but of for with to from around "
    "almost approximately more fewer less under below above exactly roughly another each every its their his her "
    "our total another additional while when as than some another if".split()
)


_BASE_YEAR_BEFORE = re.compile(r"\b[12][0-9]{3}[ \t\u00a0]?=[ \t\u00a0]?$")


_AGE_BEFORE = re.compile(r"\b(?:aged|ages|age)\s+(?:from\s+|between\s+|of\s+)?$", re.IGNORECASE)


_LASTING_BEFORE = re.compile(
    r"\b(?:to|for|lasted|lasting|lasts|last|took|take|takes|taking|spent|spend|waited|wait|extending|extended|stretching"
    r"|stretched|ran|running|been|was|were|is|are|of)\s+$", re.IGNORECASE)
_RANK_BEFORE = re.compile(r"\b(?:top|bottom)\s+$", re.IGNORECASE)
_CHART_BEFORE = re.compile(r"\b(?:chart|graph|map|diagram|figure|plot)\s+(?:with|showing|of)\s+$", re.IGNORECASE)
_BAND_AFTER = re.compile(r"\s*(?:to|and|through|-|–|or)\s", re.IGNORECASE)
_BAND_GAP = re.compile(r"^\s*(?:to|and|through|-|–)\s*$")


_GRADE_AFTER = re.compile(r"^[ \t\u00a0]?(?:octane|RON|grade)\b", re.IGNORECASE)


_PERIOD_NOUN_BEFORE = re.compile(
    r"\b(?:chang(?:e|es)|growth|increases?|rises?|falls?|declines?|inflation|rates?|movements?)\s+$", re.IGNORECASE)


_STREET_AFTER = re.compile(
    r"\s(?:[A-Z][\w.]*\s){0,2}(?:Street|St\.|Avenue|Ave\.?|Road|Rd\.|Boulevard|Blvd\.?|Lane|Drive|Place|Square|Plaza|Floor)\b"
)


_ORDINAL_AFTER = re.compile(r"^(?:st|nd|rd|th)\b", re.IGNORECASE)


_REFER_BEFORE = re.compile(r"\b(?:the|these|those|this|that|both|our|their|whose|which|last|past|next|first|other|following|previous)\s+$", re.IGNORECASE)


_TIMEFRAME_BEFORE = re.compile(
    r"\b(?:the|last|past|next|first|following|previous|recent|coming|these|those|for|in|within|during|after|before"
    r"|since|every|each|per|a|an|its|their|of\s+the|over\s+the|some|several|two|three|four|five)\s+$",
    re.IGNORECASE,
)


_TIMEFRAME_AFTER = re.compile(
    r"^\s+(?:ago|earlier|later|prior|before|after|in\s+a\s+row|of|old|from\s+now|on|into|since|to\s+come|running|straight|period)\b",
    re.IGNORECASE,
)


_TIME_UNIT_AFTER = re.compile(
    r"^\s+(?:consecutive|straight|successive|more|additional|long|full|calendar|fiscal|previous|past|last|next)\s+"
    r"(?:days?|weeks?|months?|quarters?|years?|decades?)\b",
    re.IGNORECASE,
)


_TIMES_AFTER = re.compile(
    r"^\s+(?:higher|lower|more|less|larger|greater|bigger|smaller|faster|slower|as|the|that|its|their|what|over|above"
    r"|below|cheaper|costlier|greater|larger|richer|longer|stronger|increase|normal|average)\b",
    re.IGNORECASE,
)


_FREQ_AFTER = re.compile(r"\s+(?:a|an|per|each|every|in)\b", re.IGNORECASE)


_FUNCTION_NEXT = re.compile(
    r"[ \t\u00a0]+(?:since|in|and|or|for|when|by|as|at|until|after|before|during|from|to|on|while|but|because|percent)\b",
    re.IGNORECASE,
)


_HYPHEN_WORD_AFTER = re.compile(r"^[-‑][A-Za-z]")


_ZIP_BEFORE = re.compile(r"\b[A-Z]{2}\s$")


_SEP_DIGIT = re.compile(r"[-–/][0-9]")
_DOT_COLON_DIGIT = re.compile(r"[.:][0-9]")
_CLOSE_BRACKET = re.compile(r"\s?[)\]]")
_OPEN_BRACKET = re.compile(r"[(\[]\s?$")
_LINE_START = re.compile(r"(?:^|\n)[ \t]*$")
_ENUM_AFTER = re.compile(r"[.)][ \t]")
_S_AFTER = re.compile(r"s\b")
_BLANK_DIGIT = re.compile(r"[ \t\u00a0]+[0-9]")


# Cheap necessary conditions for the "...$"-anchored searches over a window (a search tries every
# start position, so on number-dense text they dominate): what the window's last character can be.
def _may_be_label(before: str) -> bool:
    """Whether `before` can end in a label word or sign (_LABEL_BEFORE ends in a letter, ".", #§¶ or blanks)."""
    ch = before[-1:]
    return ch.isspace() or ch.isalpha() or (ch != "" and ch in ".#§¶")


def _opens_bracket(before: str) -> bool:
    """`before` ends in "(" or "[" and at most one blank."""
    ch = before[-1:]
    return (ch.isspace() or (ch != "" and ch in "([")) and _OPEN_BRACKET.search(before) is not None


def _is_year(c: _Cand, text: str) -> bool:
    """A bare four-digit year (1800-2100) without unit, currency or scale."""
    g = text[c.num_start:c.num_end]
    return (c.kind == "d" and len(g) == 4 and g.isdigit() and 1800 <= c.base <= 2100
            and not c.currency and not c.scaled and (c.unit is None or c.unit in DURATIONS))


def _screen(text: str, cands: list[_Cand]) -> None:
    """Drop tokens that are dates, identifiers, labels, ordinals, enumerators or footnotes."""
    prev: _Cand | None = None
    for c in cands:
        if c.drop:
            prev = c
            continue
        s, e = c.num_start, c.num_end
        before = text[max(0, s - 40):s]
        after = text[c.end:c.end + 40]
        after_num = text[e:e + 12]
        a0 = after_num[:1]  # what the after-number patterns can start with: a cheap guard for each
        alpha0, space0 = a0.isalpha(), a0.isspace()
        if c.kind == "d":
            if _is_year(c, text):
                c.drop = True
            elif (alpha0 and _ORDINAL_AFTER.match(after_num)) or (alpha0 and a0.isascii() and "attached" not in c.notes
                                                     and c.unit is None):
                c.drop = True  # 21st, 3Q24, 5G
            elif s > 0 and text[s - 1] in "-‑" and s > 1 and text[s - 2].isalpha():
                c.drop = True  # F-35, COVID-19, T-NSIAD-98
            elif s > 0 and text[s - 1] in "-–/" and prev is not None and prev.num_end == s - 1 and prev.drop:
                c.drop = True  # T-NSIAD-98-50, 2014–18, 2015/16
            elif _SEP_DIGIT.match(after_num) and c.unit is None and not c.currency and (
                    _is_year(c, text) or after_num[:1] == "/"):
                c.drop = True
            elif s > 0 and text[s - 1] in "'’" :
                c.drop = True  # '22
            elif _DOT_COLON_DIGIT.match(after_num) or (s > 0 and text[s - 1] == ":"):
                c.drop = True  # 1.2.3, 10:30, 3:1
            elif "=" in before[-3:] and _BASE_YEAR_BEFORE.search(before) and c.unit is None and not c.currency:
                c.drop = True  # 2005=100: an index base, not a measurement
            elif ("age" in before and _AGE_BEFORE.search(before) and not c.currency and c.unit in (None, "years")
                  and not _BAND_AFTER.match(text, c.end)):
                c.unit, c.end = "years", c.num_end  # "aged 70": an age
                c.notes.add("age")
            elif "age" in before and _AGE_BEFORE.search(before) and not c.currency and c.unit in (None, "years"):
                c.drop = True  # aged 16 to 64: a population band
                c.notes.add("band")
            elif (prev is not None and "band" in prev.notes and c.unit in (None, "years") and not c.currency
                  and _BAND_GAP.match(text[prev.num_end:s])):
                c.drop = True  # the other end of a date or age band ("April 10 to 16", "aged 25 to 54")
            elif (alpha0 or space0) and _GRADE_AFTER.match(after_num) and c.unit is None:
                c.drop = True  # 91 octane
            elif (c.integer and c.base <= 31 and not c.currency and c.unit is None and before[-1:].isspace()
                  and _DATE_BEFORE.search(before, _last_word_at(before))):
                c.drop = True  # January 19
                c.notes.add("band")
            elif (alpha0 or space0 or a0 == ":") and _DATE_AFTER.match(after_num) and not c.currency and c.unit is None:
                c.drop = True  # 19 January, 10:30, 3 p.m.
            elif _may_be_label(before) and _LABEL_BEFORE.search(before) and not c.currency and c.unit is None:
                c.drop = True
                c.label = True
            elif (prev is not None and prev.label and not c.currency and c.unit is None
                  and _LIST_GAP.match(text[prev.num_end:s])):
                c.drop = True  # Exhibits 3, 6, and 7
                c.label = True
            elif (len(text[s:e]) == 5 and _ZIP_BEFORE.search(before)) and c.unit is None:
                c.drop = True  # DC 20548
            elif c.unit is None and not c.currency and (
                    c.base < 100 and _opens_bracket(before) and _CLOSE_BRACKET.match(after_num)):
                c.drop = True  # (1), [1]
            elif c.unit is None and (not before or before[-1] in " \t\n") and _LINE_START.search(before) and _ENUM_AFTER.match(after_num):
                c.drop = True  # "1. " list enumerator at the start of a line
            elif a0 == "s" and _S_AFTER.match(after_num) and c.unit is None:
                c.drop = True  # 1990s
            elif c.unit is None and after[:1].isspace() and _STREET_AFTER.match(after):
                c.drop = True  # 441 G Street
        prev = c


def _bare_count_ok(text: str, c: _Cand, nxt: _Cand | None) -> bool:
    """Whether a number with no unit counts something ("11,000 sanctions", "two main objectives")."""
    s = c.cmp_start if c.cmp_start is not None else c.start
    before = text[max(0, s - 40):s]
    after = text[c.end:c.end + 40]
    if before[-1:].isspace() and _CHART_BEFORE.search(before):
        return False  # "Line chart with four lines": a chart description
    if c.kind == "d":
        if not c.integer and not c.scaled:
            return False
        if _HYPHEN_WORD_AFTER.match(after):
            return False  # 10-year, 12-month
        if not c.scaled and _BLANK_DIGIT.match(after):
            return False  # "Act of 1 2009": a footnote marker before a number
        if _TIME_UNIT_AFTER.match(after):
            return False
        blank = before[-1:].isspace()
        w0 = _last_word_at(before) if blank else 0
        if blank and _REFER_BEFORE.search(before, w0) and c.base < 13 and c.cmp_start is None and not c.scaled:
            return False
        if blank and _RANK_BEFORE.search(before, w0) and c.cmp_start is None and not c.scaled:
            return False  # "the top 10", "a top-five": a rank, not a count
        m = _NAME_BEFORE.search(before, w0) if blank else None
        if m and c.cmp_start is None and m["w"].lower() not in _FUNCTION_WORDS:
            return False  # Nord Stream 2, iPhone 15, Apollo 11: a number inside a name
        return True
    if c.kind in ("w", "a"):
        if c.base == 1 and not c.scaled:
            return False  # "one of", "the following one"
        if c.cmp_start is None and _REFER_BEFORE.search(before, _last_word_at(before)):
            return False  # the two nations, these three sectors
        if _HYPHEN_WORD_AFTER.match(after) or re.match(r"\s+of\b", after):
            return False
        if _TIME_UNIT_AFTER.match(after):
            return False
        if not c.scaled and not _WORD_NEXT.match(after):
            return False
        if not c.scaled and re.match(r"\s+(?:or|and|to|times|in|at|by|per|percent)\b", after):
            return False
        return True
    if c.kind == "v":
        return True
    return False


_POINTS_AFTER = re.compile(r",?[ \t\u00a0]+(?:up|down|rising|falling|gaining|losing|a\s+(?:rise|gain|fall|drop)\s+of)"
                           r"[ \t\u00a0]+(?:by[ \t\u00a0]+)?[0-9][0-9,.]*[ \t\u00a0]+(?:index[ \t\u00a0]+)?points?\b",
                           re.IGNORECASE)


_BASE_AFTER = re.compile(r"[^.;\n]{0,40}?\b[12][0-9]{3}[ \t\u00a0]?=[ \t\u00a0]?100\b")


def _index_level(text: str, c: _Cand) -> bool:
    """An index level: "5,210.4, up 31.2 points", "stands at 122.3 ... based on 2005=100"."""
    if c.currency or c.scaled:
        return False
    nx = text[c.end:c.end + 1]
    return bool((nx != "" and nx in ", \t\u00a0" and _POINTS_AFTER.match(text, c.end))
                or ("=" in text[c.end:c.end + 48] and _BASE_AFTER.match(text, c.end)))


def _classify(text: str, cands: list[_Cand]) -> None:
    """Give units to bare numbers (count) and drop what measures nothing."""
    live = [c for c in cands if not c.drop]
    for i, c in enumerate(live):
        if c.in_range:
            continue
        nxt = live[i + 1] if i + 1 < len(live) else None
        s = c.cmp_start if c.cmp_start is not None else c.start
        before = text[max(0, s - 40):s]
        after = text[c.end:c.end + 40]
        if c.kind == "f":
            # fractions are shares of a whole: hyphenated forms always, "a third" / "half" only with "of" or a hedge
            g = text[c.num_start:c.num_end].lower()
            if re.search(r"\b(?:first|second|third|last|the|in)\s+$", text[max(0, c.num_start - 12):c.num_start], re.I):
                c.drop = True
            elif ("-" in g or c.cmp_start is not None or re.match(r"\s+of\b", after) or re.search(r"\bby\s+$", before)
                  or (g == "half" and re.match(r"\s+(?:is|was|are|were)\b", after))):
                if re.match(r"\s+of\s+(?:[12][0-9]{3}|the\s+(?:year|century|decade|month)\b)", after, re.I):
                    c.drop = True
                else:
                    c.unit = "percent"
            else:
                c.drop = True
            continue
        if c.unit in DURATIONS:
            if _is_year(c, text) or c.kind == "v":
                c.drop = True
            elif text[c.end - 3:c.end].lower() == "old" or "age" in c.notes:
                pass  # a 17-year-old: an age
            elif (_TIMEFRAME_BEFORE.search(before) or _TIMEFRAME_AFTER.match(after)
                  or (c.cmp_start is not None and _PERIOD_NOUN_BEFORE.search(before))
                  or (text[s:s + 5].lower() == "over " and not _LASTING_BEFORE.search(before))):
                c.drop = True
            elif any(p.end >= s - 4 and p.end <= s and not p.drop and p is not c for p in live[max(0, i - 1):i]):
                c.drop = True  # "5% over 12 months": a period attached to another figure
            continue
        if c.unit == "times":
            g = text[c.num_end:c.end].lower()
            if c.kind in ("x", "m") or "fold" in g or g.endswith("x"):
                continue
            if not (_TIMES_AFTER.match(after) or (_VERB_BEFORE.search(before) and not _FREQ_AFTER.match(after))):
                c.drop = True
            continue
        if c.unit is None:
            if c.kind == "w" and c.base == 0:
                if c.cmp_start is not None and (not _WORD_NEXT.match(after) or _FUNCTION_NEXT.match(after)):
                    c.unit = "percent"  # rates "above zero", "near zero"
                else:
                    c.drop = True
                continue
            if _is_year(c, text):
                c.drop = True
                continue
            if c.kind == "d" and _index_level(text, c):
                c.unit = "index_points"
                continue
            if _bare_count_ok(text, c, nxt):
                c.unit = "count"
            else:
                c.drop = True
