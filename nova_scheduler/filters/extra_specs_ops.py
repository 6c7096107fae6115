"""The comparison language of extra specs matched against host values.

``req`` is either a plain value (string equality) or an operator and
its operand(s): ``= 4`` (at least), ``== 4``, ``!= 4``, ``>= 4``,
``<= 4`` compare numbers; ``s==``, ``s!=``, ``s<``, ``s<=``, ``s>``,
``s>=`` compare strings; ``<in> sub`` looks for a substring;
``<all-in> a b`` for all of them; ``<or> a <or> b`` for any value.
"""

import operator

_NUMERIC = {
    '=': operator.ge,
    '==': operator.eq,
    '!=': operator.ne,
    '>=': operator.ge,
    '<=': operator.le,
}
_STRING = {
    's==': operator.eq,
    's!=': operator.ne,
    's<': operator.lt,
    's<=': operator.le,
    's>': operator.gt,
    's>=': operator.ge,
}
_OTHERS = ('<in>', '<all-in>', '<or>')


def match(value, req):
    """Whether the host's ``value`` (a string or None) satisfies ``req``."""
    words = req.split()
    op = words[0] if words else None
    if op not in _NUMERIC and op not in _STRING and op not in _OTHERS:
        return value == req
    operands = words[1:]
    if value is None or not operands:
        return False
    if op == '<or>':
        # '<or> a <or> b': every other word is a candidate.
        return value in operands[::2]
    if op == '<in>':
        return operands[0] in value
    if op == '<all-in>':
        return all(operand in value for operand in operands)
    if op in _STRING:
        return _STRING[op](value, operands[0])
    try:
        return _NUMERIC[op](float(value), float(operands[0]))
    except ValueError:
        return False
