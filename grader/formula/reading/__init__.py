"""Reading: from what a student typed to a formula tree, by a grammar (student text is never run as code).

    unicode   look-alike characters and full-width forms, with a map back to the original offsets
    prose     finding the formula in prose: math delimiters, `h_T = ...` lines, clutter such as units
    tokens    the tokenizer, which knows the part's declared names
    grammar   the LALR grammar (grammar.lark) applied to those tokens
    build     the parse tree turned into a `tree.Node` tree, with notes on how it was read
    tree      the formula tree itself
    latex     the reading shown to the student
    sympy_view the tree as a sympy expression (`ReadOk.expr`)
    read      `read`: the typed result, `ReadOk` or `ReadError`, with its caret

Nothing here imports the checking package: bounds that need evaluation are passed in (`read(..., check=)`).
"""
