"""The Self-Instruct paper's verb–noun analysis: each instruction's main verb and its direct
object, to show how varied the tasks are.

The paper parsed instructions with the Berkeley Neural Parser and kept "the verb closest to
the root" and its first direct noun object. That parser's model, spaCy's English models,
Stanza's and NLTK's tagger data all download at run time (spaCy's are published as GitHub
releases, not on PyPI), which this tool may not do. TextBlob (PyPI, MIT) ships the Brill-style
tagger of Pattern with its lexicon and context rules inside the wheel, so it works offline. It
is a tagger, not a parser, so the root verb and its object are read off the tags of the first
sentence with documented rules:

- the verb is the sentence's first finite or base-form verb (VB, VBP, VBZ, VBD), after
  skipping "please", a question's opening modal and subject ("Can you ...") and an opening
  participle clause ("Given a list, ..."); if it is a form of be, have or do, the sentence has
  no verb–object structure ("What is ...?", "Here is ...");
- a noun/verb word that opens a clause and is followed by the start of a noun phrase ("Name
  three...", "List the...", "Sort the...") is an imperative verb: the tagger's lexicon gives
  such words their more frequent noun reading;
- the object is the head (last noun) of the noun phrase right after the verb, allowing one
  indirect-object pronoun ("Give me a list" → list); plurals are singularised.

Sentences without such a structure count as "no verb–object structure", as in the paper.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from selfinstruct.errors import ConfigError

Tagger = Callable[[str], list[tuple[str, str]]]

SKIP_WORDS = frozenset({"please", "kindly"})
#: Forms of be, have and do, and modals: a sentence led by one has no verb–object structure.
# fmt: off
AUXILIARIES = frozenset({
    "be", "is", "are", "was", "were", "am", "been", "being", "have", "has", "had", "do", "does",
    "did", "can", "could", "will", "would", "shall", "should", "may", "might", "must",
})
# fmt: on
VERB_TAGS = frozenset({"VB", "VBP", "VBZ", "VBD"})
SUBJECTS = frozenset({"i", "we", "you", "they"})
NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
MODIFIER_TAGS = frozenset(
    {"DT", "PDT", "CD", "JJ", "JJR", "JJS", "PRP$", "RB", "RBS", "VBG", "VBN", "POS", "``", "''"}
)
#: Tags that open a noun phrase: after a clause-initial noun they mark it as an imperative.
NP_START_TAGS = frozenset({"DT", "PDT", "CD", "PRP$", "PRP", "JJ", "JJS", "JJR"})
#: Instruction verbs the lexicon reads as nouns, taken as verbs also before a bare noun.
# fmt: off
NOUN_LIKE_VERBS = frozenset({
    "answer", "brainstorm", "count", "design", "document", "draft", "edit", "format", "group",
    "label", "list", "name", "order", "outline", "output", "paraphrase", "plan", "rank", "rate",
    "research", "review", "score", "sketch", "sort", "tag", "title",
})
# fmt: on
INDIRECT_OBJECTS = frozenset({"me", "us", "him", "her", "them", "you"})
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def default_tagger() -> Tagger:
    """TextBlob's bundled Pattern tagger (no download); ConfigError with a hint if absent."""
    try:
        from textblob.en import tag
    except ImportError:
        raise ConfigError(
            "the verb–noun figure needs TextBlob: pip install 'selfinstruct[report]'"
        ) from None
    return lambda text: [(word, pos) for word, pos in tag(text)]


def _singular(word: str) -> str:
    try:
        from textblob.en.inflect import singularize
    except ImportError:
        return word
    return singularize(word)


def _base_form(verb: str, pos: str) -> str:
    """Third-person -s forms back to the base form by spelling rules ("writes" → "write");
    past tenses (rare in instructions) are counted as written."""
    if pos != "VBZ" or not verb.endswith("s"):
        return verb
    if verb.endswith("ies") and len(verb) > 4:
        return verb[:-3] + "y"
    if verb.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1]


