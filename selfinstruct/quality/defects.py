"""Filters for the defects real instruction data is known for.

The kinds are the ones AlpacaDataCleaned documented in the Stanford Alpaca 52K and a read of our
own teachers' output found: tasks merged into an answer, the prompt echoed back, inputs the model
cannot read (a bare link, "<Picture Attached>"), answers that say "no output", answers cut off
mid-sentence, tasks that need an image, a photo or a recording, statements that are not tasks,
an input that is a second instruction, and the teacher talking about itself. Every pattern is
compiled once at import: the whole chain runs on every candidate of every request.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import ClassVar

from selfinstruct.methods import prompts, prompts_completion
from selfinstruct.quality.filters import Filter, ViewFilter, reads_as_english
from selfinstruct.quality.view import NOT_WORD, CandidateView, words_of_lowered
from selfinstruct.schemas import Candidate

# -- merged tasks ------------------------------------------------------------------------------
#: A task label at the start of a line, numbered ("18. Instruction:") or after a separator.
_MERGED = re.compile(
    r"^[ \t#*/>`<!-]*(?:\d{1,3}\s*[.):]\s*)(?:instruction|input|output)\s*:"
    r"|^[ \t]*(?:#{1,3}|\*{3}|/{3})?[ \t]*instruction\s*:",
    re.IGNORECASE | re.MULTILINE,
)
#: An unnumbered example appended after the answer: an `Input:` line, later an `Output:` line.
_EXAMPLE_AFTER = re.compile(r"\n[ \t]*input[ \t]*:.*?\n[ \t]*output[ \t]*:", re.I | re.S)
#: A next task opened after a blank line ("\n\nTask: ...", "Additional task: ..."), the way a
#: small model runs on past its answer in a `Task:` document.
_TASK_AFTER = re.compile(
    r"\n[ \t]*\n[ \t]*(?:(?:new|next|additional|another|bonus)[ \t]+)?task[ \t]*\d{0,3}[ \t]*:",
    re.IGNORECASE,
)


#: Every match of the three patterns holds a colon and, in an ASCII text, one of these words
#: (lowered): texts without are passed without the scans.
_MERGE_WORDS = ("input", "output", "instruction", "task")


class MergedTask(ViewFilter):
    """The output (or input) carries another task: a numbered Instruction/Input/Output block
    after the answer. The student would learn to append tasks to its answers."""

    def check(self, view: CandidateView) -> str | None:
        output, given = view.output, view.input
        if ":" in output and (
            not view.output_ascii or any(word in view.output_lower for word in _MERGE_WORDS)
        ):
            if _MERGED.search(output) or _EXAMPLE_AFTER.search(output):
                return "merged_task"
            if _TASK_AFTER.search(output):
                return "merged_task"
        if ":" in given and _MERGED.search(given):
            return "merged_task"
        return None


# -- runaway repetition -----------------------------------------------------------------------
#: Outputs shorter than this (in words) are not judged: a short refrain may rightly repeat.
LOOP_MIN_WORDS = 40
#: Below this share of distinct 4-word runs the answer is a loop, not a text.
LOOP_DISTINCT_SHARE = 0.5


#: The fewest characters LOOP_MIN_WORDS words take (lowering keeps every space a space).
_LOOP_MIN_CHARS = 2 * LOOP_MIN_WORDS - 1


class RepetitiveOutput(ViewFilter):
    """The answer loops ("Rick and Morty, Rick and Morty, ...", one line forty times): what a
    teacher writes when it lost the thread and ran to the token limit."""

    def check(self, view: CandidateView) -> str | None:
        if len(view.output) < _LOOP_MIN_CHARS:
            return None
        words = view.output_lower.split()
        if len(words) < LOOP_MIN_WORDS:
            return None
        # each word's first use after the third word starts a new 4-word run, so at least
        # (distinct words - 3) runs are distinct: most answers are passed on their words alone
        if len(set(words)) - 3 >= LOOP_DISTINCT_SHARE * (len(words) - 3):
            return None
        distinct = len(set(zip(words, words[1:], words[2:], words[3:], strict=False)))
        if distinct < LOOP_DISTINCT_SHARE * (len(words) - 3):
            return "repetitive_output"
        return None


# -- prompt echo -------------------------------------------------------------------------------
#: Lines of the prompt Stanford Alpaca generated its 52K with (tatsu-lab/stanford_alpaca,
#: prompt.txt): `clean` reads that data, and its echoes quote these.
ALPACA_PROMPT_LINES: tuple[str, ...] = (
    "You are asked to come up with a set of diverse task instructions.",
    "These task instructions will be given to a GPT model and we will evaluate the GPT model "
    "for completing the instructions.",
    "Try not to repeat the verb for each instruction to maximize diversity.",
    "The language used for the instruction also should be diverse.",
    "A GPT language model should be able to complete the instruction.",
    "do not ask the assistant to create any visual or audio output",
    "The instructions should be 1 to 2 sentences long.",
    "You should generate an appropriate input to the instruction.",
    "The input field should contain a specific example provided for the instruction.",
    "It should involve realistic data and should not contain simple placeholders.",
    "In this case, we simply put in the input field.",
    "The output should be an appropriate response to the instruction and the input.",
    "Make sure the output is less than 100 words.",
    "The goal is to make the list of tasks diverse",
)
#: Phrases only a prompt of this family says: the task list it asks for, and the "GPT model"
#: the Alpaca prompt names, which its teacher quoted when it declined a task.
_ECHO_PHRASES = re.compile(
    r"\b(?:list of|here are) \d+ (?:new |diverse )?tasks?\b"
    r"|\bnow write \d+ new tasks\b"
    r"|\bgpt(?:-\d)?(?: language)? models?\b",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|<noinput>")
#: Words in a row shared with a template line that make it an echo, not a coincidence.
ECHO_WORDS = 7
#: Bytes that are not [a-z0-9] become spaces: `echo_words` is rouge_score's tokenizer
#: (`[a-z0-9]+` of the lowered text) done by C string methods, 4x faster than `findall`.
_NOT_WORD = NOT_WORD
#: Common English words: an echo needs a run of ECHO_WORDS words, and one of those, at least,
#: is not common (`EchoIndex.anchors`), so an answer holding no anchor is passed at once.
_COMMON = frozenset(
    b"a an the and or but of to in on at for with from by as is are was were be been it its "
    b"this that these those there their they them you your we our us i my me he she his her "
    b"not no do does did can could will would should may might must have has had if then "
    b"than so such which who whom whose what when where why how all any each some more most "
    b"other into about over after before also only very just one two three first new make "
    b"use used using like well up out".split()
)


def echo_words(text: str) -> list[bytes]:
    """The words of `text` as the echo checks compare them: runs of [a-z0-9] of the lowered
    text (any other character separates words); a `CandidateView`'s words."""
    return words_of_lowered(text.lower())


