"""The defect filters on real records (quoted with their source) and their clean look-alikes.

Sources: `alpaca-original:<i>` is the 0-based index into the Stanford Alpaca 52K
(tatsu-lab/stanford_alpaca alpaca_data.json); `davinci:<i>` a vanilla GPT-3 answer from
yizhongw/self-instruct human_eval/predictions/davinci_predictions.jsonl; `gsm8k`, `dolly` and
`user-oriented` are human-written (openai/grade-school-math, databricks-dolly-15k,
yizhongw/self-instruct human_eval/user_oriented_instructions.jsonl).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selfinstruct.quality.chain import default_filters, first_reason
from selfinstruct.quality.defects import (
    EmptyInEffect,
    InputIsInstruction,
    MergedTask,
    NonTextTask,
    NotATask,
    PromptEcho,
    RepetitiveOutput,
    SelfReference,
    TemplatedOutput,
    TruncatedOutput,
    UnreadableInput,
)
from selfinstruct.quality.filters import Filter
from selfinstruct.schemas import Candidate, is_no_input, normalise_input
from selfinstruct.seeds.load import load_seed_file


def task(instruction: str, output: str = "A fine answer.", input_text: str = "") -> Candidate:
    return Candidate(instruction=instruction, input=input_text, output=output)


def says(rule: Filter, candidate: Candidate) -> str | None:
    return rule.reason(candidate)


# -- merged tasks ------------------------------------------------------------------------------
def test_merged_task_after_a_separator():  # alpaca-original, the AlpacaDataCleaned example
    output = (
        "Try a daily plan that works for you.\n##\n18. Instruction: Identify the noun in the "
        "following sentence:\n18. Input:\nThe large apple was delicious.\n18. Output:\nApple"
    )
    assert says(MergedTask(), task("Give tips for staying productive.", output)) == "merged_task"


def test_merged_task_unnumbered_example_after_the_answer():  # davinci:73
    output = (
        "Dear Ann, thank you for meeting me.\nInput: The recipient asked for a meeting request."
        "\nOutput: The sender should be able to follow up with the recipient."
    )
    assert says(MergedTask(), task("Write a confirmation email.", output)) == "merged_task"


def test_an_answer_that_mentions_instructions_is_not_merged():
    output = "Read the instruction: first preheat the oven, then mix the flour and the eggs."
    assert says(MergedTask(), task("Explain how to follow a recipe.", output)) is None


# -- prompt echo -------------------------------------------------------------------------------
def test_prompt_echo_of_alpaca_requirement_lines():  # alpaca-original:9100
    output = (
        '- If not required, use "<noinput>" in the input field. \n- Evaluate the output so it '
        "is an appropriate response to the instruction and the input. Make sure the output is "
        "less than 100 words."
    )
    assert says(PromptEcho(), task("Convert the instructions into a readable format.", output))


def test_prompt_echo_of_the_gpt_model_rule():  # alpaca-original, a refusal quoting the prompt
    output = "This instruction cannot be completed by a GPT language model."
    candidate = task("Remind the assistant to remind someone at 5pm.", output)
    assert says(PromptEcho(), candidate) == "prompt_echo"


def test_prompt_echo_of_our_own_template():
    output = "Every task must be possible with text alone: no images, audio, video, files."
    assert says(PromptEcho(), task("Name three fruits.", output)) == "prompt_echo"


def test_a_question_about_gpt_models_is_not_echo():
    candidate = task("What is a GPT model?", "A GPT model is a transformer language model.")
    assert says(PromptEcho(), candidate) is None


# -- unreadable inputs -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("instruction", "given"),
    [
        ("Summarize this article in two sentences.", "https://www.npr.org/2019/07/08/739361030/"),
        ("Rate the user experience for the following website.", "www.example.com"),
        ("Generate five adjectives to describe the given dog.", "<Image of a Corgi>"),
        ("Identify the place where the following photo was taken.", "[Image]"),
        ("Add a caption to this comic", "![Comic](https://i.imgur.com/978Yng5.png)"),
        ("List the products in the photo.", "(photo of a grocery store)"),
        ("Read the following article and write a one sentence summary.", "(Insert Article)"),
    ],
)
def test_unreadable_inputs(instruction, given):  # all alpaca-original
    assert says(UnreadableInput(), task(instruction, "x", given)).startswith("unreadable_input")


@pytest.mark.parametrize(
    ("instruction", "given"),
    [
        ("Find the domain of the following URL.", "https://www.nytimes.com/section/world"),
        ("Create an HTML hyperlink to this page.", "www.example.com"),
        ("Sort these numbers from low to high.", "[5, 3, 9]"),
        ("Fix the HTML of this table.", "<table><tr><td>1</td></tr>"),
    ],
)
def test_readable_inputs_that_look_like_links_or_brackets(instruction, given):
    assert says(UnreadableInput(), task(instruction, "x", given)) is None


# -- empty-in-effect outputs -------------------------------------------------------------------
@pytest.mark.parametrize(
    "output",
    ["<nooutput>", "<No Output>", "N/A", "No output required", "No Output", "<noinput>",
     "N/A (GPT model cannot produce any visual output)", "No output."],
)  # fmt: skip
def test_empty_in_effect(output):  # spellings from alpaca-original
    assert says(EmptyInEffect(), task("Design a company logo", output)) == "empty_output"


@pytest.mark.parametrize("output", ["None.", "Na", "- 😌😊", "Nothing beats a fresh start."])
def test_short_real_answers_are_not_empty(output):
    assert says(EmptyInEffect(), task("Answer briefly.", output)) is None


# -- truncated outputs -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "output",
    [
        "Calcium is a chemical element with the symbol Ca and atomic number of",  # 50884
        "A linear regression would lead us to predict that sales in 2015 will be",  # 37278
        "We want you to have the best experience.\n\nHappy shopping!\n\nSincerely,\nThe Team at",
    ],
)
def test_truncated_outputs(output):  # alpaca-original
    assert says(TruncatedOutput(), task("Answer the question.", output)) == "truncated_output"


@pytest.mark.parametrize(
    "output",
    [
        "def add(a, b):\n    return a + b",
        "Conjunctions:\n- and\n- or\n- but",
        "1. Apples\n2. Pears\n3. Plums",
        "Hi there,\n\nI'm inviting you over for dinner on Friday.\n\nLooking forward to seeing you,",
        "The answer is in the park",  # no full stop is not a cut
    ],
)
def test_code_lists_and_sign_offs_are_not_truncated(output):
    assert says(TruncatedOutput(), task("Answer the question.", output)) is None


def test_repetition_loop():  # davinci:34
    output = "Some shows: " + ", ".join(["Rick and Morty"] * 30)
    assert says(RepetitiveOutput(), task("Suggest some series.", output)) == "repetitive_output"


def test_a_long_varied_answer_is_not_a_loop():
    output = " ".join(f"Step {i}: mix part {i} with water and wait {i} minutes." for i in range(9))
    assert says(RepetitiveOutput(), task("Explain the recipe.", output)) is None


# -- non-text tasks ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "instruction",
    [
        'Design a logo for a travel agency called "Around the World".',
        "Create a poster that explains why pollution is bad.",
        "Take a photograph of something from an unusual perspective.",
        "Compose a melody with the notes C-E-G-B",
        "Generate a design for a logo with the given word.",
        "Record a video explaining the rules of chess.",
        "Make a sketch of a house.",
    ],
)
def test_non_text_tasks(instruction):  # alpaca-original, except the video
    assert says(NonTextTask(), task(instruction)) == "non_text_task"


@pytest.mark.parametrize(
    "instruction",
    [
        "Which film won the Best Picture Oscar in 1998?",
        "Create a slogan for a poster about recycling.",
        "Write a caption for a photo of a beach at sunset.",
        "Design a logo caption for a bakery.",
        "Describe how to take a good photo with a phone.",
    ],
)
def test_text_tasks_naming_pictures(instruction):
    assert says(NonTextTask(), task(instruction)) is None


# -- statements, second instructions, self-reference -------------------------------------------
def test_statement_is_not_a_task():
    assert says(NotATask(), task("We went to the beach yesterday.")) == "not_a_task"


def test_statement_with_a_request_is_a_task():
    assert says(NotATask(), task("I lost my keys. What should I do?")) is None


def test_input_that_is_a_second_instruction():
    candidate = task("Generate a story.", "Once upon a time...", "Write a poem about rain.")
    assert says(InputIsInstruction(), candidate) == "input_is_instruction"


def test_imperative_input_under_a_task_on_text():
    candidate = task("Rewrite the following sentence in the passive voice.", "x",
                     "Write the report by Monday.")  # fmt: skip
    assert says(InputIsInstruction(), candidate) is None


def test_self_reference_while_answering():  # mobarski/alpaca-libre v3:266, shortened
    output = "As an AI language model, I have no favourite bird. Popular ones are eagles."
    assert says(SelfReference(), task("What is your favorite bird and why?", output))


@pytest.mark.parametrize(
    ("instruction", "output"),
    [
        ("Roleplay as a futuristic AI therapist.", "As an AI therapist, I am here for you."),
        (
            "Count the vowels of a string in C++.",
            'string text = "Hello, I am an AI language model!";',
        ),
    ],
)  # teknium1/GPTeacher roleplay:350 and codegen:372
def test_self_reference_that_is_the_task_or_a_string(instruction, output):
    assert says(SelfReference(), task(instruction, output)) is None


def test_a_refusal_keeps_its_reason():
    output = "As an AI language model, I cannot browse the internet."
    assert (
        first_reason(default_filters(), task("Summarize today's world news.", output)) == "refusal"
    )


# -- templated outputs -------------------------------------------------------------------------
def test_templated_output_under_different_instructions():  # alpaca-original, a group of 2
    rule = TemplatedOutput()
    text = "Sorry, the task requires a visual output which cannot be generated by the model."
    assert says(rule, task("Generate a product mockup of a gardening tool.", text)) is None
    assert says(rule, task("Create a graphic on biodiversity.", text.upper())) == "templated_output"
    assert says(rule, task("Generate a product mockup of a gardening tool.", text)) is None


def test_short_answers_may_repeat():
    rule = TemplatedOutput()
    assert says(rule, task("Is this review positive?", "Positive")) is None
    assert says(rule, task("Classify the tweet's sentiment.", "Positive")) is None


# -- the no-input normaliser -------------------------------------------------------------------
@pytest.mark.parametrize(
    "marker",
    ['"<noinput>"', "`<noinput>`", "\\<noinput>", "{\\noinput}", "< noinput >", "No input required.",
     "No Input Required", "NoInput", "N/A", "NA", "None", "<none>", "(no input)", "[No Input]",
     ":\n<noinput>", "<noinput?", "No input needed.", "None (no answer)."],
)  # fmt: skip
def test_every_marker_spelling_becomes_empty(marker):  # spellings of alpaca-original inputs
    assert is_no_input(marker) and normalise_input(marker) == ""


@pytest.mark.parametrize("text", ["None of the above", "Nina", "No inputs were given to the jury."])
def test_real_inputs_are_kept(text):
    assert normalise_input(text) == text


def test_seed_loading_normalises_markers(tmp_path: Path):
    path = tmp_path / "seeds.jsonl"
    rows = [{"instruction": "Name a large ocean.", "input": "`<noinput>`", "output": "Pacific."}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert load_seed_file(path)[0].instances[0].input == ""


# -- issue 16: the prompt actually sent, inputs under statements, short labels across tasks ----
def test_request_echo_checks_the_prompt_sent_not_its_demonstrations():
    from selfinstruct.quality.defects import RequestEcho

    demo = "Give three tips for staying healthy while working night shifts at a hospital."
    prompt = (
        "Write 17 new tasks about gardening for beginners on a small balcony.\n"
        f"1. Instruction: {demo}\n1. Output: Sleep, eat well and walk in daylight.\n"
    )
    echo = RequestEcho(prompt, [demo, "Sleep, eat well and walk in daylight."])
    # the rendered words (number and topic filled in), in an output or an instruction
    assert (
        says(
            echo,
            task(
                "Plan a week.",
                "Here: write 17 new tasks about gardening for beginners on a small balcony.",
            ),
        )
        == "prompt_echo"
    )
    assert (
        says(echo, task("Write 17 new tasks about cooking for beginners on a balcony, now."))
        is None
    )  # six words in a row, then another
    assert (
        says(echo, task("Write 17 new tasks about gardening for beginners, please."))
        == "prompt_echo"
    )
    # the demonstration is material: copying it is dedup's business, not an echo
    assert says(echo, task(demo, "Rest, hydrate and keep a routine.")) is None
    # also where the prompt renders it otherwise (case, spacing), so no text split finds it
    shown = RequestEcho(prompt.replace(demo, demo.upper().replace(" ", "  ")), [demo])
    assert says(shown, task(demo, "Rest, hydrate and keep a routine.")) is None
    assert says(shown, task("Plan it.", "Write 17 new tasks about gardening for you.")) == (
        "prompt_echo"
    )


def test_request_echo_finds_every_run_it_indexes():
    """The anchor shortcut is exact: same answers as comparing every run, on texts built from
    the index's own words (so most share words with it)."""
    import random

    from selfinstruct.quality.defects import EchoIndex, _runs, echo_words, template_lines

    lines = template_lines()
    index = EchoIndex(lines)
    vocab = [w for line in lines for w in echo_words(line)]
    rng = random.Random(16)
    for _ in range(3000):
        words = [rng.choice(vocab) for _ in range(rng.randint(0, 12))]
        line = echo_words(rng.choice(lines))
        start = rng.randrange(max(1, len(line) - 6))
        words += [*line[start : start + rng.randint(4, 9)], rng.choice(vocab)]
        expected = not index.shingles.isdisjoint(_runs(words))
        assert index.holds_run_of(words) == expected
        assert index.holds_run_of(words, frozenset(words)) == expected  # as a view passes them


