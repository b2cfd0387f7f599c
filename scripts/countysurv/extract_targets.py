"""What the extractor looks for in a bulletin text, and how it records a figure it finds.

The indicators looked for (:data:`TARGETS`: wordings and the kind of unit each takes), the units
accepted for each kind and those recognised after a number (:data:`UNITS`, :data:`ANY_UNIT`), a
number as printed (:data:`NUMBER`), the words in the clause before a wording that make a figure
a period's within the year, a plan or another year's (:func:`context_reason`), a figure found
(:class:`Finding`), and :class:`TextBeingRead`: one text being read, with its layers
(``textlayers.py``), its year and the figures found so far. The readers add to it: prose in
``extract.py``, tables in ``extract_tables.py``; ``extract.py`` then decides what is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .indicators import CANONICAL, canonical_indicator, unit_factor
from .textlayers import Layer

# --- indicators ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """One indicator the extractor looks for.

    ``key``: canonical indicator name (``indicators.py``), or a name of its own for an indicator
    that is not canonical (``canonical`` false: its figures go to review). ``wording``: the
    Chinese wording written in the ``indicator`` column. ``pattern``: regular expression of its
    wordings in normalised text. ``kind``: ``money``, ``persons``, ``power`` or ``per_capita``.
    ``bare``: a shorter wording (``第一产业``) read only in a sentence or table about value added.
    """

    key: str
    wording: str
    pattern: str
    kind: str
    canonical: bool = True
    bare: str = ""


_AGRI = "农、?林、?牧、?渔、?"
#: A sector's name: ``第一产业``, or the short ``一产`` (``其中一产363209万元``) when it is not part
#: of a longer word (``统一产品``, ``唯一产粮大县``, ``一产业``).
_SECTOR = r"(?:第{0}产业|(?<![第统同单唯专万亿]){0}产(?![业品量粮]))"
TARGETS: tuple[Target, ...] = (
    Target("gdp_per_capita", "人均地区生产总值", r"人均(?:地区|国内)?生产总值|人均GDP",
           "per_capita"),
    # 国内生产总值: the county's GDP in some bulletins (the name before 2003); never the
    # nation's or the province's (全国国内生产总值)
    Target("gdp", "地区生产总值", r"地区生产总值|(?<![国内均业济])生产总值|(?<!全国|全省)国内生产总值"
           r"|(?<![A-Za-z均])GDP(?![A-Za-z])", "money"),
    Target("va_primary", "第一产业增加值", rf"{_SECTOR.format('一')}(?:完成|实现)?增加值", "money",
           bare=_SECTOR.format("一")),
    Target("va_secondary", "第二产业增加值", rf"{_SECTOR.format('二')}(?:完成|实现)?增加值",
           "money", bare=_SECTOR.format("二")),
    Target("va_tertiary", "第三产业增加值", rf"{_SECTOR.format('三')}(?:完成|实现)?增加值", "money",
           bare=_SECTOR.format("三")),
    Target("resident_population", "常住人口", r"(?<![城镇乡村])常住(?:总)?人口", "persons",
           canonical=False),
    Target("population", "年末户籍人口", r"(?<![城镇乡村业市])户籍(?:总)?人口|(?<![住村镇])总人口",
           "persons"),
    Target("rural_population", "乡村人口",
           r"乡村(?:属性|户籍|常住)?人口|农村(?:户籍|常住)?人口|(?<![非])农业人口", "persons"),
    Target("agri_machinery_power", "农业机械总动力", r"农业机械总动力|农机总动力", "power"),
    Target("agri_output", "农林牧渔业总产值",
           _AGRI + r"(?:业|业?及其?(?:" + _AGRI + r")?服务业)?(?:完成|实现)?总产值",
           "money"),
    Target("agri_services_output", "农林牧渔专业及辅助性活动产值",
           _AGRI + r"业?(?:服务业|专业及辅助性活动)(?:完成|实现)?(?:总)?产值", "money"),
    Target("rural_income", "农村常住居民人均可支配收入",
           r"农村(?:常住)?居民(?:人均)?可支配收入|农民人均可支配收入", "per_capita"),
)
TARGET = {t.key: t for t in TARGETS}
#: The review reason of a figure read unambiguously for an indicator that is not canonical.
NOT_CANONICAL = "not a canonical indicator"

#: The canonical wording of every canonical target maps back to it, and a target that is not
#: canonical is no indicator of ``indicators.py`` (checked on import).
for _t in TARGETS:
    if _t.canonical and canonical_indicator(_t.wording) != _t.key:
        raise RuntimeError(f"extract target {_t.key}: wording {_t.wording} is not canonical")
    if not _t.canonical and _t.key in CANONICAL:
        raise RuntimeError(f"extract target {_t.key} is a canonical indicator (indicators.py) "
                           "but sends its figures to review")

#: The units accepted for a figure of each kind of target (others go to review).
UNITS = {
    "money": ("亿元", "万元", "元"),
    "persons": ("万人", "人"),
    "power": ("万千瓦", "千瓦"),
    "per_capita": ("元",),
}
#: Units recognised after a number (longest first); any other word there is not a unit.
ANY_UNIT = re.compile(r"亿元|万元|元/人|元|万人|人|万千瓦时|千瓦时|万千瓦|千瓦|万瓦|瓦|%|‰|"
                      r"万户|户|公顷|万亩|亩|吨|万吨|个|亿|万|千")

#: A number as printed: thousands separators in groups of three (``,`` or ``，``), decimals.
NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:[,，]\d{3})+|\d+)(?:\.(\d+))?(?![\d])")

#: The wordings of every target, and the bare sector wordings, as named groups (the key).
KEYWORDS = re.compile("|".join(f"(?P<{t.key}>{t.pattern})" for t in TARGETS))
BARE = re.compile("|".join(f"(?P<{t.key}>{t.bare})" for t in TARGETS if t.bare))


@dataclass
class Finding:
    """A figure tied to an indicator: written when ``reason`` is empty, else reviewed.

    ``value`` and ``unit`` are as printed (a per-capita figure in 万元 is turned into 元);
    ``raw`` is the printed number without thousands separators; ``decimals`` its printed
    decimals (negative after such a conversion); ``start``/``end`` the span in the original text.
    """

    key: str
    value: float
    raw: str
    unit: str
    decimals: int
    start: int
    end: int
    note: str
    reason: str = ""
    #: The wording says the figure is on the resident (常住) basis (``乡村常住人口``).
    resident_basis: bool = False

    @property
    def canonical_value(self) -> float:
        """The value in the indicator's canonical unit."""
        return self.value * (target_unit_factor(self.key, self.unit) or float("nan"))

    @property
    def resolution(self) -> float:
        """Half a unit of the last printed digit, in the canonical unit: as
        :func:`countysurv.indicators.half_unit`, but of the digit as printed also for a
        per-capita figure printed in 万元 (``1.12`` 万元 → 50 元, not the 0.5 元 of ``11200``)."""
        return 0.5 * 10.0 ** (-self.decimals) * (target_unit_factor(self.key, self.unit) or 1.0)


