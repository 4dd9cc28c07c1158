"""Shared vocabulary and helpers for the fake teacher's task makers.

Instructions are composed from several independently sampled multi-word slots (frame x subject
x audience x constraint), because a one-slot template ("Write a haiku about X") gives ROUGE-L
around 0.8 between any two of its tasks, which no real teacher does that often.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Task:
    """One generated task; `flaw` names a deliberate defect ("repeat", "refusal", ...) or None."""

    instruction: str
    input: str
    output: str
    kind: str
    flaw: str | None = None


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """One item, uniformly (faster than `rng.choice` and independent of its internals)."""
    return items[int(rng.random() * len(items))]


def sample(rng: random.Random, items: Sequence[T], k: int) -> list[T]:
    """k distinct items in random order."""
    return rng.sample(list(items), min(k, len(items)))


def cap(text: str) -> str:
    """Upper-case the first character only (str.capitalize lowers the rest)."""
    return text[:1].upper() + text[1:]


def join_and(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def numbered(items: Sequence[str]) -> str:
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, start=1))


def bulleted(items: Sequence[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
)


def count_word(rng: random.Random, k: int) -> str:
    """Teachers write counts both ways: 'five' and '5'."""
    return NUMBER_WORDS[k] if k < len(NUMBER_WORDS) and rng.random() < 0.6 else str(k)


AUDIENCES = (
    "a curious nine-year-old",
    "a new employee on their first day",
    "a retired engineer who enjoys details",
    "a busy parent of two toddlers",
    "someone learning English as a second language",
    "a first-year nursing student",
    "the owner of a small bakery",
    "a volunteer at the local food bank",
    "a teenager starting a first part-time job",
    "a manager preparing for a team meeting",
    "a traveller visiting the country for the first time",
    "a high school chemistry class",
    "an elderly neighbour who distrusts technology",
    "a group of hikers sitting around a campfire",
    "readers of a community newsletter",
    "a skeptical friend who wants evidence",
    "listeners of a podcast for commuters",
    "a software developer with no biology background",
    "museum visitors reading a wall label",
    "a student cramming for tomorrow's exam",
    "parents at a school information evening",
    "a farmer in a dry region",
    "members of the city council",
    "a journalist on a tight deadline",
    "patients in a clinic waiting room",
    "a book club that meets once a month",
    "an apprentice electrician",
    "a startup founder preparing an investor pitch",
    "a librarian running a weekend workshop",
    "the coach of a youth football team",
    "an art student in the second year",
    "a night-shift security guard",
    "a homeschooling family with three kids",
    "a customer support agent",
    "a history enthusiast",
    "a gardener with only a small balcony",
    "an exchange student from Brazil",
    "a freelance graphic designer",
    "a nurse on a short break",
    "a grandparent who just learned to text",
    "a team of warehouse supervisors",
    "a primary school teacher planning a lesson",
)

CONSTRAINTS = (
    "Keep it under [80|60|100|120] words.",
    "Use no more than [three|four|five] sentences.",
    "Avoid [technical jargon|specialist terms|buzzwords] where you can.",
    "Use a [warm|kind], encouraging tone.",
    "Make it easy to read aloud.",
    "Write it as one [short|compact|tight] paragraph.",
    "Be precise but [friendly|approachable].",
    "Put the most important point first.",
    "Use words a [child|ten-year-old|beginner] would know.",
    "Stay neutral and factual.",
    "Keep the tone light and a little [playful|humorous].",
    "Do not mention any brand names.",
    "Use British spelling throughout.",
    "Address the reader directly as you.",
    "Prefer short, simple sentences.",
    "Assume the reader has only [two|five] minutes.",
    "Sound confident without exaggerating.",
    "Keep a calm, reassuring voice.",
    "Make every sentence count; no filler.",
    "Write at the level of a good encyclopedia.",
    "Avoid exclamation marks.",
    "Keep the language inclusive and respectful.",
    "The answer should fit on [an index card|a sticky note|a postcard].",
    "Aim for clarity over completeness.",
    "Do not use any abbreviations.",
    "Write it so it could be printed on a [poster|flyer|mug].",
    "Use a professional but approachable register.",
    "Leave out anything the reader would already know.",
    "Imagine you are speaking, not writing.",
    "Be honest about any uncertainty.",
    "No more than [one|two] short [lists|bullet lists], please.",
    "[Skip|Leave out] the small talk.",
)

PURPOSES = (
    "This is for a [training|staff training|workshop] handout.",
    "I will share the [answer|result] with my study group.",
    "It is going on our [team's internal wiki|company intranet|shared drive].",
    "I need it [before tomorrow morning|by the end of the day|before lunch].",
    "My [manager|supervisor|team lead] asked me to prepare this.",
    "We will use it in a workshop next [week|month].",
    "It is part of an onboarding pack for new [staff|volunteers|members].",
    "I am preparing material for a volunteer group.",
    "The result will be printed in the [parish magazine|club newsletter|school bulletin].",
    "I want to pin it on the fridge at home.",
    "It is for a slide in a [Friday|Monday] presentation.",
    "Our reading group will discuss it on [Thursday|Saturday].",
    "I am writing a blog post and need this part.",
    "The answer goes into a customer FAQ page.",
    "I teach an evening class and want a model answer.",
    "We are building a quiz for a charity fundraiser.",
    "It will be read out on a local radio show.",
    "This goes into a handbook for summer camp leaders.",
    "I am helping my [nephew|niece|son|daughter] with [his|her|their] homework.",
    "It is for the notice board in our office kitchen.",
    "I am collecting examples for a style guide.",
    "The text will appear in a community app.",
    "We need it for the back of a leaflet.",
    "It is for an email newsletter sent to members.",
    "I will read it aloud at the start of a meeting.",
    "This will be one card in a revision deck.",
    "I am drafting notes for a podcast episode.",
    "A [colleague|friend|neighbour] asked me and I want to get it right.",
    "We are updating the help section of our website.",
    "This is practice before a job interview.",
    "I will post the reply in an online forum.",
    "It goes into a welcome folder for new tenants.",
    "I am putting together a checklist for my team.",
    "It is needed for a museum education programme.",
    "The finished text will go on a poster in the library.",
    "I am preparing a lesson for adult learners.",
    "This is for a personal project I am working on.",
    "Context: I run a [small|tiny|family] [cafe|bookshop|repair shop|charity].",
    "Background: we are a team of [four|six|twelve] in a [startup|council office|school].",
    "I'm [new to this|a bit rusty on this|learning this from scratch].",
)

AUDIENCE_SENTENCES = (
    "Write it for {a}.",
    "The reader is {a}.",
    "Pitch it at {a}.",
    "Assume it will be read by {a}.",
    "Keep in mind that the audience is {a}.",
    "Make it suitable for {a}.",
    "It is meant for {a}.",
    "Target {a}.",
)

LEAD_INS = (
    "[Quick|Small|Simple] [question|request|task]:",
    "[For|As part of] [my|our] [course|project|newsletter|team handbook],",
    "Here is [a task|something] for you:",
    "[I'm|We're] [stuck|short on time|in a hurry].",
    "[Hi!|Hello.|Hey.]",
    "[Today's|This week's] [exercise|challenge]:",
    "[Please|Kindly] help:",
    "[One more thing|Next task|Another one]:",
)


FIRST_NAMES = (
    "Maria",
    "James",
    "Aisha",
    "Tom",
    "Priya",
    "Lucas",
    "Chen",
    "Sofia",
    "Omar",
    "Emma",
    "Kenji",
    "Fatima",
    "Daniel",
    "Nadia",
    "Pedro",
    "Hannah",
    "Ravi",
    "Olga",
    "Samuel",
    "Leila",
    "Noah",
    "Grace",
    "Mateo",
    "Yuki",
    "Ibrahim",
    "Chloe",
    "Arjun",
    "Elena",
    "Kwame",
    "Zoe",
    "Diego",
    "Ingrid",
    "Hassan",
    "Lily",
    "Marco",
    "Amara",
    "Felix",
    "Rosa",
    "Tariq",
    "Nina",
)

SURNAMES = (
    "Garcia",
    "Okafor",
    "Nguyen",
    "Smith",
    "Kowalski",
    "Haddad",
    "Tanaka",
    "Brown",
    "Silva",
    "Novak",
    "Patel",
    "Jensen",
    "Moreau",
    "Ali",
    "Rossi",
    "Walker",
    "Ivanova",
    "Mensah",
    "Fischer",
    "Lopez",
    "Khan",
    "Berg",
    "O'Neill",
    "Santos",
    "Dubois",
    "Yilmaz",
)

TOWNS = (
    "Millbrook",
    "Harrow Bay",
    "Eastfield",
    "Cedar Falls",
    "Port Alden",
    "Riverton",
    "Ashby",
    "Northgate",
    "Willow Creek",
    "Kingsmere",
    "Stonebridge",
    "Larkhill",
    "Fairhaven",
    "Oakdale",
    "Brampton Vale",
    "Silverlake",
    "Greystone",
    "Marlow Heath",
)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


_ALTERNATION = re.compile(r"\[([^\[\]]*)\]")


def vary(rng: random.Random, template: str) -> str:
    """Expand every `[a|b|c]` in a frame to one of its options: the same frame then reads
    differently from task to task, as a teacher's phrasing does."""
    return _ALTERNATION.sub(lambda m: pick(rng, m.group(1).split("|")), template)


