"""The formula tree the reader builds: small immutable nodes that remember where they came from.

Kinds and their `args`:
- `num` (Fraction,)                  a literal, exact (0.5 is 1/2)
- `var` (name,)                      a declared variable or a bound summation index
- `const` (name,)                    a named constant of the reference (`w_in`)
- `idx` (sequence, index node)       `x_{2k}`
- `add` (node, ...)                  a sum; subtraction is `neg`
- `neg` (node,)
- `mul` (node, ...)                  a product; division is `inv`
- `inv` (node,)                      1/node
- `pow` (base, exponent)
- `fact` (node,)                     node!
- `call` (function, node, ...)       binomial, perm, min, max, floor, ceil, log, log2, log10, logb, sqrt, abs,
                                     exp and the trigonometric and hyperbolic functions and their inverses
- `math` (name,)                     pi, e, or i (the imaginary unit, on a complex part)
- `apply` (name, body, arg, ...)     a rubric's declared function: its body with the arguments put in
- `sum` (index name, low, high, body)
- `prod` (index name, low, high, body)
- `piecewise` (case, ...)            `\\begin{cases}`: each `case` is (value,) or (value, condition)
- `rel` (op, lhs, rhs), `and` (rel, ...)   a condition: `<`, `<=`, `>`, `>=`, `!=`
- `pdots` (head, tail)                the same for a product `a b \\cdots z`
- `dots` (head, tail)                an explicit pattern `a + b + ... + z`: head and tail are tuples of nodes
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, eq=False)
class Node:
    kind: str
    args: tuple
    start: int = 0
    end: int = 0

    def children(self) -> list[Node]:
        out: list[Node] = []
        for a in self.args:
            if isinstance(a, Node):
                out.append(a)
            elif isinstance(a, tuple):
                out.extend(x for x in a if isinstance(x, Node))
        return out

    def key(self) -> tuple:
        """A structural key (positions ignored)."""
        parts: list = [self.kind]
        for a in self.args:
            if isinstance(a, Node):
                parts.append(a.key())
            elif isinstance(a, tuple):
                parts.append(tuple(x.key() if isinstance(x, Node) else x for x in a))
            else:
                parts.append(a)
        return tuple(parts)


def walk(node: Node):
    """Every node of the tree, without recursion."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children())


def uses(node: Node, kind: str, name: str | None = None) -> bool:
    for n in walk(node):
        if n.kind == kind and (name is None or n.args[0] == name):
            return True
    return False


def substitute(node: Node, values: dict[str, Node]) -> Node:
    """`node` with each free variable named in `values` replaced by its node (a sum's own index stays)."""
    if node.kind == "var" and node.args[0] in values:
        return values[node.args[0]]
    if node.kind in ("sum", "prod") and node.args[0] in values:
        values = {k: v for k, v in values.items() if k != node.args[0]}
    args = []
    for a in node.args:
        if isinstance(a, Node):
            args.append(substitute(a, values))
        elif isinstance(a, tuple):
            args.append(tuple(substitute(x, values) if isinstance(x, Node) else x for x in a))
        else:
            args.append(a)
    return Node(node.kind, tuple(args), node.start, node.end)
