"""The Gradescope autograder: `build` packs an assignment into the zip Gradescope takes, `run` grades one
submission inside the container, `policy` is the rubric's `gradescope:` section (late policy, visibility).

Nothing is re-exported here: the rubric model imports `policy`, and must not pull in the pipeline.
"""
