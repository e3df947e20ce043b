"""The notebooks as a lecturer uses them: a Jupyter server on 127.0.0.1 and headless
Chromium through Selenium open each notebook (and a notebook with a dashboard of every
model), run all cells, and check that no error box and no false widget warning appears.
Every slider is moved to one end (or, if it starts there, to the other) and what the
notebook shows must change: its text without the numbers that only echo the slider's value,
and its pictures. Every dashboard's step, play / pause, reset buttons and dropdowns are
used and the week and the picture must follow. Screenshots are kept in
build/release/test-artefacts/."""

import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BUILD = pathlib.Path(os.environ.get("TEGENMACHT_BUILD_DIR", ROOT / "build" / "release"))
# a dashboard of every model, each as a lecturer would open it (one cell each)
EVERY_MODEL = "every_model_dashboard.ipynb"
EVERY_MODEL_CELLS = [f"import tegenmacht as tgm\ndash = tgm.Dashboard({name!r})\ndash.step(20)\ndash"
                     for name in ("default", "reference/epstein_run1", "reference/granovetter_normal",
                                  "reference/deffuant")]
NAMES = [p.name for p in NOTEBOOKS] + [EVERY_MODEL]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("Chromium and chromedriver are not installed (scripts/deps.sh installs them)")
    try:
        import notebook  # noqa: F401
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("the Jupyter notebook server or Selenium is not installed (scripts/deps.sh installs them)")
    d = tmp_path_factory.mktemp("jupyter")  # copies: the notebooks must run from any folder
    for nb in NOTEBOOKS:
        shutil.copy(nb, d / nb.name)
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": c}
             for c in EVERY_MODEL_CELLS]
    (d / EVERY_MODEL).write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}}, "nbformat": 4, "nbformat_minor": 4}))
    port = _free_port()
    log = open(d / "jupyter.log", "wb")   # a pipe nobody reads would stall the server once full
    env = dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline")
    env.pop("TEGENMACHT_HEADLESS", None)
    env.pop("MPLBACKEND", None)
    proc = subprocess.Popen([sys.executable, "-m", "notebook", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                             "--NotebookApp.token=", "--NotebookApp.password=", "--allow-root",
                             f"--notebook-dir={d}"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser(server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    o = webdriver.ChromeOptions()
    o.binary_location = shutil.which("chromium")
    for f in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage"):
        o.add_argument(f)
    b = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=o)
    b.set_window_size(1300, 1000)
    yield b
    b.quit()


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _outputs(b):
    """What the notebook shows: the text of every output and every picture, in output
    areas and widgets alike."""
    text, pictures = b.execute_script(
        "return [[...document.querySelectorAll('.output_subarea')].map(e => e.textContent).join('|'),"
        " [...document.querySelectorAll('.output_subarea img, .widget-area img')].map(i => i.src)];")
    return text, tuple(pictures)


def _masked(shown, echoed):
    """`shown` with the numbers equal to one of `echoed` left out of the text: a function
    that prints its own argument changes its text whatever it computes."""
    text, pictures = shown
    text = _NUMBER.sub(lambda m: "#" if any(abs(float(m[0]) - v) < 1e-9 for v in echoed) else m[0], text)
    return text, pictures


def _readout(handle):
    """The value a slider shows, as a float (None if it shows none)."""
    try:
        value = handle.find_element("xpath", "../../../div[contains(@class, 'widget-readout')]").text
        return float(value)
    except Exception:
        return None


def _wait_idle(b, limit):
    t0 = time.time()
    time.sleep(2)
    while time.time() - t0 < limit:
        if not b.execute_script("return Jupyter.notebook.kernel_busy || "
                                "Jupyter.notebook.get_cells().some(c => c.element.hasClass('running'));"):
            return
        time.sleep(1)
    raise AssertionError(f"the notebook did not finish within {limit} s")


def _week(bar):
    m = re.search(r"(?:week|step) (\d+) of (\d+)", bar.text)
    assert m, f"no week label in {bar.text!r}"
    return int(m[1]), int(m[2])


def _until(condition, limit, what):
    t0 = time.time()
    while time.time() - t0 < limit:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"{what} did not happen within {limit} s")


def _check_dashboards(b, name):
    """Every dashboard on the page: step advances the week by one and redraws the picture,
    play advances it until pause stops it, reset goes back to week 0, every dropdown
    choice redraws the picture; no error appears in the status line."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    def button(k, label):
        return b.find_elements(By.XPATH, "//button[normalize-space()='step']")[k].find_element(
            By.XPATH, f"../button[normalize-space()='{label}']")

    count = len(b.find_elements(By.XPATH, "//button[normalize-space()='step']"))
    for k in range(count):
        step = b.find_elements(By.XPATH, "//button[normalize-space()='step']")[k]
        bar = step.find_element(By.XPATH, "..")
        box = bar.find_element(By.XPATH, "..")

        def picture():
            return box.find_element(By.TAG_NAME, "img").get_attribute("src")

        b.execute_script("arguments[0].scrollIntoView({block: 'center'});", bar)
        button(k, "reset").click()
        _until(lambda: _week(bar)[0] == 0, 60, f"reset of dashboard {k} in {name}")
        pic = picture()
        step.click()
        _until(lambda: _week(bar)[0] == 1 and picture() != pic, 60, f"one step of dashboard {k} in {name}")
        button(k, "play").click()
        _until(lambda: _week(bar)[0] >= 4, 60, f"play of dashboard {k} in {name}")
        button(k, "pause").click()
        _until(lambda: bar.find_elements(By.XPATH, "./button[normalize-space()='play']"), 30,
               f"pause of dashboard {k} in {name}")
        held = _week(bar)[0]
        time.sleep(1.5)
        assert _week(bar)[0] == held, f"dashboard {k} of {name} went on after pause"
        for select in box.find_elements(By.TAG_NAME, "select"):
            choice = Select(select)
            current = choice.first_selected_option.text
            other = next(o.text for o in choice.options if o.text != current and o.text != "custom")
            pic = picture()
            choice.select_by_visible_text(other)
            _until(lambda: picture() != pic, 60, f"choosing {other!r} in dashboard {k} of {name}")
        status = box.text
        assert "Error" not in status and "error" not in status, status


@pytest.mark.parametrize("name", NAMES, ids=[pathlib.Path(n).stem for n in NAMES])
def test_notebook_in_a_real_jupyter(server, browser, name):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    b = browser
    b.get(f"{server}/notebooks/{name}")
    for _ in range(60):  # the kernel starts
        if b.execute_script("return typeof Jupyter !== 'undefined' && Jupyter.notebook && "
                            "Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected();"):
            break
        time.sleep(0.5)
    b.execute_script("Jupyter.notebook.execute_all_cells();")
    _wait_idle(b, 240)
    errors = b.execute_script("return [...document.querySelectorAll('.output_error')].map(e => e.textContent"
                              ".slice(0, 300));")
    assert errors == []
    stderr = b.execute_script("return [...document.querySelectorAll('.output_stderr')].map(e => e.textContent);")
    assert not any("Widget Javascript not detected" in s for s in stderr), stderr
    artefacts = BUILD / "test-artefacts"
    artefacts.mkdir(parents=True, exist_ok=True)
    stem = pathlib.Path(name).stem
    dashboards = b.find_elements(By.XPATH, "//button[normalize-space()='step']")
    if dashboards:   # the picture a lecturer sees first: the dashboard
        b.execute_script("arguments[0].scrollIntoView({block: 'start'});",
                         dashboards[0].find_element(By.XPATH, "../.."))
    b.save_screenshot(str(artefacts / f"notebook_{stem}_run.png"))
    handles = b.find_elements(By.CSS_SELECTOR, ".ui-slider-handle")
    if name == EVERY_MODEL:
        assert len(b.find_elements(By.XPATH, "//button[normalize-space()='step']")) == len(EVERY_MODEL_CELLS)
    for i in range(len(handles)):  # every slider, moved to its end, changes what the notebook shows
        h = b.find_elements(By.CSS_SELECTOR, ".ui-slider-handle")[i]
        start = _readout(h)
        before = _outputs(b)
        b.execute_script("arguments[0].scrollIntoView({block: 'center'});", h)
        h.click()
        changed = False
        for key, tries in ((Keys.END, 40), (Keys.HOME, 120)):  # to its end; if it starts there, the other end
            h.send_keys(key)
            for _ in range(tries):
                time.sleep(0.5)
                if b.execute_script("return Jupyter.notebook.kernel_busy;"):
                    continue
                echoed = [v for v in (start, _readout(h)) if v is not None]
                if _masked(_outputs(b), echoed) != _masked(before, echoed):
                    changed = True
                    break
            if changed:
                break
        assert changed, f"slider {i} of {name} changed nothing but its own value"
    _check_dashboards(b, name)
    b.save_screenshot(str(artefacts / f"notebook_{stem}.png"))
