"""Grade many submissions: discover notebooks, grade them N at a time, write the outputs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from autograder.gradebook import gradebook_csv, safe_name, write_atomic, write_result
from autograder.grade import Assignment, grade_submission


def discover(paths: list[Path]) -> list[tuple[str, Path]]:
    """(submission id, path) for every notebook named or found in the folders named, ids unique."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts))
        else:
            found.append(path)
    def name_of(path: Path, depth: int) -> str:
        parts = path.resolve().parts[-depth - 1:-1] if depth else ()
        return safe_name("-".join([*parts, path.stem]))

    pairs, taken = [], set()
    for path in found:
        depth = 0  # add parent folders to the name until it is unique among the stems
        while depth < 3 and sum(name_of(p, depth) == name_of(path, depth) for p in found) > 1:
            depth += 1
        candidate = base = name_of(path, depth)
        n = 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        pairs.append((candidate, path))
    return pairs


def grade_many(paths: list[Path], assignment: Assignment, out_dir: Path, *, jobs: int = 1,
               profile: str = "cpu", timeout: float | None = None, seed: int | None = None,
               memory_mb: int | None = None,
               progress: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Grade every submission; write results/<id>.json and gradebook.csv under ``out_dir``."""
    submissions = discover(paths)
    out_dir.mkdir(parents=True, exist_ok=True)
    # no submission may read another's notebook or the grades written so far
    private = [out_dir.resolve(), *dict.fromkeys(p.resolve().parent for _, p in submissions)]

    def one(item: tuple[str, Path]) -> dict[str, Any]:
        submission_id, path = item
        result = grade_submission(path, assignment, profile=profile, seed=seed, timeout=timeout,
                                  submission_id=submission_id, hidden_paths=private,
                                  memory_mb=memory_mb)
        write_result(out_dir, result)
        if progress:
            progress(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(one, submissions))
    write_atomic(out_dir / "gradebook.csv", gradebook_csv(results))
    return results
