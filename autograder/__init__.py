"""Grading tooling for nn-coursework: build, grade, and the check library hidden tests call."""

__version__ = "0.1.0"