def _runs(words: list[bytes], size: int = ECHO_WORDS) -> Iterable[tuple[bytes, ...]]:
    """Every run of `size` consecutive words, built in C (zip) so a long answer stays cheap."""
    return zip(*(words[i:] for i in range(size)), strict=False)


class EchoIndex:
    """The runs of ECHO_WORDS words of some texts, and anchors: one word of every run (its
    longest uncommon word, the longer the rarer), so a text holding no anchor shares no run
    and is decided by one set operation, and one that does is checked only where an anchor
    stands at the place it has in some run (`offsets`)."""

    def __init__(self, texts: Iterable[str], exclude: Iterable[str] = ()) -> None:
        self.shingles: set[tuple[bytes, ...]] = set()
        for text in texts:
            self.shingles.update(_runs(echo_words(text)))
        for text in exclude:
            self.shingles.difference_update(_runs(echo_words(text)))
        vocabulary = {word for run in self.shingles for word in run}
        score = {word: (word not in _COMMON, len(word)) for word in vocabulary}
        places: dict[bytes, set[int]] = {}
        for run in self.shingles:
            anchor = max(run, key=score.__getitem__)
            places.setdefault(anchor, set()).add(run.index(anchor))
        self.anchors = frozenset(places)
        #: each anchor's positions in the runs it anchors: a run of a text starts that far
        #: before one of the anchor's occurrences
        self.offsets = {anchor: tuple(sorted(found)) for anchor, found in places.items()}
        #: `holds_run_of_text` answers by text
        self._held: dict[str, bool] = {}

    def holds_run_of_text(self, text: str) -> bool:
        """`holds_run_of` the words of `text`, remembered by text: the material a prompt shows
        (its demonstrations) comes back in many units of a run, asked of the same index."""
        held = self._held.get(text)
        if held is None:
            if len(self._held) >= 4096:
                self._held.clear()
            held = self._held[text] = self.holds_run_of(*_material_words(text))
        return held

    def holds_run_of(self, words: list[bytes], distinct: frozenset[bytes] | None = None) -> bool:
        """True when `words` has ECHO_WORDS words in a row that one of the texts has
        (`distinct`: the set of `words`, when the caller has it)."""
        if len(words) < ECHO_WORDS:
            return False
        present = self.anchors.intersection(words if distinct is None else distinct)
        if not present:
            return False
        last = len(words) - ECHO_WORDS
        for anchor in present:
            offsets = self.offsets[anchor]
            at = words.index(anchor)
            while True:
                for offset in offsets:
                    start = at - offset
                    if 0 <= start <= last and tuple(words[start : start + ECHO_WORDS]) in (
                        self.shingles
                    ):
                        return True
                try:
                    at = words.index(anchor, at + 1)
                except ValueError:
                    break
        return False


