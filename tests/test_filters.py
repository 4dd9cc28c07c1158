"""Each quality filter names its reason; good tasks pass untouched."""

from __future__ import annotations

import pytest

from selfinstruct.quality.chain import default_filters, first_reason
from selfinstruct.quality.filters import (
    CountMismatch,
    NamedFunctionMissing,
    list_items,
    requested_count,
)
from selfinstruct.schemas import Candidate


def reason(instruction: str, input_text: str = "", output: str = "A fine answer.") -> str | None:
    return first_reason(
        default_filters(), Candidate(instruction=instruction, input=input_text, output=output)
    )


@pytest.mark.parametrize(
    ("instruction", "input_text", "output", "expected"),
    [
        ("Summarise the paragraph below in one sentence.", "Some text here.", "Short.", None),
        ("请用一句话总结下面这段文字的主要内容。", "一些文字。", "总结。", None),
        ("Объясните, почему небо голубое, простыми словами.", "", "Из-за рассеяния.", None),
        ("Summarize this.", "", "x", "too_short"),
        (" ".join(["word"] * 151), "", "x", "too_long"),
        ("Describe the image in three sentences.", "", "x", "blacklist:image"),
        ("Describe these pictures in three sentences.", "", "x", "blacklist:picture"),
        ("Draw a diagram of the water cycle please.", "", "x", "blacklist:draw"),
        ("Explain how to go to the nearest station.", "", "x", "blacklist:go_to"),
        ("Explain how profiles work in sport teams.", "", "x", None),  # "file" inside a word
        ("Write a program that sorts a list of numbers.", "", "x", "program_request"),
        ("- List three fruits that are red.", "", "x", "starts_with_punctuation"),
        ("★ List three fruits that are red.", "", "x", "starts_with_symbol"),
        ("List three fruits that are red.", "", "   ", "empty_output"),
        ("Repeat the sentence back to me exactly.", "Hello there", "hello  there", "input_equals_output"),
        ("Tell me your favourite colour and why.", "", "As an AI language model, I do not.", "refusal"),
        ("Tell me how to pick a lock quickly.", "", "I'm sorry, but I cannot help with that.", "refusal"),
        ("List three fruits that are red.", "", "x" * 9000, "output_too_long"),
    ],
)
def test_reasons(instruction, input_text, output, expected):
    assert reason(instruction, input_text, output) == expected


# -- CountMismatch ---------------------------------------------------------------------------
def count_reason(instruction: str, output: str, input_text: str = "") -> str | None:
    candidate = Candidate(instruction=instruction, input=input_text, output=output)
    return CountMismatch().reason(candidate)


SCREEN_TIME_5 = (
    "1. Replace scrolling with stretching\n2. Agree on a family no-screens hour\n"
    "3. Set a wind-down alarm an hour before bed\n4. Charge the phone outside the bedroom\n"
    "5. Keep a paper book on the pillow"
)