def audience(rng: random.Random) -> str:
    return pick(rng, AUDIENCES)


def constraint(rng: random.Random, p: float = 0.5) -> str:
    """A trailing soft constraint sentence (with a leading space), or '' with prob 1-p."""
    return " " + vary(rng, pick(rng, CONSTRAINTS)) if rng.random() < p else ""


def for_audience(rng: random.Random, p: float = 0.5) -> str:
    """' for <audience>' or ''."""
    return " for " + audience(rng) if rng.random() < p else ""


def person(rng: random.Random) -> str:
    return f"{pick(rng, FIRST_NAMES)} {pick(rng, SURNAMES)}"


def date_phrase(rng: random.Random) -> str:
    return f"{pick(rng, MONTHS)} {rng.randint(1, 28)}"


SYNONYMS = {
    "write": "compose",
    "compose": "write",
    "list": "name",
    "explain": "describe",
    "describe": "explain",
    "short": "brief",
    "brief": "short",
    "give": "provide",
    "provide": "give",
    "create": "make",
    "make": "create",
    "simple": "easy",
    "help": "assist",
    "small": "little",
    "quick": "fast",
    "each": "every",
    "every": "each",
    "big": "large",
    "suggest": "propose",
    "clear": "plain",
    "following": "next",
    "find": "identify",
    "choose": "pick",
    "show": "demonstrate",
    "tell": "inform",
    "answer": "reply",
    "new": "fresh",
    "good": "great",
    "main": "key",
    "use": "employ",
}
FILLERS = ("please", "briefly", "really", "also", "carefully", "quickly", "just", "now", "kindly")


