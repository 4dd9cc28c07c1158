"""Prompt templates, one per method and step, and their rendering into chat messages.

The texts are our own. The answer format (numbered `Instruction:` / `Input:` / `Output:`
blocks separated by `###`) is the one Alpaca-style teachers follow most reliably, and the one
`parse.py` reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from selfinstruct.schemas import SeedTask

NO_INPUT = "<noinput>"

ALPACA_SYSTEM = (
    "You write training tasks for a text-only AI assistant. You answer with the tasks only, "
    "in the exact format you are shown, with no introduction and no closing remarks."
)

ALPACA_INSTRUCTIONS = """\
Come up with {n} new tasks for a text-only AI assistant{topic_clause}. Requirements:
1. Make them diverse: vary the kind of work (open questions, brainstorming, rewriting, \
summarising, extraction, classification, math, code, reasoning, planning, creative writing, \
advice and more) and vary the verbs. Do not repeat or lightly reword the examples.
2. Mix imperatives and questions; keep each instruction to one or two sentences, in English.
3. Every task must be possible with text alone: no images, audio, video, files, links, web \
browsing or actions in the world.
4. Give an input only when the task needs one: a concrete, realistic text of at most 100 \
words, not a description of one. Otherwise write {no_input}.
5. Write an output that completes the task correctly and fully, in at most 150 words.

Here are examples of the format, one task per block, blocks separated by ###:
{demonstrations}
{generated}Now write {n} new tasks, numbered 1 to {n}, in the same format."""

GENERATED_CLAUSE = """These tasks are already in the dataset; write tasks that differ from them too:
{items}
"""


def render_task_block(number: int, instruction: str, input_text: str, output: str) -> str:
    """One task in the answer format shared by demonstrations and the teacher's answer."""
    return (
        f"###\n{number}. Instruction: {instruction.strip()}\n"
        f"{number}. Input: {input_text.strip() or NO_INPUT}\n"
        f"{number}. Output: {output.strip()}\n"
    )


def render_alpaca_prompt(
    demonstrations: Sequence[SeedTask],
    n: int,
    topic: str | None = None,
    generated: Sequence[str] = (),
    json_answers: bool = False,
) -> list[dict[str, str]]:
    """Chat messages asking for `n` new tasks, showing each demonstration's first instance.

    `generated` instructions (already accepted) are listed as tasks to differ from: the
    Self-Instruct idea of mixing machine tasks into the prompt, for diversity."""
    blocks = []
    for number, task in enumerate(demonstrations, start=1):
        instance = task.instances[0]
        blocks.append(render_task_block(number, task.instruction, instance.input, instance.output))
    demos = "".join(blocks) + "###"
    topic_clause = f" in the domain of {topic.strip()}" if topic else ""
    listed = (
        GENERATED_CLAUSE.format(items="\n".join(f"- {g.strip()}" for g in generated))
        if generated
        else ""
    )
    user = ALPACA_INSTRUCTIONS.format(
        n=n, no_input=NO_INPUT, demonstrations=demos, topic_clause=topic_clause, generated=listed
    )
    if json_answers:
        user += JSON_ANSWER.format(n=n)
    return [{"role": "system", "content": ALPACA_SYSTEM}, {"role": "user", "content": user}]


JSON_ANSWER = """

Answer with JSON only, no prose: {{"tasks": [{{"instruction": "...", "input": "...", \
"output": "..."}}, ...]}} holding the {n} tasks; "input" is "" when a task needs none."""

JSON_REPAIR = (
    "That answer is not valid for the required JSON shape ({problem}). Answer again with the "
    'same tasks as JSON only: {{"tasks": [{{"instruction": "...", "input": "...", '
    '"output": "..."}}]}}.'
)


def render_json_repair(
    messages: Sequence[dict[str, str]], answer: str, problem: str
) -> list[dict[str, str]]:
    """The conversation so far plus one request to fix a JSON answer that did not validate."""
    return [
        *messages,
        {"role": "assistant", "content": answer},
        {"role": "user", "content": JSON_REPAIR.format(problem=problem)},
    ]


# -- Self-Instruct (`--method self-instruct`) ---------------------------------------------------
# Four steps, each with its own prompt. The paper wrote completion-style prompts for GPT-3
# ("Task 9:" for the model to continue); chat models follow an explicit request and a format
# they are shown better, so each prompt says what to do, shows demonstrations from the seeds,
# and asks for an answer that `methods/self_instruct_parse.py` reads strictly.

BOOTSTRAP_SYSTEM = (
    "You invent tasks for training a text-only AI assistant. You answer with the numbered "
    "tasks only: no introduction, no commentary."
)

BOOTSTRAP_INSTRUCTIONS = """\
Here is the start of a numbered list of tasks that people give a text-only AI assistant:

{listing}

Continue the list with {n} new tasks, numbered {start} to {end}{topic_clause}.
- Every new task must differ from the tasks above and from each other: vary the kind of work \
(questions, explanations, advice, writing, rewriting, classification, extraction, math, code, \
planning, reasoning, ...) and vary the wording.
- Write each task as an instruction of one or two sentences. A task may refer to an input it \
needs ("the review below", "these numbers") without including the input itself.
- Every task must be possible with text alone: nothing that needs images, audio, video, files, \
links or browsing.
- One task per line, written as "<number>. <task>"."""