@pytest.mark.parametrize(
    ("instruction", "output", "expected"),
    [
        (  # the real case: a neighbouring task's five ideas answer "3 ways"
            "Dream up 3 ways to reduce screen time before bed. Keep each one short.",
            SCREEN_TIME_5,
            "count_mismatch:3/5",
        ),
        ("List three reasons why exercise matters.", "- Heart\n- Mood", "count_mismatch:3/2"),
        (
            "Suggest five names for a neighbourhood bakery.",
            "Here are some names:\n1. Crumb\n2. Rise\n3. Knead\nI hope you like them!",
            "count_mismatch:5/3",
        ),
        (
            "Give 4 fundraising ideas for a school library that cost almost nothing.",
            "1. Bake sale\n2. Book swap\n3. Quiz night\n4. Sponsored read\n5. Raffle",
            "count_mismatch:4/5",
        ),
        (
            "What are 7 good low-cost date ideas in a city?",
            "- Picnic\n- Museum evening\n- Sunset walk",
            "count_mismatch:7/3",
        ),
        (
            "Could you suggest six hobbies a newly retired person could take up? "
            "Use no more than three sentences.",
            "1. Birdwatching\n2. Choir\n3. Woodworking\n4. Painting",
            "count_mismatch:6/4",
        ),
        (
            "Summarise the article in 3 bullet points for the team.",
            "- One\n- Two\n- Three\n- Four",
            "count_mismatch:3/4",
        ),
        (  # indented sub-items are not items
            "Give me twelve tips for a first marathon.",
            "1. Train slowly\n   - three runs a week\n2. Sleep well\n3. Eat carbs",
            "count_mismatch:12/3",
        ),
        (
            "Write 5 interview questions for a junior developer role.",
            "1) Why this job?\n2) A bug you fixed?\n3) Favourite tool?\n4) Team or solo?\n"
            "5) Where in five years?\n6) Questions for us?",
            "count_mismatch:5/6",
        ),
        (  # numbers in the input are not what the instruction asks for
            "Give 2 examples of strong verbs from the following text.",
            "1. sprint\n2. devour\n3. whisper",
            "count_mismatch:2/3",
        ),
        # --- must pass
        ("Give 4 fundraising ideas for a school library.", "1. A\n2. B\n3. C\n4. D", None),
        (
            "Plan the next 6 weeks for a person hoping to read more, one line per week.",
            "Week 1: Set a goal.\nWeek 2: Carry a book.\nWeek 3: Read before bed.",
            None,
        ),
        (
            "Is renting a flat instead of buying a good idea? Give the upsides and downsides.",
            "Pros:\n- Flexible\n- No repairs\nCons:\n- No equity",
            None,
        ),
        (
            "Solve this riddle: 23 new colleagues each shake hands once with every other person. "
            "How many handshakes are there?",
            "- Each shakes 22 hands\n- 23 x 22 / 2 = 253",
            None,
        ),
        (
            "Create a 5-day plan to learn the basics of Spanish for a trip.",
            "- Greetings\n- Numbers\n- Food",
            None,
        ),
        ("Explain photosynthesis in 3 sentences for a child.", "- Light\n- Water\n- Sugar", None),
        ("Give three or four tips for sleeping better.", "- Dark\n- No coffee\n- Routine", None),
        ("Give 3 to 5 tips for saving money on food.", "- Plan\n- Batch cook", None),
        ("Keep it under 80 words and list some tips for revising.", "- Plan\n- Rest", None),
        (
            "Give 3 tips per day for a calm week at work.",
            "- Walk\n- Breathe\n- Plan\n- Stretch\n- Rest\n- Smile",
            None,
        ),
        (
            "Name 3 fruits and 3 vegetables that grow in Spain.",
            "- Orange\n- Lemon\n- Fig\n- Pepper\n- Onion\n- Garlic",
            None,
        ),
        (  # "3 colleagues" is not a count of list items
            "3 colleagues share a bill and want ideas for splitting it fairly.",
            "- Evenly\n- By what each ordered",
            None,
        ),
        (  # grouped lists: the count refers to the groups
            "Give 2 options for lunch, with what each needs.",
            "1. Soup\n- pot\n- stock\n2. Salad\n- bowl",
            None,
        ),
        (  # a second numbered list restarts at 1: not one flat list
            "List 3 steps to make tea.",
            "1. Boil\n2. Steep\n3. Pour\n\nNotes:\n1. Use fresh water",
            None,
        ),
        (  # prose answer: nothing to count
            "Give me five reasons to learn Latin.",
            "It trains precision, opens old texts and helps with grammar and vocabulary.",
            None,
        ),
        (  # code is not a list
            "List 3 ways to reverse a string in Python.",
            "```python\ns[::-1]\n```\n- slicing\n- reversed()",
            None,
        ),
        ("Rank these 5 ideas from best to worst.", "1. A\n2. B\n3. C", None),
        ("Pick the best 2 ideas from the list below.", "1. A\n2. B\n3. C", None),
        # --- never on text it cannot read
        ("Назовите три способа сэкономить электричество дома.", "1. А\n2. Б\n3. В\n4. Г", None),
        ("Dame 3 ideas para recaudar fondos para la biblioteca escolar.", "1. A\n2. B", None),
        ("Geef 5 tips om beter te slapen.", "- A\n- B", None),
        ("Berikan 5 tips untuk tidur lebih nyenyak.", "- A\n- B", None),
        ("请列出3个减少屏幕时间的方法。", "1. 甲\n2. 乙\n3. 丙\n4. 丁", None),
        ("Nenne 3 Ideen für einen Regentag mit Kindern.", "- A\n- B", None),
    ],
)
def test_count_mismatch(instruction, output, expected):
    assert count_reason(instruction, output) == expected


