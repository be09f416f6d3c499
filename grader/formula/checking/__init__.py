"""Checking: is a read formula equivalent to the reference on the part's domain?

    domain       seeded sample points of the declared domains and constraints
    arithmetic   exact values and the bounds on every intermediate value
    evaluate     a tree's value at one point; `compiled` is the same, compiled once for many points
    patterns     the value of `a + b + ... + z`, from the pattern its written terms follow
    bounds       constant parts evaluated once at reading time; `read_formula` is the bounded reader
    proof        a symbolic proof with sympy, within a time budget
    equivalence  `check_equivalence`: the verdict, with the point that proves a difference

Imports run one way: checking uses reading's tree, never the reverse.
"""
