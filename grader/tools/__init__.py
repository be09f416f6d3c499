"""The commands a TA or instructor runs on top of the grading pipeline: `check` (a rubric against its
examples), `explain` (how one answer was read and scored), `calibrate` (text thresholds from scored answers),
`examples` (the rubric's example submissions and their expected scores) and `scaffold` (`grader new`).
"""