def template_lines() -> list[str]:
    """The fixed text of our prompt templates (placeholders cut out) and of Alpaca's."""
    lines: list[str] = list(ALPACA_PROMPT_LINES)
    for module in (prompts, prompts_completion):
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and len(value) > 40:
                lines.extend(_PLACEHOLDER.split(value))
    return lines


class PromptEcho(ViewFilter):
    """The answer repeats the request: a run of `ECHO_WORDS` words from a template line, or a
    phrase only the prompt says ("List of 20 tasks:", "...by a GPT language model")."""

    def __init__(self, lines: Iterable[str] | None = None) -> None:
        self.index = EchoIndex(template_lines() if lines is None else lines)

    def check(self, view: CandidateView) -> str | None:
        text = view.output
        # every `_ECHO_PHRASES` match holds "task" or "gpt" (any case): most answers skip it
        lowered = view.output_lower
        hinted = not view.output_ascii or "task" in lowered or "gpt" in lowered
        if hinted and _ECHO_PHRASES.search(text) and not _ECHO_PHRASES.search(view.instruction):
            return "prompt_echo"
        if self.index.holds_run_of(view.output_words):
            return "prompt_echo"
        return None


@functools.lru_cache(maxsize=1024)
def _material_words(text: str) -> tuple[list[bytes], frozenset[bytes]]:
    """`echo_words` of a text a prompt shows, and their set: the same demonstrations come back
    in many units of a run. (Read only: the list is shared.)"""
    words = echo_words(text)
    return words, frozenset(words)


class RequestEcho(ViewFilter):
    """The candidate repeats the request it answers: its instruction or output holds a run of
    `ECHO_WORDS` words of the prompt actually sent (rendered, with its numbers and topic), not
    counting the material the prompt shows (demonstrations, a document's passage), which a
    task may rightly quote and whose copies dedup and `ungrounded` judge. Built per request."""

    #: indexes by the request's own text: every unit of a run sends the same words around
    #: other demonstrations, and an index costs about 1 ms to build (a run's handful kept)
    _built: ClassVar[dict[tuple[str, ...], EchoIndex]] = {}

    def __init__(self, request: str, material: Iterable[str] = ()) -> None:
        material = [m for m in material if m.strip()]
        pieces = [request]
        for text in sorted(material, key=len, reverse=True):
            pieces = [part for piece in pieces for part in piece.split(text)]
        key = tuple(pieces)
        index = self._built.get(key)
        if index is None:
            if len(self._built) >= 64:
                self._built.clear()
            index = self._built[key] = EchoIndex(pieces)
        # the request's words also in its material: those runs are the material's (checked
        # around the index's anchors only; the material's words are read once a run)
        if any(index.holds_run_of_text(text) for text in material):
            index = EchoIndex(pieces, exclude=material)
        self.index = index

    def check(self, view: CandidateView) -> str | None:
        index = self.index
        if index.holds_run_of(view.instruction_words, view.instruction_set):
            return "prompt_echo"
        if index.holds_run_of(view.output_words):
            return "prompt_echo"
        return None


