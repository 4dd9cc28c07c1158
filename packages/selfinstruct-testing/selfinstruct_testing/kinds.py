"""The kinds of task the fake teacher writes, with their weights and makers.

Apart from `generator` so that the Self-Instruct answers can look kinds up without importing
the generator that calls them."""

from __future__ import annotations

import random
from collections.abc import Callable

from selfinstruct_testing import code_tasks, computed_tasks, data_tasks, open_tasks, text_tasks
from selfinstruct_testing import writing_tasks as writing
from selfinstruct_testing.words import Task

Maker = Callable[[random.Random], Task]

#: (kind, weight, maker, (p_audience, p_purpose, p_constraint) for `decorate`). About 38% of
#: the weight goes to kinds that take an input.
KINDS: tuple[tuple[str, float, Maker, tuple[float, float, float]], ...] = (
    ("open_qa", 6, open_tasks.make_open_qa, (0.3, 0.5, 0.6)),
    ("compare", 4, open_tasks.make_compare, (0.3, 0.6, 0.6)),
    ("brainstorm", 7, open_tasks.make_brainstorm, (0.4, 0.6, 0.5)),
    ("advice", 6, open_tasks.make_advice, (0.3, 0.5, 0.6)),
    ("planning", 4, open_tasks.make_planning, (0.3, 0.6, 0.6)),
    ("pros_cons", 3, open_tasks.make_pros_cons, (0.3, 0.6, 0.6)),
    ("creative", 8, writing.make_creative, (0.3, 0.6, 0.5)),
    ("email", 5, writing.make_email, (0.0, 0.6, 0.5)),
    ("math", 8, computed_tasks.make_math, (0.5, 0.6, 0.4)),
    ("reasoning", 5, computed_tasks.make_reasoning, (0.5, 0.6, 0.5)),
    ("code_write", 7, code_tasks.make_code_write, (0.3, 0.6, 0.3)),
    ("code_input", 4, code_tasks.make_code_input, (0.5, 0.7, 0.4)),
    ("sql", 2, code_tasks.make_sql, (0.4, 0.7, 0.5)),
    ("rewrite", 7, text_tasks.make_rewrite, (0.4, 0.7, 0.5)),
    ("grammar", 4, text_tasks.make_grammar, (0.4, 0.7, 0.5)),
    ("summarize", 7, text_tasks.make_summarize, (0.4, 0.7, 0.5)),
    ("extract", 6, data_tasks.make_extract, (0.4, 0.7, 0.5)),
    ("classify", 6, data_tasks.make_classify, (0.5, 0.7, 0.5)),
    ("convert", 3, data_tasks.make_convert, (0.4, 0.8, 0.5)),
    ("sort", 2, data_tasks.make_sort, (0.4, 0.8, 0.5)),
)