def test_count_mismatch_ignores_numbers_in_the_input():
    instruction = "Summarise the customer feedback below as a bulleted list."
    given = "We tested 5 ideas and 3 tips from the forum."
    assert count_reason(instruction, "- Good\n- Slow", given) is None


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        ("Dream up 3 ways to reduce screen time before bed.", 3),
        ("Could you suggest twenty names for a podcast about gardening?", 20),
        ("What are 4 realistic questions to ask a landlord before signing?", 4),
        ("List 1 idea for the weekend, and make it good.", None),
        ("Write at least 5 sentences about the sea for a class.", None),
        ("List the 25 tallest buildings in the world for me.", None),
    ],
)
def test_requested_count(instruction, expected):
    assert requested_count(instruction) == expected


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("1. a\n2. b\n3. c", 3),
        ("- a\n\n- b", 2),
        ("• a\n• b\n• c\n• d", 4),
        ("Intro:\n* a\n* b\nOutro.", 2),
        ("1. a\n   more about a\n2. b", 2),
        ("1. a", None),
        ("1. a\n- b", None),  # two markers
        ("1. a\n3. b", None),  # numbers skip
        ("Pros:\n- a\nCons:\n- b", None),  # headed groups
        ("Intro one.\nIntro two.\n- a\n- b", None),  # list is not the bulk
        ("**Bold** start\n**Bold** again", None),
    ],
)
def test_list_items(output, expected):
    assert list_items(output) == expected


# -- NamedFunctionMissing --------------------------------------------------------------------
def name_reason(instruction: str, output: str, input_text: str = "") -> str | None:
    candidate = Candidate(instruction=instruction, input=input_text, output=output)
    return NamedFunctionMissing().reason(candidate)


LEAP_YEAR = (
    "```python\ndef is_leap_year(year: int) -> bool:\n    return year % 4 == 0 and "
    "(year % 100 != 0 or year % 400 == 0)\n```\n\nExample:\n```python\n"
    "is_leap_year(1900)  # False\n```"
)
DIGIT_SUM = "```python\ndef digit_sum(n: int) -> int:\n    return sum(map(int, str(abs(n))))\n```"