# -- unreadable inputs -------------------------------------------------------------------------
_URL = (
    r"(?:https?://|www\.)\S+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|edu|gov|io|co|uk)(?:/\S*)?"
)
#: One link (in quotes, brackets or markdown), as one whitespace-free token; `_is_bare_link`
#: checks every token of an input, so the work is linear (one pattern over a whole README's
#: row of badge links backtracked for minutes).
_ONE_LINK = re.compile(rf"[\"'`<(\[]*(?:{_URL})\)?[\"'`>)\].,]*", re.IGNORECASE)
#: A markdown link's text (`[text](` or `![alt](`), which may hold spaces.
_LINK_TEXT = re.compile(r"!?\[[^\]\n]*\]\(")


#: A label before the link ("Article: https://...", "URL: ...").
_LINK_LABEL = re.compile(r"[A-Za-z]{2,12}:")


def _is_bare_link(text: str) -> bool:
    """True when `text` is only links (in quotes, brackets or markdown) and punctuation, after
    at most one label ("Article:")."""
    if "[" not in text:  # no markdown link text: the tokens are the text's own
        head = text.split(None, 2)  # an answer is not a link once its first token is not
        if not head:
            return False
        first = head[1] if len(head) > 1 and _LINK_LABEL.fullmatch(head[0]) else head[0]
        if not _ONE_LINK.fullmatch(first):
            return False
    tokens = _LINK_TEXT.sub("(", text).split()
    if len(tokens) > 1 and _LINK_LABEL.fullmatch(tokens[0]):
        tokens = tokens[1:]
    return bool(tokens) and all(_ONE_LINK.fullmatch(token) for token in tokens)


_EMBEDDED_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<img\b", re.IGNORECASE)
#: Things a text model cannot open, named in a placeholder.
_MEDIA = (
    r"image|picture|photo(?:graph)?|pic|video|audio|sound|recording|file|attachment|attached|"
    r"screenshot|painting|drawing|sketch|cartoon|comic|figure|chart|graph|diagram|map|logo|"
    r"illustration|link|url|website|web ?page|pdf|document|scan|clip|song|gif"
)
#: "<Picture Attached>", "[Image]", "<image>", "[insert cartoon strip]", "(see attached)".
_ATTACHMENT = re.compile(
    rf"[<\[]\s*(?:(?:insert|attach(?:ed)?|add|an?|the|see|upload(?:ed)?|link to(?: an?| the)?)\s+)*"
    rf"(?:\w+\s+){{0,2}}(?:{_MEDIA})s?\b[^<>\[\]]{{0,60}}[>\]]"
    r"|\(\s*see (?:the )?attached[^()]*\)|\battached (?:file|image|photo|picture)s?\b"
    # a template's blank never filled in: "<insert cuisine>", "[Insert name of a country]"
    r"|[<\[]\s*insert\b[^<>\[\]\n]{0,60}[>\]]",
    re.IGNORECASE,
)
#: An input that is only a placeholder in brackets: "(Insert Article)", "(photo of a beach)",
#: "[Insert example political speech]", "(Link to photo)".
_WHOLE_PLACEHOLDER = re.compile(
    r"^\s*[\[(]\s*(?:(?:insert|attach|add|paste|enter|upload|link to)\b[^\])]*"
    rf"|(?:an?\s+|the\s+)?(?:\w+\s+)?(?:{_MEDIA})s?\b(?:\s+(?:of|attached|here|below)\b[^\])]*)?)"
    r"[\])]\s*$",
    re.IGNORECASE,
)
#: Tasks on the link's text itself (make a hyperlink, find the domain): the link is readable.
_ON_THE_LINK = re.compile(
    r"\b(?:hyperlinks?|domains?|html|href|anchor|shorten\w*|encod\w*|decod\w*|valid\w*|pars\w*|"
    r"protocols?|query string|extensions?|regex|regular expression|markdown|slug|uri)\b",
    re.IGNORECASE,
)


