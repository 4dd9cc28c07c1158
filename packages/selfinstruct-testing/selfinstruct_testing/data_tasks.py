"""Task makers that read structured facts out of an input: extraction, classification,
format conversion and sorting. The input is generated from known values, so the output is exact.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence

from selfinstruct_testing.words import (
    FIRST_NAMES,
    MONTHS,
    SURNAMES,
    TOWNS,
    Task,
    audience,
    bulleted,
    count_word,
    date_phrase,
    pick,
    vary,
)

FORMATS = ("a bulleted list", "JSON", "a comma-separated line", "a two-column table")


def _render(fmt: str, header: tuple[str, str], rows: Sequence[tuple[str, str]]) -> str:
    """Render (key, value) rows in the format the instruction asked for."""
    if fmt == "JSON":
        return json.dumps([{header[0]: k, header[1]: v} for k, v in rows], indent=2)
    if fmt == "a comma-separated line":
        return ", ".join(f"{k} ({v})" for k, v in rows)
    if fmt == "a two-column table":
        lines = [f"| {header[0]} | {header[1]} |", "| --- | --- |"]
        return "\n".join(lines + [f"| {k} | {v} |" for k, v in rows])
    return bulleted([f"{k}: {v}" for k, v in rows])


Extraction = tuple[str, str, str, tuple[str, str], list[tuple[str, str]]]
"""(document, a description naming it specifically, target, header, rows)."""

TASKS_TO_ASSIGN = (
    "send the updated budget",
    "book the venue",
    "draft the press release",
    "call the insurance company",
    "order new laptops",
    "update the website",
    "prepare the training slides",
    "collect quotes from caterers",
)


def _meeting(rng: random.Random) -> Extraction:
    people = rng.sample(FIRST_NAMES, rng.randint(3, 4))
    jobs = rng.sample(TASKS_TO_ASSIGN, len(people))
    dates = [date_phrase(rng) for _ in people]
    team = pick(rng, ("marketing", "finance", "events", "IT", "sales", "volunteer", "design"))
    day = date_phrase(rng)
    lines = [f"Meeting notes, {day}. Present: {', '.join(people)}."]
    lines += [f"{p} will {j} by {d}." for p, j, d in zip(people, jobs, dates, strict=True)]
    lines.append("Next meeting in two weeks.")
    rows = [(p, f"{j} (by {d})") for p, j, d in zip(people, jobs, dates, strict=True)]
    desc = pick(
        rng,
        (
            f"the {team} team's meeting notes from {day}",
            f"the notes of the {day} {team} meeting",
            f"these {team} minutes",
        ),
    )
    target = pick(
        rng,
        (
            "each person's action item and its deadline",
            "who does what by when",
            "the action points with their owners and due dates",
            "every task, its owner and its deadline",
        ),
    )
    return " ".join(lines), desc, target, ("person", "task"), rows


SHOP_ITEMS = (
    "wireless mouse",
    "desk lamp",
    "yoga mat",
    "water bottle",
    "phone case",
    "notebook set",
    "kettle",
    "backpack",
    "extension cable",
    "plant pot",
)


def _order(rng: random.Random) -> Extraction:
    items = rng.sample(SHOP_ITEMS, rng.randint(2, 4))
    prices = [f"${rng.randint(300, 6000) / 100:.2f}" for _ in items]
    number = rng.randint(100000, 999999)
    listed = "; ".join(f"1 x {i} - {p}" for i, p in zip(items, prices, strict=True))
    doc = (
        f"Thank you for your order #{number}! Items: {listed}. Estimated delivery: "
        f"{date_phrase(rng)}. Questions? Reply to this email."
    )
    desc = pick(
        rng,
        (
            f"this confirmation of order #{number}",
            f"the receipt for order {number}",
            f"this shop email about order #{number}",
        ),
    )
    rows = list(zip(items, prices, strict=True))
    target = pick(
        rng,
        (
            "every item ordered and its price",
            "the products and what each cost",
            "each item with its price",
            "the line items and prices",
        ),
    )
    return doc, desc, target, ("item", "price"), rows


JOBS = (
    "junior data analyst",
    "night-shift nurse",
    "primary school teacher",
    "barista",
    "warehouse team leader",
    "graphic designer",
    "bookkeeper",
    "IT support technician",
)
SKILLS = (
    "Excel",
    "customer service",
    "a driving licence",
    "first aid",
    "Spanish",
    "SQL",
    "bookkeeping software",
    "teamwork",
    "Photoshop",
    "forklift certification",
)


def _job_ad(rng: random.Random) -> Extraction:
    job, town = pick(rng, JOBS), pick(rng, TOWNS)
    salary = f"${rng.randint(28, 90)},000"
    skills = rng.sample(SKILLS, 3)
    doc = (
        f"We are hiring a {job} to join our friendly team in {town}. Salary: {salary} a year. "
        f"You will need {skills[0]}, {skills[1]} and {skills[2]}. Apply by "
        f"{date_phrase(rng)} with a CV and a short cover letter."
    )
    rows = [
        ("job title", job),
        ("location", town),
        ("salary", salary),
        ("skills", ", ".join(skills)),
    ]
    desc = f"this job advert for a {job} in {town}"
    target = pick(
        rng,
        (
            "the title, location, salary and required skills",
            "the key facts (role, place, pay and skills)",
            "the job's title, town, pay and skills",
            "the role, salary and skills",
        ),
    )
    return doc, desc, target, ("field", "value"), rows


EVENTS = (
    "spring craft fair",
    "charity quiz night",
    "jazz evening",
    "coding workshop for teens",
    "open-air cinema night",
    "repair cafe",
    "seed swap",
    "wildlife photography talk",
)
VENUES = (
    "the town hall",
    "St Mary's church hall",
    "the riverside park",
    "the public library",
    "the old fire station",
    "the community centre",
)


def _event(rng: random.Random) -> Extraction:
    event, venue = pick(rng, EVENTS), pick(rng, VENUES)
    hour = rng.randint(10, 20)
    first, last = pick(rng, FIRST_NAMES), pick(rng, SURNAMES)
    email = f"{first.lower()}.{last.lower().replace(chr(39), '')}@example.org"
    price = pick(rng, ("free", f"${rng.randint(3, 25)}"))
    when = f"{date_phrase(rng)} at {hour}:00"
    doc = (
        f"Join us for our {event} at {venue} on {when}! Tickets: {price}. Bring a friend. For "
        f"more information, contact {first} at {email}."
    )
    rows = [
        ("event", event),
        ("venue", venue),
        ("date and time", when),
        ("price", price),
        ("contact", email),
    ]
    desc = f"the announcement for the {event} at {venue}"
    target = pick(
        rng,
        (
            "the event's name, venue, time, price and contact",
            "the practical details (where, when, cost, contact)",
            "the venue, date, ticket price and contact email",
        ),
    )
    return doc, desc, target, ("field", "value"), rows


EXTRACTIONS: tuple[Callable[[random.Random], Extraction], ...] = (_meeting, _order, _job_ad, _event)

EXTRACT_FRAMES = (
    "From {desc}, extract {target} and present them as {fmt}.",
    "Read {desc} and list {target} as {fmt}.",
    "[Pull out|Extract|Collect] {target} from {desc}, formatted as {fmt}.",
    "{Aud} needs {target} from {desc}. Give them as {fmt}.",
    "[Go through|Scan] {desc} and return {target} in {fmt}.",
    "I only care about {target}. [Get|Pull] them out of {desc} as {fmt}.",
)


def make_extract(rng: random.Random) -> Task:
    doc, desc, target, header, rows = pick(rng, EXTRACTIONS)(rng)
    fmt = pick(rng, FORMATS)
    aud = audience(rng)
    instruction = vary(rng, pick(rng, EXTRACT_FRAMES)).format(
        desc=desc, target=target, fmt=fmt, Aud=aud[:1].upper() + aud[1:]
    )
    return Task(instruction, doc, _render(fmt, header, rows), "extract")


PRODUCTS = (
    "cordless drill",
    "pair of hiking boots",
    "robot vacuum",
    "electric toothbrush",
    "children's scooter",
    "air fryer",
    "office chair",
    "bluetooth speaker",
    "tent",
    "standing desk",
    "e-reader",
    "blender",
    "baby monitor",
    "winter jacket",
    "smartwatch",
)
POSITIVE = (
    "It arrived two days early and works perfectly.",
    "Great value for the price.",
    "I have used it every day for a month and I love it.",
    "Setup took five minutes.",
    "Solid build quality, much better than my old one.",
    "Would happily buy it again.",
)
NEGATIVE = (
    "It stopped working after a week.",
    "The instructions were useless.",
    "Customer service never answered my emails.",
    "Far too expensive for what you get.",
    "It is much louder than the description says.",
    "Parts were missing from the box.",
)
PLATFORMS = ("an online shop", "a comparison site", "a retailer's app", "a review blog")


def _sentiment(rng: random.Random) -> tuple[str, str, str]:
    product = pick(rng, PRODUCTS)
    roll = rng.random()
    if roll < 0.4:
        text, label = " ".join(rng.sample(POSITIVE, 2)), "Positive"
    elif roll < 0.8:
        text, label = " ".join(rng.sample(NEGATIVE, 2)), "Negative"
    else:
        text, label = f"{pick(rng, POSITIVE)} However, {pick(rng, NEGATIVE).lower()}", "Mixed"
    frame = vary(
        rng,
        pick(
            rng,
            (
                "Classify the sentiment of this [customer|buyer's|shopper's] review of a {p} as "
                "positive, negative or mixed.",
                "Is the following review of a {p}, posted on {pl}, positive, negative or mixed?",
                "Label the review below with one word (positive, negative or mixed). It is about "
                "a {p}.",
                "Decide how [satisfied|happy] the customer who wrote this review of a {p} on {pl} "
                "was.",
                "[We sell|Our shop sells] a {p}. Tag this review from {pl} as positive, negative "
                "or mixed.",
            ),
        ),
    )
    return frame.format(p=product, pl=pick(rng, PLATFORMS)), text, label


HEADLINES = {
    "Sports": (
        "{town} Rovers snatch late winner in cup semi-final",
        "Teenage swimmer from {town} breaks national record",
        "Marathon in {town} draws record 12,000 runners",
    ),
    "Business": (
        "{name} Foods shares jump after strong quarterly results",
        "Small firms in {town} report rising energy costs",
        "{name} Bank to close six branches next year",
    ),
    "Health": (
        "Study links daily walks to lower blood pressure",
        "{town} hospital cuts waiting times by a third",
        "Doctors urge flu jabs as winter cases rise",
    ),
    "Technology": (
        "{name} unveils budget phone with week-long battery",
        "Council in {town} trials self-driving shuttle bus",
        "New app helps farmers spot crop disease early",
    ),
    "Science": (
        "Astronomers spot water vapour on distant planet",
        "Fossil found near {town} may be new dinosaur species",
        "Researchers grow tomatoes in simulated Martian soil",
    ),
    "Culture": (
        "{town} film festival announces its largest line-up yet",
        "Lost painting found in attic sells for two million",
        "Local choir from {town} wins national competition",
    ),
}


PAPERS = ("Gazette", "Herald", "Courier", "Evening Post", "Chronicle", "Advertiser", "Times")


def _topic(rng: random.Random) -> tuple[str, str, str]:
    label = pick(rng, tuple(HEADLINES))
    headline = pick(rng, HEADLINES[label]).format(town=pick(rng, TOWNS), name=pick(rng, SURNAMES))
    cats = rng.sample(tuple(HEADLINES), len(HEADLINES))
    paper = f"the {pick(rng, TOWNS)} {pick(rng, PAPERS)}"
    frame = vary(
        rng,
        pick(
            rng,
            (
                "Which section of {paper} does this headline belong in: {c}?",
                "Assign one of these categories to the headline below from {paper}: {c}.",
                "An editor at {paper} must file this headline under {c}. Which one fits best?",
                "[Sort|File|Tag] this headline for {paper}'s website. Options: {c}.",
            ),
        ),
    )
    return frame.format(c=", ".join(cats), paper=paper), headline, label


INTENTS = {
    "Billing": (
        "I was charged twice for my subscription this month.",
        "Why is my bill higher than usual?",
        "Can I get a copy of last month's invoice?",
    ),
    "Technical problem": (
        "The app crashes every time I open my account page.",
        "My router keeps disconnecting every evening.",
        "I can't log in even after resetting my password.",
    ),
    "Cancellation": (
        "Please cancel my membership from next month.",
        "How do I close my account?",
        "I want to end my contract early.",
    ),
    "Delivery": (
        "My parcel says delivered but I never got it.",
        "Can I change the delivery address for my order?",
        "When will my order arrive? It's been ten days.",
    ),
}
COMPANIES = (
    "an internet provider",
    "a gym chain",
    "an online clothing shop",
    "a mobile network",
    "a streaming service",
    "an energy supplier",
    "a furniture retailer",
    "a car-share club",
    "a meal-kit company",
    "a small web-hosting firm",
    "a language-learning app",
    "a regional bus company",
)


def _intent(rng: random.Random) -> tuple[str, str, str]:
    label = pick(rng, tuple(INTENTS))
    text = pick(rng, INTENTS[label])
    frame = vary(
        rng,
        pick(
            rng,
            (
                "Classify this message sent to {co} into one of: {c}.",
                "Route the following [customer|support] message for {co} to the right team ({c}).",
                "What is the customer's intent in this message to {co}? Choose from {c}.",
                "You work on the help desk of {co}. Which queue ({c}) should this message go to?",
            ),
        ),
    )
    labels = rng.sample(tuple(INTENTS), len(INTENTS))
    return frame.format(co=pick(rng, COMPANIES), c=", ".join(labels)), text, label


SPAM = (
    "Congratulations! You have won a $1,000 gift card. Click here to claim now!",
    "URGENT: your account will be suspended. Verify your password at this link.",
    "Earn $500 a day from home, no experience needed!!!",
    "You are pre-approved for a low-interest loan. Reply YES to receive cash today.",
)
HAM = (
    "Hi, just checking we're still on for dinner at 7 tonight?",
    "Your dentist appointment is confirmed for Tuesday at 9:30.",
    "The minutes from yesterday's meeting are attached; please add anything I missed.",
    "Reminder: the library book you borrowed is due back on Friday.",
)


def _spam(rng: random.Random) -> tuple[str, str, str]:
    is_spam = rng.random() < 0.5
    text = pick(rng, SPAM if is_spam else HAM)
    frame = vary(
        rng,
        pick(
            rng,
            (
                "Is this {m} [received|sent] to {aud} spam or not spam?",
                "Decide whether the following {m} is spam. Answer 'spam' or 'not spam'.",
                "You are [filtering|screening|checking] {m}s for {aud}. Label the one below as "
                "spam or not spam.",
                "{Aud} got this {m} [yesterday|this morning|last night]. Is it spam?",
                "[Should|Would] a spam filter block this {m}? Answer spam or not spam.",
            ),
        ),
    )
    medium = pick(rng, ("text message", "email", "voicemail transcript", "chat message"))
    aud = audience(rng)
    label = "Spam" if is_spam else "Not spam"
    return frame.format(m=medium, aud=aud, Aud=aud[:1].upper() + aud[1:]), text, label


CLASSIFIERS = (_sentiment, _topic, _intent, _spam)


def make_classify(rng: random.Random) -> Task:
    instruction, text, label = pick(rng, CLASSIFIERS)(rng)
    return Task(instruction, text, label, "classify")


GROUPS = (
    "book club",
    "running club",
    "conference speakers list",
    "volunteer rota",
    "choir",
    "parents' committee",
    "hackathon team",
    "allotment society",
)


def _contacts(rng: random.Random) -> tuple[str, str, str]:
    people = []
    for first in rng.sample(FIRST_NAMES, rng.randint(2, 4)):
        last = pick(rng, SURNAMES)
        email = f"{first[0].lower()}{last.lower().replace(chr(39), '')}@example.com"
        people.append({"name": f"{first} {last}", "email": email, "city": pick(rng, TOWNS)})
    text = "\n".join(f"{p['name']} - {p['email']} - {p['city']}" for p in people)
    group = pick(rng, GROUPS)
    n = count_word(rng, len(people))
    if rng.random() < 0.5:
        instruction = vary(
            rng,
            f"[Convert|Turn] these {n} contact details from a {group} [sign-up sheet|mailing "
            "list|register] into a JSON array with the keys name, email and city.",
        )
        return instruction, text, json.dumps(people, indent=2)
    instruction = vary(
        rng,
        pick(
            rng,
            (
                f"[Turn|Convert|Reformat] the following {group} [contact list|address list] into "
                "CSV with a header row.",
                f"I need the {group}'s [contacts|details|members] below as a CSV file. "
                "[Convert|Format] them, [including|with] a header.",
                f"Make a CSV (name, email, city) from these {n} {group} entries.",
            ),
        ),
    )
    rows = ["name,email,city"] + [f"{p['name']},{p['email']},{p['city']}" for p in people]
    return instruction, text, "\n".join(rows)


def _dates(rng: random.Random) -> tuple[str, str, str]:
    dates = [
        (rng.randint(2019, 2026), rng.randint(1, 12), rng.randint(1, 28))
        for _ in range(rng.randint(3, 5))
    ]
    text = "\n".join(f"{m:02d}/{d:02d}/{y}" for y, m, d in dates)
    what = pick(
        rng,
        (
            "invoice dates",
            "delivery dates",
            "birthdays on a staff list",
            "deadlines from a project plan",
            "booking dates",
            "vaccination dates",
            "match days from a fixture list",
            "renewal dates for club members",
        ),
    )
    instruction = vary(
        rng,
        pick(
            rng,
            (
                f"These {what} are in US format (MM/DD/YYYY). Convert them to ISO 8601.",
                f"[Rewrite|Convert] the {what} below as YYYY-MM-DD.",
                f"Our database needs ISO dates. [Reformat|Convert] these {what} from MM/DD/YYYY.",
            ),
        ),
    )
    return instruction, text, "\n".join(f"{y}-{m:02d}-{d:02d}" for y, m, d in dates)


def _times(rng: random.Random) -> tuple[str, str, str]:
    times = [
        (rng.randint(1, 12), pick(rng, (0, 5, 15, 30, 45)), pick(rng, ("AM", "PM")))
        for _ in range(rng.randint(3, 5))
    ]

    def h24(h: int, m: int, ap: str) -> str:
        return f"{(h % 12) + (12 if ap == 'PM' else 0):02d}:{m:02d}"

    text = "\n".join(f"{h}:{m:02d} {ap}" for h, m, ap in times)
    what = pick(
        rng,
        (
            "train departures",
            "class start times",
            "shift changes",
            "ferry sailings",
            "medicine reminders",
            "radio programme slots",
            "bus times from a timetable",
        ),
    )
    instruction = vary(
        rng,
        pick(
            rng,
            (
                f"[Rewrite|Convert] this list of {what} using the 24-hour clock.",
                f"Change these {what} from AM/PM to 24-hour format.",
                f"A [European|Continental] colleague needs these {what} in 24-hour time. Convert "
                "them.",
            ),
        ),
    )
    return instruction, text, "\n".join(h24(*t) for t in times)


def _miles(rng: random.Random) -> tuple[str, str, str]:
    routes = [
        (f"{a} to {b}", rng.randint(3, 250))
        for a, b in (rng.sample(TOWNS, 2) for _ in range(rng.randint(2, 4)))
    ]
    text = "\n".join(f"{r}: {d} miles" for r, d in routes)
    start = routes[0][0].split(" to ")[0]
    instruction = vary(
        rng,
        pick(
            rng,
            (
                "Convert these road distances from miles to kilometres, rounded to one decimal "
                "place.",
                "A [cyclist|runner|delivery driver] logged these [trips|routes] in miles. Give "
                "each in kilometres.",
                f"[Our|The] [route planner|club website|delivery app] for {start} uses "
                "kilometres. [Convert|Change] the distances below.",
                f"[Please|Can you] [convert|express] these {start} [trips|routes|journeys] in km?",
            ),
        ),
    )
    return instruction, text, "\n".join(f"{r}: {d * 1.609344:.1f} km" for r, d in routes)


CONVERSIONS = (_contacts, _dates, _times, _miles)


def make_convert(rng: random.Random) -> Task:
    instruction, text, output = pick(rng, CONVERSIONS)(rng)
    return Task(instruction, text, output, "convert")


SORTABLES = (
    (
        "names on a wedding guest list",
        lambda rng: [f"{pick(rng, FIRST_NAMES)} {pick(rng, SURNAMES)}" for _ in range(5)],
    ),
    ("towns on a delivery route", lambda rng: rng.sample(TOWNS, 5)),
    ("months when club events happen", lambda rng: rng.sample(MONTHS, 5)),
)


def make_sort(rng: random.Random) -> Task:
    if rng.random() < 0.5:
        what = pick(
            rng,
            (
                "prices from a shopping receipt",
                "exam scores of a class",
                "daily step counts for a week",
                "house prices on a street",
                "page counts of books on a reading list",
                "monthly phone bills",
                "donations to a charity raffle",
                "scores from a darts league",
            ),
        )
        values = [rng.randint(5, 9999) for _ in range(rng.randint(5, 8))]
        order = pick(rng, ("from smallest to largest", "from largest to smallest"))
        ranked = sorted(values, reverse=order.startswith("from largest"))
        instruction = vary(
            rng,
            pick(
                rng,
                (
                    f"Sort these {what} {order}.",
                    f"[Put|Arrange|List] the {what} below in order, {order}.",
                    f"I have some {what}. [Order|Rank] them {order}.",
                ),
            ),
        )
        return Task(instruction, ", ".join(map(str, values)), ", ".join(map(str, ranked)), "sort")
    what, maker = pick(rng, SORTABLES)
    items = maker(rng)
    if what.startswith("months"):
        ranked = sorted(items, key=MONTHS.index)
        instruction = vary(rng, f"[Put|Arrange] these {what} in calendar order.")
    else:
        ranked = sorted(items, key=lambda s: s.split()[-1])
        instruction = vary(
            rng,
            f"[Sort|Order|Alphabetise] the following {what} by the last word, for {audience(rng)}.",
        )
    return Task(instruction, "\n".join(items), "\n".join(ranked), "sort")
