#!/usr/bin/env python3
"""A parameter guide for the organizing model, produced from simulations.

The institutional and strategy parameters of the organizing model (resistance R,
responsiveness ω, repression ρ and stance of the institutions; tactics.patience and
tactics.power_needed; response.cooptation and response.subsidy_cut) have ranges and
formulas but no direct counterpart in a municipality's records. This script runs the
default town (``tgm.Scenario.builtin("default")``: 20 000 residents, 260 weeks) over a
handful of values of each parameter, with common random numbers (replicate r of every
value starts from the same town and draws the same random numbers), and translates each
value into quantities an analyst can observe or estimate: weeks until a campaign's first
concession, the share of consultation meetings that concede, sanctions per year, co-opted
leaders per year, and so on. Every table cell is the mean over replicates with a 95 %
Student-t interval over replicates.

Run from the repository root, with the Python package of a build on the path::

    PYTHONPATH=build/release/python python3 scripts/parameter_guide.py            # full, writes docs/parameter_guide.md
    PYTHONPATH=build/release/python python3 scripts/parameter_guide.py --quick --out /tmp/guide.md

The full guide takes a few minutes on two cores; ``--quick`` (3 replicates, three values
per parameter) well under two minutes.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import stats

import tegenmacht as tgm

ROOT = pathlib.Path(__file__).resolve().parents[1]
SEED = 1
LEVEL = 0.95
YEAR = 52                 # weeks
HORIZON = 104             # weeks: cap of the restricted mean time to a campaign's first win
LEVEL_NAMES = ["consultation", "petition", "demonstration", "media campaign", "direct action"]

# values of each parameter: (full, quick); every list includes the schema default
VALUES = {
    "resistance": ([0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5], [0.05, 0.15, 0.3]),
    "responsiveness": ([0.0, 0.1, 0.3, 0.6, 0.9], [0.1, 0.3, 0.6]),
    "repression": ([0.0, 0.1, 0.2, 0.4, 0.6], [0.0, 0.2, 0.6]),
    "stance": ([-0.3, 0.0, 0.3, 0.6, 0.9], [0.0, 0.6, 0.9]),
    "patience": ([2, 4, 8, 16, 26, 52], [4, 8, 16]),
    "power_needed": ([0.5, 1.0, 2.0, 4.0], [0.5, 1.0, 2.0]),   # multiples of the default list
    "cooptation": ([0.0, 0.01, 0.02, 0.05, 0.1], [0.0, 0.02, 0.1]),
    "subsidy_cut": ([0.0, 0.1, 0.2, 0.4], [0.0, 0.2, 0.4]),
}


# --------------------------------------------------------------------------- statistics

@dataclass
class Estimate:
    """Mean over replicates and its Student-t interval at LEVEL (in the observable's units)."""
    mean: float
    lo: float
    hi: float
    n: int

    @classmethod
    def of(cls, per_replicate: Sequence[float]) -> "Estimate":
        x = np.asarray(per_replicate, dtype=float)
        x = x[np.isfinite(x)]
        n = len(x)
        if n == 0:
            return cls(math.nan, math.nan, math.nan, 0)
        m = float(x.mean())
        if n < 2:
            return cls(m, math.nan, math.nan, n)
        half = float(stats.t.ppf(0.5 + LEVEL / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
        return cls(m, m - half, m + half, n)

    def disjoint(self, other: "Estimate") -> bool:
        return self.hi < other.lo or other.hi < self.lo


def fmt(x: float, digits: int = 3) -> str:
    if not np.isfinite(x):
        return "–"
    if x == 0:
        return "0"
    a = abs(x)
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}".removesuffix(".0")
    return f"{x:.{digits}g}"


def cell(e: Estimate) -> str:
    if e.n == 0:
        return "–"
    if not np.isfinite(e.lo) or e.lo == e.hi:
        return fmt(e.mean)
    return f"{fmt(e.mean)} [{fmt(e.lo)}, {fmt(e.hi)}]"


# --------------------------------------------------------------------------- observables

def first_week(mask: np.ndarray) -> np.ndarray:
    """First week (index along axis 1) where ``mask`` holds; NaN where it never does.
    ``mask`` has dims (replicate, week, neighbourhood)."""
    hit = mask.any(axis=1)
    w = np.argmax(mask, axis=1).astype(float)
    w[~hit] = np.nan
    return w


def target_concessions(ds, town: tgm.Scenario) -> np.ndarray:
    """C on each neighbourhood's target issue, dims (replicate, week, neighbourhood), share of
    the grievance conceded [0, 1]."""
    nbs = [str(b) for b in ds["neighbourhood"].values]
    out = np.empty(ds["concessions_pressure"].shape)
    for b, name in enumerate(nbs):
        issue = town[f"neighbourhoods.{b}.target_issue"]
        out[:, :, b] = ds[f"concessions_{issue}"].sel(neighbourhood=name).values
    return out


def campaigns(ds) -> Dict[str, np.ndarray]:
    """Per (replicate, neighbourhood): the week of the first petition (first week at level
    >= 1, or with a concession to pressure, which resets the level within the week), the week
    of the first concession won by pressure (NaN if none), and the organisation's member share
    in the week of the first petition."""
    esc = ds["escalation"].values
    won = ds["concessions_pressure"].values
    dwon = np.diff(won, axis=1, prepend=won[:, :1, :])
    start = first_week((esc >= 1) | (dwon > 0))
    first_win = first_week(won > 0)
    members = ds["member_by_neighbourhood"].values
    at_start = np.full(start.shape, np.nan)
    level_before = np.full(start.shape, np.nan)
    for r, b in zip(*np.nonzero(np.isfinite(start))):
        at_start[r, b] = members[r, int(start[r, b]), b]
    for r, b in zip(*np.nonzero(np.isfinite(first_win))):
        level_before[r, b] = esc[r, int(first_win[r, b]) - 1, b]
    return dict(start=start, first_win=first_win, members_at_start=at_start, level_before=level_before)


def nanmean_rows(x: np.ndarray) -> np.ndarray:
    """Mean over neighbourhoods (axis 1) ignoring NaN; NaN for a replicate with none."""
    with np.errstate(invalid="ignore"):
        n = np.isfinite(x).sum(axis=1)
        s = np.where(np.isfinite(x), x, 0).sum(axis=1)
        return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def time_to_answer(c: Dict[str, np.ndarray], T: int) -> Tuple[np.ndarray, np.ndarray]:
    """Per replicate: the restricted mean of the weeks from the first petition to the first
    concession won by pressure, capped at HORIZON weeks, over campaigns that started by week
    T − HORIZON (so that every one was followed for HORIZON weeks); and the share of campaigns
    started by week T − YEAR that won by pressure within YEAR weeks."""
    start, win = c["start"], c["first_win"]
    wait = win - start                               # NaN: never won
    rm = np.where(start <= T - HORIZON, np.minimum(np.nan_to_num(wait, nan=HORIZON), HORIZON), np.nan)
    within = np.where(start <= T - YEAR, (wait <= YEAR).astype(float), np.nan)
    return nanmean_rows(rm), nanmean_rows(within)


def meeting_concessions(ds, town: tgm.Scenario, C: np.ndarray) -> Dict[str, np.ndarray]:
    """Consultation meetings and the concessions they yield, per replicate.

    A meeting of neighbourhood b is held in week w when (w + b) is a multiple of
    organizing.meeting_interval and someone attends (README, weekly cycle 2); the default
    town invites hundreds of residents per meeting, so every scheduled meeting is held. A
    meeting concession has size small_gain (1 − C) exactly; a concession to pressure at level
    0 is also counted as won in consultation, but its size is gain (1 − C) min(1, P̃/R), so
    the two are told apart by size. Returns per replicate the number of meetings, of meeting-
    sized concessions in meeting weeks, of meeting-sized concessions outside meeting weeks
    (0 by the rule) and of other concessions counted as won in consultation."""
    interval = int(town["organizing.meeting_interval"])
    small = float(town["response.small_gain"])
    cc = ds["concessions_consultation"].values
    d = np.diff(cc, axis=1)                          # week w = 1..T
    ratio = np.where(d > 0, d / (small * (1.0 - C[:, :-1, :])), 0.0)
    meeting_sized = (d > 0) & (np.abs(ratio - 1.0) < 1e-6)
    other = (d > 0) & ~meeting_sized
    weeks = np.arange(1, cc.shape[1])
    B = cc.shape[2]
    scheduled = ((weeks[:, None] + np.arange(B)[None, :]) % interval == 0)[None, :, :]
    return dict(meetings=np.full(cc.shape[0], scheduled.sum(), dtype=float),
                conceded=(meeting_sized & scheduled).sum(axis=(1, 2)).astype(float),
                off_schedule=(meeting_sized & ~scheduled).sum(axis=(1, 2)).astype(float),
                other=other.sum(axis=(1, 2)).astype(float))


# --------------------------------------------------------------------------- runs

class Runner:
    """Runs scenario variants of the default town on common random numbers, caching each."""

    def __init__(self, replicates: int):
        self.town = tgm.Scenario.builtin("default")
        self.replicates = replicates
        self.cache: Dict[Tuple, object] = {}
        self.runs = 0

    def __call__(self, strategy: str, changes: Sequence[Tuple[str, object]] = ()):
        key = (strategy,) + tuple((k, repr(v)) for k, v in changes)
        if key not in self.cache:
            s = self.town.copy().set("strategy", strategy)
            for k, v in changes:
                s = s.set(k, v)
            self.cache[key] = tgm.run(s, seed=SEED, replicates=self.replicates)
            self.runs += self.replicates
        return self.cache[key]


def every_institution(key: str, value) -> List[Tuple[str, object]]:
    return [(f"institutions.{j}.{key}", value) for j in range(3)]


# --------------------------------------------------------------------------- the sections

@dataclass
class Table:
    parameter: str                       # the scenario key, as written in a table header
    columns: List[str]                   # observable headers, with units
    rows: List[Tuple[str, List[Estimate]]] = field(default_factory=list)
    values: List[float] = field(default_factory=list)

    def markdown(self) -> str:
        head = f"| {self.parameter} | " + " | ".join(self.columns) + " |"
        sep = "|---|" + "---|" * len(self.columns)
        body = [f"| {v} | " + " | ".join(cell(e) for e in es) + " |" for v, es in self.rows]
        return "\n".join([head, sep] + body)

    def col(self, j: int) -> List[Estimate]:
        return [es[j] for _, es in self.rows]


def trend(values: Sequence[float], est: Sequence[Estimate], unit: str = "") -> str:
    """A sentence fragment on how an observable moves from the lowest to the highest value,
    honest about overlap of the intervals."""
    a, b = est[0], est[-1]
    u = f" {unit}" if unit else ""
    if a.n == 0 or b.n == 0:
        return "cannot be estimated at one end of the range"
    m = [e.mean for e in est]
    for k in range(1, len(est) - 1):                 # an interior peak or trough, distinguishable from both ends
        e = est[k]
        top = m[k] == max(m) and e.lo > max(a.hi, b.hi)
        low = m[k] == min(m) and e.hi < min(a.lo, b.lo)
        if top or low:
            first, then = ("rises", "falls") if top else ("falls", "rises")
            return (f"{first} from {fmt(a.mean)}{u} at {values[0]:g} to a {'peak' if top else 'low'} of "
                    f"{fmt(e.mean)}{u} at {values[k]:g} and {then} to {fmt(b.mean)}{u} at {values[-1]:g}")
    if a.disjoint(b):
        word = "rises" if b.mean > a.mean else "falls"
        return f"{word} from {fmt(a.mean)}{u} at {values[0]:g} to {fmt(b.mean)}{u} at {values[-1]:g}"
    return (f"does not change distinguishably between {values[0]:g} and {values[-1]:g} "
            f"({fmt(a.mean)} and {fmt(b.mean)}{u}; the intervals overlap)")


def invert(values: Sequence[float], est: Sequence[Estimate], target: float) -> Optional[float]:
    """The parameter value at which the mean observable reaches ``target``, by linear
    interpolation between neighbouring table rows; None unless exactly one pair of
    neighbouring rows brackets ``target`` with different means (outside the table's range, on a
    plateau, or where a non-monotone curve crosses it more than once)."""
    m = np.array([e.mean for e in est], dtype=float)
    v = np.array(values, dtype=float)
    if len(m) < 2 or not np.all(np.isfinite(m)):
        return None
    found = []
    for i in range(len(m) - 1):
        lo, hi = sorted((m[i], m[i + 1]))
        if lo < hi and lo <= target <= hi:
            found.append(float(v[i] + (target - m[i]) / (m[i + 1] - m[i]) * (v[i + 1] - v[i])))
    found = sorted(set(round(x, 12) for x in found))
    return found[0] if len(found) == 1 else None


def section_resistance(run: Runner, values, T) -> Tuple[Table, str, dict]:
    cols = ["alinsky: weeks from first petition to first concession won by pressure (restricted mean, cap 104)",
            "alinsky: share of campaigns won by pressure within 52 weeks of the first petition",
            "alinsky: share of neighbourhoods that win by pressure within 5 years",
            "alinsky: level held the week before the first win (0–4)",
            "alinsky: share of neighbourhoods with any concession in year 1",
            "polder: weeks until the first concession (restricted mean, cap 104)",
            "polder: share of neighbourhoods with any concession in year 1",
            "alinsky: concessions after 5 years [0, 1]",
            "polder: concessions after 5 years [0, 1]"]
    t = Table("resistance R (every institution)", cols, values=list(values))
    for v in values:
        ch = every_institution("resistance", v)
        a, p = run("alinsky", ch), run("polder", ch)
        Ca, Cp = target_concessions(a, run.town), target_concessions(p, run.town)
        c = campaigns(a)
        rm, within = time_to_answer(c, T)
        first_p = first_week(Cp > 0)
        t.rows.append((f"{v:g}", [
            Estimate.of(rm), Estimate.of(within), Estimate.of(np.isfinite(c["first_win"]).mean(axis=1)),
            Estimate.of(nanmean_rows(c["level_before"])),
            Estimate.of((Ca[:, YEAR, :] > 0).mean(axis=1)),
            Estimate.of(nanmean_rows(np.minimum(np.nan_to_num(first_p, nan=HORIZON), HORIZON))),
            Estimate.of((Cp[:, YEAR, :] > 0).mean(axis=1)),
            Estimate.of(a["concessions"].values[:, T]), Estimate.of(p["concessions"].values[:, T])]))
    vals = list(values)
    d15 = vals.index(0.15) if 0.15 in vals else 0
    text = (
        "Resistance R is the smoothed pressure P̃ at which an institution concedes to pressure "
        "with an even chance in a week (weekly chance logistic((P̃/R − 1)/spread)). In observable "
        "terms it is **how long a campaign waits for its first concession**. The model's only answer "
        "to pressure is a concession (or co-optation and, from the media campaign on, a sanction), so "
        "\"first answer\" below means the first concession won by pressure. The table sets the same R "
        "for all three institutions (the default town has 0.15 for the municipality and the housing "
        "corporation and 0.20 for the company). A campaign starts at its first petition (level 1, "
        "power ≥ tactics.power_needed[1]); weeks are counted from there, and a campaign without a win "
        f"counts as {HORIZON} weeks (a restricted mean over campaigns that started by week {T - HORIZON}). "
        f"Under alinsky the wait {trend(vals, t.col(0), 'weeks')}, the share of campaigns won within "
        f"a year {trend(vals, t.col(1))}, and the share of neighbourhoods that win anything by pressure "
        f"in five years {trend(vals, t.col(2))}. The fourth column says at which level the first wins "
        "come (1 petition, 2 demonstration, 3 media campaign, 4 direct action). Under polder the first "
        "concession comes from a consultation meeting, whose chance is ω, not R: the wait "
        f"{trend(vals, t.col(5), 'weeks')}, and the share conceded after five years {trend(vals, t.col(8))}. "
        f"At R = {vals[d15]:g} (the default of the key), {fmt(100 * t.col(2)[d15].mean, 2)} % of the "
        "neighbourhoods win anything by pressure within five years. "
        "R enters a polder town only through the organisation's weak level-0 pressure, so **a polder "
        "municipality's record says little about R**: estimate R from campaigns.")
    return t, text, {}


def section_responsiveness(run: Runner, values, T) -> Tuple[Table, str, dict]:
    cols = ["polder: consultation meetings scheduled (all replicates)",
            "polder: share of meetings that yield a concession",
            "polder: concessions after 1 year [0, 1]",
            "polder: concessions after 5 years [0, 1]",
            "polder: trust after 5 years [0, 1]",
            "alinsky: concessions after 5 years [0, 1]"]
    t = Table("responsiveness ω (every institution)", cols, values=list(values))
    diag = dict(off_schedule=0.0, other=0.0, conceded=0.0)
    for v in values:
        ch = every_institution("responsiveness", v)
        p, a = run("polder", ch), run("alinsky", ch)
        Cp = target_concessions(p, run.town)
        m = meeting_concessions(p, run.town, Cp)
        for k in diag:
            diag[k] += float(m[k].sum())
        share = m["conceded"] / m["meetings"]
        t.rows.append((f"{v:g}", [
            Estimate(float(m["meetings"].sum()), math.nan, math.nan, 1), Estimate.of(share),
            Estimate.of(p["concessions"].values[:, YEAR]), Estimate.of(p["concessions"].values[:, T]),
            Estimate.of(p["trust"].values[:, T]), Estimate.of(a["concessions"].values[:, T])]))
    vals = list(values)
    inside = sum(1 for v, e in zip(vals, t.col(1)) if e.n and e.lo - 1e-12 <= v <= e.hi + 1e-12)
    text = (
        "Responsiveness ω is the chance that a consultation meeting yields a (small) concession "
        "(size response.small_gain × what is still open), and it scales the pressure of consultation "
        "(an organisation at level 0, and the attendees' voice). By the model's rule **the share of consultation meetings that "
        "concede is ω itself**; the second column measures it from the runs (a meeting of each "
        "neighbourhood every organizing.meeting_interval = 4 weeks, staggered; a concession of exactly "
        "the meeting size in a meeting week counts as the meeting's; a scheduled meeting is held when "
        "at least one invitee attends, which with hundreds of invitations a meeting is practically "
        "certain, and a meeting not held would show as a share below ω), and the 95 % interval contains ω for "
        f"{inside} of {len(vals)} values. Of the concessions counted as won in consultation under "
        f"polder, {int(diag['other'])} (of {int(diag['other'] + diag['conceded'])}) were concessions "
        "to level-0 pressure rather than meeting concessions, and "
        f"{int(diag['off_schedule'])} meeting-sized concessions fell outside a meeting week. "
        f"Under polder, the share conceded after one year {trend(vals, t.col(2))}, and trust after five "
        f"years {trend(vals, t.col(4))} (attendees gain trust in a week with a concession and lose "
        "it in one without). An analyst can read ω off the minutes: **the share of neighbourhood "
        "consultations after which the municipality changed something concrete**.")
    return t, text, diag


def section_repression(run: Runner, values, T) -> Tuple[Table, str, dict]:
    years = T / YEAR
    cols = ["alinsky: sanctions per year (town)",
            "alinsky: lowest worker funding reached [0, 1]",
            "alinsky: trust lost in 5 years [0, 1]",
            "alinsky: member share after 5 years",
            "alinsky: concessions after 5 years [0, 1]"]
    t = Table("repression ρ (every institution)", cols, values=list(values))
    for v in values:
        a = run("alinsky", every_institution("repression", v))
        fund = a["worker_funding_min"].values.min(axis=1)
        t.rows.append((f"{v:g}", [
            Estimate.of(a["sanctions_total"].values[:, T] / years), Estimate.of(fund),
            Estimate.of(a["trust"].values[:, 0] - a["trust"].values[:, T]),
            Estimate.of(a["member"].values[:, T]), Estimate.of(a["concessions"].values[:, T])]))
    vals = list(values)
    text = (
        "Repression ρ is the weekly chance of a sanction against a campaign at the media-campaign "
        "level or above, times the institution's legitimacy Λ and level/4. A sanction raises the "
        "perceived risk of acting, costs the neighbourhood trust, and cuts the subsidy of the social "
        "workers the sanctioning institution funds in that neighbourhood (in the default town the "
        "municipality funds all of them; the company and the housing corporation fund none). Observable: **sanctions per year** — refused permits, fines, police action, "
        "subsidy conditions invoked against a campaign — and the **lowest funding** the "
        f"neighbourhood workers fell to. Under alinsky, sanctions per year {trend(vals, t.col(0))}; "
        f"the lowest worker funding {trend(vals, t.col(1))}; the trust lost in five years "
        f"{trend(vals, t.col(2))} (a negative value is trust gained).")
    return t, text, {}


def section_stance(run: Runner, values, T) -> Tuple[Table, str, dict]:
    cols = ["polder: attitude gap stance − mean attitude after 5 years [−2, 2]",
            "polder: change of mean attitude in 5 years",
            "alinsky: attitude gap after 5 years [−2, 2]",
            "alinsky: change of mean attitude in 5 years",
            "alinsky: bimodality coefficient after 5 years (> 5/9: two camps)"]
    t = Table("stance a_j (every institution)", cols, values=list(values))
    for v in values:
        ch = every_institution("stance", v)
        p, a = run("polder", ch), run("alinsky", ch)
        am_p, am_a = p["attitude_mean"].values, a["attitude_mean"].values
        t.rows.append((f"{v:g}", [
            Estimate.of(v - am_p[:, T]), Estimate.of(am_p[:, T] - am_p[:, 0]),
            Estimate.of(v - am_a[:, T]), Estimate.of(am_a[:, T] - am_a[:, 0]),
            Estimate.of(a["attitude_bimodality"].values[:, T])]))
    vals = list(values)
    start = float(run("polder", every_institution("stance", vals[0]))["attitude_mean"].values[:, 0].mean())
    moved = max(abs(e.mean) for e in t.col(1) + t.col(3))
    text = (
        "Stance a_j is the institution's own position on the scale [−1, 1] on which residents' "
        "attitudes live (the default town's group means: established 0.6, mixed 0.35, marginalised 0). "
        "Meeting attendees within "
        "feedback.confidence (0.4) of it move towards it; actives of a campaign at level 2 or higher "
        "who are farther than feedback.rejection (0.8) move away from it. Attitudes feed no decision "
        "in the model (joining, acting and conceding do not read them), so stance changes only the "
        "attitude metrics. Observable: residents' position on a survey item on which the municipality's "
        "own position is known, rescaled to [−1, 1], and the **gap** between the two; the default town "
        f"starts at a mean attitude of {fmt(start)}. The gap "
        f"between stance and mean attitude after five years under polder {trend(vals, t.col(0))}; "
        f"the change in mean attitude under polder {trend(vals, t.col(1))}, and under alinsky "
        f"{trend(vals, t.col(3))}. The mean attitude moves by at most {fmt(moved)} in five years at any "
        "stance in the table, so the gap is almost the stance minus the starting attitudes: **stance is "
        "best measured directly** — the institution's position on the same survey scale — rather than "
        "inferred from how residents' attitudes move.")
    return t, text, {}


def escalation_row(a, T) -> List[Estimate]:
    c = campaigns(a)
    esc = a["escalation"].values
    first = np.nan_to_num(c["start"], nan=T)
    highest = esc.max(axis=1)
    return [Estimate.of(first.mean(axis=1)), Estimate.of(np.isfinite(c["start"]).mean(axis=1)),
            Estimate.of(nanmean_rows(c["members_at_start"])), Estimate.of(highest.mean(axis=1)),
            Estimate.of((highest >= 4).mean(axis=1)), Estimate.of(a["sanctions_total"].values[:, T] / (T / YEAR))]


ESCALATION_COLS = ["alinsky: weeks until the first petition (never: 260)",
                   "alinsky: share of neighbourhoods that ever petition",
                   "alinsky: member share of the neighbourhood at its first petition",
                   "alinsky: highest level reached (0–4, mean over neighbourhoods)",
                   "alinsky: share of neighbourhoods reaching direct action (level 4)",
                   "alinsky: sanctions per year (town)"]


def section_patience(run: Runner, values, T) -> Tuple[Table, str, dict]:
    t = Table("tactics.patience (weeks)", ESCALATION_COLS, values=list(values))
    for v in values:
        t.rows.append((f"{v:g}", escalation_row(run("alinsky", [("tactics.patience", int(v))]), T)))
    vals = list(values)
    text = (
        "Patience is the number of weeks an organisation stays at a level without a concession "
        "before it escalates (if it has the power for the next level). It is also the interval at "
        "which unanswered action counts as ignored (efficacy falls). Observable: **how long a "
        "residents' group tries one tactic (letters, a petition, a demonstration) before it moves to "
        "the next**. The wait until the first petition includes the time to build the power for it; "
        f"under alinsky it {trend(vals, t.col(0), 'weeks')}, and the highest level reached "
        f"{trend(vals, t.col(3))}.")
    return t, text, {}


def section_power_needed(run: Runner, values, T) -> Tuple[Table, str, dict]:
    base = list(run.town["tactics.power_needed"])
    t = Table("tactics.power_needed (× the default " + str(base) + ")", ESCALATION_COLS, values=list(values))
    for v in values:
        t.rows.append((f"{v:g}", escalation_row(run("alinsky", [("tactics.power_needed", [v * x for x in base])]), T)))
    vals = list(values)
    text = (
        "Power needed is the organisation's power Π — actives plus member_weight × other members "
        "(plus allied organisations), per resident, times (1 + the leaders' mean skill) — required "
        "for each level; the table scales the whole list. Observable: **how large a share of the "
        "neighbourhood a group has organised when it first goes public** with a petition "
        "(third column), and how far its campaigns escalate. Under alinsky, the member share at the "
        f"first petition {trend(vals, t.col(2))}, the wait until the first petition "
        f"{trend(vals, t.col(0), 'weeks')}, and the highest level reached {trend(vals, t.col(3))}.")
    return t, text, {}


def section_cooptation(run: Runner, values, T) -> Tuple[Table, str, dict]:
    years = T / YEAR
    cols = ["polder: co-opted leaders per year (town)",
            "alinsky: co-opted leaders per year (town)",
            "polder: leaders after 5 years (residents)",
            "alinsky: leaders after 5 years (residents)",
            "alinsky: concessions after 5 years [0, 1]"]
    t = Table("response.cooptation (weekly chance)", cols, values=list(values))
    for v in values:
        ch = [("response.cooptation", v)]
        p, a = run("polder", ch), run("alinsky", ch)
        t.rows.append((f"{v:g}", [
            Estimate.of(p["coopted_leaders"].values[:, T] / years), Estimate.of(a["coopted_leaders"].values[:, T] / years),
            Estimate.of(p["leaders"].values[:, T]), Estimate.of(a["leaders"].values[:, T]), Estimate.of(a["concessions"].values[:, T])]))
    vals = list(values)
    default = float(run.town["response.cooptation"])
    d = vals.index(default) if default in vals else 0
    lp, la = t.col(2)[d], t.col(3)[d]
    fewer = ("fewer" if lp.hi < la.lo else "more" if lp.lo > la.hi else "not distinguishably fewer")
    text = (
        "Co-optation is the weekly chance, per neighbourhood, that the target institution draws one "
        "of its leaders (a skilled member) into its fold while the institution's smoothed pressure stays "
        "below its resistance and the organisation is at level 0 or 1; a co-opted leader no longer leads or counts in power. "
        "Observable: **resident leaders per year who take a seat on an advisory board, a paid "
        "position or a project of the institution they were pressing, and stop organising**. "
        f"Co-opted leaders per year under alinsky {trend(vals, t.col(1), 'a year')}, and under "
        f"polder {trend(vals, t.col(0), 'a year')}: under polder there are {fewer} leaders to co-opt "
        f"({fmt(lp.mean)} against {fmt(la.mean)} under alinsky after five years at cooptation {vals[d]:g}).")
    return t, text, {}


def section_subsidy_cut(run: Runner, values, T) -> Tuple[Table, str, dict]:
    cols = ["alinsky: lowest worker funding reached [0, 1]",
            "alinsky: mean worker funding over 5 years [0, 1]",
            "alinsky: collective hours of all workers (hours/week, 5-year mean)",
            "alinsky: sanctions per year (town)",
            "alinsky: member share after 5 years"]
    t = Table("response.subsidy_cut (funding lost per sanction)", cols, values=list(values))
    for v in values:
        a = run("alinsky", [("response.subsidy_cut", v)])
        t.rows.append((f"{v:g}", [
            Estimate.of(a["worker_funding_min"].values.min(axis=1)),
            Estimate.of(a["worker_funding_mean"].values[:, 1:].mean(axis=1)),
            Estimate.of(a["collective_hours"].values[:, 1:].mean(axis=1)),
            Estimate.of(a["sanctions_total"].values[:, T] / (T / YEAR)), Estimate.of(a["member"].values[:, T])]))
    vals = list(values)
    text = (
        "Subsidy cut is the share of a fully dependent social worker's funding that one sanction "
        "takes away (funding recovers by response.funding_recovery = 0.01 a week without sanctions). "
        "Observable: **how much of a neighbourhood team's budget (hours) a funder withdrew after a "
        f"confrontation**. Under alinsky the lowest worker funding {trend(vals, t.col(0))}, and the "
        f"collective hours of the workers {trend(vals, t.col(2), 'hours/week')}.")
    return t, text, {}


SECTIONS: List[Tuple[str, str, Callable]] = [
    ("resistance", "Resistance R (`institutions[].resistance`)", section_resistance),
    ("responsiveness", "Responsiveness ω (`institutions[].responsiveness`)", section_responsiveness),
    ("repression", "Repression ρ (`institutions[].repression`)", section_repression),
    ("stance", "Stance (`institutions[].stance`)", section_stance),
    ("patience", "Patience (`tactics.patience`)", section_patience),
    ("power_needed", "Power needed (`tactics.power_needed`)", section_power_needed),
    ("cooptation", "Co-optation (`response.cooptation`)", section_cooptation),
    ("subsidy_cut", "Subsidy cut (`response.subsidy_cut`)", section_subsidy_cut),
]


# --------------------------------------------------------------------------- how to use

def how_to_use(tables: Dict[str, Table]) -> str:
    out = ["## How to use this", "",
           "The default town is not your town: it has its own neighbourhoods, groups, workers and "
           "civil society organisations, and every other parameter at its default. The lines below "
           "are a **calibration aid**: they say which parameter value makes *the default town* "
           "reproduce an observation like yours, by linear interpolation between the table rows "
           "(only inside the range of the table, and only where the table's means cross your "
           "observation once). They are a starting point for a scenario of your own municipality "
           "and for the robustness check below, not an estimate of your municipality's parameters.",
           ""]

    def lines(table: Table, col: int, targets, sentence: Callable[[float, float], str], missing: str):
        vals, est = table.values, table.col(col)
        for x in targets:
            v = invert(vals, est, x)
            out.append("- " + (sentence(x, v) if v is not None else missing.format(x=fmt(x))))

    r = tables.get("resistance")
    if r:
        lo, hi = sorted([r.col(0)[0].mean, r.col(0)[-1].mean])
        targets = [x for x in (13, 26, 39, 52, 65, 78, 91) if lo <= x <= hi] or [round(lo + (hi - lo) / 2)]
        lines(r, 0, targets,
              lambda x, v: (f"If in your municipality a petition of about 1 % of residents usually gets its "
                            f"first answer — a concrete concession — about {fmt(x)} weeks after it went out, "
                            f"a resistance around {v:.2g} reproduces that in the default town (under "
                            f"alinsky; restricted mean, campaigns unanswered for {HORIZON} weeks count "
                            f"as {HORIZON})."),
              "A first concession after about {x} weeks is outside what the table's resistances give.")
        d15 = r.values.index(0.15) if 0.15 in r.values else None
        if d15 is not None and r.col(3)[d15].n:
            m = r.col(3)[d15].mean
            out.append(f"  The model's first answer often comes after the campaign has escalated: at R = 0.15 the "
                       f"level held the week before the first win averages {fmt(m)} (1 petition, 2 demonstration, "
                       f"3 media campaign, 4 direct action), so at least {100 * max(0.0, (m - 1) / 3):.0f} % of "
                       "first wins come beyond the petition (levels are at most 4, so a mean m leaves at most "
                       "(4 − m)/3 of them at the petition or below); at the lowest resistance of the table the "
                       f"mean is {fmt(r.col(3)[0].mean)}.")
        pe = tables.get("power_needed")
        if pe:
            d = pe.values.index(1.0) if 1.0 in pe.values else None
            if d is not None:
                m = pe.col(2)[d]
                out.append(f"  What \"a petition of about 1 % of residents\" means here: an organisation of the "
                           f"default town first petitions when about {100 * m.mean:.1f} % [{100 * m.lo:.1f}, "
                           f"{100 * m.hi:.1f}] of its neighbourhood's residents are members (table of power "
                           "needed), since the level-1 threshold, power 0.01, counts a member who does not act "
                           "at member_weight 0.3 (times 1 + the leaders' skill). A petition carried by about "
                           "1 % of residents who act (sign, collect, show up) reaches that threshold on its own "
                           "(power ≥ 0.01 × (1 + skill)); the same 1 % as passive supporters does not.")
    pe = tables.get("power_needed")
    if pe:
        lines(pe, 2, [0.01, 0.02, 0.04, 0.06],
              lambda x, v: (f"If residents' groups in your town go public with a first petition when about "
                            f"{100 * x:g} % of the neighbourhood are members, tactics.power_needed at about "
                            f"{v:.2g} × the default reproduces that in the default town (under alinsky)."),
              "A first petition at about {x} of the neighbourhood organised is outside what the table gives.")
    w = tables.get("responsiveness")
    if w:
        out.append("- If about k in 10 neighbourhood consultations lead to a concrete change, a "
                   "responsiveness ω ≈ k/10 reproduces that (by the model's rule; the measured shares "
                   "in the table agree).")
    p = tables.get("repression")
    if p:
        lines(p, 0, [1, 2, 5, 10],
              lambda x, v: (f"If campaigns in your town that escalate to media campaigns and direct "
                            f"action draw about {fmt(x)} sanction(s) a year between them, a repression "
                            f"around {v:.2g} reproduces that in the default town (under alinsky)."),
              "About {x} sanctions a year is outside what the table's repressions give under alinsky.")
    c = tables.get("cooptation")
    if c:
        lines(c, 1, [0.5, 1, 2, 4],
              lambda x, v: (f"If about {fmt(x)} resident leader(s) a year move into advisory or paid "
                            f"roles of the institutions they pressed and stop organising, a co-optation "
                            f"chance around {v:.2g} a week reproduces that in the default town (under "
                            f"alinsky)."),
              "About {x} co-opted leaders a year is outside what the table's co-optation chances give under alinsky.")
    out.append("")
    out.append("Parameters you cannot pin down this way — or only to a range — belong in the "
               "robustness check below.")
    return "\n".join(out)


EXPERIMENT = ROOT / "scenarios" / "experiments" / "robustness_resistance_responsiveness.yaml"


def robustness() -> str:
    """The robustness section, with the grid read from the experiment file."""
    import yaml

    e = yaml.safe_load(EXPERIMENT.read_text(encoding="utf-8"))
    f = {x["name"]: x["values"] for x in e["factors"]}
    arms = ", ".join(str(a) for a in e["arms"]["values"])
    grid = " × ".join(f"{n} ({', '.join(f'{v:g}' for v in vals)})" for n, vals in f.items())
    intro = f"""## Robustness check for the parameters you had to guess

Resistance and responsiveness are the two institutional parameters an analyst most often has to
guess. The experiment `scenarios/experiments/{EXPERIMENT.name}` runs the strategies
({arms}) on the default town over a grid of {grid}, the same value for every institution, with
{e['replicates']} paired replicates per cell and strategy (common random numbers). Copy it, point
`scenario:` at your own scenario, and set the values to the plausible range of your guesses.
"""
    return intro + ROBUSTNESS


ROBUSTNESS = """
```
tegenmacht experiment scenarios/experiments/robustness_resistance_responsiveness.yaml
tegenmacht analyse robustness_resistance_responsiveness.h5 --regime concessions
```

```python
import tegenmacht as tgm
ds = tgm.load_results("robustness_resistance_responsiveness.h5")
regime = tgm.analysis.regime_map(ds, "concessions")       # best strategy per cell, margin and interval
tgm.plot.regime_map(regime, x="resistance", y="responsiveness")   # colour = best, hatched = tie
```

How to read it: each cell names the best strategy on the outcome (here the concessions won after
five years; use `trust`, `hardship` or `member_by_group_marginalised` for other goals), the runner-up
and the paired interval of their difference — `win` if it excludes 0, `tie` if not. Find the band of
cells inside the plausible range of your guessed parameters. **If the best strategy is the same
throughout that band, the advice does not depend on the guess. If it changes within the band, the
advice depends on the guess**: say so, and try to narrow the guess (with the observables above)
before choosing. A `tie` means the replicates cannot tell the two best apart at that cell; more
replicates (`--set replicates=16`) may separate them, or they are in practice equivalent.
"""


# --------------------------------------------------------------------------- main

def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 replicates and three values per parameter (under two minutes)")
    ap.add_argument("--replicates", type=int, default=None, help="replicates per value (default 20; --quick 3)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "parameter_guide.md"), help="markdown file to write")
    ap.add_argument("--only", default=None, help="comma-separated parameters (default: all)")
    args = ap.parse_args(argv)

    reps = args.replicates or (3 if args.quick else 20)
    run = Runner(reps)
    T = int(run.town["steps"])
    names = [n for n, _, _ in SECTIONS]
    only = args.only.split(",") if args.only else names
    unknown = set(only) - set(names)
    if unknown:
        ap.error(f"unknown parameter(s) {sorted(unknown)}; known: {names}")

    t0 = time.time()
    tables: Dict[str, Table] = {}
    parts: List[str] = []
    for name, title, fn in SECTIONS:
        if name not in only:
            continue
        values = VALUES[name][1 if args.quick else 0]
        table, text, _ = fn(run, values, T)
        tables[name] = table
        parts.append(f"## {title}\n\n{text}\n\n{table.markdown()}\n")
        print(f"{name}: {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    elapsed = time.time() - t0

    cmd = "scripts/parameter_guide.py" + (" --quick" if args.quick else "") + \
          (f" --replicates {args.replicates}" if args.replicates else "") + (f" --only {args.only}" if args.only else "")
    header = f"""# Parameter guide: what the institutional and strategy parameters mean in observable terms

Generated by `{cmd}` (tegenmacht {tgm.__version__}; {run.runs} runs of 260 weeks in {elapsed:.0f} s);
do not edit by hand. Regenerate from the repository root with

```
PYTHONPATH=build/release/python python3 scripts/parameter_guide.py
```

Every number comes from the default town (`scenarios/default.yaml`: 20 000 residents in four
neighbourhoods, three institutions, 260 weeks), with one parameter changed at a time and everything
else at its default. Each value is run with {reps} replicates (seed {SEED}); replicate r of every
value starts from the same town and draws the same random numbers (common random numbers), so
differences between rows are differences of the parameter, not of luck. A cell is the **mean over
replicates [95 % Student-t interval over replicates]** (a single number: every replicate gave
the same value; the interval is symmetric and may reach past the range of a bounded quantity, such as
a negative lower end for a share, when replicates differ much); a share is a fraction (0.25 = 25 %), trust,
funding and concessions are on [0, 1] (concessions: the share of the neighbourhood's grievance on its
target issue conceded), attitudes on [−1, 1], times in weeks. Where the strategy is named (polder:
consultation; alinsky: confrontation), the row is run under that strategy preset. The metrics and
rules are those of [models/organizing/README.md](../models/organizing/README.md).
"""
    text = header + "\n" + "\n".join(parts) + "\n" + how_to_use(tables) + "\n\n" + robustness()
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} ({run.runs} runs, {elapsed:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
