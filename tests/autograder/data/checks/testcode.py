"""Unittest checks as an instructor writes them for a coding question, with gradescope-utils decorators
(named testcode.py so that unittest finds it and pytest does not).

Some of them fail on purpose: a failing subTest, a skipped test and a class whose fixture raises are the
cases gradescope-utils' own runner loses or crashes on.
"""

import os
import unittest
from pathlib import Path

from gradescope_utils.autograder_utils.decorators import number, partial_credit, visibility, weight

SUBMISSION = Path(os.environ.get("GRADER_SUBMISSION", "/autograder/submission"))


class TestSubmission(unittest.TestCase):
    @weight(2)
    @number("9.1")
    def test_answers_file_present(self):
        """An answers file is present"""
        names = {p.stem for p in SUBMISSION.iterdir()} if SUBMISSION.is_dir() else set()
        self.assertIn("answers", names, "no answers file in the submission")

    @partial_credit(4)
    @number("9.2")
    def test_style(self, set_score=None):
        """Style (partial credit)"""
        set_score(2.5)

    @weight(1)
    @number("9.3")
    @visibility("after_due_date")
    def test_shown_after_due_date(self):
        """A check released after the due date"""

    @weight(3)
    @number("9.4")
    def test_table(self):
        """Every row of a table"""
        for n in range(3):
            with self.subTest(n=n):
                self.assertLess(n, 2)

    @weight(1)
    @number("9.5")
    @unittest.skip("not graded this term")
    def test_skipped(self):
        """A skipped check"""


class TestBrokenFixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise RuntimeError("the fixture could not start")

    @weight(5)
    @number("9.6")
    def test_needs_fixture(self):
        """A check that needs the fixture"""
