"""The report (tgm.report / `tegenmacht report`) opened in headless Chromium, and the CSV
export read back with pandas."""

import math
import os
import pathlib
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import tegenmacht as tgm


ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """A small compare of three strategies on common random numbers, every series recorded."""
    d = tmp_path_factory.mktemp("report")
    # a long folder name without break points: the warnings quote the path, and the page must
    # still fit a phone whatever folder the scenario lives in
    folder = d / ("course_material_" * 6 + "scenarios")
    folder.mkdir()
    shutil.copy(ROOT / "scenarios" / "default.yaml", folder / "default.yaml")
    town = tgm.Scenario.load(folder / "default.yaml").set("steps", 40)
    path = d / "small_compare.h5"
    tgm.compare(town, values=["polder", "alinsky", "coalition"], replicates=4, record="all", output=path,
                progress=False)
    return path


def _artefacts():
    base = pathlib.Path(os.environ.get("TEGENMACHT_BUILD_DIR", pathlib.Path(__file__).resolve().parents[2] /
                                       "build" / "release"))
    d = base / "test-artefacts"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-headless-shell")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("Chromium and chromedriver are not installed (scripts/deps.sh installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=opts)


def test_report_in_a_real_browser(comparison, tmp_path):
    import json

    out = tgm.report(comparison, tmp_path / "report.html")
    ds = tgm.load_results(comparison)
    table = tgm.analysis.paired(ds)
    b = _browser()
    try:
        b.set_window_size(1200, 900)
        b.get(out.resolve().as_uri())
        # every image loaded, with a size
        images = b.execute_script("return [...document.images].map(i => [i.complete, i.naturalWidth, "
                                  "i.naturalHeight, i.alt.length]);")
        assert len(images) >= 3, images  # time series, Arnstein's ladder, participation by group
        for complete, w, h, alt in images:
            assert complete and w > 0 and h > 0 and alt > 20
        # the numbers on the page are the file's
        cells = b.execute_script("return [...document.querySelectorAll('td[data-stat]')].map(td => "
                                 "[td.dataset.outcome, td.dataset.arm, td.dataset.stat, td.dataset.value, "
                                 "td.dataset.lo || '', td.dataset.hi || '', td.textContent]);")
        diffs = [c for c in cells if c[2] == "mean_diff"]
        groups = [str(g) for g in ds["group"].values]
        by_group = [f"{m}_{g}" for m in ("member_by_group", "active_by_group") for g in groups]
        assert len(diffs) == (len(ds.attrs["outcome_names"]) + len(by_group)) * 2  # + who takes part, by group

        def final(outcome):  # (arm, replicate) values: an outcome, or a group's share in the final week
            if outcome in ds.attrs["outcome_names"]:
                return ds[outcome].isel(point=0)
            metric, group = next((m, g) for m in ("member_by_group", "active_by_group") for g in groups
                                 if outcome == f"{m}_{g}")
            return ds[metric + "_series"].sel(group=group).isel(point=0, week=-1)

        import scipy.stats as st
        for outcome, arm, _, value, lo, hi, text in diffs:
            d = (final(outcome).sel(arm=arm) - final(outcome).sel(arm="polder")).values
            assert float(value) == pytest.approx(d.mean(), rel=1e-12, abs=1e-15)
            if outcome in ds.attrs["outcome_names"]:
                assert float(value) == table.loc[(outcome, arm)]["mean_diff"]
            if d.std() > 0:
                want = st.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=st.sem(d))
                assert (float(lo), float(hi)) == pytest.approx(want, rel=1e-9, abs=1e-15)
        for outcome, arm, _, value, *_ in (c for c in cells if c[2] == "mean"):
            assert float(value) == pytest.approx(float(final(outcome).sel(arm=arm).mean()), rel=1e-12, abs=1e-15)
        # the sentences never claim more than the interval
        sentences = b.execute_script("return [...document.querySelectorAll('li[data-outcome]')].map(li => "
                                     "[li.dataset.outcome, li.dataset.arm, li.textContent]);")
        assert len(sentences) == len(diffs)
        lohi = {(c[0], c[1]): (float(c[4]), float(c[5])) for c in diffs}
        for outcome, arm, text in sentences:
            d = (final(outcome).sel(arm=arm) - final(outcome).sel(arm="polder")).values
            lo, hi = lohi[(outcome, arm)]
            if d.std() > 0 and lo <= 0 <= hi:
                assert "no clear difference" in text, text
            elif d.std() > 0:
                assert "no clear difference" not in text and ("better" in text or "worse" in text), text
        # no console errors; no request but the page itself and its inline data
        assert [e for e in b.get_log("browser") if e["level"] == "SEVERE"] == []
        urls, failed = [], []
        for entry in b.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg["method"] == "Network.requestWillBeSent":
                urls.append(msg["params"]["request"]["url"])
            if msg["method"] == "Network.loadingFailed":
                failed.append(msg["params"])
        assert urls and all(u.startswith(("file://", "data:")) for u in urls), urls
        assert failed == []
        b.save_screenshot(str(_artefacts() / "report_desktop.png"))
        # readable on a phone: nothing wider than the screen but the tables' own scroll boxes
        b.set_window_size(390, 844)
        b.get(out.resolve().as_uri())
        width = b.execute_script("return document.documentElement.scrollWidth;")
        inner = b.execute_script("return window.innerWidth;")
        assert width <= inner + 1, (width, inner)
        b.save_screenshot(str(_artefacts() / "report_phone.png"))
        assert (_artefacts() / "report_phone.png").stat().st_size > 10_000
    finally:
        b.quit()