def test_statement_with_an_input_is_not_a_task_either():
    given = "The meeting moved to Thursday at 3 pm in room 204."
    assert (
        says(NotATask(), task("We went to the beach yesterday.", input_text=given)) == "not_a_task"
    )
    assert says(NotATask(), task("Summarize the following email.", input_text=given)) is None
    assert (
        says(NotATask(), task("I wrote this note. Rewrite it politely.", input_text=given)) is None
    )


def test_a_short_label_under_unrelated_instructions_is_templated_the_third_time():
    rule = TemplatedOutput(short_repeats=3)
    unrelated = ["Write a haiku about rain.", "Name the capital of Peru.", "Summarise the plot."]
    for instruction in unrelated[:2]:
        assert rule.templated(task(instruction, "Safe")) is False
        rule.remember(task(instruction, "Safe"))
    assert rule.templated(task(unrelated[2], "Safe.")) is True
    # a label the instruction asks for, the same instruction again, or a unit, is not
    assert rule.templated(task("Is this website safe or unsafe?", "Safe")) is False
    assert rule.templated(task(unrelated[0], "safe")) is False
    for instruction in unrelated:
        rule.remember(task(instruction, "26.67°C"))
    assert rule.templated(task("Convert 80 F to Celsius.", "26.67°C")) is False
    # without short_repeats (`clean`), short answers are never templated
    assert TemplatedOutput().templated(task(unrelated[2], "Safe")) is False


