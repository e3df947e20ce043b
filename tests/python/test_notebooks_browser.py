"""The notebooks as a lecturer uses them: a Jupyter server on 127.0.0.1 and headless
Chromium through Selenium open each notebook, run all cells, and check that no error box
and no false widget warning appears; every slider is moved to one end (or, if it starts there, to the other) and the
output must change. Screenshots are kept in build/release/test-artefacts/."""

import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BUILD = pathlib.Path(os.environ.get("TEGENMACHT_BUILD_DIR", ROOT / "build" / "release"))


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
    port = _free_port()
    env = dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline")
    env.pop("TEGENMACHT_HEADLESS", None)
    env.pop("MPLBACKEND", None)
    proc = subprocess.Popen([sys.executable, "-m", "notebook", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                             "--NotebookApp.token=", "--NotebookApp.password=", "--allow-root",
                             f"--notebook-dir={d}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
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


def _outputs(b):
    return b.execute_script("return [...document.querySelectorAll('.output_subarea')].map(e => e.textContent)"
                            ".join('|');")


def _wait_idle(b, limit):
    t0 = time.time()
    time.sleep(2)
    while time.time() - t0 < limit:
        if not b.execute_script("return Jupyter.notebook.kernel_busy || "
                                "Jupyter.notebook.get_cells().some(c => c.element.hasClass('running'));"):
            return
        time.sleep(1)
    raise AssertionError(f"the notebook did not finish within {limit} s")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_in_a_real_jupyter(server, browser, path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    b = browser
    b.get(f"{server}/notebooks/{path.name}")
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
    handles = b.find_elements(By.CSS_SELECTOR, ".ui-slider-handle")
    for i in range(len(handles)):  # every slider, moved to its end, changes what the notebook shows
        h = b.find_elements(By.CSS_SELECTOR, ".ui-slider-handle")[i]
        before = _outputs(b)
        b.execute_script("arguments[0].scrollIntoView({block: 'center'});", h)
        h.click()
        for key, tries in ((Keys.END, 40), (Keys.HOME, 120)):  # to its end; if it starts there, the other end
            h.send_keys(key)
            for _ in range(tries):
                time.sleep(0.5)
                if _outputs(b) != before and not b.execute_script("return Jupyter.notebook.kernel_busy;"):
                    break
            if _outputs(b) != before:
                break
        assert _outputs(b) != before, f"slider {i} of {path.name} changed nothing"
    b.save_screenshot(str(artefacts / f"notebook_{path.stem}.png"))
