"""grader: auto-grading of written homework (formulas and short explanations) with Gradescope output."""

__version__ = "0.1.0"
