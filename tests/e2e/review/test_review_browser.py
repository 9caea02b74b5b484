"""The review page as a TA uses it: real headless Chromium (Debian's ``chromium`` + ``chromium-driver``).

Grades two written answers with the keyboard only, reloads, and checks that the points persist,
that manual.csv holds them and that the gradebook totals change. Skipped, with the reason, where
the browser is not installed (``.ci/run`` installs it when run as root).
"""

from __future__ import annotations

import csv
import shutil
import threading
from pathlib import Path

import pytest

from autograder.config import GradingConfig
from autograder.engine.assignment import Assignment, ManualQuestion
from autograder.engine.result import QuestionResult, Result, WrittenAnswer
from autograder.reports.manual import read_manual
from autograder.reports.rebuild import graded_class, write_reports

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="headless Chromium not installed: "
                                "apt-get install chromium chromium-driver (.ci/run does it when root)")

ANSWERS = {
    "alice": "A neuron predicts 1 where $b + \\mathbf{x}\\cdot\\mathbf{w} \\ge 0$: one straight line. "
             "XOR's classes sit on opposite diagonals, so no line separates them.",
    "bob": "I think the learning rate was too small.",
    "carol": "I think the learning rate was too small.",
}


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


PROMPT = ("**Question 6, written (2 points).** Why can no single neuron solve XOR? "
          "Refer to the shape of its decision boundary $b + \\mathbf{x}\\cdot\\mathbf{w} = 0$.")
RUBRIC = ["1 point: the decision boundary is a straight line", "1 point: XOR is not linearly separable"]


@pytest.fixture
def graded(tmp_path: Path):
    """A graded hw01 class of three (two identical written answers), stored as nncourse grade stores it."""
    out = tmp_path / "grades"
    written = ManualQuestion("q6_written", 2, PROMPT, RUBRIC)
    hw01 = Assignment("hw01", tmp_path / "bundle", GradingConfig(), [], [written])
    questions = [QuestionResult("q1", 2, 2, "all tests passed")]
    for submission, text in ANSWERS.items():
        result = Result(submission, "hw01", score=2, max_score=2, questions=questions,
                        written=[WrittenAnswer(written.name, written.points, [{"cell_type": "markdown", "source": text}])])
        (out / "results").mkdir(parents=True, exist_ok=True)
        (out / "results" / f"{submission}.json").write_text(result.to_json(), encoding="utf-8")
    graded = graded_class(out, hw01)
    write_reports(graded)
    return graded


@pytest.fixture
def server(graded):
    from werkzeug.serving import make_server

    from autograder.review.app import app_for_class

    httpd = make_server("127.0.0.1", 0, app_for_class(graded, grader="ta-test"), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def test_grade_two_answers_with_the_keyboard_and_they_persist_into_manual_csv_and_the_gradebook(
        graded, server, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import WebDriverWait

    out = graded.out_dir
    before = gradebook(out)
    assert before["alice"]["total"] == "2" and before["alice"]["ungraded"] == "q6_written"

    browser.get(server + "/")
    browser.find_element(By.LINK_TEXT, "q6_written").click()
    # first answer group: alice's; the points field has the focus
    assert "alice" in browser.find_element(By.CSS_SELECTOR, ".members").text
    assert browser.find_elements(By.CSS_SELECTOR, "#answer math"), "the answer's math is drawn as MathML"
    active = browser.switch_to.active_element
    assert active.get_attribute("id") == "points"
    active.send_keys("2")
    active.send_keys(Keys.TAB, "Names the straight-line boundary.")
    active = browser.switch_to.active_element
    page = browser.find_element(By.ID, "points")
    active.send_keys(Keys.CONTROL, Keys.ENTER)  # save and next
    WebDriverWait(browser, 10).until(staleness_of(page))
    assert "Saved 2 / 2 for 1 answer" in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
    # second group: bob and carol gave the same answer; grade them together with Enter in points
    assert "2 students gave this answer" in browser.find_element(By.CSS_SELECTOR, ".members").text
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    browser.find_element(By.TAG_NAME, "body").send_keys("1")  # tick rubric item 1 with a key
    assert browser.find_element(By.CSS_SELECTOR, 'input[data-key="1"]').is_selected()
    browser.find_element(By.TAG_NAME, "body").send_keys("p")  # back to the points field
    page = browser.find_element(By.ID, "points")
    browser.switch_to.active_element.send_keys("0.5", Keys.ENTER)
    WebDriverWait(browser, 10).until(staleness_of(page))
    assert "for 2 answers" in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text

    browser.get(server + "/q/q6_written?at=0")  # reload the first answer: its grade is shown
    assert browser.find_element(By.ID, "points").get_attribute("value") == "2"
    assert browser.find_element(By.ID, "comment").get_attribute("value") == "Names the straight-line boundary."
    browser.get(server + "/")
    assert "3 / 3" in browser.find_element(By.CSS_SELECTOR, "table.list").text

    stored = read_manual(out)
    assert {k[0]: g.points for k, g in stored.items()} == {"alice": 2, "bob": 0.5, "carol": 0.5}
    assert stored[("bob", "q6_written")].rubric == (1,) and stored[("bob", "q6_written")].grader == "ta-test"
    after = gradebook(out)
    assert (after["alice"]["total"], after["alice"]["max"], after["alice"]["ungraded"]) == ("4", "4", "")
    assert after["carol"]["total"] == "2.5" and after["carol"]["q6_written"] == "0.5"
    feedback = (out / "feedback" / "alice.html").read_text(encoding="utf-8")
    assert "Names the straight-line boundary." in feedback
