"""scripts/parameter_guide.py --quick: the guide it writes has one table row per parameter value,
and its measured share of consultation meetings that concede agrees with the model's rule
(a meeting concedes with probability ω, README weekly cycle step 5) within binomial sampling error.
"""

import math
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "parameter_guide.py"
sys.path.insert(0, str(ROOT / "scripts"))
import parameter_guide  # noqa: E402  (the values it promises to run)


@pytest.fixture(scope="module")
def guide(tmp_path_factory):
    out = tmp_path_factory.mktemp("guide") / "guide.md"
    env = dict(os.environ, MPLBACKEND="Agg")
    subprocess.run([sys.executable, str(SCRIPT), "--quick", "--out", str(out)], check=True, env=env,
                   timeout=600, cwd=tmp_path_factory.getbasetemp())
    return out.read_text(encoding="utf-8")


def tables(text):
    """{section title: (header cells, [row cells])} of every markdown table under a '## ' title."""
    out, title, rows = {}, None, []
    for line in text.splitlines() + [""]:
        if line.startswith("## "):
            title = line[3:].strip()
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif rows:
            out[title] = (rows[0], rows[2:])
            rows = []
    return out


def estimate(cell):
    """'0.31 [0.27, 0.35]' or '0.31' -> (mean, lo, hi); lo/hi None for a single number."""
    m = re.fullmatch(r"(-?[\d.e+-]+)(?: \[(-?[\d.e+-]+), (-?[\d.e+-]+)\])?", cell)
    assert m, f"not an estimate: {cell!r}"
    mean = float(m.group(1))
    return mean, (float(m.group(2)) if m.group(2) else None), (float(m.group(3)) if m.group(3) else None)


def test_every_parameter_has_a_table_with_one_row_per_value(guide):
    t = tables(guide)
    for name, title, _ in parameter_guide.SECTIONS:
        assert title in t, f"no table for {name}"
        header, rows = t[title]
        values = parameter_guide.VALUES[name][1]
        assert [float(r[0]) for r in rows] == [float(v) for v in values], name
        assert all(len(r) == len(header) for r in rows), name


def test_share_of_meetings_that_concede_is_responsiveness(guide):
    # The model's rule: each consultation meeting held concedes with probability ω. The count of
    # meeting concessions out of n meetings is then Binomial(n, ω); allow 4 binomial standard errors.
    header, rows = tables(guide)[parameter_guide.SECTIONS[1][1]]
    i_n = next(i for i, h in enumerate(header) if "meetings scheduled" in h)
    i_share = next(i for i, h in enumerate(header) if "share of meetings" in h)
    for row in rows:
        omega = float(row[0])
        n = float(row[i_n])
        # one meeting every 4 weeks: 65 per neighbourhood in 260 weeks, 4 neighbourhoods, 3 replicates.
        # A scheduled meeting that nobody attends concedes nothing, so it would pull the share below ω.
        assert n == 65 * 4 * 3
        share = estimate(row[i_share])[0]
        se = math.sqrt(omega * (1 - omega) / n)
        assert abs(share - omega) <= 4 * se, (omega, share, se)


def test_resistance_slows_the_first_win_of_a_campaign(guide):
    # Concession to pressure has weekly chance logistic((P̃/R − 1)/spread): at the same pressure a
    # higher R concedes less often, so the wait from the first petition to the first win grows.
    header, rows = tables(guide)[parameter_guide.SECTIONS[0][1]]
    waits = [estimate(r[1])[0] for r in rows]
    assert waits[0] < waits[-1], waits
    assert all(w <= parameter_guide.HORIZON for w in waits)


def test_no_sanctions_without_repression(guide):
    # A sanction happens with probability ρ Λ e/4: with ρ = 0 there is none, whatever else happens.
    header, rows = tables(guide)[parameter_guide.SECTIONS[2][1]]
    row = next(r for r in rows if float(r[0]) == 0)
    assert estimate(row[1])[0] == 0
    assert estimate(row[2])[0] == 1          # and no worker loses funding
