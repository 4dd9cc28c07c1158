"""GBNF rules for answers whose fields may span lines without running into the next field.

A llama.cpp grammar holds a small model to an answer format. When a field may span lines (a
poem, a list, code), each further line must not open a field of its own: a small model otherwise
writes "4. Instruction: ..." as the next line of an output and goes on past every bound the
grammar sets on the number of tasks. GBNF has no negative lookahead, so "a line that does not
start with any of these labels" is spelled out as a trie of the labels' prefixes.

The grammar also bounds a line (`MAX_LINE_CHARS`) and a field (`MAX_INPUT_LINES`,
`MAX_OUTPUT_LINES`): a 135M model otherwise fills every field to `max_tokens`, a minute or two
of a CPU's time a request for text a reader throws away. A
field that reaches a bound was cut by the grammar with finish_reason "stop", which the parser
cannot see, so `cut_by_grammar` finds it and the method rejects it as `truncated`: nothing the
grammar cuts reaches the dataset.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Longest line the grammar allows; a line this long was cut.
MAX_LINE_CHARS = 300
#: Most lines in an input and in an output (blank lines between them not counted); a field
#: this long was cut. Enough for a short poem, a recipe's steps or a small function.
MAX_INPUT_LINES = 4
MAX_OUTPUT_LINES = 8

_SPECIAL = {"\\": "\\\\", "]": "\\]", "^": "\\^", "-": "\\-", "\n": "\\n", '"': '\\"'}


def _class(chars: str) -> str:
    """A negated character class: any one character but a newline and `chars`."""
    return "[^\\n" + "".join(_SPECIAL.get(c, c) for c in sorted(set(chars))) + "]"


def _literal(text: str) -> str:
    return '"' + "".join(_SPECIAL.get(c, c) for c in text) + '"'


def _rest(used: int) -> str:
    """The rest of a line whose first `used` characters are written."""
    return f"[^\\n]{{0,{max(0, MAX_LINE_CHARS - used)}}}"


def free_line_rules(
    name: str, labels: Sequence[str], first_excluded: str = "", used: int = 0
) -> list[str]:
    """Rules for `name`: one non-empty line that starts with none of `labels`, whose first
    character is not in `first_excluded`, and which, after `used` characters already on the
    line, stays within `MAX_LINE_CHARS`."""
    rules: list[str] = []
    counter = [0]

    def node(prefix: str) -> str:
        nexts = sorted({label[len(prefix)] for label in labels if label.startswith(prefix)})
        excluded = "".join(nexts) + (first_excluded if not prefix else "")
        depth = used + len(prefix) + 1
        options = [f"{_class(excluded)} {_rest(depth)}"]
        for char in nexts:
            if prefix + char not in labels:  # a whole label: not a free line
                options.append(f"{_literal(char)} {node(prefix + char)}")
        body = " | ".join(options)
        if not prefix:
            rules.append(f"{name} ::= {body}")
            return name
        counter[0] += 1
        rules.append(f"{name}-{counter[0]} ::= ({body})?")
        return f"{name}-{counter[0]}"

    node("")
    return rules[::-1]


def _text(continuation: str) -> list[str]:
    more = '("\\n" "\\n"? ' + continuation + ")"
    return [
        f"line ::= [^\\n#] {_rest(1)}",
        f"text-in ::= line {more}{{0,{MAX_INPUT_LINES - 1}}}",
        f"text ::= line {more}{{0,{MAX_OUTPUT_LINES - 1}}}",
    ]


def field_text_rules(labels: Sequence[str]) -> list[str]:
    """`line` (one line), `text-in` and `text` (an input's and an output's lines, at most one
    blank line apart) for a format whose fields start at a line's start with one of `labels`
    ("Input", "Task", ...)."""
    return [*_text("cont"), *free_line_rules("cont", labels, first_excluded="#")]


#: Where the numbered block format's fields start: `K. Instruction:`, `K. Input:`, `K. Output:`
#: (the same words unnumbered are labels to the block parser too).
BLOCK_LABELS = ("Instruction", "Input", "Output")


def block_text_rules() -> list[str]:
    """`num`, `line`, `text-in` and `text` for the numbered block format: further lines open
    no field, no `###` separator, and start with no digit. A small model gets around every
    narrower rule by numbering: "4. Instruction to an AI assistant: ...", "4. Output is ...",
    "4. Question: ...", "5. Explanation: ..." (measured: 10 of 26 candidates then reached the
    8-line bound); lists keep their `-` or `*` bullets."""
    return [
        "num ::= [1-9] [0-9]?",
        *_text("cont"),
        *free_line_rules("cont", BLOCK_LABELS, first_excluded="#0123456789"),
    ]


def cut_by_grammar(instruction: str = "", input_text: str = "", output: str = "") -> str | None:
    """Why a parsed field must have been cut by a grammar of this module, or None."""
    for text, most in ((instruction, 1), (input_text, MAX_INPUT_LINES), (output, MAX_OUTPUT_LINES)):
        lines = [line for line in text.split("\n") if line.strip()]
        if any(len(line) >= MAX_LINE_CHARS - 4 for line in lines):
            return f"a line reached the grammar's {MAX_LINE_CHARS}-character bound"
        if most > 1 and len(lines) >= most:
            return f"a field reached the grammar's {most}-line bound"
    return None