def _is_clause_start(tokens: list[tuple[str, str]], i: int) -> bool:
    return i == 0 or tokens[i - 1][1] in {",", ":"}


def _imperative_noun(tokens: list[tuple[str, str]], i: int) -> bool:
    """A clause-initial word tagged as a noun that reads as an imperative verb here."""
    word, pos = tokens[i]
    if pos not in NOUN_TAGS | {"VBP", "JJ"} or not _is_clause_start(tokens, i):
        return False
    if i + 1 >= len(tokens):
        return False
    following = tokens[i + 1][1]
    return following in NP_START_TAGS or (
        word.lower() in NOUN_LIKE_VERBS and following in NOUN_TAGS
    )


def _main_verb(tokens: list[tuple[str, str]]) -> int | None:
    """Index of the sentence's main verb, or None when it has no verb–object structure."""
    i = 0
    while i < len(tokens) and tokens[i][0].lower() in SKIP_WORDS:
        i += 1
    if i + 1 < len(tokens) and tokens[i][0].lower() in AUXILIARIES and tokens[i + 1][1] == "PRP":
        i += 2  # "Can you write ...", "Could you please ..."
        while i < len(tokens) and tokens[i][0].lower() in SKIP_WORDS:
            i += 1
    if i < len(tokens) and tokens[i][1] in {"VBN", "VBG"}:  # "Given a list, ..."
        comma = next((j for j in range(i, len(tokens)) if tokens[j][1] == ","), None)
        if comma is not None:
            i = comma + 1
    if i + 1 < len(tokens) and tokens[i][0].lower() in SUBJECTS and tokens[i + 1][0].isalpha():
        # "I need ...": the word after a leading subject pronoun is its verb, whatever the tag
        return None if tokens[i + 1][0].lower() in AUXILIARIES else i + 1
    for j in range(i, len(tokens)):
        word, pos = tokens[j]
        if pos in VERB_TAGS or _imperative_noun(tokens, j):
            if not word.isalpha() or word.lower() in AUXILIARIES:
                return None
            return j
    return None


def _object_after(tokens: list[tuple[str, str]], v: int) -> str | None:
    j = v + 1
    if j < len(tokens) and tokens[j][0].lower() in INDIRECT_OBJECTS and j + 1 < len(tokens):
        j += 1
    while j < len(tokens) and tokens[j][1] in MODIFIER_TAGS:
        j += 1
    head = None
    while j < len(tokens) and tokens[j][1] in NOUN_TAGS and tokens[j][0].isalpha():
        head = tokens[j]
        j += 1
    if head is None:
        return None
    word, pos = head
    return _singular(word.lower()) if pos in {"NNS", "NNPS"} else word.lower()


def verb_noun(instruction: str, tagger: Tagger) -> tuple[str, str | None] | None:
    """The first sentence's main verb and its direct object (None when it has none), or None
    when the sentence has no verb–object structure."""
    sentences = [part for part in SENTENCE_END.split(instruction.strip()) if part.strip()]
    if not sentences:
        return None
    tokens = tagger(sentences[0])
    verb = _main_verb(tokens)
    if verb is None:
        return None
    word, pos = tokens[verb]
    return _base_form(word.lower(), pos), _object_after(tokens, verb)


def verb_noun_counts(
    instructions: Iterable[str], tagger: Tagger | None = None
) -> tuple[Counter[str], Counter[tuple[str, str]], int]:
    """Counts of verbs, of (verb, noun) pairs, and how many instructions had no verb."""
    tagger = tagger or default_tagger()
    verbs: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    missing = 0
    for text in instructions:
        found = verb_noun(text, tagger)
        if found is None:
            missing += 1
            continue
        verb, noun = found
        verbs[verb] += 1
        if noun is not None:
            pairs[(verb, noun)] += 1
    return verbs, pairs, missing
