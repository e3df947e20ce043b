"""tgm.Dashboard without a browser: the controls come from the schema, set/step/run/reset
move the week and reproduce runs bit for bit, figure() has one panel per metric plus the
town, unknown names are ArgumentErrors that name them; the ipywidgets (built without a
kernel) react to clicks and control changes."""

import time

import numpy as np
import pytest

import tegenmacht as tgm

DEFAULT_PARAMS = ["strategy", "institutions.0.responsiveness", "institutions.0.repression",
                  "workers.funding_dependence", "network.homophily"]


@pytest.fixture(autouse=True)
def _agg():
    import matplotlib

    matplotlib.use("Agg")


@pytest.fixture
def town():
    return tgm.Scenario.builtin("default")


def _schema(model):
    return {k["key"]: k for k in tgm._core.schema_keys(model)}


def test_exported():
    assert "Dashboard" in tgm.__all__ and tgm.Dashboard is tgm.dashboard.Dashboard


def test_default_town_controls_from_the_schema(town):
    dash = tgm.Dashboard(town)
    assert dash.model == "organizing" and dash.params == DEFAULT_PARAMS
    assert dash.metrics == ["concessions", "trust", "member", "hardship"]
    schema = _schema("organizing")
    for key in DEFAULT_PARAMS[1:]:
        c, s = dash.controls[key], schema[key.replace(".0.", ".*.")]
        assert c.type == "number" and (c.min, c.max) == (s["min"], s["max"]) == (0.0, 1.0)
        assert c.step == 0.01 and c.description == s["description"]
    assert dash.controls["strategy"].type == "choice"
    assert list(dash.controls["strategy"].choices) == schema["strategy"]["choices"]
    assert dash.week == 0 and dash.steps == 260 and dash.label == "week 0 of 260"


def test_set_changes_the_scenario_not_the_callers(town):
    dash = tgm.Dashboard(town)
    dash.step(3)
    dash.set("institutions.0.responsiveness", 0.9)
    assert dash.scenario["institutions.0.responsiveness"] == 0.9
    assert all(s.scenario["institutions.0.responsiveness"] == 0.9 for s in dash.simulations)
    assert town["institutions.0.responsiveness"] == 0.3          # the caller's scenario is untouched
    assert dash.week == 3                                        # re-run to the week shown
    assert dash.set("network.homophily", 0.4, rerun=False).week == 0
    dash.set("strategy", "polder")
    assert dash.scenario["tactics.max_level"] == 0               # the preset follows
    with pytest.raises(tgm.ConfigError):
        dash.set("institutions.0.responsiveness", 1.5)
    assert dash.scenario["institutions.0.responsiveness"] == 0.9  # a rejected value changes nothing
    with pytest.raises(tgm.ArgumentError, match="institutions.0.responsivness"):
        dash.set("institutions.0.responsivness", 0.5)


def test_step_run_reset_and_bit_for_bit(town):
    dash = tgm.Dashboard(town.copy().set("steps", 40))
    assert dash.step() == 1 and dash.week == 1
    assert dash.step(9) == 9 and dash.label == "week 10 of 40"
    names = list(dash.simulation.metric_info)
    before = {m: dash.values(m) for m in names}
    assert before["trust"].shape == (1, 11) and before["member_by_group"].shape == (1, 11, 3)
    sim = tgm.Simulation(town.copy().set("steps", 40), seed=1)   # the same run as a plain Simulation
    sim.step(10)
    np.testing.assert_array_equal(before["trust"][0], sim.metric("trust"))
    dash.reset()
    assert dash.week == 0
    dash.step(10)
    for m in names:
        np.testing.assert_array_equal(dash.values(m), before[m], err_msg=m)
    assert dash.run().week == 40 and dash.step(5) == 0


def test_unknown_names_are_argument_errors(town):
    with pytest.raises(tgm.ArgumentError, match="network.homophilly") as e:
        tgm.Dashboard(town, params=["strategy", "network.homophilly"])
    assert e.value.argument == "params" and "network.homophily" in str(e.value)   # the suggestion
    with pytest.raises(tgm.ArgumentError, match="trusst") as e:
        tgm.Dashboard(town, metrics=["trust", "trusst"])
    assert e.value.argument == "metrics"
    with pytest.raises(tgm.ArgumentError, match="institutions.7.responsiveness"):
        tgm.Dashboard(town, params=["institutions.7.responsiveness"])
    with pytest.raises(tgm.ArgumentError, match="workers.profile"):
        tgm.Dashboard(town, params=["workers.profile"])            # a list: no control
    with pytest.raises(tgm.ArgumentError, match="replicates"):
        tgm.Dashboard(town, replicates=0)
    dash = tgm.Dashboard(town)
    with pytest.raises(tgm.ArgumentError, match="hardshp"):
        dash.values("hardshp")


def test_figure_axes(town):
    from matplotlib.figure import Figure

    dash = tgm.Dashboard(town.copy().set("steps", 20))
    dash.step(4)
    fig = dash.figure()
    assert isinstance(fig, Figure) and len(fig.axes) == 4 + 1    # four metrics and the town
    assert fig.axes[1].get_ylabel() == "trust [0, 1]"
    assert fig.axes[1].lines[-1].get_xdata().tolist() == [0, 1, 2, 3, 4]
    assert "week 4" in fig.axes[-1].get_title()
    custom = tgm.Dashboard(town, params=["network.homophily"], metrics=["trust_by_group"]).figure()
    data = [ln for ln in custom.axes[0].lines if ln.get_linestyle() != ":"]   # not the timeline marks
    assert len(custom.axes) == 2 and len(data) == 3    # a line per group
    marks = [ln for ln in custom.axes[0].lines if ln.get_linestyle() == ":"]
    assert sorted(ln.get_xdata()[0] for ln in marks) == [20, 60]   # the default town's rent rise and shock


