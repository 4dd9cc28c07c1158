"""Quality filters: each says why a candidate is unfit, or nothing.

A filter is a small object with one method, `reason(candidate) -> str | None`. A rejection is
a counted reason, never an exception, so a run's `rejected.jsonl` and summary explain every
dropped task. The default chain follows the Self-Instruct/Alpaca heuristics, extended with the
failures their released data is known for (refusals, empty outputs, input == output).
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from selfinstruct.quality.view import CandidateView
from selfinstruct.schemas import Candidate

#: Words naming what a text-only model can neither see nor produce (whole words, +plural).
DEFAULT_BLACKLIST: tuple[str, ...] = (
    "image",
    "picture",
    "graph",
    "file",
    "map",
    "draw",
    "plot",
    "video",
    "audio",
    "music",
    "flowchart",
    "diagram",
    "go to",
)

#: How a teacher sounds when it refuses or talks about itself instead of doing the task.
#: Talk about itself alone ("As an AI language model, ...") is `defects.SelfReference`.
REFUSAL_PATTERNS: tuple[str, ...] = (
    r"\b(?:as an ai|as a (?:large )?language model|i(?:'m| am) (?:just )?an ai)\b[^.\n]{0,60}"
    r"\bi (?:can(?:not|'t)|do not|don't|am (?:not able|unable)|won't|have no)\b",
    r"\bi(?:'m| am) sorry,? but i (?:can(?:not|'t)|am unable|won't)\b",
    r"\bi (?:can(?:not|'t)|am unable to|won't be able to) "
    r"(?:fulfil|fulfill|assist|help with|comply|provide|browse|access)\b",
    r"\bi (?:do not|don't) have (?:access to|the ability to|personal (?:opinions|experiences))\b",
)

#: A substring (lower case) of every match of `REFUSAL_PATTERNS`, one per alternative.
REFUSAL_HINTS: tuple[str, ...] = ("an ai", "language model", "sorry", "i can", "i am unable")
REFUSAL_HINTS += ("i won't", "i do not have", "i don't have")
#: The word every match of `REFUSAL_PATTERNS` holds whole, as `CandidateView` words.
_REFUSAL_WORD = b"i"
#: A blacklist entry that is one `CandidateView` word (a run of [a-z0-9]).
_PLAIN_WORD = re.compile(r"[a-z0-9]+")


def by_family(counts: Mapping[str, int]) -> Counter[str]:
    """Rejection counts for display, variants folded: `count_mismatch:3/5` and
    `count_mismatch:4/6` count as `count_mismatch`; a named detail such as `blacklist:image`
    stays (it says which word). rejected.jsonl keeps every reason as it was."""
    folded: Counter[str] = Counter()
    for reason, count in counts.items():
        name, _, detail = reason.partition(":")
        folded[name if detail and any(ch.isdigit() for ch in detail) else reason] += count
    return folded


class Filter(ABC):
    """One quality rule. `reason` returns a short machine-readable reason, or None to keep."""

    @abstractmethod
    def reason(self, candidate: Candidate) -> str | None: ...

    def check(self, view: CandidateView) -> str | None:
        """`reason`, read through the chain's view of the candidate (`quality.view`), which
        lowers and splits each text once for all filters. Filters that read it override
        this; any other filter is asked its `reason`."""
        return self.reason(view.candidate)


class ViewFilter(Filter):
    """A filter written against `CandidateView`: `check` decides; `reason` builds a view."""

    def reason(self, candidate: Candidate) -> str | None:
        return self.check(CandidateView(candidate))

    @abstractmethod
    def check(self, view: CandidateView) -> str | None: ...


def word_count(text: str) -> int:
    """Words as whitespace-separated runs; CJK text counts one word per character."""
    words = text.split()
    if text.isascii():  # no wide characters: skip the per-character scan
        return len(words)
    cjk = sum(1 for ch in text if unicodedata.east_asian_width(ch) == "W" and ch.isalpha())
    return max(len(words), cjk)


class InstructionLength(ViewFilter):
    """Too short to be a task, or too long to be an instruction (Self-Instruct: 3 < words ≤ 150)."""

    def __init__(self, min_words: int = 4, max_words: int = 150) -> None:
        self.min_words = min_words
        self.max_words = max_words

    def check(self, view: CandidateView) -> str | None:
        text = view.instruction
        if not view.instruction_ascii:
            return self._judge(word_count(text))
        # ASCII words are `split()`'s: fewer than min_words iff a split stopped after
        # min_words parts has fewer; more than max_words need 2 * max_words characters
        if len(text.split(None, max(self.min_words - 1, 0))) < self.min_words:
            return "too_short"
        if len(text) >= 2 * self.max_words + 1 and len(text.split()) > self.max_words:
            return "too_long"
        return None

    def _judge(self, words: int) -> str | None:
        if words < self.min_words:
            return "too_short"
        if words > self.max_words:
            return "too_long"
        return None


class Blacklist(ViewFilter):
    """Tasks that need images, files, audio or browsing: a text-only model cannot serve them."""

    def __init__(self, words: Iterable[str] = DEFAULT_BLACKLIST) -> None:
        words = list(words)
        self.patterns = [
            (word, re.compile(rf"\b{re.escape(word)}(?:s|es)?\b", re.IGNORECASE)) for word in words
        ]
        # One search for the common case (no word at all): 13 searches cost 33 µs a candidate.
        # ASCII text is lowered and searched case-sensitively, 3x faster than IGNORECASE.
        either = r"\b(?:" + "|".join(re.escape(word) for word in words) + r")(?:s|es)?\b"
        self.any_word = re.compile(either if words else r"(?!)", re.IGNORECASE)
        lowered = r"\b(?:" + "|".join(re.escape(word.lower()) for word in words) + r")(?:s|es)?\b"
        self.any_lowered = re.compile(lowered if words else r"(?!)")
        # Before any search: a match of a word of [a-z0-9] is a whole word of the lowered ASCII
        # text (\b on both sides), so it is one of the view's words; any other entry ("go to")
        # is in the lowered text as it is written.
        plain = [w.lower() for w in words if _PLAIN_WORD.fullmatch(w.lower())]
        self.forms = frozenset(f"{w}{end}".encode() for w in plain for end in ("", "s", "es"))
        self.phrases = tuple(w.lower() for w in words if not _PLAIN_WORD.fullmatch(w.lower()))

    def check(self, view: CandidateView) -> str | None:
        if view.instruction_ascii:
            lowered = view.instruction_lower
            if self.forms.isdisjoint(view.instruction_set):
                for phrase in self.phrases:
                    if phrase in lowered:
                        break
                else:
                    return None
            if not self.any_lowered.search(lowered):
                return None
        elif not self.any_word.search(view.instruction):
            return None
        candidate = view.candidate
        for word, pattern in self.patterns:  # the reason names the first word of the list
            if pattern.search(candidate.instruction):
                return f"blacklist:{word.replace(' ', '_')}"
        return None


class ProgramRequest(ViewFilter):
    """'Write a program ...' tasks get unusable, untested outputs (Self-Instruct drops them)."""

    def check(self, view: CandidateView) -> str | None:
        if view.instruction_lower.startswith("write a program"):
            return "program_request"
        return None


class BadStart(ViewFilter):
    """An instruction starting with punctuation or a symbol is a formatting accident.

    Letters of any script are fine: Alpaca rejected every non-ASCII start, which drops all
    Chinese or Russian tasks; we reject only punctuation and symbols.
    """

    def check(self, view: CandidateView) -> str | None:
        first = view.instruction[:1]
        if not first:
            return "empty_instruction"
        category = unicodedata.category(first)
        if category.startswith("P"):
            return "starts_with_punctuation"
        if category.startswith("S") or category.startswith("C"):
            return "starts_with_symbol"
        return None


class EmptyOutput(ViewFilter):
    """A task with no answer teaches nothing (Alpaca's release has hundreds)."""

    def check(self, view: CandidateView) -> str | None:
        return "empty_output" if not view.output.strip() else None


class InputEqualsOutput(ViewFilter):
    """An output that repeats the input teaches copying, not the task."""

    def check(self, view: CandidateView) -> str | None:
        given = view.input_key
        if given and given == view.output_key:
            return "input_equals_output"
        return None


class Refusal(ViewFilter):
    """The teacher refused or talked about itself instead of answering."""

    def __init__(
        self, patterns: Sequence[str] = REFUSAL_PATTERNS, hints: Sequence[str] | None = None
    ) -> None:
        self.pattern = re.compile("|".join(patterns), re.IGNORECASE)
        #: substrings every match of the default patterns holds (in lower case), so ASCII
        #: text holding none is passed without the regex; None for other patterns
        self.hints = tuple(
            REFUSAL_HINTS if hints is None and patterns is REFUSAL_PATTERNS else hints or ()
        )
        #: a hint without a newline is in the instruction or in the output, never across
        #: the newline that joins them, so the view's lowered texts are searched as they are
        self.split_hints = not any("\n" in hint for hint in self.hints)
        #: every match of the default patterns holds the word "i" (`\bi ` or `\bi'm`)
        self.word = _REFUSAL_WORD if patterns is REFUSAL_PATTERNS else None

    def check(self, view: CandidateView) -> str | None:
        if view.instruction_ascii and view.output_ascii and not self._may_match(view):
            return None
        text = f"{view.instruction}\n{view.output}".replace("’", "'")
        return "refusal" if self.pattern.search(text) else None

    def _may_match(self, view: CandidateView) -> bool:
        """For ASCII texts: whether they hold what every match holds (the word, a hint)."""
        word = self.word
        if word is not None and word not in view.instruction_set and word not in view.output_words:
            return False
        if not self.hints:
            return True
        lowered, said = view.instruction_lower, view.output_lower
        if self.split_hints:
            return any(hint in lowered or hint in said for hint in self.hints)
        joined = f"{lowered}\n{said}"
        return any(hint in joined for hint in self.hints)


class OutputLength(ViewFilter):
    """A runaway answer (a loop, a dump) is bounded in bytes as well as by max_tokens."""

    def __init__(self, max_chars: int = 8000) -> None:
        self.max_chars = max_chars

    def check(self, view: CandidateView) -> str | None:
        too_long = len(view.output) + len(view.input) > self.max_chars
        return "output_too_long" if too_long else None


#: Distinctively English words (none a common word of another Latin-script language): an
#: instruction with fewer than two of them is not read by the English heuristics below.
ENGLISH_HINTS = frozenset(
    {"the", "and", "for", "with", "that", "what", "which", "how", "why", "you", "your", "this"}
    | {"these", "those", "some", "about", "each", "are", "should", "would", "could", "can"}
    | {"please", "to", "of", "up", "before", "after", "from", "into", "it", "my", "our", "their"}
    | {"give", "list", "name", "suggest", "write", "provide", "brainstorm", "share", "think"}
    | {"need", "create", "generate", "propose", "offer", "recommend", "describe", "explain"}
    | {"implement", "define", "function"}
)


def reads_as_english(text: str) -> bool:
    """Mostly ASCII letters and at least two distinctively English words: the text-reading
    filters stay silent on anything else rather than guess."""
    if text.isascii():  # every letter is ASCII: only "any letter at all" is left to check
        lowered = text.lower()
        words = set(lowered.encode().translate(_NOT_ASCII_LETTER).split())
        return bool(words) and len(words & _ENGLISH_HINTS_BYTES) >= 2
    letters = [ch for ch in text if ch.isalpha()]
    if not letters or sum(ch.isascii() for ch in letters) < 0.95 * len(letters):
        return False
    words_found = set(re.findall(r"[a-z]+", text.lower()))
    return len(words_found & ENGLISH_HINTS) >= 2


#: `reads_as_english`' ASCII path: bytes other than a-z become spaces (after lowering)
_NOT_ASCII_LETTER = bytes(b if 97 <= b <= 122 else 32 for b in range(256))
_ENGLISH_HINTS_BYTES = frozenset(word.encode() for word in ENGLISH_HINTS)


_NUMBER_WORDS = (
    *("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"),
    *("twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen"),
    *("nineteen", "twenty"),
)
_COUNTS = {word: n for n, word in enumerate(_NUMBER_WORDS, start=1)} | {
    str(n): n for n in range(1, 21)
}

#: Plural nouns whose count, asked for, is the number of items a list answer should have.
LIST_NOUNS = frozenset(
    {"ways", "ideas", "tips", "reasons", "examples", "names", "questions", "steps", "items"}
    | {"words", "sentences", "facts", "benefits", "things", "suggestions", "options", "uses"}
    | {"strategies", "activities", "features", "themes", "titles", "slogans", "taglines"}
    | {"headlines", "advantages", "disadvantages", "drawbacks", "risks", "causes", "signs"}
    | {"symptoms", "habits", "rules", "principles", "points", "takeaways", "lessons", "mistakes"}
    | {"myths", "quotes", "jokes", "riddles", "prompts", "topics", "alternatives", "solutions"}
    | {"methods", "techniques", "tricks", "hacks", "tools", "apps", "products", "books"}
    | {"movies", "films", "songs", "places", "destinations", "games", "gifts", "snacks", "meals"}
    | {"dishes", "recipes", "hobbies", "jobs", "careers", "skills", "exercises", "goals"}
    | {"challenges", "keywords", "hashtags", "synonyms", "antonyms", "adjectives", "verbs"}
    | {"nouns", "phrases", "idioms", "proverbs", "countries", "cities", "animals", "fruits"}
    | {"vegetables", "plants", "colours", "colors", "languages", "bullets", "resources"}
    | {"ingredients"}
)

#: Words that, just before the number, make it a limit, a range or a reference to given items
#: ("no more than five sentences", "three or four tips", "these 5 ideas"), not a request.
_NOT_A_REQUEST_BEFORE = frozenset(
    {"than", "under", "most", "least", "to", "within", "in", "over", "about", "around", "or"}
    | {"approximately", "roughly", "max", "maximum", "minimum", "exceed", "exceeding", "these"}
    | {"those", "following", "your", "my", "our", "their", "his", "her", "its", "per", "every"}
    | {"each", "all", "both", "other", "remaining", "same", "using", "only"}
)
#: ... and just after the noun: a per-unit count or items the input already holds.
_NOT_A_REQUEST_AFTER = re.compile(
    r"\s*(?:each\b|per\b|(?:for|of) (?:each|every|both)\b|a (?:day|week|month)\b|every\b|below\b|"
    r"above\b|listed\b|given\b|provided\b|"
    r"(?:from|in|of) (?:the|this|these) (?:input|text|list|following)\b|or\b|-|–)",
    re.IGNORECASE,
)
#: "in 3 bullet points" counts list items, unlike "in 3 sentences" or "in 200 words".
_IN_LIST = frozenset({"points", "bullets", "steps"})
_NUMBER = re.compile(
    r"(?<![\w$.,/-])(1\d|20|[2-9]|" + "|".join(_NUMBER_WORDS) + r")(?=\s)", re.IGNORECASE
)
_NEXT_WORD = re.compile(r",?\s+([A-Za-z][A-Za-z'-]*)\b")
_CONNECTORS = frozenset(
    {"and", "or", "to", "of", "per", "than", "in", "on", "for", "with", "by", "from", "at"}
    | {"the", "a", "an", "each", "every", "that", "which", "who", "is", "are", "more", "less"}
)
#: `CountMismatch`'s test before any regex: a count `requested_count` returns (2 to 20) and
#: its list noun are whole words of the lowered ASCII instruction (`CandidateView` words)
_COUNT_WORDS = frozenset(word.encode() for word, n in _COUNTS.items() if n >= 2)
_LIST_NOUN_WORDS = frozenset(noun.encode() for noun in LIST_NOUNS)
_LIST_LINE = re.compile(r"(?:(?P<number>\d{1,2})[.)]|(?P<bullet>[-*•]))\s+\S")


def _looks_plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def _count_phrase_end(text: str, position: int) -> tuple[int, str] | None:
    """Where the list noun after a number ends, and the noun: at most three modifiers may come
    between ("7 good low-cost date ideas"), never a connector or a plural ("3 colleagues share
    ideas")."""
    for _ in range(4):
        word = _NEXT_WORD.match(text, position)
        if word is None:
            return None
        lowered = word[1].lower()
        if lowered in LIST_NOUNS:
            return word.end(), lowered
        if lowered in _CONNECTORS or _looks_plural(lowered):
            return None
        position = word.end()
    return None


def _asks_for(before: list[str], noun: str) -> bool:
    """Whether the (up to two) words before a count make it a request, not a limit, a range
    or a reference to items given ("under 5", "3 or 4", "of the 5")."""
    if not before:
        return True
    last = before[-1].strip("(")
    if last == "in":
        return noun in _IN_LIST
    if last == "the" and len(before) == 2 and before[0] in {"of", "from", "among"}:
        return False
    return last not in _NOT_A_REQUEST_BEFORE


def requested_count(instruction: str) -> int | None:
    """The one definite number of list items `instruction` asks for, or None when it asks for
    none, several, a range, a limit, or cannot be read."""
    if not reads_as_english(instruction):
        return None
    found: list[int] = []
    for match in _NUMBER.finditer(instruction):
        count = _COUNTS.get(match[1].lower())
        if count is None:  # IGNORECASE also matches "sıx", "ſeven", "SİX": not our spellings
            continue
        phrase = _count_phrase_end(instruction, match.end())
        if phrase is None:
            continue
        end, noun = phrase
        before = instruction[: match.start()].lower().split()[-2:]
        if _asks_for(before, noun) and not _NOT_A_REQUEST_AFTER.match(instruction, end):
            found.append(count)
    if len(found) != 1:  # "3 fruits and 3 vegetables" may rightly list six
        return None
    count = found[0]
    return count if count >= 2 else None


def list_items(output: str) -> int | None:
    """How many items the output lists, or None unless it is plainly one flat list.

    A list line starts, unindented, with `1.`/`1)` or `-`/`*`/`•` and a space; indented lines
    (sub-items, continuations) and blank lines are skipped. It is one flat list when it has at
    least two list lines, all of one marker (numbers run 1, 2, 3, ...), nothing else between
    them, and at most one other line before (an intro) and one after (a closing remark)."""
    if "```" in output or "\n" not in output:  # code, or one line: no list of two
        return None
    kinds: list[str] = []
    numbers: list[int] = []
    positions: list[int] = []
    top = [line for line in output.split("\n") if line.strip() and not line[0].isspace()]
    for position, line in enumerate(top):
        match = _LIST_LINE.match(line)
        if match:
            kinds.append("number" if match["number"] else match["bullet"])
            if match["number"]:
                numbers.append(int(match["number"]))
            positions.append(position)
    if len(positions) < 2 or len(set(kinds)) != 1:
        return None
    if numbers and numbers != list(range(1, len(numbers) + 1)):
        return None
    first, last = positions[0], positions[-1]
    if last - first + 1 != len(positions) or first > 1 or len(top) - 1 - last > 1:
        return None
    return len(positions)


class CountMismatch(ViewFilter):
    """The instruction asks for N items and the answer lists a different number.

    Teachers answering with a neighbouring task's list ("3 ways" → five ideas) teach the student
    to ignore counts. Counted: the unindented list lines of an output that is plainly one flat
    list (see `list_items`), against the single count in the instruction that is a number, 2 to
    20 as digits or words, followed within three modifiers by a plural list noun (`LIST_NOUNS`:
    ways, ideas, tips, ...), not a limit ("under five sentences"), range ("3 or 4 tips"),
    per-unit count ("3 tips per day") or reference to given items ("these 5 ideas"). Instructions
    with more than one count, days/weeks plans, code fences and non-English text are skipped.
    """

    def check(self, view: CandidateView) -> str | None:
        if view.instruction_ascii and (
            _COUNT_WORDS.isdisjoint(view.instruction_set)
            or _LIST_NOUN_WORDS.isdisjoint(view.instruction_set)
        ):
            return None  # no count of 2 or more, or no list noun: `requested_count` is None
        given = list_items(view.output)
        if given is None:
            return None
        asked = requested_count(view.instruction)
        if asked is None or asked == given:
            return None
        return f"count_mismatch:{asked}/{given}"


_IDENT = r"[A-Za-z_$][\w$]*"
_NAMED = re.compile(
    r"\b(?:function|method|class|helper|procedure|routine|decorator|component)s?,?\s+"
    r"(?:(?:named|called)\s+(?P<plain>" + _IDENT + r")\b(?![`.])|(?:(?:named|called)\s+)?`"
    r"(?P<ticked>" + _IDENT + r")(?:\([^`]*\))?`)"
    r"|\b(?:write|implement|define|create|code)\s+`(?P<verb>" + _IDENT + r")(?:\([^`]*\))?`",
    re.IGNORECASE,
)
#: The words one of which an unticked `_NAMED` match holds.
_NAMING_WORDS: tuple[str, ...] = ("function", "method", "class", "helper", "procedure")
_NAMING_WORDS += ("routine", "decorator", "component")
_NAMING_FORMS = frozenset(f"{word}{end}".encode() for word in _NAMING_WORDS for end in ("", "s"))
_NAMED_OR_CALLED = frozenset({b"named", b"called"})
#: Words after "named"/"called" that are not a name ("a function called on every click").
_NOT_A_NAME = frozenset(
    {"by", "when", "whenever", "every", "each", "on", "once", "twice", "after", "before", "from"}
    | {"with", "that", "which", "to", "in", "for", "the", "a", "an", "and", "or", "if", "as"}
    | {"at", "during", "whatever", "multiple", "according", "something", "it", "this", "so"}
)
_WRITE_VERBS = re.compile(
    r"\b(?:write|implement|create|define|code|build|make|develop|give|provide|need|want|"
    r"generate|produce|show)\b",
    re.IGNORECASE,
)
#: Edits of existing code ("rename the function `a` to `b`"): the new code may rightly lack it.
_EDIT_VERBS = re.compile(
    r"\b(?:renam|refactor|rewrit|translat|convert|port)\w*\s+(?:(?:the|this|that|these|my|our|"
    r"your|existing|given|following|above|below|old)\s+)*(?:\w+\s+)?(?:functions?|code|snippet|"
    r"script|methods?|class|program|`)",
    re.IGNORECASE,
)
#: A name after these is existing code the new code uses ("a function that calls the helper
#: `load`"), not the name of the code to write.
_USES = re.compile(
    r"\b(?:use|uses|using|call|calls|calling|invokes?|imports?|existing|wraps?|around|like)"
    r"\s+(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)
_DEFINITIONS = re.compile(
    r"^[ \t]*(?:"
    r"(?:async\s+)?def\s+(?P<py>\w+)"
    r"|class\s+(?P<cls>" + _IDENT + r")"
    r"|(?:(?:export|default|async|public|private|protected|static)\s+)*function\s*\*?\s*"
    r"(?P<js>" + _IDENT + r")\s*\("
    r"|(?:export\s+)?(?:const|let|var)\s+(?P<arrow>" + _IDENT + r")\s*(?::[^=\n]+)?=\s*"
    r"(?:async\s+)?(?:function\b|\([^)\n]*\)\s*(?::[^=\n]+)?=>|" + _IDENT + r"\s*=>)"
    r"|func\s+(?:\([^)\n]*\)\s*)?(?P<go>\w+)\s*\("
    r"|(?:pub\s+)?fn\s+(?P<rust>\w+)"
    r")",
    re.MULTILINE,
)
_FENCE = re.compile(r"```[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)


def _key(name: str) -> str:
    """Names compared across naming styles: digit_sum, digitSum and DigitSum are one name."""
    return name.replace("_", "").lower()


def requested_names(instruction: str) -> set[str]:
    """The names an instruction that asks for new code gives to it ("a function named
    `digit_sum`", "write `slugify`"), compared by `_key`; empty when it names none."""
    if not reads_as_english(instruction) or _EDIT_VERBS.search(instruction):
        return set()
    names = set()
    for match in _NAMED.finditer(instruction):
        name = match["plain"] or match["ticked"] or match["verb"]
        if match["plain"] and (name.lower() in _NOT_A_NAME or name.lower().endswith("ly")):
            continue
        if _USES.search(instruction, 0, match.start()):
            continue
        if _WRITE_VERBS.search(instruction, 0, match.start() + 1) or match["verb"]:
            names.add(_key(name))
    return names


class NamedFunctionMissing(ViewFilter):
    """The instruction names the function to write; the output's code defines others, not it.

    Answers that define `is_leap_year` when asked for `digit_sum` are code for another task.
    Counted as defined: Python `def`/`class`, JS `function name(`, `const name = (...) =>` or
    `= function`, Go `func`, Rust `fn`. Silent when the output defines nothing it recognises, or
    when the name appears anywhere in its code (a definition in some other syntax), or the
    instruction edits existing code (rename, translate, port, rewrite) or names code the new
    code uses ("calls the helper `load`")."""

    def check(self, view: CandidateView) -> str | None:
        instruction = view.instruction
        if view.instruction_ascii and "`" not in instruction:
            # a `_NAMED` match without a backtick holds a naming word and "named" or "called",
            # whole words of the lowered ASCII text
            words = view.instruction_set
            if _NAMING_FORMS.isdisjoint(words) or _NAMED_OR_CALLED.isdisjoint(words):
                return None
        candidate = view.candidate
        if not _DEFINITIONS.search(candidate.output):
            return None  # no code defined (fenced code is part of the output): the cheap test
        names = requested_names(candidate.instruction)
        if not names:
            return None
        fenced = _FENCE.findall(candidate.output)
        code = "\n".join(fenced) if fenced else candidate.output
        defined = [m[m.lastgroup] for m in _DEFINITIONS.finditer(code) if m.lastgroup]
        if not defined:
            return None
        tokens = {_key(t) for t in re.findall(_IDENT, code)}
        if names & tokens:
            return None
        return "function_name_mismatch"