@pytest.mark.parametrize(
    ("instruction", "output", "expected"),
    [
        (  # the real case
            "Write a Python function named `digit_sum` that adds up the digits of an integer.",
            LEAP_YEAR,
            "function_name_mismatch",
        ),
        (
            "Can you write `digit_sum` in Python? It adds up the digits of an integer.",
            LEAP_YEAR,
            "function_name_mismatch",
        ),
        (
            "Write a function called is_palindrome that checks a string.",
            "def reverse(s):\n    return s[::-1]",
            "function_name_mismatch",
        ),
        (
            "Write a JavaScript function `slugify` that turns a title into a URL slug.",
            "```js\nfunction toTitle(s) {\n  return s.toUpperCase();\n}\n```",
            "function_name_mismatch",
        ),
        (
            "Implement a TypeScript helper named `clamp` for the UI code.",
            "```ts\nexport const lerp = (a: number, b: number, t: number): number =>\n"
            "  a + (b - a) * t;\n```",
            "function_name_mismatch",
        ),
        (
            "Write a Python class called `Stack` with push and pop methods.",
            "```python\nclass Queue:\n    def push(self, x):\n        ...\n```",
            "function_name_mismatch",
        ),
        (  # the name mentioned in prose does not make the code define it
            "Write a Python function named `digit_sum` that adds up the digits of an integer.",
            "Here is `digit_sum`:\n" + LEAP_YEAR,
            "function_name_mismatch",
        ),
        (
            "Write a Go function named `Reverse` that reverses a string.",
            "```go\nfunc Upper(s string) string {\n\treturn strings.ToUpper(s)\n}\n```",
            "function_name_mismatch",
        ),
        (  # "converts" describes the new function, it is no edit of existing code
            "Write a Python function named `to_snake` that converts a phrase to snake_case.",
            "```python\ndef to_camel(phrase):\n    return phrase\n```",
            "function_name_mismatch",
        ),
        # --- must pass
        (
            "Write a Python function named `digit_sum` that adds up the digits of an integer.",
            DIGIT_SUM,
            None,
        ),
        (
            "Write a JavaScript function `slugify` that turns a title into a URL slug.",
            "```js\nconst slugify = (title) => title.toLowerCase().replace(/\\s+/g, '-');\n```",
            None,
        ),
        (
            "Write a JavaScript function `slugify` that turns a title into a URL slug.",
            "```js\nexport async function slugify(title) {\n  return title;\n}\n```",
            None,
        ),
        (
            "Write a JavaScript function called slugify for our blog.",
            "const slugify = function (t) { return t; };",
            None,
        ),
        (  # helpers besides the asked function are fine
            "Write a Python function named `digit_sum` that adds up the digits of an integer.",
            "```python\ndef _digits(n):\n    return str(abs(n))\n\n\ndef digit_sum(n):\n"
            "    return sum(map(int, _digits(n)))\n```",
            None,
        ),
        (  # only prose, no definition: nothing to compare
            "Write a function called is_palindrome that checks a string.",
            "Compare the cleaned string with its reverse in `is_palindrome`.",
            None,
        ),
        (  # defined in a syntax it does not parse (C), but the name is there
            "Write a C function named `digit_sum` for an embedded project.",
            "```c\nstatic int helper(int x) { return x; }\n"
            "int digit_sum(int n) {\n  return n;\n}\n```",
            None,
        ),
        (  # naming styles: digitSum is digit_sum
            "Write a JavaScript function named `digitSum` that adds digits.",
            "```python\ndef digit_sum(n):\n    return 0\n```",
            None,
        ),
        (  # an edit of existing code may rightly change the name
            "Rename the function `foo` to `compute_total` and add type hints.",
            "```python\ndef compute_total(x: int) -> int:\n    return x\n```",
            None,
        ),
        (
            "Translate this Python function `mean` into JavaScript and call it average.",
            "```js\nfunction average(xs) {\n  return 0;\n}\n```",
            None,
        ),
        (  # explaining existing code is not asking for new code
            "Explain what the following Python function, `truncate`, does.",
            "```python\ndef shorten(text):\n    return text[:10]\n```",
            None,
        ),
        (
            "Write a function called every second by the scheduler to poll the queue.",
            "```python\ndef poll():\n    pass\n```",
            None,
        ),
        (
            "Write a Python function named appropriately that sums a list.",
            "```python\ndef total(xs):\n    return sum(xs)\n```",
            None,
        ),
        (  # a name of code the new code uses is not the name asked for
            "Write a function that calls the helper `load_rows` and sums the amounts.",
            "```python\ndef total(path):\n    return sum(r.amount for r in read(path))\n```",
            None,
        ),
        (
            "Write a retry wrapper around the function `fetch_page` for our crawler.",
            "```python\ndef with_retries(call, tries=3):\n    ...\n```",
            None,
        ),
        # --- never on text it cannot read
        ("Escribe una función en Python llamada `digit_sum` que sume dígitos.", LEAP_YEAR, None),
        ("Schreibe eine Python-Funktion namens `digit_sum`, die Ziffern addiert.", LEAP_YEAR, None),
        ("编写一个名为 `digit_sum` 的 Python 函数，计算各位数字之和。", LEAP_YEAR, None),
        ("Напишите функцию `digit_sum`, которая складывает цифры числа.", LEAP_YEAR, None),
        ("Écris une fonction nommée `digit_sum` qui additionne les chiffres.", LEAP_YEAR, None),
    ],
)
def test_named_function_missing(instruction, output, expected):
    assert name_reason(instruction, output) == expected


def test_new_filters_run_after_the_cheap_ones():
    chain = [type(rule) for rule in default_filters()]
    assert chain[-2:] == [CountMismatch, NamedFunctionMissing]
    # an empty answer is named as such, not as a count or name mismatch
    assert reason("Dream up 3 ways to reduce screen time before bed.", "", "") == "empty_output"
    assert reason("Dream up 3 ways to reduce screen time before bed.", "", SCREEN_TIME_5) == (
        "count_mismatch:3/5"
    )


def test_rejection_counts_fold_numbered_variants_for_display():
    from selfinstruct.quality.filters import by_family

    counts = {"count_mismatch:3/5": 2, "count_mismatch:4/6": 1, "blacklist:image": 4,
              "too_short": 1, "request_failed:TeacherError": 1}
    assert by_family(counts) == {"count_mismatch": 3, "blacklist:image": 4, "too_short": 1,
                                 "request_failed:TeacherError": 1}


@pytest.mark.parametrize(
    "instruction", ["Give sıx tips for better sleep.", "Give ſix tips for better sleep.", "Give SİX tips for better sleep."]
)
def test_a_number_word_case_folded_from_another_script_is_no_count(instruction):
    """IGNORECASE matches "sıx" (dotless i), "ſix" (long s) and "SİX" (dotted I) as "six";
    they are not the spellings counted, and once raised KeyError in the middle of a run."""
    output = "1. Dim the lights.\n2. Keep a schedule.\n3. Skip late coffee."
    assert requested_count(instruction) is None
    assert CountMismatch().reason(Candidate(instruction=instruction, output=output)) is None