CLASSIFY_SYSTEM = "You sort tasks into kinds. You answer with one word: yes or no."

CLASSIFY_INSTRUCTIONS = """\
A classification task asks for one label from a small, fixed set of categories (for example \
positive or negative, spam or not spam, true or false, one of five departments), so its answer \
is a label rather than a free text. Decide whether each task below is a classification task.

{demonstrations}

Task: {instruction}
Classification task:"""

CLASSIFY_RETRY = """\
Answer with exactly one word, yes or no. Is this a classification task?
Task: {instruction}"""

LABEL_FIRST_SYSTEM = (
    "You write examples for classification tasks. You answer in the exact format you are "
    "shown, with no introduction and no commentary."
)

LABEL_FIRST_INSTRUCTIONS = """\
Write examples for a classification task, label first: name one of the labels the task can \
give, then write a realistic input that truly belongs to that label. Use each label of the task \
at least once when you can, and make the inputs varied. Examples of the format, tasks separated \
by ###:

{demonstrations}
###
Task: {instruction}

Write up to {k} examples for this task, label first, each as a "Label:" line followed by an \
"Input:" line, examples separated by a blank line."""

INPUT_FIRST_SYSTEM = (
    "You write examples for tasks. You answer in the exact format you are shown, with no "
    "introduction and no commentary."
)

INPUT_FIRST_INSTRUCTIONS = """\
Write examples for a task, input first: invent a realistic, concrete input the task could be \
given, then write the output that completes the task for that input correctly and fully. If the \
task needs no input, write "Input: {no_input}" and give a single example. Examples of the \
format, tasks separated by ###:

{demonstrations}
###
Task: {instruction}

Write up to {k} examples for this task, input first, each as an "Input:" line followed by an \
"Output:" line, examples separated by a blank line."""


def render_bootstrap_prompt(
    instructions: Sequence[str], n: int, topic: str | None = None
) -> list[dict[str, str]]:
    """Step 1: the demonstration instructions as a numbered list the teacher continues."""
    listing = "\n".join(f"{i}. {' '.join(text.split())}" for i, text in enumerate(instructions, 1))
    start = len(instructions) + 1
    topic_clause = f", all in the domain of {topic.strip()}" if topic else ""
    user = BOOTSTRAP_INSTRUCTIONS.format(
        listing=listing, n=n, start=start, end=start + n - 1, topic_clause=topic_clause
    )
    return [{"role": "system", "content": BOOTSTRAP_SYSTEM}, {"role": "user", "content": user}]


def render_classify_prompt(
    demonstrations: Sequence[SeedTask], instruction: str
) -> list[dict[str, str]]:
    """Step 2: labelled seed instructions, then the new one, answered with yes or no."""
    demos = "\n\n".join(
        f"Task: {' '.join(t.instruction.split())}\n"
        f"Classification task: {'yes' if t.is_classification else 'no'}"
        for t in demonstrations
    )
    user = CLASSIFY_INSTRUCTIONS.format(
        demonstrations=demos, instruction=" ".join(instruction.split())
    )
    return [{"role": "system", "content": CLASSIFY_SYSTEM}, {"role": "user", "content": user}]


def render_classify_retry(
    messages: Sequence[dict[str, str]], answer: str, instruction: str
) -> list[dict[str, str]]:
    """Step 2, second try: the unusable answer stays in the conversation, and the reminder
    names the task again (a rambling first answer can bury it)."""
    reminder = CLASSIFY_RETRY.format(instruction=" ".join(instruction.split()))
    return [
        *messages,
        {"role": "assistant", "content": answer},
        {"role": "user", "content": reminder},
    ]


def _instance_lines(first: tuple[str, str], second: tuple[str, str]) -> str:
    return f"{first[0]}: {first[1].strip()}\n{second[0]}: {second[1].strip()}"


def render_label_first_prompt(
    demonstrations: Sequence[SeedTask], instruction: str, k: int
) -> list[dict[str, str]]:
    """Step 3 for classification tasks: the label, then an input that fits it."""
    blocks = []
    for task in demonstrations:
        examples = "\n\n".join(
            _instance_lines(("Label", i.output), ("Input", i.input or NO_INPUT))
            for i in task.instances
        )
        blocks.append(f"Task: {task.instruction}\n\n{examples}")
    user = LABEL_FIRST_INSTRUCTIONS.format(
        demonstrations="\n###\n".join(blocks), instruction=instruction.strip(), k=k
    )
    return [{"role": "system", "content": LABEL_FIRST_SYSTEM}, {"role": "user", "content": user}]


def render_input_first_prompt(
    demonstrations: Sequence[SeedTask], instruction: str, k: int
) -> list[dict[str, str]]:
    """Step 3 for other tasks: an input, then the output for it."""
    blocks = []
    for task in demonstrations:
        instances = task.instances if any(i.input for i in task.instances) else task.instances[:1]
        examples = "\n\n".join(
            _instance_lines(("Input", i.input or NO_INPUT), ("Output", i.output)) for i in instances
        )
        blocks.append(f"Task: {task.instruction}\n\n{examples}")
    user = INPUT_FIRST_INSTRUCTIONS.format(
        demonstrations="\n###\n".join(blocks),
        instruction=instruction.strip(),
        k=k,
        no_input=NO_INPUT,
    )
    return [{"role": "system", "content": INPUT_FIRST_SYSTEM}, {"role": "user", "content": user}]