class UnreadableInput(ViewFilter):
    """The task works on something the model cannot read: a bare link to an article, page or
    image (the teacher answers by inventing its content) or an attachment placeholder."""

    def check(self, view: CandidateView) -> str | None:
        given = view.input.strip()
        instruction = view.instruction
        if given:
            if _is_bare_link(given) and not _ON_THE_LINK.search(instruction):
                return "unreadable_input:link"
            # each pattern's match holds the character tested first (stripped: `^\s*` is "")
            if ("!" in given or "<" in given) and _EMBEDDED_IMAGE.search(given):
                return "unreadable_input:image"
            if given[0] in "[(" and _WHOLE_PLACEHOLDER.match(given):
                return "unreadable_input:placeholder"
            if _holds_attachment(given, given.lower()):
                return "unreadable_input:placeholder"
        if _holds_attachment(instruction, view.instruction_lower):
            return "unreadable_input:placeholder"
        return None


def _holds_attachment(text: str, lowered: str) -> bool:
    """`_ATTACHMENT` in `text`; every match holds a bracket or "attached": most texts skip it."""
    return ("<" in text or "[" in text or "attached" in lowered) and bool(_ATTACHMENT.search(text))


# -- empty-in-effect outputs -------------------------------------------------------------------
#: An answer that says there is no answer: "N/A", "<No Output>", "<nooutput>", "No output.",
#: "No output required", or a no-input marker where the output should be.
_EMPTY_IN_EFFECT = re.compile(
    r"^[\s\"'`<(\[\\]*(?:no[\s_-]*output\b|no[\s_-]*input\s*>|n/a\b|not applicable[\s.!]*$|"
    r"nothing to (?:output|show|return)\b|\(?empty\)?[\s.!]*$|null[\s.!]*$|-+\s*$)",
    re.IGNORECASE,
)


class EmptyInEffect(ViewFilter):
    """An output that is a marker for "no output": as useless as an empty one. "NA" counts
    only in capitals ("Na" is sodium)."""

    def check(self, view: CandidateView) -> str | None:
        output = view.output
        if _EMPTY_IN_EFFECT.match(output) or output.strip().rstrip(".!") == "NA":
            return "empty_output"
        return None


# -- truncated outputs -------------------------------------------------------------------------
#: Words an English sentence never ends on: an answer stopping on one was cut off.
_DANGLING = frozenset(
    {"the", "a", "an", "of", "to", "in", "at", "for", "with", "and", "or", "but", "from", "by"}
    | {"on", "as", "than", "that", "which", "is", "are", "was", "were", "be", "will", "would"}
    | {"their", "its", "his", "her", "our", "your", "my", "this", "these", "into", "because"}
    | {"such", "if", "when", "while", "whose", "very", "can", "could", "should", "has", "have"}
)
_CODE_HINT = re.compile(r"```|[{};=<>]|^\s*(?:def|class|import|select|return)\b", re.I | re.M)
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _last_word(text: str) -> str:
    """The ASCII letters `text` ends with, before trailing space and one comma ("" if none):
    what `([A-Za-z]+)\\s*,?\\s*$` captures, without its scan of every position (the letters
    cut by one `rstrip` in C, not a loop a character)."""
    tail = text.rstrip()
    if tail.endswith(","):
        tail = tail[:-1].rstrip()
    return tail[len(tail.rstrip(_LETTERS)) :]


class TruncatedOutput(ViewFilter):
    """Judged from the text: English prose ending on a dangling word ("...atomic number of") or
    a comma. Code, lists of words and answers of a few words are never judged truncated; a
    missing full stop alone is not a cut."""

    def check(self, view: CandidateView) -> str | None:
        output = view.output.rstrip()
        if len(output) < 20:
            return None
        last_line = output[output.rfind("\n") + 1 :]
        words = last_line.split()
        if len(words) < 3 and "\n" in output:
            return None  # a list of words, a sign-off
        if output.endswith(","):
            cut = len(words) > 6  # not "Best regards,"
        else:
            last = _last_word(output[-40:])
            cut = last.lower() in _DANGLING and not last.isupper()
        if not cut or _CODE_HINT.search(output) or not reads_as_english(output):
            return None
        return "truncated_output"