def target_unit_factor(key: str, unit: str) -> float | None:
    """The factor from ``unit`` to the target's canonical unit, or None for a unit it does not take.

    A canonical indicator's as ingestion has it (:func:`countysurv.indicators.unit_factor`); for
    a target that is not canonical, yuan or persons (``万元``, ``万人`` scaled).
    """
    if TARGET[key].canonical:
        return unit_factor(key, unit)
    return {"元": 1.0, "万元": 1e4, "亿元": 1e8, "人": 1.0, "万人": 1e4}.get(unit)


# --- the clause before a wording -----------------------------------------------------------

#: Words in the clause before a wording that make a figure not the year's level.
_PERIOD = re.compile(r"\d{1,2}[-—~至到]\d{1,2}月|[一二三四1-4]季度|上半年|下半年|\d{1,2}月份")
_FULL_YEAR = re.compile(r"^1[-—~至到]12月$")
PART_YEAR = "a figure for part of the year"
_PLAN = re.compile(r"力争|目标|计划|规划|预期")
YEAR = re.compile(r"((?:19|20)\d{2})年")
ANNUAL = re.compile(r"全年|年末|年底")
_CLAUSE_END = "。;!?\n"


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around ``[start, end)``: from after the last ``。;!?`` or newline to the next."""
    left = max(text.rfind(c, 0, start) for c in _CLAUSE_END) + 1
    rights = [text.find(c, end) for c in _CLAUSE_END]
    right = min([r for r in rights if r >= 0] or [len(text)])
    return left, right


def context_reason(prefix: str, year: int) -> str:
    """Why the clause before an indicator's wording makes its figure not the year's level.

    A period (``1-9月``, ``一季度``, ``上半年``), a plan word (``力争``, ``目标``) or a year other
    than the bulletin's (``2014年``, unless it is compared with: ``比2014年``, ``与2014年相比``,
    or is a price base: ``按2015年不变价格计算``)
    counts when no other figure (years aside) and no ``全年``/``年末`` stands between it and the
    wording.
    """
    for pattern, what in ((_PERIOD, PART_YEAR), (_PLAN, "a plan or target")):
        for m in pattern.finditer(prefix):
            between = YEAR.sub("", prefix[m.end():])
            if _FULL_YEAR.match(m.group(0)) or re.search(r"\d", between) or ANNUAL.search(between):
                continue
            return f"{what} ({m.group(0)})"
    for m in YEAR.finditer(prefix):
        if int(m.group(1)) == year:
            continue
        before = prefix[max(0, m.start() - 1):m.start()]
        after = prefix[m.end():m.end() + 3]
        if re.search(r"[比较与同自从于]$", before) or re.match(r"相比|以来|基础|同期", after):
            continue
        if re.match(r"(?:的)?(?:不变价|可比价)", after):
            continue  # a price base year (按2015年不变价格计算): not the figure's year
        if re.search(r"\d", prefix[m.end():]):
            continue
        return f"a figure of another year ({m.group(1)})"
    return ""


# --- one text being read -------------------------------------------------------------------

class TextBeingRead:
    """One bulletin text being read: its layers, its year, and the figures found so far.

    The readers (``extract.py`` for prose, ``extract_tables.py`` for tables) call :meth:`add`
    for every figure they tie to an indicator.
    """

    def __init__(self, norm: Layer, plain: Layer, year: int) -> None:
        self.norm = norm
        self.plain = plain
        self.year = year
        self.text = norm.text
        self.findings: list[Finding] = []
        #: Starts of the lines read by :func:`countysurv.extract_tables.read_year_tables`
        #: (the other readers skip them).
        self.claimed: set[int] = set()

    def note(self, start: int, end: int) -> str:
        """The clause around ``[start, end)`` (normalised offsets), as plain text."""
        left, right = clause_bounds(self.text, start, end)
        p0, p1 = self.norm.span(left, max(right, end))
        return re.sub(r"\s+", " ", self.plain.text[p0:p1]).strip()[:300]

    def add(self, key: str, number: re.Match[str], unit: str, start: int, end: int,
            reason: str, note: str | None = None) -> None:
        """Record one figure (normalised span ``[start, end)``), written unless ``reason``."""
        raw = re.sub("[,，]", "", number.group(1))
        decimals = len(number.group(2) or "")
        if number.group(2):
            raw += "." + number.group(2)
        value = float(raw)
        target = TARGET[key]
        if not reason and unit not in UNITS[target.kind]:
            if target.kind == "per_capita" and unit == "万元":
                value, decimals = value * 1e4, decimals - 4
                raw, unit = f"{value:.{max(decimals, 0)}f}", "元"
            elif target.kind == "per_capita" and unit == "元/人":
                unit = "元"
            elif not unit:
                reason = "no unit stated for the figure"
            elif unit == "元/人":
                reason = f"a per-capita figure ({unit}) where a total is wanted"
            else:
                reason = f"unit {unit!r} not accepted for {target.wording}"
        p0, p1 = self.norm.span(start, end)
        o0, o1 = self.plain.span(p0, p1)
        resident = key == "rural_population" and "常住" in self.text[start:number.start()]
        self.findings.append(Finding(key, value, raw, unit, decimals, o0, o1,
                                     note if note is not None else self.note(start, end), reason,
                                     resident))
