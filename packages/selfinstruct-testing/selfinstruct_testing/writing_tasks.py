"""Task makers for writing work without an input: creative pieces and emails.

A creative subject is a character times a situation, so two "write a poem about ..." tasks
rarely share more than their frame; the output is built from the same two phrases.
"""

from __future__ import annotations

import random

from selfinstruct_testing.words import (
    FIRST_NAMES,
    SURNAMES,
    Task,
    audience,
    cap,
    pick,
    vary,
)

# (character phrase, short noun)
CHARACTERS = (
    ("a retired lighthouse keeper", "the keeper"),
    ("a robot that works night shifts in a bakery", "the robot"),
    ("a shy dragon who loves gardening", "the dragon"),
    ("an old umbrella forgotten on a train", "the umbrella"),
    ("a city fox living behind a cinema", "the fox"),
    ("a young beekeeper with a fear of bees", "the beekeeper"),
    ("a night-bus driver who knows every passenger", "the driver"),
    ("a grandmother who runs marathons", "the grandmother"),
    ("a stray cat that lives in a public library", "the cat"),
    ("an astronaut on her final mission", "the astronaut"),
    ("a forgotten piano in a school hall", "the piano"),
    ("a chef who has lost his sense of taste", "the chef"),
    ("a snowman facing a sudden heatwave", "the snowman"),
    ("a postwoman on a remote island", "the postwoman"),
    ("a girl who collects lost keys", "the girl"),
    ("a tired superhero on holiday", "the hero"),
    ("a houseplant that dreams of the sea", "the plant"),
    ("a mapmaker who always gets lost", "the mapmaker"),
    ("an owl who is afraid of the dark", "the owl"),
    ("a ghost who haunts a laundrette", "the ghost"),
    ("a mechanic stationed on Mars", "the mechanic"),
    ("two rival ice-cream sellers", "the rivals"),
    ("an apprentice clockmaker", "the apprentice"),
    ("a whale that sings off-key", "the whale"),
    ("a lonely street lamp", "the lamp"),
    ("a retired circus elephant", "the elephant"),
    ("a teenage inventor with a broken bicycle", "the inventor"),
    ("a librarian who secretly writes detective novels", "the librarian"),
    ("a penguin who wants to fly", "the penguin"),
    ("a taxi driver who only speaks in rhymes", "the driver"),
    ("an elderly gardener and her talking scarecrow", "the gardener"),
    ("a young firefighter on her first day", "the firefighter"),
    ("a kite that escaped from a beach", "the kite"),
    ("a pair of old boots in a lost-property office", "the boots"),
    ("a baker who bakes bread for the moon", "the baker"),
    ("a very polite thunderstorm", "the storm"),
)

SITUATIONS = (
    "on the first morning of spring",
    "during a citywide power cut",
    "the night before a great storm",
    "on the day of an important exam",
    "after finding a letter with no address",
    "while waiting for a train that never comes",
    "on the last evening of summer",
    "in a town where it never stops raining",
    "during the village talent show",
    "at the top of a snowy mountain pass",
    "when the internet vanishes for a week",
    "at a crowded night market",
    "on a small boat lost in thick fog",
    "in the final minute of a cup final",
    "in an empty kitchen at midnight",
    "after winning a very small lottery prize",
    "on a long-distance sleeper train",
    "during the town's first snowfall in decades",
    "on moving day",
    "while the whole city is asleep",
    "during a school trip to the seaside",
    "in the middle of a heatwave",
    "at a wedding where nothing goes to plan",
    "on the busiest shopping day of the year",
    "after the last ferry has left",
    "during a chess tournament in a village hall",
    "on a night with a blood-red moon",
    "while a marching band practises next door",
)