# -- tasks a text-only model cannot do ---------------------------------------------------------
_MAKE = (
    r"(?:design|create|make|draw|paint|sketch|generate|produce|render|build|construct|develop|"
    r"illustrate|animate|craft|compose)"
)
_VISUAL = (
    r"logo|poster|flyer|banner|icon|graphic|infographic|illustration|painting|sketch|drawing|"
    r"artwork|art\s*work|piece of (?:art|artwork)|cartoon|comic(?: strip)?|mockup|mock-up|"
    r"photo(?:graph)?|picture|image|video|animation|3d model|sculpture|collage|"
    r"(?:bar|pie|line) (?:chart|graph)|chart|visual(?:ization| representation|isation)?|"
    r"melody|tune|musical piece|piano piece|symphony|soundtrack|beat|mascot"
)
#: Verb, then the thing made within a few words, before any preposition or clause: "Design a
#: logo for ...", "Create a poster that ...", not "Create a slogan for a poster".
_NON_TEXT = re.compile(
    rf"^(?:please\s+)?(?:{_MAKE})\s+(?:(?:a|an|the)\s+)?(?:\w+\s+)?design\s+(?:for|of)\s+"
    rf"(?:(?!about\b|that\b)[\w'-]+\s+){{0,4}}?(?:{_VISUAL})s?\b"
    rf"|^(?:please\s+)?(?:{_MAKE})\s+(?:(?!for\b|of\b|about\b|that\b|to\b|describing\b|with\b)"
    rf"[\w'-]+\s+){{0,4}}?(?:{_VISUAL})s?\b(?!\s+(?:caption|title|description|slogan|idea|"
    r"concept|script|prompt|name|tagline|text|copy|outline|brief)s?\b)"
    r"|^(?:please\s+)?(?:take|snap|shoot)\s+(?:a|an|some|the)\s+(?:\w+\s+)?(?:photo|photograph|"
    r"picture|selfie|video|snapshot)s?\b"
    r"|^(?:please\s+)?(?:record|film|shoot|sing|play|perform|dance)\s+(?:a|an|the|some|this|your)?"
    r"\s*(?:\w+\s+)?(?:video|song|melody|tune|podcast|audio|clip|piece|dance|music|voice)",
    re.IGNORECASE,
)


class NonTextTask(ViewFilter):
    """The task asks for a picture, a photo, a recording or a design a text model cannot make:
    "Design a logo", "Take a photo", "Record a video". A title, caption or description of one is
    text and passes; so does anything merely naming a picture ("Best Picture Oscar")."""

    def check(self, view: CandidateView) -> str | None:
        return "non_text_task" if _NON_TEXT.search(view.instruction.lstrip()) else None


# -- statements that are not tasks, inputs that are a second instruction -----------------------
_SUBJECT = r"(?:i|we|he|she|they|it|there|my|our|his|her|their)"
#: A narrative statement: a subject, then a past-tense or stative verb, no request anywhere.
_STATEMENT = re.compile(rf"^{_SUBJECT}\s+(?:\w+ly\s+)?(?:was|were|went|had|did|said|\w+ed)\b", re.I)
_REQUEST = re.compile(
    r"\?|\b(?:please|can you|could you|would you|help|tell|write|give|explain|describe|list|"
    r"what|how|why|which|who|where|when|should|suggest|need|want|would like|let'?s|make|find|"
    r"identify|create|generate|rewrite|summari[sz]e|translate|classify|name)\b",
    re.IGNORECASE,
)


class NotATask(ViewFilter):
    """An instruction that is a statement ("We went to the beach yesterday.") asks for nothing;
    any answer to it is a guess. An input does not change that: "It was a sunny day." over a
    passage asks nothing of it either (a task on the text says so: "...the following")."""

    def check(self, view: CandidateView) -> str | None:
        text = view.instruction.strip()
        if _STATEMENT.match(text) and not _REQUEST.search(text):
            return "not_a_task"
        return None


