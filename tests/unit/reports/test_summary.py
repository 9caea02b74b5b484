"""The class summary: statistics, histogram, pass rates, copying groups, and the TA's HTML page."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from autograder.engine.result import QuestionResult, Result, TestResult
from autograder.reports.summary import class_summary, summary_html

REAL_RESULT = Path(__file__).parents[2] / "data" / "hw01_q6_labels_wrong_shape.json"


def make_result(submission: str, score: float, *, status: str = "ok", passed: tuple[bool, bool] = (True, True),
                fingerprint: str | None = None, seconds: float = 1.0, max_score: float = 10) -> Result:
    """A result with q1 (public test_q1_format, 0 points) and q2 (hidden test_q2_value)."""
    q1, q2 = passed
    return Result(
        submission=submission, assignment="hw01", status=status, score=score, max_score=max_score,
        seconds=seconds, fingerprint=fingerprint,
        questions=[
            QuestionResult("q1", 0, 0, "", [TestResult("test_q1_format", False, q1, 0, 0, "")]),
            QuestionResult("q2", score, max_score, "", [TestResult("test_q2_value", True, q2, score, max_score, "")]),
        ])


def test_histogram_has_ten_equal_bins_and_counts_max_score_in_the_last():
    scores = [0, 0.99, 1, 5, 5.5, 9.99, 10]
    summary = class_summary([make_result(f"s{i}", s) for i, s in enumerate(scores)])
    bins = summary["histogram"]
    assert [(b["low"], b["high"]) for b in bins] == [(float(i), float(i + 1)) for i in range(10)]
    assert [b["count"] for b in bins] == [2, 1, 0, 0, 0, 2, 0, 0, 0, 2]
    assert sum(b["count"] for b in bins) == len(scores)


def test_histogram_bin_edges_follow_a_non_round_max_score():
    summary = class_summary([make_result("a", 17, max_score=17), make_result("b", 1.7, max_score=17)])
    assert summary["histogram"][1] == {"low": 1.7, "high": 3.4, "count": 1}
    assert summary["histogram"][9] == {"low": 15.3, "high": 17.0, "count": 1}


def test_score_statistics_and_status_counts_cover_every_submission():
    results = [make_result("a", 2), make_result("b", 4, status="error"), make_result("c", 9),
               make_result("d", 0, status="ungradable")]
    summary = class_summary(results)
    assert summary["assignment"] == "hw01"
    assert (summary["submissions"], summary["gradable"], summary["max_score"]) == (4, 3, 10)
    assert summary["statuses"] == {"error": 1, "ok": 2, "ungradable": 1}
    assert summary["score"] == {"mean": 3.75, "median": 3.0, "min": 0.0, "max": 9.0}


def test_pass_rates_per_test_count_only_gradable_submissions():
    results = [make_result("a", 10), make_result("b", 0, passed=(True, False)),
               make_result("c", 0, passed=(False, False), status="kernel_died"),
               make_result("d", 0, passed=(False, False), status="ungradable")]
    tests = class_summary(results)["tests"]
    assert tests == [
        {"name": "test_q1_format", "question": "q1", "hidden": False, "passed": 2, "graded": 3, "rate": 0.667},
        {"name": "test_q2_value", "question": "q2", "hidden": True, "passed": 1, "graded": 3, "rate": 0.333},
    ]


def test_question_means_are_over_gradable_submissions():
    results = [make_result("a", 10), make_result("b", 5), make_result("c", 0, status="ungradable")]
    assert class_summary(results)["questions"] == [{"name": "q1", "mean": 0.0, "max_score": 0},
                                                   {"name": "q2", "mean": 7.5, "max_score": 10}]


def test_copying_groups_share_a_fingerprint_largest_first_and_skip_ungradable_or_unprobed():
    results = [make_result("e", 3, fingerprint="bb"), make_result("a", 5, fingerprint="aa"),
               make_result("d", 3, fingerprint="bb"), make_result("c", 3, fingerprint="bb"),
               make_result("b", 5, fingerprint="aa"),
               make_result("f", 0, fingerprint="aa", status="ungradable"),  # excluded
               make_result("g", 0, fingerprint="cc"),  # alone: no group
               make_result("h", 0), make_result("i", 0),  # no fingerprint: never grouped
               make_result("j", 0, fingerprint=""), make_result("k", 0, fingerprint="")]
    groups = class_summary(results)["copying"]
    assert groups == [
        {"fingerprint": "bb", "size": 3, "submissions": [{"submission": "c", "score": 3},
                                                         {"submission": "d", "score": 3},
                                                         {"submission": "e", "score": 3}]},
        {"fingerprint": "aa", "size": 2, "submissions": [{"submission": "a", "score": 5},
                                                         {"submission": "b", "score": 5}]},
    ]


def test_copying_groups_of_equal_size_are_ordered_by_ids():
    results = [make_result(s, 1, fingerprint=fp) for s, fp in [("x", "1"), ("y", "1"), ("m", "2"), ("n", "2")]]
    assert [g["fingerprint"] for g in class_summary(results)["copying"]] == ["2", "1"]


def test_slowest_lists_the_ten_longest_gradings():
    results = [make_result(f"s{i:02d}", 1, seconds=float(i)) for i in range(15)]
    results.append(make_result("tie", 1, seconds=14.0))
    slowest = class_summary(results)["slowest"]
    assert len(slowest) == 10
    assert slowest[:3] == [{"submission": "s14", "seconds": 14.0}, {"submission": "tie", "seconds": 14.0},
                           {"submission": "s13", "seconds": 13.0}]
    assert slowest[-1] == {"submission": "s06", "seconds": 6.0}


def test_skipped_files_and_duplicates_are_kept_sorted_and_json_ready():
    skipped = [{"path": Path("sub/z.txt"), "reason": "not a notebook"},
               {"path": "sub/a.ipynb", "reason": "empty file"}]
    duplicates = [{"submission": "bob", "path": Path("b/bob.ipynb"), "kept": "a/bob.ipynb"},
                  {"submission": "amy", "path": "c/amy.ipynb", "kept": "a/amy.ipynb"}]
    summary = class_summary([make_result("a", 1)], skipped=skipped, duplicates=duplicates)
    assert summary["skipped"] == [{"path": "sub/a.ipynb", "reason": "empty file"},
                                  {"path": "sub/z.txt", "reason": "not a notebook"}]
    assert summary["duplicates"] == [{"submission": "amy", "path": "c/amy.ipynb", "kept": "a/amy.ipynb"},
                                     {"submission": "bob", "path": "b/bob.ipynb", "kept": "a/bob.ipynb"}]
    json.dumps(summary)
    assert class_summary([make_result("a", 1)])["skipped"] == []


def test_summary_is_json_ready_and_independent_of_result_order():
    results = [make_result(f"s{i}", i % 7, fingerprint=str(i % 3), seconds=float(i % 4)) for i in range(20)]
    results.append(Result.from_json(REAL_RESULT.read_text(encoding="utf-8")))
    shuffled = results[:]
    random.Random(0).shuffle(shuffled)
    first = json.dumps(class_summary(results), sort_keys=True)
    assert json.dumps(class_summary(shuffled), sort_keys=True) == first


def test_summary_of_no_results_is_empty_but_complete():
    summary = class_summary([])
    assert summary["submissions"] == 0 and summary["score"] is None
    assert [b["count"] for b in summary["histogram"]] == [0] * 10
    assert summary["tests"] == summary["copying"] == summary["slowest"] == []
    assert "<svg" in summary_html(summary)


def test_summary_html_links_every_submission_to_its_feedback_page():
    results = [make_result("alice", 5, fingerprint="f"), make_result("bob", 5, fingerprint="f")]
    page = summary_html(class_summary(results, duplicates=[{"submission": "carol", "path": "x/carol.ipynb",
                                                            "kept": "y/carol.ipynb"}]))
    assert '<a href="feedback/alice.html">alice</a>' in page
    assert '<a href="feedback/bob.html">bob</a> (5)' in page
    assert '<a href="feedback/carol.html">carol</a>' in page
    assert "not proof of copying" in page


def test_summary_html_escapes_hostile_text_and_loads_nothing_from_outside():
    hostile = '"><script>alert(1)</script>'
    results = [make_result(hostile, 1, fingerprint=hostile), make_result("b", 1, fingerprint=hostile)]
    page = summary_html(class_summary(results, skipped=[{"path": hostile, "reason": hostile}],
                                      duplicates=[{"submission": hostile, "path": hostile, "kept": hostile}]))
    assert "<script" not in page.lower()
    assert '"><' not in page
    assert 'href="feedback/%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E.html"' in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith("feedback/") for h in hrefs)
    assert not re.search(r"\bsrc=", page)


def test_summary_html_draws_one_bar_per_bin_with_its_count():
    results = [make_result(f"s{i}", score) for i, score in enumerate([0, 1, 1, 10])]
    page = summary_html(class_summary(results))
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count("<rect") == 10
    counts = re.findall(r'font-size="12">(\d+)</text>', svg)
    assert counts == ["1", "2", "0", "0", "0", "0", "0", "0", "0", "1"]
    assert ">9-10</text>" in svg


def test_summary_html_shows_pass_rates_skipped_files_and_is_deterministic():
    results = [make_result("a", 10), make_result("b", 0, passed=(True, False))]
    summary = class_summary(results, skipped=[{"path": "notes.txt", "reason": "not a notebook"}])
    page = summary_html(summary)
    assert "<td>test_q2_value</td><td>q2</td><td>hidden</td><td>1</td><td>2</td><td>50%</td>" in page
    assert "<td>notes.txt</td><td>not a notebook</td>" in page
    assert summary_html(json.loads(json.dumps(summary))) == page


def test_id_collisions_are_listed_for_the_ta():
    collisions = [{"submission": "doejane_12345-2", "path": "emailed/doejane_12345.ipynb", "wanted": "doejane_12345",
                   "kept_by": "canvas/doejane_12345_67890_hw01.ipynb"}]
    summary = class_summary([make_result("doejane_12345", 1), make_result("doejane_12345-2", 0)],
                            collisions=collisions)
    assert summary["collisions"] == collisions
    page = summary_html(summary)
    assert "Id collisions" in page and "emailed/doejane_12345.ipynb" in page
    assert "No two submissions wanted the same id." in summary_html(class_summary([make_result("a", 1)]))