FORM_FRAMES = (
    ("haiku", "[Write|Compose] a haiku about {c} {s}."),
    ("haiku", "[Compose|Write] a haiku that [captures|evokes] {c} {s}, for {aud}."),
    ("haiku", "Capture {c} {s} in [one|a single] haiku."),
    ("poem", "Write a [four-line|short|quatrain-length] rhyming poem about {c} {s}."),
    ("poem", "[Compose|Write] a [short|gentle|light-hearted] poem for {aud} about {c} {s}."),
    ("poem", "I'd love a [little|short] rhyming verse about {c} {s}."),
    ("opening", "Write the opening paragraph of a [short story|novel|mystery] about {c} {s}."),
    (
        "opening",
        "Begin a [children's|bedtime|funny] story [featuring|about] {c} {s}; stop after the first "
        "paragraph.",
    ),
    ("opening", "[Set the scene|Open a story] with {c} {s}, in [one|a single] paragraph."),
    (
        "micro",
        "Tell a [50-word|very short|tiny] story about {c} {s}, ending with a [twist|surprise].",
    ),
    ("micro", "In [exactly three|three|four] sentences, tell the story of {c} {s}."),
    (
        "fable",
        "[Create|Write|Invent] a [short|simple] fable about {c} {s}, with a [clear|gentle] moral "
        "at the end.",
    ),
    ("fable", "[Turn|Make] {c} {s} into a fable [that ends with|finishing with] a moral."),
    (
        "diary",
        "Write a diary entry [from the point of view of|as if you were|in the voice of] {c} {s}.",
    ),
    ("dialogue", "Write a [six-line|short] dialogue between {c} and a stranger {s}."),
    ("dialogue", "[Imagine|Script] a [brief|short] conversation with {c} {s}."),
)

MORALS = (
    "Small kindnesses travel further than we think.",
    "What we fear is often less frightening up close.",
    "Patience finds what hurry misses.",
    "Every ending makes room for a beginning.",
    "You do not have to be perfect to be useful.",
    "Home is wherever someone waits for you.",
)

POEMS = (
    "{S}, {n} stood still,\nWatching the light climb up the hill.\nNo one could say what {n} had "
    "seen,\nBut every dawn felt new and clean.",
    "{S}, when the world was slow,\n{N} had somewhere new to go.\nA little brave, a little "
    "shy,\nBeneath the wide and patient sky.",
    "{N} hummed a quiet tune\n{s}, beneath the moon.\nThe hours passed without a sound,\nAnd "
    "something lost at last was found.",
)


def _haiku(n: str, s: str, rng: random.Random) -> str:
    first = pick(
        rng,
        (
            "Quiet morning light",
            "Rain on the rooftops",
            "Wind across the bay",
            "Lanterns in the fog",
            "Frost on the window",
        ),
    )
    last = pick(
        rng,
        (
            "the world holds its breath",
            "a small hope returns",
            "nobody notices",
            "the day begins again",
        ),
    )
    return f"{first} -\n{cap(n)} waits, {s},\n{last}."


def _creative_output(form: str, c: str, n: str, s: str, rng: random.Random) -> str:
    name = pick(rng, FIRST_NAMES)
    if form == "haiku":
        return _haiku(n, s, rng)
    if form == "poem":
        return pick(rng, POEMS).format(S=cap(s), s=s, n=n, N=cap(n))
    if form == "opening":
        return (
            f"Nobody in the town paid much attention to {c}, least of all {s}. But that was "
            f"the day everything changed. {cap(n)} noticed it first: a faint sound, like "
            f"someone knocking from the other side of the world. By the time {name} "
            "arrived to ask what was wrong, it was already too late to pretend nothing had "
            "happened."
        )
    if form == "micro":
        return (
            f"{cap(s)}, {n} finally decided to leave. Everything was packed, every goodbye "
            f"said. Then {name} opened the door and smiled: \"You're late. We've been "
            f'waiting for you all along." {cap(n)} had been home the whole time.'
        )
    if form == "fable":
        return (
            f"Once there was {c}. {cap(s)}, {n} was asked to help a stranger and almost "
            "refused, thinking there was nothing to give. The small help turned out to be "
            "exactly what was needed, and the stranger never forgot it.\n\nMoral: "
            f"{pick(rng, MORALS)}"
        )
    if form == "diary":
        return (
            f"Dear diary,\n{cap(s)}, and I still cannot quite believe it. I told myself it "
            f"would be an ordinary day. It was not. {name} says I worry too much. Maybe. "
            "Tomorrow I will try again, and this time I will not run away."
        )
    return (
        f"Stranger: You look lost.\n{cap(n)}: Only a little.\nStranger: Where are you "
        f"going?\n{cap(n)}: Somewhere I have never been.\nStranger: Then you are on the "
        f"right road.\n{cap(n)}: That is the nicest thing anyone has said to me today."
    )


