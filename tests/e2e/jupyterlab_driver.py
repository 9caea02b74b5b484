"""Drive a real JupyterLab with headless Chromium through Selenium, as a student uses it.

JupyterLab runs on 127.0.0.1 with a random token, its settings, workspaces and runtime files in a
temporary folder; the browser is Debian's ``chromium`` driven by Debian's ``chromium-driver``
through Selenium, as in ``tests/e2e/review/`` (nothing is downloaded). The student's
"Kernel > Restart Kernel and Run All Cells..." is real clicks on the menu and on the dialog's
button. Used by ``test_jupyterlab.py`` and by ``benchmarks/screenshots.py``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator


def chromium() -> str | None:
    """The Chromium executable (Debian's ``chromium`` package), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromedriver() -> str | None:
    """Chromium's WebDriver (Debian's ``chromium-driver`` package), or None."""
    return shutil.which("chromedriver")


def missing() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    if chromium() and chromedriver():
        return None
    return ("headless Chromium not installed: apt-get install chromium chromium-driver "
            "(.ci/run does it when run as root)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, ready: Any, timeout: float, every: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def student_env() -> dict[str, str]:
    """The environment a student's Jupyter has: none of the test suite's settings."""
    return {k: v for k, v in os.environ.items() if k != "MPLBACKEND" and not k.startswith("NNCOURSE_")}


@contextmanager
def jupyterlab(root: Path, scratch: Path) -> Iterator[tuple[str, str]]:
    """Run JupyterLab serving ``root``; yields (its base URL, its token)."""
    port, token = _free_port(), secrets.token_hex(16)
    env = {**student_env(), "JUPYTER_CONFIG_DIR": str(scratch / "config"),
           "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(scratch / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces")}
    news = scratch / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True, exist_ok=True)
    news.write_text('{"fetchNews": "false"}')  # no "Would you like to get notified about Jupyter news?"
    log = open(scratch / "jupyterlab.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--expose-app-in-browser",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def up() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2):
                    return True
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"JupyterLab exited: see {scratch / 'jupyterlab.log'}") from None
                return False

        _wait("JupyterLab to answer", up, 90)
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
        log.close()


class Page:
    """One Chromium tab, driven through Selenium."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def open(self, url: str) -> None:
        self.driver.get(url)

    def js(self, expression: str) -> Any:
        """The value of a JavaScript ``expression`` in the page."""
        return self.driver.execute_script(f"return ({expression});")

    def click(self, selector: str, text: str = "") -> None:
        """A real click on the first ``selector`` whose text starts with ``text``."""
        from selenium.webdriver.common.by import By

        found = [e for e in self.driver.find_elements(By.CSS_SELECTOR, selector)
                 if e.text.strip().startswith(text)]
        if not found:
            raise RuntimeError(f"nothing to click: {selector} {text!r}")
        found[0].click()

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(self.driver.get_screenshot_as_png())
        return path


@contextmanager
def browser(scratch: Path, width: int = 1400, height: int = 1800) -> Iterator[Page]:
    """Headless Chromium with one blank tab (Debian's ``chromium`` and ``chromium-driver``)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    why = missing()
    if why:
        raise RuntimeError(why)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-extensions", f"--user-data-dir={scratch / 'chromium'}",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(chromedriver(), log_output=str(scratch / "chromedriver.log")),
                              options=options)
    try:
        yield Page(driver)
    finally:
        driver.quit()


@dataclass
class Rendered:
    """What the notebook's output areas show after "Restart Kernel and Run All Cells"."""

    images: list[dict]  # {"cell": n, "width": px, "height": px} of each rendered <img>
    passed: list[str]   # questions whose grader.check says "qN passed!"
    failed: int         # "Test case failed" shown anywhere
    text: str           # the output areas' text


_COLLECT = """(() => {
    const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
    const images = [];
    cells.forEach((cell, n) => cell.querySelectorAll('.jp-OutputArea-output img').forEach(img =>
        images.push({cell: n, width: img.naturalWidth, height: img.naturalHeight})));
    const outputs = [...document.querySelectorAll('.jp-OutputArea-output')].map(o => o.textContent).join('\\n');
    return {images, outputs};
})()"""


def restart_and_run_all(page: Page, base: str, token: str, notebook: str, timeout: float = 300) -> Rendered:
    """Open ``notebook`` in JupyterLab, run "Kernel > Restart Kernel and Run All Cells...", wait, read it."""
    page.open(f"{base}/lab/tree/{notebook}?token={token}")
    # the notebook's kernel, as JupyterLab sees it (the app is exposed to the page for this)
    idle = ("(() => { const app = window.jupyterapp; if (!app) return false;"
            " const panel = [...app.shell.widgets('main')].find(w => w.sessionContext);"
            " const k = panel?.sessionContext.session?.kernel;"
            " return !!k && k.status === 'idle' && k.connectionStatus === 'connected'; })()")
    opened = f"document.querySelectorAll('.jp-Notebook .jp-Cell').length > 0 && {idle}"
    # idle for 2 s in a row: a restart asked for while the first connection still settles can
    # leave JupyterLab 4.6 waiting on a kernel that the server has replaced
    _wait("the notebook to open with an idle kernel", lambda: _steady(page, opened, 2.0), 120)
    page.click(".lm-MenuBar-itemLabel", "Kernel")
    _wait("the Kernel menu", lambda: page.js("document.querySelector('.lm-Menu') !== null"), 10)
    page.click(".lm-Menu-itemLabel", "Restart Kernel and Run All Cells")
    _wait("the restart dialog", lambda: page.js("document.querySelector('.jp-Dialog-button.jp-mod-accept') !== null"), 10)
    page.click(".jp-Dialog-button.jp-mod-accept")
    last_prompt = ("(() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];"
                   " return p.length ? p[p.length - 1].textContent.trim() : ''; })()")
    # done: the last code cell (the export cell) has its execution count, nothing is queued, the kernel is idle
    _wait("Run All to finish", lambda: page.js(
        f"(() => {{ const last = {last_prompt}; return /^\\[\\d+\\]:$/.test(last) && {idle} && "
        "![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*')); })()"),
        timeout, every=1.0)
    found = page.js(_COLLECT)
    text = found["outputs"]
    passed = sorted(set(re.findall(r"\b(q\d+) passed!", text)))
    return Rendered(found["images"], passed, text.count("Test case failed"), text)


def _steady(page: Page, condition: str, seconds: float) -> bool:
    """True if ``condition`` holds now and keeps holding for ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not page.js(condition):
            return False
        time.sleep(0.25)
    return True


def scroll_to_image(page: Page, index: int = 0) -> None:
    """Scroll the notebook so that its ``index``-th rendered image is at the top of the window."""
    page.js(f"document.querySelectorAll('.jp-OutputArea-output img')[{index}]"
            ".scrollIntoView({block: 'start'})")
    time.sleep(1.0)  # let JupyterLab lay the cells out
