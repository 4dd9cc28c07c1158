"""Task makers for programming: writing a function, explaining or fixing one, and SQL.

Every snippet below is real, working Python, so a test that runs the code in a generated
output gets what a good teacher would give.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from selfinstruct_testing.words import Task, audience, pick, vary


@dataclass(frozen=True)
class Spec:
    """A function to write: what it does, its code, one example call and an optional bug."""

    does: str
    name: str
    code: str
    example: str
    bug: tuple[str, str, str] | None = None  # (correct text, buggy text, what was wrong)


SPECS = (
    Spec(
        "checks whether a string is a palindrome, ignoring case and spaces",
        "is_palindrome",
        'def is_palindrome(text: str) -> bool:\n    cleaned = "".join(ch.lower() for ch in text '
        "if ch.isalnum())\n    return cleaned == cleaned[::-1]",
        'is_palindrome("Never odd or even")  # True',
        ("cleaned[::-1]", "cleaned[::1]", "the string was compared with itself, not reversed"),
    ),
    Spec(
        "counts the vowels in a string",
        "count_vowels",
        "def count_vowels(text: str) -> int:\n    return sum(1 for ch in text.lower() if ch in "
        '"aeiou")',
        'count_vowels("Programming")  # 3',
        ("text.lower()", "text", "uppercase vowels were not counted"),
    ),
    Spec(
        "reverses the order of the words in a sentence",
        "reverse_words",
        'def reverse_words(sentence: str) -> str:\n    return " ".join(reversed(sentence.split()))',
        'reverse_words("the cat sat")  # "sat cat the"',
    ),
    Spec(
        "returns the longest word in a sentence",
        "longest_word",
        "def longest_word(sentence: str) -> str:\n    words = sentence.split()\n    return "
        'max(words, key=len) if words else ""',
        'longest_word("a quick experiment")  # "experiment"',
        ("key=len", "key=str.lower", "it compared words alphabetically instead of by length"),
    ),
    Spec(
        "removes all punctuation from a string",
        "strip_punctuation",
        "import string\n\n\ndef strip_punctuation(text: str) -> str:\n    return "
        'text.translate(str.maketrans("", "", string.punctuation))',
        'strip_punctuation("Hello, world!")  # "Hello world"',
    ),
    Spec(
        "checks whether two words are anagrams of each other",
        "are_anagrams",
        "def are_anagrams(a: str, b: str) -> bool:\n    return sorted(a.lower()) == "
        "sorted(b.lower())",
        'are_anagrams("listen", "silent")  # True',
        ("sorted(b.lower())", "sorted(a.lower())", "it compared the first word with itself"),
    ),
    Spec(
        "compresses runs of repeated characters, turning 'aaabcc' into 'a3b1c2'",
        "compress",
        "from itertools import groupby\n\n\ndef compress(text: str) -> str:\n    return "
        '"".join(f"{ch}{len(list(run))}" for ch, run in groupby(text))',
        'compress("aaabcc")  # "a3b1c2"',
    ),
    Spec(
        "finds the first character in a string that does not repeat",
        "first_unique_char",
        "from collections import Counter\n\n\ndef first_unique_char(text: str) -> str | None:\n   "
        " counts = Counter(text)\n    for ch in text:\n        if counts[ch] == 1:\n            "
        "return ch\n    return None",
        'first_unique_char("swiss")  # "w"',
        ("counts[ch] == 1", "counts[ch] > 1", "it returned the first repeated character"),
    ),
    Spec(
        "counts how often each word appears in a text, ignoring case",
        "word_counts",
        "from collections import Counter\n\n\ndef word_counts(text: str) -> dict[str, int]:\n    "
        "return dict(Counter(text.lower().split()))",
        'word_counts("the cat and the hat")  # {"the": 2, "cat": 1, "and": 1, "hat": 1}',
    ),
    Spec(
        "converts a phrase to snake_case",
        "to_snake_case",
        "import re\n\n\ndef to_snake_case(phrase: str) -> str:\n    words = "
        're.findall(r"[A-Za-z0-9]+", phrase)\n    return "_".join(word.lower() for word in words)',
        'to_snake_case("Total Order Value")  # "total_order_value"',
    ),
    Spec(
        "masks every digit of a card number except the last four",
        "mask_card",
        'def mask_card(number: str) -> str:\n    digits = number.replace(" ", "")\n    return "*" '
        "* (len(digits) - 4) + digits[-4:]",
        'mask_card("4111 1111 1111 1234")  # "************1234"',
        ("digits[-4:]", "digits[:4]", "it kept the first four digits instead of the last four"),
    ),
    Spec(
        "checks that a password has at least 8 characters, a digit and an uppercase letter",
        "is_strong_password",
        "def is_strong_password(password: str) -> bool:\n    return (\n        len(password) >= "
        "8\n        and any(ch.isdigit() for ch in password)\n        and any(ch.isupper() for ch "
        "in password)\n    )",
        'is_strong_password("Sunny2024")  # True',
        (
            "len(password) >= 8",
            "len(password) > 8",
            "passwords of exactly 8 characters were rejected",
        ),
    ),
    Spec(
        "shortens a string to a maximum length, adding an ellipsis when it cuts",
        "truncate",
        "def truncate(text: str, limit: int) -> str:\n    if len(text) <= limit:\n        return "
        'text\n    return text[: max(limit - 3, 0)] + "..."',
        'truncate("Hello, world", 8)  # "Hello..."',
    ),
    Spec(
        "returns the sum of the even numbers in a list",
        "sum_even",
        "def sum_even(numbers: list[int]) -> int:\n    return sum(n for n in numbers if n % 2 == "
        "0)",
        "sum_even([1, 2, 3, 4, 10])  # 16",
        ("n % 2 == 0", "n % 2 == 1", "it summed the odd numbers"),
    ),
    Spec(
        "removes duplicates from a list while keeping the original order",
        "dedupe",
        "def dedupe(items: list) -> list:\n    seen = set()\n    result = []\n    for item in "
        "items:\n        if item not in seen:\n            seen.add(item)\n            "
        "result.append(item)\n    return result",
        "dedupe([3, 1, 3, 2, 1])  # [3, 1, 2]",
        ("            seen.add(item)\n", "", "items were never recorded as seen"),
    ),
    Spec(
        "finds the second largest distinct number in a list",
        "second_largest",
        "def second_largest(numbers: list[int]) -> int | None:\n    distinct = "
        "sorted(set(numbers), reverse=True)\n    return distinct[1] if len(distinct) > 1 else None",
        "second_largest([4, 9, 9, 2])  # 4",
        (
            "sorted(set(numbers), reverse=True)",
            "sorted(numbers, reverse=True)",
            "duplicates of the maximum were not removed",
        ),
    ),
    Spec(
        "flattens a list of lists into a single list",
        "flatten",
        "def flatten(nested: list[list]) -> list:\n    return [item for sublist in nested for "
        "item in sublist]",
        "flatten([[1, 2], [3], []])  # [1, 2, 3]",
    ),
    Spec(
        "splits a list into chunks of a given size",
        "chunk",
        "def chunk(items: list, size: int) -> list[list]:\n    return [items[i : i + size] for i "
        "in range(0, len(items), size)]",
        "chunk([1, 2, 3, 4, 5], 2)  # [[1, 2], [3, 4], [5]]",
        (
            "range(0, len(items), size)",
            "range(0, len(items) - size, size)",
            "the last chunk was dropped",
        ),
    ),
    Spec(
        "rotates a list to the right by k positions",
        "rotate_right",
        "def rotate_right(items: list, k: int) -> list:\n    if not items:\n        return []\n   "
        " k %= len(items)\n    return items[-k:] + items[:-k]",
        "rotate_right([1, 2, 3, 4], 1)  # [4, 1, 2, 3]",
    ),
    Spec(
        "returns the running total of a list of numbers",
        "running_total",
        "def running_total(numbers: list[float]) -> list[float]:\n    totals, current = [], 0\n   "
        " for n in numbers:\n        current += n\n        totals.append(current)\n    return "
        "totals",
        "running_total([2, 3, 5])  # [2, 5, 10]",
        (
            "        current += n\n        totals.append(current)",
            "        totals.append(current)\n        current += n",
            "each total was appended before adding the current number",
        ),
    ),
    Spec(
        "merges two sorted lists into one sorted list without calling sort",
        "merge_sorted",
        "def merge_sorted(a: list[int], b: list[int]) -> list[int]:\n    i = j = 0\n    merged = "
        "[]\n    while i < len(a) and j < len(b):\n        if a[i] <= b[j]:\n            "
        "merged.append(a[i])\n            i += 1\n        else:\n            "
        "merged.append(b[j])\n            j += 1\n    return merged + a[i:] + b[j:]",
        "merge_sorted([1, 4, 9], [2, 3, 10])  # [1, 2, 3, 4, 9, 10]",
        ("merged + a[i:] + b[j:]", "merged", "the leftover items of the longer list were lost"),
    ),
    Spec(
        "returns the most common element in a list",
        "most_common",
        "from collections import Counter\n\n\ndef most_common(items: list):\n    return "
        "Counter(items).most_common(1)[0][0]",
        'most_common(["a", "b", "a"])  # "a"',
    ),
    Spec(
        "returns the median of a list of numbers",
        "median",
        "def median(numbers: list[float]) -> float:\n    ordered = sorted(numbers)\n    mid = "
        "len(ordered) // 2\n    if len(ordered) % 2:\n        return ordered[mid]\n    return "
        "(ordered[mid - 1] + ordered[mid]) / 2",
        "median([5, 1, 4, 2])  # 3.0",
        ("ordered = sorted(numbers)", "ordered = numbers", "the list was not sorted first"),
    ),
    Spec(
        "finds all pairs of numbers in a list that add up to a target",
        "pairs_with_sum",
        "def pairs_with_sum(numbers: list[int], target: int) -> list[tuple[int, int]]:\n    seen, "
        "pairs = set(), []\n    for n in numbers:\n        if target - n in seen:\n            "
        "pairs.append((target - n, n))\n        seen.add(n)\n    return pairs",
        "pairs_with_sum([1, 5, 3, 7], 8)  # [(1, 7), (5, 3)]",
    ),
    Spec(
        "moves all zeros in a list to the end while keeping the order of the rest",
        "move_zeros",
        "def move_zeros(numbers: list[int]) -> list[int]:\n    non_zero = [n for n in numbers if "
        "n != 0]\n    return non_zero + [0] * (len(numbers) - len(non_zero))",
        "move_zeros([0, 1, 0, 3, 12])  # [1, 3, 12, 0, 0]",
    ),
    Spec(
        "swaps the keys and values of a dictionary",
        "invert_dict",
        "def invert_dict(mapping: dict) -> dict:\n    return {value: key for key, value in "
        "mapping.items()}",
        'invert_dict({"a": 1, "b": 2})  # {1: "a", 2: "b"}',
    ),
    Spec(
        "merges two dictionaries of counts by adding values for shared keys",
        "merge_counts",
        "def merge_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:\n    merged = "
        "dict(a)\n    for key, value in b.items():\n        merged[key] = merged.get(key, 0) + "
        "value\n    return merged",
        'merge_counts({"x": 1}, {"x": 2, "y": 5})  # {"x": 3, "y": 5}',
        ("merged.get(key, 0) + value", "value", "shared keys were overwritten instead of added"),
    ),
    Spec(
        "sorts a dictionary of names and scores by score, highest first",
        "rank_scores",
        "def rank_scores(scores: dict[str, int]) -> list[tuple[str, int]]:\n    return "
        "sorted(scores.items(), key=lambda item: item[1], reverse=True)",
        'rank_scores({"Ana": 7, "Ben": 9})  # [("Ben", 9), ("Ana", 7)]',
        ("reverse=True", "reverse=False", "it sorted from the lowest score"),
    ),
    Spec(
        "groups a list of words by their first letter",
        "group_by_initial",
        "from collections import defaultdict\n\n\ndef group_by_initial(words: list[str]) -> "
        "dict[str, list[str]]:\n    groups = defaultdict(list)\n    for word in words:\n        "
        "if word:\n            groups[word[0].lower()].append(word)\n    return dict(groups)",
        'group_by_initial(["apple", "avocado", "banana"])  # {"a": ["apple", "avocado"], "b": '
        '["banana"]}',
    ),
    Spec(
        "checks whether a number is prime",
        "is_prime",
        "def is_prime(n: int) -> bool:\n    if n < 2:\n        return False\n    i = 2\n    while "
        "i * i <= n:\n        if n % i == 0:\n            return False\n        i += 1\n    "
        "return True",
        "is_prime(29)  # True",
        ("while i * i <= n", "while i * i < n", "squares of primes such as 25 were called prime"),
    ),
    Spec(
        "computes the factorial of n with a loop instead of recursion",
        "factorial",
        "def factorial(n: int) -> int:\n    result = 1\n    for k in range(2, n + 1):\n        "
        "result *= k\n    return result",
        "factorial(5)  # 120",
        ("range(2, n + 1)", "range(2, n)", "the loop stopped one number too early"),
    ),
    Spec(
        "returns the greatest common divisor of two integers",
        "gcd",
        "def gcd(a: int, b: int) -> int:\n    while b:\n        a, b = b, a % b\n    return abs(a)",
        "gcd(48, 18)  # 6",
    ),
    Spec(
        "returns the first n Fibonacci numbers",
        "fibonacci",
        "def fibonacci(n: int) -> list[int]:\n    numbers, a, b = [], 0, 1\n    for _ in "
        "range(n):\n        numbers.append(a)\n        a, b = b, a + b\n    return numbers",
        "fibonacci(7)  # [0, 1, 1, 2, 3, 5, 8]",
        (
            "a, b = b, a + b",
            "a, b = b, b + 1",
            "the next number was not the sum of the previous two",
        ),
    ),
    Spec(
        "converts a temperature from Celsius to Fahrenheit",
        "celsius_to_fahrenheit",
        "def celsius_to_fahrenheit(celsius: float) -> float:\n    return celsius * 9 / 5 + 32",
        "celsius_to_fahrenheit(25)  # 77.0",
        ("celsius * 9 / 5 + 32", "celsius * 5 / 9 + 32", "the 9/5 ratio was inverted"),
    ),
    Spec(
        "checks whether a year is a leap year",
        "is_leap_year",
        "def is_leap_year(year: int) -> bool:\n    return year % 4 == 0 and (year % 100 != 0 or "
        "year % 400 == 0)",
        "is_leap_year(1900)  # False",
        (
            " and (year % 100 != 0 or year % 400 == 0)",
            "",
            "century years such as 1900 were leap years",
        ),
    ),
    Spec(
        "adds up the digits of an integer",
        "digit_sum",
        "def digit_sum(n: int) -> int:\n    return sum(int(d) for d in str(abs(n)))",
        "digit_sum(4096)  # 19",
    ),
    Spec(
        "converts a non-negative integer to binary without using bin()",
        "to_binary",
        'def to_binary(n: int) -> str:\n    if n == 0:\n        return "0"\n    bits = ""\n    '
        "while n:\n        bits = str(n % 2) + bits\n        n //= 2\n    return bits",
        'to_binary(10)  # "1010"',
        (
            "bits = str(n % 2) + bits",
            "bits = bits + str(n % 2)",
            "the bits came out in reverse order",
        ),
    ),
    Spec(
        "prints FizzBuzz for the numbers from 1 to n",
        "fizzbuzz",
        "def fizzbuzz(n: int) -> None:\n    for i in range(1, n + 1):\n        if i % 15 == 0:\n  "
        '          print("FizzBuzz")\n        elif i % 3 == 0:\n            print("Fizz")\n       '
        ' elif i % 5 == 0:\n            print("Buzz")\n        else:\n            print(i)',
        "fizzbuzz(15)  # prints 1, 2, Fizz, ... FizzBuzz",
        ("if i % 15 == 0", "if i % 10 == 0", "multiples of 15 were never printed as FizzBuzz"),
    ),
    Spec(
        "converts a number of seconds into an H:MM:SS string",
        "format_duration",
        "def format_duration(seconds: int) -> str:\n    hours, rest = divmod(seconds, 3600)\n    "
        'minutes, secs = divmod(rest, 60)\n    return f"{hours}:{minutes:02d}:{secs:02d}"',
        'format_duration(3725)  # "1:02:05"',
    ),
    Spec(
        "checks whether a string is a valid IPv4 address",
        "is_ipv4",
        'def is_ipv4(text: str) -> bool:\n    parts = text.split(".")\n    if len(parts) != 4:\n  '
        "      return False\n    return all(p.isdigit() and 0 <= int(p) <= 255 for p in parts)",
        'is_ipv4("192.168.1.300")  # False',
        ("0 <= int(p) <= 255", "0 <= int(p) <= 999", "numbers above 255 were accepted"),
    ),
    Spec(
        "reads a CSV file and returns the average of a named numeric column",
        "column_average",
        "import csv\n\n\ndef column_average(path: str, column: str) -> float:\n    with "
        'open(path, newline="") as f:\n        values = [float(row[column]) for row in '
        "csv.DictReader(f)]\n    return sum(values) / len(values)",
        'column_average("sales.csv", "amount")',
    ),
    Spec(
        "returns the number of days between two dates given as YYYY-MM-DD strings",
        "days_between",
        "from datetime import date\n\n\ndef days_between(start: str, end: str) -> int:\n    "
        "return abs((date.fromisoformat(end) - date.fromisoformat(start)).days)",
        'days_between("2024-01-01", "2024-03-01")  # 60',
    ),
    Spec(
        "generates a random password of a given length from letters and digits",
        "random_password",
        "import secrets\nimport string\n\n\ndef random_password(length: int = 12) -> str:\n    "
        "alphabet = string.ascii_letters + string.digits\n    return "
        '"".join(secrets.choice(alphabet) for _ in range(length))',
        "random_password(16)",
    ),
    Spec(
        "returns the items that two lists have in common, without duplicates",
        "common_items",
        "def common_items(a: list, b: list) -> list:\n    in_b = set(b)\n    return [x for x in "
        "dict.fromkeys(a) if x in in_b]",
        "common_items([1, 2, 2, 3], [2, 3, 4])  # [2, 3]",
    ),
)

CODE_FRAMES = (
    "Write a Python function [called|named] `{n}` that {d}.",
    "[Implement|Write|Code] a Python function that {d}.",
    "Show [how to write|me] a function in Python that {d}.",
    "I need a [small|simple|quick] Python [helper|function|utility] that {d}.",
    "Can you write `{n}` in Python? It {d}.",
    "Using only the standard library, write a Python function that {d}.",
    "Write a [short|clean|well-named] Python function which {d}, for {aud}.",
    "Give me Python code for a function that {d}.",
    "[For a coding exercise|For a code review|For my first programming class], write a function "
    "that {d}.",
)

CODE_EXTRAS = (
    "Add an example of how to call it.",
    "Include type hints.",
    "Keep it short and readable.",
    "Explain the approach in one sentence after the code.",
    "Make it easy for a beginner to follow.",
    "Add a one-line docstring.",
    "Handle empty input sensibly.",
    "Follow PEP 8.",
    "Do not use any third-party packages.",
    "Briefly mention its time complexity.",
)


def make_code_write(rng: random.Random) -> Task:
    spec = pick(rng, SPECS)
    frame = vary(rng, pick(rng, CODE_FRAMES))
    instruction = frame.format(n=spec.name, d=spec.does, aud=audience(rng))
    extras = rng.sample(CODE_EXTRAS, rng.choice((0, 1, 1, 2)))
    if extras:
        instruction += " " + " ".join(extras)
    output = f"```python\n{spec.code}\n```"
    if rng.random() < 0.5 or any("example" in e for e in extras):
        output += f"\n\nExample:\n```python\n{spec.example}\n```"
    return Task(instruction, "", output, "code_write")


EXPLAIN_FRAMES = (
    "Explain what the following Python function, `{n}`, does, for {aud}.",
    "Describe in plain English what this [code|snippet|function] does and give an example of its "
    "[output|result].",
    "Walk {aud} through the `{n}` function below, [step by step|line by line].",
    "What does this Python [snippet|function|code] do? Answer in [two or three|a few] sentences.",
    "[Summarise|Explain] the purpose of `{n}` [below|in the code below] in plain words.",
    "I found [this function|`{n}`] in [an old project|a colleague's script|a tutorial]. What does "
    "it do?",
    "Write a docstring-style explanation of what `{n}` does and what it returns.",
    "[My|Our] [code reviewer|new intern|teaching assistant] asked what `{n}` is for. Explain it "
    "[briefly|simply].",
    "Read the function below and say, in one sentence, what [problem it solves|it computes|it is "
    "for].",
)

FIX_FRAMES = (
    "The function below should {d}, but it has a bug. [Find|Spot] and fix it.",
    "Debug this Python code; it is [meant|supposed|intended] to {d_inf}.",
    "This function does not work as intended: it should {d}. Correct it and explain the bug.",
    "Review the following code, which is supposed to {d_inf}, and fix the mistake.",
    "`{n}` is meant to {d}, but a test fails. [What is wrong|Where is the bug], and how do I fix "
    "it?",
)


def _infinitive(does: str) -> str:
    """'checks whether ...' -> 'check whether ...' (every verb in SPECS is a 3rd-person -s)."""
    verb, _, rest = does.partition(" ")
    strip = 2 if verb.endswith(("sses", "ches", "shes")) else 1
    return f"{verb[:-strip]} {rest}"


def make_code_input(rng: random.Random) -> Task:
    spec = pick(rng, SPECS)
    if spec.bug is not None and rng.random() < 0.5:
        good, bad, why = spec.bug
        frame = pick(rng, FIX_FRAMES)
        inf = _infinitive(spec.does)
        instruction = vary(rng, frame).format(d=inf, d_inf=inf, n=spec.name)
        buggy = spec.code.replace(good, bad, 1)
        output = f"```python\n{spec.code}\n```\n\nThe bug: {why}."
        return Task(instruction, buggy, output, "code_fix")
    instruction = vary(rng, pick(rng, EXPLAIN_FRAMES)).format(aud=audience(rng), n=spec.name)
    call = spec.example.split("  #")[0]
    output = f"The function `{spec.name}` {spec.does}. For example, `{call}`" + (
        f" returns {spec.example.split('# ')[1]}." if "# " in spec.example else " runs it."
    )
    return Task(instruction, spec.code, output, "code_explain")


# (table, numeric column, group column, filter column, filter value)
TABLES = (
    ("orders", "total_amount", "customer_id", "status", "'shipped'"),
    ("employees", "salary", "department", "country", "'Canada'"),
    ("sales", "quantity", "product_id", "region", "'North'"),
    ("rentals", "rental_fee", "store_id", "returned", "TRUE"),
    ("flights", "delay_minutes", "airline", "origin", "'LIS'"),
    ("invoices", "amount_due", "client_id", "paid", "FALSE"),
    ("students", "exam_score", "class_name", "year", "2024"),
    ("deliveries", "weight_kg", "courier", "city", "'Leeds'"),
    ("donations", "amount", "campaign", "currency", "'EUR'"),
    ("trips", "distance_km", "driver_id", "vehicle_type", "'van'"),
    ("readings", "temperature", "sensor_id", "building", "'B2'"),
    ("tickets", "price", "event_id", "sold_online", "TRUE"),
    ("patients", "wait_minutes", "clinic", "triage_level", "2"),
    ("books", "page_count", "genre", "language", "'French'"),
)

AGGS = (("average", "AVG"), ("total", "SUM"), ("highest", "MAX"), ("lowest", "MIN"))

SQL_FRAMES = (
    "Write an SQL query that returns the {w} {num} for each {group} in the {t} table{c}.",
    "Using the table `{t}`, write SQL to [find|compute|get] the {w} {num} per {group}{c}.",
    "Give me a SQL query over `{t}` that shows each {group} with its {w} {num}{c}, largest first.",
    "[Our|My] `{t}` table has columns {group} and {num}. [Write|Draft] a query for the {w} {num} "
    "by {group}{c}.",
    "How would I get the {w} {num} for every {group} from `{t}` in SQL{c}?",
)


def make_sql(rng: random.Random) -> Task:
    table, num, group, col, value = pick(rng, TABLES)
    word, fn = pick(rng, AGGS)
    filtered = rng.random() < 0.5
    where = f"\nWHERE {col} = {value}" if filtered else ""
    cond = f" (only rows where {col} is {value.strip(chr(39))})" if filtered else ""
    frame = vary(rng, pick(rng, SQL_FRAMES))
    instruction = frame.format(w=word, num=num, group=group, t=table, c=cond)
    order = "\nORDER BY result DESC" if "largest" in frame else ""
    output = (
        f"```sql\nSELECT {group}, {fn}({num}) AS result\nFROM {table}{where}\nGROUP BY "
        f"{group}{order};\n```"
    )
    return Task(instruction, "", output, "sql")