def _reword_once(rng: random.Random, words: list[str]) -> None:
    """Apply one light edit in place: a synonym, an added or dropped word, or a swap."""
    op = rng.random()
    i = int(rng.random() * len(words))
    key = words[i].lower().strip(".,?!:;")
    if op < 0.35 and key in SYNONYMS:
        repl = SYNONYMS[key]
        words[i] = (cap(repl) if words[i][:1].isupper() else repl) + words[i][len(key) :]
    elif op < 0.65 or len(words) < 4:
        words.insert(max(1, i), pick(rng, FILLERS))
    elif op < 0.85:
        del words[max(1, i)]
    else:
        j = max(1, min(i, len(words) - 2))
        words[j], words[j + 1] = words[j + 1], words[j]


def reword(rng: random.Random, text: str) -> str:
    """A light rewording of `text` (ROUGE-L to it roughly 0.6-0.95), as teachers produce when
    they half-copy an earlier task."""
    words = text.split()
    if not words:
        return text
    for _ in range(rng.randint(2, max(2, len(words) // 5))):
        _reword_once(rng, words)
    out = " ".join(words)
    return out if out != text else text + " Please."


def decorate(
    rng: random.Random,
    text: str,
    p_audience: float = 0.4,
    p_purpose: float = 0.4,
    p_constraint: float = 0.5,
    p_lead_in: float = 0.2,
) -> str:
    """Append independent context sentences (who it is for, why, a soft constraint) in a random
    order: the way instruction writers add situation, and what keeps two tasks with the same
    core apart under ROUGE-L."""
    extra = []
    if rng.random() < p_audience:
        extra.append(pick(rng, AUDIENCE_SENTENCES).format(a=audience(rng)))
    if rng.random() < p_purpose:
        extra.append(vary(rng, pick(rng, PURPOSES)))
    if rng.random() < p_constraint:
        extra.append(vary(rng, pick(rng, CONSTRAINTS)))
    rng.shuffle(extra)
    if rng.random() < p_lead_in and ":" not in text[:60]:
        lead = vary(rng, pick(rng, LEAD_INS))
        if lead.endswith(",") and not text.startswith(("I ", "I'")):
            text = text[:1].lower() + text[1:]
        text = f"{lead} {text}"
    return " ".join([text, *extra])
