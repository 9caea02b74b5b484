"""Helpers for the course notebooks: toy datasets, MNIST loading, device choice and plots.

Import the module you need, e.g. ``from student_lib import datasets``; nothing heavy
(torch, matplotlib) is imported until you do.
"""