def test_fast_paths_decide_as_the_patterns_do():
    """Refusal's substring hints, the word list's single search, the last word without a
    regex and the loop bound on distinct words change no decision (checked on the seeds and
    on texts made to hit the patterns)."""
    import random
    import re

    from selfinstruct.quality import defects
    from selfinstruct.quality.filters import REFUSAL_PATTERNS, Blacklist, Refusal

    slow_refusal = re.compile("|".join(REFUSAL_PATTERNS), re.IGNORECASE)
    words = (
        "As an AI",
        "language model",
        "I'm sorry, but I cannot",
        "I can't assist",
        "I do not have access to",
        "I won't be able to provide",
        "video",
        "Go to",
        "maps",
        "Drawing",
        "the",
        "of",
        "x,",
        "résumé",
        "’",
        "I am unable to comply",
    )
    rng = random.Random(3)
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 9))) for _ in range(3000)]
    blacklist, refusal = Blacklist(), Refusal()
    for text in texts:
        c = task(text, text)
        expected = "refusal" if slow_refusal.search(f"{text}\n{text}".replace("’", "'")) else None
        assert refusal.reason(c) == expected
        first = next((w for w, p in blacklist.patterns if p.search(text)), None)
        assert blacklist.reason(c) == (f"blacklist:{first.replace(' ', '_')}" if first else None)
        letters = [w.encode() for w in re.findall(r"[^\W\d_]+", text.lower())]
        assert defects._letter_words(text) == letters
        old = re.search(r"([A-Za-z]+)\s*,?\s*$", text)
        assert defects._last_word(text) == (old[1] if old else "")
        loop = text.lower().split() * 5
        distinct = len(set(zip(loop, loop[1:], loop[2:], loop[3:], strict=False)))
        full = "repetitive_output" if len(loop) >= 40 and distinct < 0.5 * (len(loop) - 3) else None
        assert defects.RepetitiveOutput().reason(task("Say it.", " ".join(loop))) == full


def test_unfilled_template_blank_and_labelled_link_are_unreadable():  # alpaca-original
    rule = UnreadableInput()
    assert (
        says(
            rule,
            task(
                "Find a restaurant nearby that serves <insert cuisine> cuisine.",
                input_text="<insert cuisine> - Italian",
            ),
        )
        == "unreadable_input:placeholder"
    )
    assert (
        says(
            rule,
            task(
                "Summarize an article about the benefits of yoga in the workplace.",
                input_text="Article: https://werise.simplecast.com/episodes/a0f75bbf",
            ),
        )
        == "unreadable_input:link"
    )
    # a label with text after it is text; "insert" outside a blank is a word
    assert (
        says(rule, task("Summarize the note.", input_text="Note: see https://x.org for more"))
        is None
    )
    assert says(rule, task("Explain what an SQL INSERT statement does.")) is None