def make_creative(rng: random.Random) -> Task:
    c, n = pick(rng, CHARACTERS)
    s = pick(rng, SITUATIONS)
    form, frame = pick(rng, FORM_FRAMES)
    instruction = vary(rng, frame).format(c=c, s=s, aud=audience(rng))
    output = _creative_output(form, c, n, s, rng)
    return Task(instruction, "", output, "creative")


# (recipient phrase, salutation template)
RECIPIENTS = (
    ("your landlord", "Dear {title} {last}"),
    ("a former university professor", "Dear Professor {last}"),
    ("the head teacher of your child's school", "Dear {title} {last}"),
    ("a hiring manager at a design agency", "Dear Hiring Manager"),
    ("your whole team", "Hi all"),
    ("a new client", "Dear {title} {last}"),
    ("your next-door neighbour", "Hi {first}"),
    ("an airline's customer service team", "Dear Customer Service Team"),
    ("your line manager", "Hi {first}"),
    ("the organiser of a conference you attended", "Dear {title} {last}"),
    ("a supplier of office furniture", "Dear {title} {last}"),
    ("the local council's housing office", "Dear Sir or Madam"),
    ("a volunteer coordinator at an animal shelter", "Dear {first}"),
    ("the parents in your child's class", "Dear parents"),
)

# (purpose clause, subject line, body)
PURPOSES = (
    (
        "asking to move Thursday's meeting to Friday morning",
        "Request to reschedule Thursday's meeting",
        "Would it be possible to move our meeting on Thursday to Friday morning? Something urgent "
        "has come up, and Friday at 10:00 or 11:00 would suit me well.",
    ),
    (
        "thanking them for their help with a difficult project",
        "Thank you",
        "I wanted to thank you for your help over the last few weeks. Your advice made a real "
        "difference, and the project would not have finished on time without it.",
    ),
    (
        "reporting that the heating has stopped working",
        "Heating not working",
        "The heating in the flat stopped working on Monday evening, and the radiators are cold "
        "even with the boiler on. Could you arrange for someone to look at it this week?",
    ),
    (
        "requesting a refund for a cancelled booking",
        "Refund request for a cancelled booking",
        "My booking was cancelled by you last week, and I would like a full refund to my original "
        "payment method. My booking reference is in the attached confirmation.",
    ),
    (
        "politely declining a job offer",
        "Job offer",
        "Thank you very much for the offer and for your time during the process. After careful "
        "thought, I have decided to accept another position that fits my plans more closely.",
    ),
    (
        "following up on an invoice that has not been paid",
        "Reminder: unpaid invoice",
        "I am writing to follow up on invoice 1042, which was due two weeks ago. Could you let me "
        "know when payment will be made, or whether anything is missing on your side?",
    ),
    (
        "inviting them to a small farewell gathering",
        "You're invited: farewell drinks",
        "After six years, I am moving on at the end of the month, and I would love to see you at "
        "a small get-together on Friday from 5 pm in the cafe downstairs.",
    ),
    (
        "apologising for missing a deadline",
        "Apologies for the delay",
        "I am sorry that the report was not ready by Tuesday as promised. I underestimated the "
        "data work; the full version will be with you by Thursday at noon.",
    ),
    (
        "asking for a reference letter",
        "Reference request",
        "I am applying for a master's programme and would be very grateful if you could write a "
        "reference for me. The deadline is next month, and I can send my CV and the details.",
    ),
    (
        "announcing new opening hours",
        "New opening hours from next month",
        "From the first of next month we will open from 8:00 to 18:00 on weekdays and 9:00 to "
        "13:00 on Saturdays. Please plan deliveries and visits accordingly.",
    ),
    (
        "asking for next Friday off",
        "Day off request",
        "I would like to request next Friday off for a family event. My tasks for that day are on "
        "track, and I can hand anything urgent to a colleague.",
    ),
    (
        "complaining about loud music late at night",
        "Noise in the evenings",
        "I wanted to mention that music has been quite loud after midnight on several nights this "
        "week. Could you keep the volume down late in the evening? Thank you for understanding.",
    ),
    (
        "confirming the time and address of a delivery",
        "Delivery confirmation",
        "I am writing to confirm the delivery on Wednesday between 9:00 and 12:00 at 14 Station "
        "Road. Please call when you are ten minutes away.",
    ),
    (
        "asking for feedback on a draft report",
        "Feedback on draft report",
        "I have attached the first draft of the report. I would value your feedback, especially "
        "on the structure and the recommendations, by the end of next week if possible.",
    ),
    (
        "introducing yourself as the new project coordinator",
        "Introduction: new project coordinator",
        "I have just joined as the new project coordinator and will be your main contact from now "
        "on. I would be glad to set up a short call to hear how things are going.",
    ),
    (
        "asking whether a lost wallet was handed in",
        "Lost wallet",
        "I think I left a brown leather wallet on your premises on Saturday afternoon. Has anyone "
        "handed it in? It contains a driving licence in my name.",
    ),
)