_IMPERATIVE_START = re.compile(
    r"^(?:please\s+)?(?:write|generate|create|compose|describe|explain|list|give|provide|"
    r"summari[sz]e|translate|classify|design|suggest|rewrite|name|tell me|make)\s+(?:a|an|me|the|"
    r"some|\d+|three|five|ten)\b",
    re.IGNORECASE,
)
#: Words saying the input is text to work on, so an imperative in it is the material, not a task.
_WORKS_ON_TEXT = re.compile(
    r"\b(?:sentences?|text|phrase|statement|paragraph|passage|following|given|input|instructions?|"
    r"commands?|requests?|prompts?|questions?|excerpt|this|these|below|above|query|grammar|tense|"
    r"voice|verbs?|imperative|translate|paraphrase|rewrite|edit|correct|classify|categori[sz]e|"
    r"category|intent|summari[sz]e|respond|reply)\b",
    re.IGNORECASE,
)


class InputIsInstruction(ViewFilter):
    """The input is a second task ("Write a poem about rain.") under an instruction that does not
    treat it as text to work on: the output answers one of two tasks, never clearly which."""

    def check(self, view: CandidateView) -> str | None:
        given = view.input.strip()
        if (
            given
            and _IMPERATIVE_START.match(given)  # anchored: cheaper than counting words
            and len(given.split()) <= 40
            and not _WORKS_ON_TEXT.search(view.instruction)
        ):
            return "input_is_instruction"
        return None


# -- self-reference ----------------------------------------------------------------------------
_SELF = re.compile(
    r"\bas an ai\b|\bas a (?:large )?language model\b|\bi(?:'m| am) (?:just )?an ai\b"
    r"|\bmy (?:training data|knowledge cutoff)\b|\bi(?:'m| am) a (?:large )?language model\b"
    r"|\b(?:an|the) ai (?:assistant|model)(?: like me)?, i\b",
    re.IGNORECASE,
)
#: Substrings every `_SELF` match holds: most answers are rejected by `in`, without the regex.
_SELF_HINTS = ("an ai", "the ai", "language model", "training data", "knowledge cutoff")
#: Instructions that cast the model as an AI ("You are an AI therapist"): talking so is the task.
_ROLEPLAY = re.compile(
    r"\b(?:you are|you're|act as|pretend|imagine|role|as if you were|persona)\b.*\bai\b"
    r"|\b(?:ai|language model|chatbot|assistant)s?\b",
    re.IGNORECASE,
)


class SelfReference(ViewFilter):
    """The teacher talks about itself ("As an AI language model, ...") while answering: the
    student learns the disclaimer, not the task. Refusals are caught before, by `Refusal`."""

    def check(self, view: CandidateView) -> str | None:
        lowered = view.output_lower
        if not any(hint in lowered for hint in _SELF_HINTS):
            return None
        candidate = view.candidate
        output = candidate.output.replace("’", "'")
        for match in _SELF.finditer(output):
            line_start = output.rfind("\n", 0, match.start()) + 1
            before = output[line_start : match.start()]
            if before.count('"') % 2 or before.count("'") % 2:
                continue  # inside a string literal: code that prints the words
            if not _ROLEPLAY.search(candidate.instruction):
                return "self_reference"
        return None


# -- templated outputs -------------------------------------------------------------------------
_TEMPLATE_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
#: Fewer words than this may rightly repeat ("Positive", "The capital is Paris.").
TEMPLATE_MIN_WORDS = 8


#: ASCII bytes that are not letters become spaces (`_letter_words`' fast path).
_NOT_LETTER = bytes(b if chr(b).isascii() and chr(b).isalpha() else 32 for b in range(256))


