"""The import rules that keep the two sides of the sandbox apart (README, "Architecture").

- The sandbox side (``student_process``, ``probes``) imports nothing of the grader side: it may
  import only ``autograder.protocol``, its own packages and ``student_lib``.
- The check library never imports the sandbox side, except in the one function that runs a probe
  in the student's own kernel (``checks.base._observe_locally``): there is no second process there.
- ``protocol`` imports no other module of the package: it is the one module both sides share.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import autograder

PACKAGE = Path(autograder.__file__).parent
SANDBOX_SIDE = ("autograder.student_process", "autograder.probes")
ALLOWED_FROM_SANDBOX = ("autograder.protocol", *SANDBOX_SIDE)
LOCAL_PROBE_RUNNER = ("autograder.checks.base", "_observe_locally")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, str | None]]:
    """(imported autograder module, enclosing function or None) for every import in ``path``."""
    found: list[tuple[str, str | None]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            scope = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Import):
                found.extend((alias.name, function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append((child.module, function))
                # ``from autograder import probes`` imports the submodule
                found.extend((f"{child.module}.{alias.name}", function) for alias in child.names
                             if child.module == "autograder")
            visit(child, scope)

    visit(ast.parse(path.read_text(encoding="utf-8")), None)
    return [(name, fn) for name, fn in found if name == "autograder" or name.startswith("autograder.")]


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_the_rules_see_every_package():
    """The walk finds the sandbox side, the checks and the protocol (a rule over nothing cannot fail)."""
    assert {"autograder.protocol", "autograder.checks.base", "autograder.probes.registry",
            "autograder.student_process.runner"} <= set(MODULES)


@pytest.mark.parametrize("module", [m for m in MODULES if within(m, SANDBOX_SIDE)])
def test_sandbox_side_imports_nothing_of_the_grader_side(module):
    bad = [name for name, _ in imports(MODULES[module])
           if name != "autograder" and not within(name, ALLOWED_FROM_SANDBOX)]
    assert not bad, f"{module} (sandbox side) imports the grader side: {bad}"


@pytest.mark.parametrize("module", [m for m in MODULES if within(m, ("autograder.checks",))])
def test_checks_reach_the_student_side_only_through_the_protocol(module):
    bad = [(name, fn) for name, fn in imports(MODULES[module]) if within(name, SANDBOX_SIDE)
           and (module, fn) != LOCAL_PROBE_RUNNER]
    assert not bad, f"{module} imports the sandbox side: {bad}"


def test_protocol_imports_no_other_module_of_the_package():
    assert imports(MODULES["autograder.protocol"]) == []


def test_a_rule_breaking_import_is_caught(tmp_path):
    """The rule itself: a checks module importing the session is reported (the walk is not blind)."""
    rogue = tmp_path / "rogue.py"
    rogue.write_text("def f():\n    from autograder.student_process.session import StudentSession\n")
    assert imports(rogue) == [("autograder.student_process.session", "f")]
