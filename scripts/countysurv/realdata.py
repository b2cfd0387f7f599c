"""The official list of the 832 national poverty counties: read both sheets, reconcile them.

The workbook (``poverty_counties_832.xlsx``, README "Real data: the 832 counties") has two
sheets that disagree:

* the **county sheet**: one row per county — province (filled on the first row of each
  province), number of counties of the province, county name, exit year (an integer, or
  ``预计2020`` "planned 2020"), and per province and year a subtotal;
* the **batch sheet**: per exit year (2016–2020) a block with the year's total (合计) and one row
  per province: the number of counties and their names separated by 、.

:func:`reconcile` maps every name of both sheets to one county (through the reviewed alias
table and the division codes of :mod:`countysurv.reference`), joins the sheets, resolves the
exit year and derives the ethnic area, the region and list-derived counts; every disagreement
is kept in a ``conflict`` column and listed by :func:`render_reconciliation`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from . import reference as refmod
from .errors import InputDataError

OUTPUT_COLUMNS = (
    "county_code", "code_current", "province", "prefecture_code", "prefecture",
    "canonical_name", "name_2015", "name_current", "name_sheet1", "name_sheet2", "names_seen",
    "names_known", "exit_year_sheet1", "exit_year_sheet1_planned", "exit_year_sheet2",
    "exit_year", "ethnic_area", "ethnic_basis", "region", "province_poverty_counties",
    "prefecture_poverty_counties", "conflict", "name_note",
)


class RealCounty(pa.DataFrameModel):
    """One row of ``results/real/counties_832.csv``."""

    county_code: str = pa.Field(str_matches=r"^\d{6}$", unique=True)
    code_current: str = pa.Field(str_matches=r"^\d{6}$")
    province: str = pa.Field(isin=list(refmod.PROVINCE_CODES))
    canonical_name: str = pa.Field(str_length={"min_value": 2})
    exit_year_sheet1: int = pa.Field(ge=2016, le=2020)
    exit_year_sheet2: int = pa.Field(ge=2016, le=2020)
    exit_year: int = pa.Field(ge=2016, le=2020)
    ethnic_area: int = pa.Field(isin=[0, 1])
    region: str = pa.Field(isin=list(refmod.REGIONS))
    province_poverty_counties: int = pa.Field(gt=0)
    prefecture_poverty_counties: int = pa.Field(gt=0)

    @pa.dataframe_check
    def code_in_province(cls, df: pd.DataFrame) -> pd.Series:
        return df["county_code"].str[:2] == df["province"].map(refmod.PROVINCE_CODES)


@dataclass
class Workbook:
    """The two sheets of the official list, parsed, with what the sheets state about themselves."""

    path: str
    county_rows: pd.DataFrame        # province, name, exit_year, planned, row (Excel row number)
    batch_rows: pd.DataFrame         # province, name, exit_year, row
    batch_totals: dict[int, int]     # the 合计 of each year block of the batch sheet
    checks: list[str] = field(default_factory=list)   # self-consistency findings (text)


def _clean_province(value: object) -> str:
    return re.sub(r"\s+", "", str(value)) if not pd.isna(value) else ""


def _parse_year(value: object) -> tuple[int | None, bool]:
    """2018 → (2018, False); '预计2020' → (2020, True); anything else → (None, False)."""
    if isinstance(value, (int, float)) and not pd.isna(value) and float(value).is_integer():
        return int(value), False
    m = re.fullmatch(r"(预计)?\s*(20\d\d)(\.0)?", str(value).strip())
    return (int(m.group(2)), bool(m.group(1))) if m else (None, False)


def read_workbook(path: str | Path) -> Workbook:
    """Parse both sheets of the official list (sheets recognised by content, not by name)."""
    path = str(path)
    if not Path(path).is_file():
        raise InputDataError(f"{path}: the official list of the 832 counties was not found "
                             "(config real.counties_xlsx)")
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
    except (OSError, ValueError, KeyError) as err:
        raise InputDataError(f"{path}: cannot read the workbook ({err})") from None
    county_sheet = batch_sheet = None
    for name, df in sheets.items():
        text = " ".join(str(v) for v in df.head(8).to_numpy().ravel() if not pd.isna(v))
        if "贫困县" in text and "摘帽时间" in text:
            county_sheet = name
        elif re.search(r"20\d\d年.*摘帽", text):
            batch_sheet = name
    if county_sheet is None or batch_sheet is None:
        raise InputDataError(f"{path}: expected a county sheet (columns 省份, 贫困县, 摘帽时间) and "
                             f"a batch sheet (blocks 'YYYY年摘帽…'); found sheets {list(sheets)}")
    checks: list[str] = []
    counties = _parse_county_sheet(sheets[county_sheet], path, county_sheet, checks)
    batches, totals = _parse_batch_sheet(sheets[batch_sheet], path, batch_sheet, checks)
    return Workbook(path, counties, batches, totals, checks)


def _parse_county_sheet(df: pd.DataFrame, path: str, sheet: str, checks: list[str]
                        ) -> pd.DataFrame:
    header_row = next((i for i in range(min(len(df), 10))
                       if "贫困县" in [str(v).strip() for v in df.iloc[i]]), None)
    if header_row is None:
        raise InputDataError(f"{path} [{sheet}]: header row with 贫困县 not found")
    header = [str(v).strip() for v in df.iloc[header_row]]
    col = {key: header.index(key) for key in ("省份", "数量", "贫困县", "摘帽时间") if key in header}
    if len(col) < 4:
        raise InputDataError(f"{path} [{sheet}]: header {header} lacks one of 省份, 数量, 贫困县, "
                             "摘帽时间")
    sub_col = header.index("分年统计") if "分年统计" in header else None
    records, problems = [], []
    province, stated = "", {}
    subtotals: list[tuple[str, int, int]] = []   # (province, row, subtotal) in sheet order
    for i in range(header_row + 1, len(df)):
        row = df.iloc[i]
        prov = _clean_province(row.iloc[col["省份"]])
        if prov in ("共计", "合计", "总计"):
            break
        if prov:
            province = prov
            stated[prov] = row.iloc[col["数量"]]
        name = row.iloc[col["贫困县"]]
        if pd.isna(name) or not str(name).strip():
            continue
        year, planned = _parse_year(row.iloc[col["摘帽时间"]])
        if year is None:
            problems.append(f"row {i + 1}: exit year {row.iloc[col['摘帽时间']]!r} of {name}")
            continue
        if province not in refmod.PROVINCE_CODES:
            problems.append(f"row {i + 1}: province {province!r} unknown")
            continue
        records.append({"province": province, "name": refmod.normalize_name(name),
                        "exit_year": year, "planned": planned, "row": i + 1})
        if sub_col is not None and not pd.isna(row.iloc[sub_col]):
            subtotals.append((province, i + 1, int(row.iloc[sub_col])))
    if problems:
        raise InputDataError(f"{path} [{sheet}]: {len(problems)} unreadable row(s): "
                             + "; ".join(problems[:5]))
    out = pd.DataFrame(records)
    for prov, n in stated.items():
        got = int((out["province"] == prov).sum())
        if pd.isna(n) or int(n) != got:
            checks.append(f"county sheet: {prov} states {n} counties, lists {got}")
    # A subtotal opens each (province, year) run of rows: compare it with the run's length.
    starts = {r: (p, s) for p, r, s in subtotals}
    runs = out.groupby((out[["province", "exit_year"]] != out[["province", "exit_year"]].shift())
                       .any(axis=1).cumsum())
    for _, run in runs:
        first = int(run["row"].iloc[0])
        if first in starts and starts[first][1] != len(run):
            checks.append(f"county sheet: row {first} subtotal {starts[first][1]} for "
                          f"{run['province'].iloc[0]} {run['exit_year'].iloc[0]}, "
                          f"run has {len(run)} rows")
    checks.append(f"county sheet: {len(out)} counties in {out['province'].nunique()} provinces; "
                  f"province counts and per-year subtotals "
                  f"{'agree with the rows' if not checks else 'checked (see above)'}")
    return out


def _parse_batch_sheet(df: pd.DataFrame, path: str, sheet: str, checks: list[str]
                       ) -> tuple[pd.DataFrame, dict[int, int]]:
    records, totals, problems = [], {}, []
    year = None
    for i in range(len(df)):
        cells = [v for v in df.iloc[i].tolist()]
        first = _clean_province(cells[0])
        m = re.search(r"(20\d\d)年.*摘帽", first)
        if m:
            year = int(m.group(1))
            continue
        if year is None or len(cells) < 3 or first in ("", "省份"):
            continue
        count = cells[1]
        if first == "合计":
            totals[year] = int(count)
            continue
        if first not in refmod.PROVINCE_CODES:
            if not pd.isna(cells[2]):
                problems.append(f"row {i + 1}: province {first!r} unknown")
            continue
        names = [refmod.normalize_name(n) for n in re.split(r"[、,，;；]", str(cells[2]))]
        names = [n for n in names if n]
        if pd.isna(count) or int(count) != len(names):
            checks.append(f"batch sheet: {year} {first} states {count} counties, lists "
                          f"{len(names)}")
        records += [{"province": first, "name": n, "exit_year": year, "row": i + 1}
                    for n in names]
    if problems:
        raise InputDataError(f"{path} [{sheet}]: " + "; ".join(problems[:5]))
    out = pd.DataFrame(records)
    for y, total in totals.items():
        got = int((out["exit_year"] == y).sum())
        if got != total:
            checks.append(f"batch sheet: {y} total (合计) {total}, lists {got}")
    checks.append(f"batch sheet: {len(out)} counties in {len(totals)} year blocks; totals "
                  + ", ".join(f"{y}: {t}" for y, t in sorted(totals.items())))
    return out, totals


# --- reconciliation -------------------------------------------------------------------------


def _canonicalize(rows: pd.DataFrame, aliases: pd.DataFrame, known: dict[tuple[str, str], str],
                  sheet: str, path: str) -> pd.DataFrame:
    """Add ``canonical`` (via the alias table) and check it names a county of the province."""
    alias = {(r.province, refmod.normalize_name(r.variant)): r.canonical
             for r in aliases.itertuples()}
    out = rows.copy()
    out["canonical"] = [alias.get((p, n), n) for p, n in zip(out["province"], out["name"])]
    unknown = out[[(p, c) not in known for p, c in zip(out["province"], out["canonical"])]]
    if len(unknown):
        listed = "; ".join(f"row {r.row}: {r.province} {r.name}" for r in unknown.head(8).itertuples())
        raise InputDataError(f"{path} [{sheet}]: {len(unknown)} name(s) match no county of "
                             f"their province in the division table: {listed}; add each to "
                             "data/reference/county_aliases.csv with a reason")
    dup = out[out.duplicated(["province", "canonical"], keep=False)]
    if len(dup):
        listed = "; ".join(f"row {r.row}: {r.name} → {r.canonical}" for r in dup.itertuples())
        raise InputDataError(f"{path} [{sheet}]: two rows name the same county: {listed}")
    return out


def reconcile(book: Workbook, aliases: pd.DataFrame, codes_2015: pd.DataFrame,
              divisions: pd.DataFrame, batch_totals: dict[int, int]) -> pd.DataFrame:
    """One row per county: codes of both vintages, names, both sheets' years, ethnic area, region.

    Names resolve through ``aliases`` (province, variant → canonical) to a county of the
    division table (current vintage) or of ``codes_2015``; the 2015 code is the current one
    unless ``codes_2015`` says otherwise. The reconciled ``exit_year`` is the batch sheet's:
    its year blocks are the official announcements and their totals are the official batch
    totals; a disagreement with the county sheet is kept in ``conflict``. Raises
    :class:`InputDataError` unless the result has 832 rows (one per county of each sheet),
    unique 6-digit 2015 codes and per-year totals equal to ``batch_totals``.
    """
    counties = divisions[divisions["level"] == "county"]
    code_of: dict[tuple[str, str], list[str]] = {}
    for r in counties.itertuples():
        code_of.setdefault((refmod.PROVINCES.get(r.code[:2], ""), r.name), []).append(r.code)
    recode = codes_2015.set_index("canonical")
    known = {k: v[0] for k, v in code_of.items() if len(v) == 1}
    for r in codes_2015.itertuples():
        pkg = code_of.get((r.province, r.canonical))
        if pkg and pkg != [r.code_current]:
            raise InputDataError(f"table of 2015 codes: {r.canonical} has code_current "
                                 f"{r.code_current}, the division table says {pkg}")
        known[(r.province, r.canonical)] = r.code_current
    s1 = _canonicalize(book.county_rows, aliases, known, "county sheet", book.path)
    s2 = _canonicalize(book.batch_rows, aliases, known, "batch sheet", book.path)
    merged = s1.merge(s2, on=["province", "canonical"], how="outer", suffixes=("_1", "_2"),
                      indicator=True)
    lone = merged[merged["_merge"] != "both"]
    if len(lone):
        listed = "; ".join(f"{r.province} {r.canonical} (only in "
                           f"{'county' if r._merge == 'left_only' else 'batch'} sheet)"
                           for r in lone.head(8).itertuples())
        raise InputDataError(f"{book.path}: {len(lone)} county(ies) in one sheet only: {listed}")
    name_current = dict(zip(counties["code"], counties["name"]))
    prefectures = refmod.prefecture_table(divisions)
    alias_reason = {(r.province, refmod.normalize_name(r.variant)): f"{r.variant}: {r.kind}, {r.reason}"
                    for r in aliases.itertuples()}
    alias_names: dict[tuple[str, str], list[str]] = {}
    for r in aliases.itertuples():
        alias_names.setdefault((r.province, r.canonical), []).append(r.variant)
    rows = []
    for r in merged.sort_values(["province", "canonical"]).itertuples():
        code_current = known[(r.province, r.canonical)]
        if r.canonical in recode.index:
            code_2015 = recode.at[r.canonical, "code_2015"]
            name_2015 = recode.at[r.canonical, "name_2015"]
        else:
            code_2015, name_2015 = code_current, r.canonical
        seen = list(dict.fromkeys([r.name_1, r.name_2]))
        known_names = list(dict.fromkeys(seen + [r.canonical, name_2015]
                                         + alias_names.get((r.province, r.canonical), [])))
        pref_code = code_current[:4]
        prefecture = prefectures.get(pref_code, "")
        flag, basis = refmod.ethnic_area(known_names, prefecture, r.province)
        conflict = []
        if r.name_1 != r.name_2:
            conflict.append(f"name: county sheet {r.name_1}, batch sheet {r.name_2} → {r.canonical}")
        if int(r.exit_year_1) != int(r.exit_year_2):
            conflict.append(f"year: county sheet {int(r.exit_year_1)}, batch sheet "
                            f"{int(r.exit_year_2)} → {int(r.exit_year_2)} (the batch sheet's "
                            "year blocks are the announced batches and match the official "
                            "batch totals)")
        notes = [alias_reason[(r.province, n)] for n in seen if (r.province, n) in alias_reason]
        rows.append({
            "county_code": code_2015, "code_current": code_current, "province": r.province,
            "prefecture_code": pref_code + "00", "prefecture": prefecture,
            "canonical_name": r.canonical, "name_2015": name_2015,
            "name_current": name_current.get(code_current, r.canonical),
            "name_sheet1": r.name_1, "name_sheet2": r.name_2, "names_seen": "|".join(seen),
            "names_known": "|".join(known_names),
            "exit_year_sheet1": int(r.exit_year_1), "exit_year_sheet1_planned": bool(r.planned),
            "exit_year_sheet2": int(r.exit_year_2), "exit_year": int(r.exit_year_2),
            "ethnic_area": flag, "ethnic_basis": basis,
            "region": refmod.REGION_OF_PROVINCE[r.province],
            "conflict": "; ".join(conflict), "name_note": " | ".join(notes),
        })
    out = pd.DataFrame(rows)
    out["province_poverty_counties"] = out.groupby("province")["county_code"].transform("size")
    out["prefecture_poverty_counties"] = (out.groupby("prefecture_code")["county_code"]
                                          .transform("size"))
    out = out[list(OUTPUT_COLUMNS)].sort_values("county_code", ignore_index=True)
    check_invariants(out, batch_totals, len(book.county_rows), len(book.batch_rows), book.path)
    return out


def check_invariants(df: pd.DataFrame, batch_totals: dict[int, int], n_sheet1: int,
                     n_sheet2: int, source: str) -> None:
    """832 rows (= each sheet's rows), unique 6-digit codes, per-year totals = the official ones."""
    problems = []
    expected = sum(batch_totals.values())
    if not len(df) == n_sheet1 == n_sheet2 == expected:
        problems.append(f"{len(df)} counties reconciled from {n_sheet1} (county sheet) and "
                        f"{n_sheet2} (batch sheet) rows; the official total is {expected}")
    dup = df[df["county_code"].duplicated(keep=False)]
    if len(dup):
        problems.append(f"repeated codes {sorted(set(dup['county_code']))[:5]}")
    bad = df[~df["county_code"].astype(str).str.fullmatch(r"\d{6}")]
    if len(bad):
        problems.append(f"codes not 6 digits: {bad['county_code'].tolist()[:5]}")
    got = df["exit_year"].value_counts().to_dict()
    diff = {y: (got.get(y, 0), t) for y, t in batch_totals.items() if got.get(y, 0) != t}
    extra = sorted(set(got) - set(batch_totals))
    if diff or extra:
        problems.append("per-year totals differ from the official batch totals: "
                        + ", ".join(f"{y}: {g} vs {t}" for y, (g, t) in sorted(diff.items()))
                        + (f"; years not in the official list {extra}" if extra else ""))
    if problems:
        raise InputDataError(f"{source}: reconciliation fails: " + "; ".join(problems))


def render_reconciliation(df: pd.DataFrame, book: Workbook, batch_totals: dict[int, int],
                          aliases: pd.DataFrame, package: str) -> str:
    """``reconciliation.md``: sources, checks, per-year totals and every conflict with its resolution."""
    years = sorted(batch_totals)
    s1 = df["exit_year_sheet1"].value_counts()
    s2 = df["exit_year_sheet2"].value_counts()
    rec = df["exit_year"].value_counts()
    name_conf = df[df["name_sheet1"] != df["name_sheet2"]]
    year_conf = df[df["exit_year_sheet1"] != df["exit_year_sheet2"]]
    kinds = aliases.set_index(["province", "variant"])["kind"].to_dict()
    reasons = aliases.set_index(["province", "variant"])["reason"].to_dict()
    lines = [
        "# Reconciliation of the official list of the 832 poverty counties", "",
        f"Source: `{Path(book.path).name}` (county sheet: one row per county with its exit "
        "year; batch sheet: per exit year the counties by province). Codes: 2015 vintage "
        "(`county_code`, the codes in force on 2015-12-31, the year of the decision) and current "
        f"vintage (`code_current`, {package}, divisions as of 2025-12-31); counties whose code "
        "changed are in `data/reference/county_codes_2015.csv`; name variants are resolved by "
        "the reviewed table `data/reference/county_aliases.csv`.", "",
        "## Checks", "",
        f"- {len(df)} counties, {df['county_code'].nunique()} unique 6-digit 2015 codes "
        f"({df['code_current'].nunique()} distinct current codes: "
        + (", ".join(f"{c} is shared by {' and '.join(g['canonical_name'])}"
                     for c, g in df[df['code_current'].duplicated(keep=False)]
                     .groupby('code_current')) or "all distinct") + ").",
        *[f"- {c}" for c in book.checks],
        "", "## Counties per exit year", "",
        "| year | county sheet | batch sheet | official batch total | reconciled |",
        "|---|---|---|---|---|",
        *[f"| {y} | {s1.get(y, 0)} | {s2.get(y, 0)} | {batch_totals[y]} | {rec.get(y, 0)} |"
          for y in years],
        f"| total | {len(df)} | {len(df)} | {sum(batch_totals.values())} | {len(df)} |", "",
        f"The county sheet marks the {int(df['exit_year_sheet1_planned'].sum())} counties of "
        "2020 as 预计2020 (planned); the batch sheet lists them as the 2020 plan. Both are "
        "recorded as exit year 2020.", "",
        f"## Year conflicts ({len(year_conf)})", "",
        "| county_code | province | county | county sheet | batch sheet | reconciled | why |",
        "|---|---|---|---|---|---|---|",
        *[f"| {r.county_code} | {r.province} | {r.canonical_name} | {r.exit_year_sheet1} | "
          f"{r.exit_year_sheet2} | {r.exit_year} | the batch sheet: its year blocks are the "
          "announced batches, and only with this county in "
          f"{r.exit_year_sheet2} do the per-year totals equal the official batch totals "
          f"(the county sheet's own per-year subtotals follow its rows) |"
          for r in year_conf.itertuples()], "",
        f"## Name conflicts between the sheets ({len(name_conf)})", "",
        "Each pair names the same county; the canonical name is the current one of the "
        "division table (or the 2015 unit where it has no successor of its own).", "",
        "| county_code | province | county sheet | batch sheet | canonical | kind | reason |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in name_conf.itertuples():
        key = next(((r.province, n) for n in (r.name_sheet1, r.name_sheet2)
                    if (r.province, n) in kinds), None)
        kind = "; ".join(f"{n}: {kinds[(r.province, n)]}" for n in (r.name_sheet1, r.name_sheet2)
                         if (r.province, n) in kinds)
        why = reasons.get(key, "") if key else ""
        lines.append(f"| {r.county_code} | {r.province} | {r.name_sheet1} | {r.name_sheet2} | "
                     f"{r.canonical_name} | {kind} | {why} |")
    agree = df[(df["name_sheet1"] == df["name_sheet2"]) & (df["name_note"] != "")]
    lines += ["", f"## Names both sheets agree on but that are not the canonical name "
              f"({len(agree)})", "",
              "| county_code | province | both sheets | canonical | note |", "|---|---|---|---|---|",
              *[f"| {r.county_code} | {r.province} | {r.name_sheet1} | {r.canonical_name} | "
                f"{r.name_note} |" for r in agree.itertuples()]]
    moved = df[df["county_code"] != df["code_current"]]
    lines += ["", f"## Counties whose code changed after 2015 ({len(moved)})", "",
              "| 2015 code | name on 2015-12-31 | current code | current name |", "|---|---|---|---|",
              *[f"| {r.county_code} | {r.name_2015} | {r.code_current} | {r.name_current} |"
                for r in moved.itertuples()], ""]
    eth = df.groupby("ethnic_area").size()
    lines += ["## Derived columns", "",
              "- `ethnic_area` = 1 for an autonomous county or banner (a known name ends in "
              "自治县/自治旗), a county in an autonomous prefecture (the prefecture of the "
              "current code's first 4 digits ends in 自治州, or is a 盟), or a county in an "
              f"autonomous region (内蒙古, 广西, 西藏, 宁夏, 新疆): {eth.get(1, 0)} counties "
              f"(0: {eth.get(0, 0)}); `ethnic_basis` says which clauses hold.",
              "- `region`: the NBS east / central / west split by province "
              "(`countysurv.reference.REGIONS`): "
              + ", ".join(f"{k} {v}" for k, v in df['region'].value_counts().sort_index().items())
              + ".",
              "- `province_poverty_counties`, `prefecture_poverty_counties`: number of the 832 "
              "counties in the same province / prefecture (current prefecture code).", ""]
    return "\n".join(lines)