def _letter_words(text: str) -> list[bytes]:
    """The runs of letters of the lowered text (`_TEMPLATE_WORD`), UTF-8 encoded; ASCII text
    is split by C string methods, 3x faster than the regex."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered.encode().translate(_NOT_LETTER).split()
    return [word.encode() for word in _TEMPLATE_WORD.findall(lowered)]


def _is_label(words: Sequence[bytes]) -> bool:
    """A short answer worth remembering: a word of three letters or more ("Safe"), not a
    unit or a variable ("°C" of "26.67°C", "x"), which many unrelated answers end with."""
    return any(len(word) >= 3 and len(word.decode()) >= 3 for word in words)


# A candidate's keys are read by `templated`, `remember`, and again for every later candidate
# of its unit with a short answer (`pending`): cached by text (pure functions of it), they are
# computed once a candidate instead of up to once a pair (0.2 ms a 20-task unit before).
@functools.lru_cache(maxsize=1024)
def _answer_keys(instruction: str, output: str) -> tuple[tuple[bytes, ...], bytes, bytes]:
    """The answer's letter words, its shape (a hash of them) and the instruction's key."""
    words = tuple(_letter_words(output))
    shape = hashlib.blake2b(b" ".join(words), digest_size=8).digest()
    task = b" ".join(_letter_words(instruction))
    return words, shape, hashlib.blake2b(task, digest_size=8).digest()


@functools.lru_cache(maxsize=1024)
def _asked_words(instruction: str, input_text: str) -> frozenset[bytes]:
    """The letter words of the instruction and input: what the task names."""
    return frozenset(_letter_words(f"{instruction} {input_text}"))


class TemplatedOutput(Filter):
    """The same answer, up to numbers, case and punctuation, under a different instruction: a
    stock refusal or a template pasted everywhere. Stateful: it remembers each answer's shape
    (16 bytes a record) and the first instruction it came with, so it belongs to one pass
    over one dataset (`clean`) or one run (`generate`, which checks with `templated` and
    remembers only the tasks it keeps, so a resumed run rebuilds the same memory).

    With `short_repeats`, a short answer ("Safe") is templated too once it came under that
    many different instructions none of which (nor their inputs) holds its words: a label
    answering tasks that never asked for it."""

    def __init__(self, short_repeats: int | None = None) -> None:
        self.seen: dict[bytes, bytes] = {}
        self.short_repeats = short_repeats
        self.short: dict[bytes, set[bytes]] = {}

    @staticmethod
    def _keys(candidate: Candidate) -> tuple[tuple[bytes, ...], bytes, bytes]:
        return _answer_keys(candidate.instruction, candidate.output)

    def templated(self, candidate: Candidate, pending: Sequence[Candidate] = ()) -> bool:
        """True when `candidate`'s answer is one remembered under another instruction.
        `pending`: candidates kept earlier in the same answer, not remembered yet (a small
        model pastes its label under three tasks of one answer as often as across answers)."""
        words, shape, task = self._keys(candidate)
        if len(words) >= TEMPLATE_MIN_WORDS:
            first = self.seen.get(shape)
            return first is not None and first != task
        if self.short_repeats is None or not _is_label(words):
            return False
        tasks = set(self.short.get(shape, ()))
        for other in pending:
            label = self._unasked_label(other)
            if label is not None and label[0] == shape:
                tasks.add(label[1])
        if task in tasks or len(tasks) < self.short_repeats - 1:
            return False
        return _asked_words(candidate.instruction, candidate.input).isdisjoint(words)

    def _unasked_label(self, candidate: Candidate) -> tuple[bytes, bytes] | None:
        """(answer shape, instruction key) of a short label its task never names, else None."""
        words, shape, task = self._keys(candidate)
        if len(words) >= TEMPLATE_MIN_WORDS or not _is_label(words):
            return None
        asked = _asked_words(candidate.instruction, candidate.input)
        return (shape, task) if asked.isdisjoint(words) else None

    def remember(self, candidate: Candidate) -> None:
        """Keep `candidate`'s answer shape and instruction (the first one stays)."""
        words, shape, task = self._keys(candidate)
        if len(words) >= TEMPLATE_MIN_WORDS:
            self.seen.setdefault(shape, task)
        elif self.short_repeats is not None:
            label = self._unasked_label(candidate)
            if label is not None:
                self.short.setdefault(shape, set()).add(task)

    def reason(self, candidate: Candidate) -> str | None:
        templated = self.templated(candidate)
        self.remember(candidate)
        return "templated_output" if templated else None


def defect_filters() -> list[Filter]:
    """The stateless defect filters, in the order `chain.default_filters` runs them."""
    return [
        MergedTask(),
        EmptyInEffect(),
        RepetitiveOutput(),
        UnreadableInput(),
        NonTextTask(),
        PromptEcho(),
        SelfReference(),
        NotATask(),
        InputIsInstruction(),
        TruncatedOutput(),
    ]