EMAIL_FRAMES = (
    "Write a [short|brief|quick] email to {r} {p}.",
    "[Draft|Write|Prepare] an email to {r} {p}. {tone}",
    "Compose a [brief|short|clear] message to {r} {p}, and keep it {adj}.",
    "Help me write an email to {r} {p}; I want to sound {adj}.",
    "I need to email {r}. Write the message for me, {p}. {tone}",
    "Write the email you would send to {r} when {pg}.",
    "[Put together|Write up] a [polite|short|clear] email {p}; it goes to {r}.",
    "Email {r} for me, {p}. [Sign it with my first name.|Keep it brief.|Be natural.]",
    "[What should I write|How should I word an email] to {r} {p}?",
    "[Can|Could] you [draft|write] a {adj} note to {r} {p}?",
)

TONES = (
    "Keep the tone friendly.",
    "Be firm but polite.",
    "Keep it formal.",
    "Make it warm and personal.",
    "Keep it under 100 words.",
    "Be clear and direct.",
)

ADJECTIVES = (
    "polite but firm",
    "warm and sincere",
    "professional",
    "friendly and relaxed",
    "concise",
    "respectful and calm",
    "confident",
    "apologetic but not grovelling",
)


def _salutation(template: str, rng: random.Random) -> str:
    return template.format(
        title=pick(rng, ("Mr", "Ms", "Dr")), last=pick(rng, SURNAMES), first=pick(rng, FIRST_NAMES)
    )


def make_email(rng: random.Random) -> Task:
    recipient, salute = pick(rng, RECIPIENTS)
    purpose, subject, body = pick(rng, PURPOSES)
    gerund_clause = "you are " + purpose
    instruction = (
        vary(rng, pick(rng, EMAIL_FRAMES))
        .format(
            r=recipient,
            p=purpose,
            pg=gerund_clause,
            tone=pick(rng, TONES),
            adj=pick(rng, ADJECTIVES),
        )
        .strip()
    )
    sender = pick(rng, FIRST_NAMES)
    sign_off = pick(rng, ("Best regards", "Kind regards", "Many thanks", "Best wishes"))
    output = f"Subject: {subject}\n\n{_salutation(salute, rng)},\n\n{body}\n\n{sign_off},\n{sender}"
    return Task(instruction, "", output, "email")
