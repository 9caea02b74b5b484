"""Take the README's screenshots of the review page and of a feedback page with a TA's comment.

Builds a small graded hw01 class (typed results with written answers, as ``nncourse grade`` stores
them), serves the review page on 127.0.0.1 and photographs it with headless Chromium (Debian's
``chromium`` + ``chromium-driver``). Run: ``uv run python docs/screenshots.py`` (writes docs/*.png).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.config import GradingConfig  # noqa: E402
from autograder.engine.assignment import Assignment, ManualQuestion  # noqa: E402
from autograder.engine.result import QuestionResult, Result, WrittenAnswer  # noqa: E402
from autograder.reports.manual import ManualGrade, save_grades  # noqa: E402
from autograder.reports.rebuild import graded_class, write_reports  # noqa: E402

HERE = Path(__file__).resolve().parent
PROMPT = ("**Question 6, written (2 points, graded by hand).** Your XOR neuron stays near chance. In two or "
          "three sentences: why can no single neuron solve XOR, whatever its weights? Refer to the shape of "
          "its decision boundary.")
RUBRIC = ["1 point: a neuron's decision boundary is a straight line (a hyperplane)",
          "1 point: XOR's two classes sit on opposite corners, so no line separates them"]
ANSWERS = {
    "doejane_12345": "A neuron outputs class 1 exactly where $\\sigma(b + \\mathbf{x}\\cdot\\mathbf{w}) \\ge 0.5$, "
                     "i.e. where\n\n$$b + w_1 x_1 + w_2 x_2 \\ge 0,$$\n\nso its decision boundary is a **straight "
                     "line**. XOR puts $(0,1)$ and $(1,0)$ in one class and $(0,0)$, $(1,1)$ in the other: the "
                     "classes lie on opposite diagonals and no single line separates them.",
    "liddellalice_12346": "Because the learning rate is too small.",
    "builderbob_12347": "Because the learning rate is too small.",
}


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from werkzeug.serving import make_server

    from autograder.review.app import app_for_class

    tmp = Path(tempfile.mkdtemp(prefix="nncourse-shots-"))
    out = tmp / "grades"
    policy = {"due": "2026-02-06T23:59:00+01:00", "grace_minutes": 15, "penalty": 10, "per": "day", "cap": 50}
    hw = Assignment("hw01", tmp, GradingConfig.from_dict({"late": policy}),
                    [], [ManualQuestion("q6_written", 2, PROMPT, RUBRIC)])
    (out / "results").mkdir(parents=True)
    for submission, text in ANSWERS.items():
        result = Result(submission, "hw01", score=15, max_score=17, status="ok", message="all cells ran",
                        questions=[QuestionResult("q1..q7", 15, 17, "q5: loss did not decrease")],
                        written=[WrittenAnswer("q6_written", 2, [{"cell_type": "markdown", "source": text}])])
        (out / "results" / f"{submission}.json").write_text(result.to_json(), encoding="utf-8")
    (out / "extensions.csv").write_text("submission,days\n", encoding="utf-8")
    save_grades(out, [ManualGrade("doejane_12345", "q6_written", 2, "Exactly: the boundary is the line "
                                  "b + x.w = 0, and XOR's classes are on opposite diagonals.", (1, 2), "ta-anna")])
    from autograder.batch.submissions import Found, Person, Submission
    from autograder.reports.rebuild import write_index

    times = {"doejane_12345": "2026-02-08T09:30:00+00:00"}
    write_index(out, Found([Submission(s, Path(f"{s}.ipynb"), "gradescope", "", times.get(s, ""), False,
                                       (Person(name=s),)) for s in ANSWERS], [], []))
    graded = graded_class(out, hw)
    write_reports(graded)
    httpd = make_server("127.0.0.1", 0, app_for_class(graded, grader="ta-anna"), threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,860",
                 "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(f"http://127.0.0.1:{httpd.server_port}/q/q6_written?at=1")
        driver.save_screenshot(str(HERE / "review-page.png"))
        driver.get((out / "feedback" / "doejane_12345.html").as_uri())
        driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        driver.save_screenshot(str(HERE / "feedback-written.png"))
    finally:
        driver.quit()
        httpd.shutdown()
    print(f"wrote {HERE / 'review-page.png'} and {HERE / 'feedback-written.png'}")


if __name__ == "__main__":
    main()