def test_replicate_bands(town):
    from matplotlib.collections import PolyCollection

    dash = tgm.Dashboard(town.copy().set("steps", 12), replicates=3, metrics=["trust", "member"])
    dash.run()
    assert dash.values("trust").shape == (3, 13)
    assert not np.array_equal(dash.values("trust")[0], dash.values("trust")[1])
    ax = dash.figure().axes[0]
    assert any(isinstance(c, PolyCollection) for c in ax.collections)   # the 5–95 % band


def test_civil_violence_epstein_run1():
    dash = tgm.Dashboard(tgm.Scenario.builtin("reference/epstein_run1"))
    assert dash.model == "civil_violence" and dash.metrics == ["active", "quiet", "jailed"]
    schema = _schema("civil_violence")
    assert dash.params == ["legitimacy.initial", "citizen_density", "cops.density", "jail.max_term"]
    for key in dash.params[:3]:
        assert (dash.controls[key].min, dash.controls[key].max) == (schema[key]["min"], schema[key]["max"])
    assert dash.controls["jail.max_term"].max == 45.0             # schema: >= 0; a span around 15
    dash.set("legitimacy.initial", 0.6)
    assert dash.scenario["legitimacy.initial"] == 0.6
    assert dash.step(10) == 10 and dash.label == "step 10 of 500"
    before = dash.values("active")
    dash.reset().step(10)
    np.testing.assert_array_equal(dash.values("active"), before)
    fig = dash.figure()
    assert len(fig.axes) == 3 + 1                                  # three metrics and the lattice
    image = fig.axes[-1].images[0].get_array()
    assert image.shape == (40, 40)
    assert int(np.nansum(image == 1)) == int(before[0, -1])        # active citizens on the lattice


def test_threshold():
    dash = tgm.Dashboard("threshold")                              # a shipped scenario by name
    assert dash.model == "threshold" and dash.params == ["thresholds.mean", "thresholds.sd", "population"]
    assert dash.controls["population"].type == "int" and dash.controls["population"].min == 1
    dash.set("thresholds.sd", 13.0)
    assert dash.scenario["thresholds.sd"] == 13.0
    assert dash.run().week == 60 and dash.label == "step 60 of 60"
    assert len(dash.figure().axes) == 3                            # a complete graph: no town view
    lattice = tgm.Dashboard("reference/centola_macy_lattice").figure()
    assert len(lattice.axes) == 4 and lattice.axes[-1].images[0].get_array().shape == (50, 50)


def test_other_models_get_numeric_controls():
    dash = tgm.Dashboard("ishigami")
    assert dash.params == ["ishigami.x1", "ishigami.x2", "ishigami.x3", "ishigami.a"]
    c = dash.controls["ishigami.x1"]
    assert c.min == -3.1 and c.max == 3.1 and c.step == 0.1       # round slider values inside [-π, π]


def test_static_display_is_a_png(town, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.extend(a))
    monkeypatch.setenv("TEGENMACHT_HEADLESS", "1")
    dash = tgm.Dashboard(town)
    dash._ipython_display_()
    assert len(shown) == 1 and isinstance(shown[0], IPython.display.Image)
    assert shown[0].data[:8] == b"\x89PNG\r\n\x1a\n"
    assert dash._ui is None                                         # no widgets were made


def test_widgets_react_without_a_browser(town):
    pytest.importorskip("ipywidgets")
    dash = tgm.Dashboard(town.copy().set("steps", 30))
    box = dash.widget
    ui = dash._ui
    sliders = ui["controls"]
    assert set(sliders) == set(DEFAULT_PARAMS) and box is dash.widget
    s = sliders["institutions.0.repression"]
    assert (s.min, s.max, s.step, s.value) == (0.0, 1.0, 0.01, 0.2)
    assert ui["image"].value[:4] == b"\x89PNG" and "week 0 of 30" in ui["week"].value

    def click(name):
        b = ui["buttons"][name]
        b._click_handlers(b)

    click("step")
    assert dash.week == 1 and "week 1 of 30" in ui["week"].value
    sliders["institutions.0.responsiveness"].value = 0.9
    assert dash.scenario["institutions.0.responsiveness"] == 0.9 and dash.week == 1
    sliders["strategy"].value = "polder"
    assert dash.scenario["tactics.max_level"] == 0 and ui["status"].value == ""
    dash.set("network.homophily", 0.5)                              # from code: the slider follows
    assert sliders["network.homophily"].value == 0.5
    click("play")
    assert ui["buttons"]["play"].description == "pause"
    for _ in range(200):
        if not dash.playing:
            break
        time.sleep(0.05)
    assert dash.week == 30 and "week 30 of 30" in ui["week"].value
    assert ui["buttons"]["play"].description == "play"
    click("reset")
    assert dash.week == 0 and "week 0 of 30" in ui["week"].value
    click("play")
    click("play")                                                   # pause
    assert not dash.playing and dash.week < 30
    click("setup")
    assert dash.week == 0


def test_timings_of_the_default_town(town, capsys):
    """Prints (does not assert) the time of one dashboard step and of a control change."""
    pytest.importorskip("ipywidgets")
    dash = tgm.Dashboard(town)
    dash.widget
    ui = dash._ui
    b = ui["buttons"]["step"]
    t0 = time.perf_counter()
    for _ in range(5):
        b._click_handlers(b)
    step = (time.perf_counter() - t0) / 5
    dash.step(47)
    t0 = time.perf_counter()
    ui["controls"]["institutions.0.responsiveness"].value = 0.6
    change = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\ndashboard, default town: one step with picture {step * 1000:.0f} ms; "
              f"a control change at week 52 (setup + re-run + picture) {change * 1000:.0f} ms")