def test_report_page_says_what_was_run_and_warns(comparison, tmp_path):
    out = tgm.report(comparison, tmp_path / "r.html", baseline="alinsky", title="Three strategies")
    page = out.read_text(encoding="utf-8")
    ds = tgm.load_results(comparison)
    assert "<title>Three strategies</title>" in page
    assert ds.attrs["git_commit"] in page and ds.attrs["tegenmacht_version"] in page
    assert "polder − alinsky" in page and "coalition − alinsky" in page
    assert "The resolved scenario" in page and "<details>" in page
    assert "too few to estimate" in page  # 4 replicates
    assert "holds by construction" in page  # e.g. sanctions under polder are 0 in every run
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert not (tmp_path / "r.html.partial").exists()
    with pytest.raises(tgm.ArgumentError, match="baseline"):
        tgm.report(comparison, tmp_path / "x.html", baseline="nobody")
    with pytest.raises(tgm.ArgumentError, match="output"):
        tgm.report(comparison, tmp_path)
    with pytest.raises(tgm.ArgumentError, match="must end in .html"):
        tgm.report(comparison, comparison)  # never over the results file
    with pytest.raises(tgm.ResultsIOError):
        tgm.report(tmp_path / "missing.h5", tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_report_of_run_files(root, tmp_path):
    town = tgm.Scenario.load(root / "scenarios" / "default.yaml").set("steps", 30).set("replicates", 3)
    for s in ("polder", "alinsky"):
        tgm.run(town.copy().set("strategy", s), seed=5, output=tmp_path / f"{s}.h5")
    out = tgm.report([tmp_path / "polder.h5", tmp_path / "alinsky.h5"], tmp_path / "runs.html")
    page = out.read_text(encoding="utf-8")
    assert "alinsky − polder" in page and "run files" in page
    # the paired differences are those of the final week, replicate by replicate
    p, a = tgm.load_results(tmp_path / "polder.h5"), tgm.load_results(tmp_path / "alinsky.h5")
    d = (a["trust"].isel(week=-1) - p["trust"].isel(week=-1)).values
    assert f'data-value="{float(d.mean())!r}"' in page


def test_export_reads_back_equal(comparison, tmp_path):
    paths = tgm.export(comparison, tmp_path / "csv")
    assert [p.name for p in paths] == ["outcomes.csv", "series.csv"]
    ds = tgm.load_results(comparison)
    # the shortest text that reads back to the same double (Python repr); pandas needs its exact parser for it
    o = pd.read_csv(tmp_path / "csv" / "outcomes.csv", float_precision="round_trip")
    assert list(o.columns[:3]) == ["point", "strategy", "replicate"]
    trust_col = next(c for c in o.columns if c.startswith("trust ["))
    assert trust_col == "trust [0, 1]"
    for arm in ["polder", "alinsky", "coalition"]:
        got = o[o["strategy"] == arm].sort_values("replicate")[trust_col].values
        assert np.array_equal(got, ds["trust"].sel(arm=arm).isel(point=0).values)
    s = pd.read_csv(tmp_path / "csv" / "series.csv", float_precision="round_trip")
    assert len(s) == 3 * 4 * ds.sizes["week"]
    col = "member_by_group: marginalised [share]"
    got = s[(s["strategy"] == "alinsky") & (s["replicate"] == 2)].sort_values("week")[col].values
    want = ds["member_by_group_series"].sel(arm="alinsky", group="marginalised").isel(point=0, replicate=2).values
    assert np.array_equal(got, want)


def test_command_line_report_and_export(comparison, tmp_path):
    cli = pathlib.Path(os.environ.get("TEGENMACHT_BUILD_DIR", pathlib.Path(__file__).resolve().parents[2] /
                                      "build" / "release")) / "bin" / "tegenmacht"
    if not cli.exists():
        pytest.skip("command-line tool not built here")
    r = subprocess.run([str(cli), "report", str(comparison), "-o", str(tmp_path / "c.html")], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "c.html").stat().st_size > 10_000
    r = subprocess.run([str(cli), "export", str(comparison), "--csv", str(tmp_path / "t")], capture_output=True,
                       text=True)
    assert r.returncode == 0 and (tmp_path / "t" / "outcomes.csv").exists(), r.stderr
    bad = subprocess.run([str(cli), "report", str(tmp_path / "nope.h5")], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "nope.h5: no such results file" in bad.stderr
    env = dict(os.environ, TEGENMACHT_PYTHON="/no/such/python")
    bad = subprocess.run([str(cli), "report", str(comparison)], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "cannot run Python" in bad.stderr and "TEGENMACHT_PYTHON" in bad.stderr


@pytest.mark.parametrize("design,title", [
    ({"type": "grid"}, "Where each strategy does best"),
    ({"type": "sobol", "n": 64}, "What drives the difference"),
    ({"type": "morris", "trajectories": 8, "levels": 4}, "What drives the difference"),
    ({"type": "latin_hypercube", "n": 200, "seed": 3}, "Where 0.1 beats 0"),
])
def test_report_of_experiments_shows_the_design_pictures(tmp_path, design, title):
    pi = math.pi
    factors = ([{"key": "ishigami.x1", "name": "x1", "values": [-1.0, 0.5, 1.5]},
                {"key": "ishigami.x3", "name": "x3", "values": [0.5, 2.0]}] if design["type"] == "grid" else
               [{"key": f"ishigami.x{i}", "name": f"x{i}", "range": [-pi, pi]} for i in (1, 2, 3)])
    e = tgm.Experiment.from_dict({"scenario": str(ROOT / "scenarios" / "ishigami.yaml"), "design": design,
                                  "replicates": 2, "arms": {"key": "ishigami.b", "values": [0, 0.1]},
                                  "factors": factors, "outcomes": [{"metric": "y"}]})
    path = tmp_path / "e.h5"
    tgm.experiment(e, output=path, progress=False)
    page = tgm.report(path, tmp_path / "e.html").read_text(encoding="utf-8")
    assert title in page
    assert page.count("<img ") >= 1 and 'alt=""' not in page
