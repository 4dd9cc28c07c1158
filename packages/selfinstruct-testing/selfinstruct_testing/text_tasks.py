"""Task makers that transform an input text: rewriting the register, fixing grammar, summarising.

Inputs and outputs are built in parallel from the same slots (a casual and a formal version of
each phrase, a news item and its one-line summary), so the output is a faithful answer.
"""

from __future__ import annotations

import random
import re

from selfinstruct_testing.words import (
    FIRST_NAMES,
    SURNAMES,
    TOWNS,
    WEEKDAYS,
    Task,
    audience,
    cap,
    pick,
    vary,
)

# (casual, formal)
OPENERS = (
    ("hey", "Hello,"),
    ("hi there", "Good morning,"),
    ("yo", "Hello,"),
    ("hiya", "Dear colleague,"),
    ("morning!", "Good morning,"),
)
REASONS = (
    (
        "sorry for the late reply, been super busy",
        "Apologies for the late reply; this week has been very busy.",
    ),
    ("so the printer is broken again lol", "Unfortunately, the printer is out of order again."),
    ("quick one", "I have a brief request."),
    ("the client moved the deadline up", "The client has brought the deadline forward."),
    ("my laptop died last night", "My laptop stopped working last night."),
    ("im stuck on the budget thing", "I am having difficulty with the budget."),
    (
        "heads up, the meeting room is double booked",
        "Please note that the meeting room has been double-booked.",
    ),
    (
        "no idea whats going on with the invoices",
        "I am unsure about the current status of the invoices.",
    ),
)
REQUESTS = (
    (
        "can u send me the report by friday? need it for the meeting",
        "Could you please send me the report by Friday? I need it for the meeting.",
    ),
    ("can we push our call to tmrw", "Would it be possible to move our call to tomorrow?"),
    ("pls check the numbers before it goes out", "Please check the figures before it is sent."),
    ("any chance u could cover my shift sat", "Would you be able to cover my shift on Saturday?"),
    (
        "need the login for the shared drive asap",
        "I need the login details for the shared drive as soon as possible.",
    ),
    (
        "can someone grab more coffee for the kitchen",
        "Could someone please buy more coffee for the kitchen?",
    ),
    (
        "wanna grab lunch and go over the slides",
        "Would you like to meet for lunch to review the slides?",
    ),
    ("pls dont forget to sign the form", "Please remember to sign the form."),
    (
        "gonna be 15 mins late, start without me",
        "I will be fifteen minutes late; please start without me.",
    ),
    (
        "can u loop in finance on this",
        "Could you please include the finance team in this conversation?",
    ),
    (
        "where r we with the new hire paperwork",
        "Could you update me on the paperwork for the new hire?",
    ),
    ("send me ur notes when u get a sec", "Please send me your notes when you have a moment."),
)
CLOSINGS = (
    ("thx!", "Thank you in advance."),
    ("cheers", "Kind regards."),
    ("lmk", "Please let me know."),
    ("ttyl", "I look forward to hearing from you."),
    ("ta", "Many thanks."),
)

DOCS = ("text message", "chat message", "quick note", "team-chat message", "email draft")
AUTHORS = (
    "a coworker",
    "a summer intern",
    "my business partner",
    "a new team member",
    "a student volunteer",
    "the night-shift supervisor",
    "my flatmate",
)
RECIPIENTS = (
    "a senior manager",
    "a new client",
    "a university lecturer",
    "the HR department",
    "the company's board",
    "an important supplier",
    "a hiring committee",
    "a government office",
    "the school principal",
)
FRIENDS = (
    "a close friend",
    "a teammate you know well",
    "your younger cousin",
    "an old school friend",
    "a relaxed group chat",
)

FORMAL_FRAMES = (
    "Rewrite this {doc} so it is [suitable|appropriate|fit] for {r}.",
    "Make the following {doc} from {a} more [formal|professional|polished] before it is sent to "
    "{r}.",
    "Turn this casual {doc} into a [polite|courteous], professional message for {r}.",
    "Edit the {doc} below so it sounds professional; {r} will read it.",
    "Polish this {doc} written by {a}, keeping the meaning but fixing the tone for {r}.",
    "{A} wrote the {doc} below. Rewrite it in a formal register [for|suitable for] {r}.",
    "[Clean up|Tidy up|Rework] {a}'s {doc} so that it can go to {r}.",
    "How would a [careful|seasoned|polished] writer phrase this {doc} for {r}?",
    "[Upgrade|Raise] the register of the {doc} below; [{r} is the reader|it is addressed to {r}].",
    "[Give me|Write] a [more formal|more businesslike|politer] version of this {doc} by {a}.",
)
CASUAL_FRAMES = (
    "Rewrite this formal {doc} in a [relaxed|laid-back], friendly tone, as if writing to {f}.",
    "Make the following message sound [casual|informal|chatty] enough to send to {f}.",
    "Loosen up the tone of this {doc}; it is going to {f}, not to a manager.",
    "This {doc} from {a} is far too stiff for {f}. [Rewrite|Redo] it casually.",
)

# (wordy, concise)
WORDY = (
    (
        "At this point in time, we are not in a position to make a decision regarding the "
        "proposal.",
        "We cannot decide on the proposal yet.",
    ),
    (
        "Due to the fact that the train was delayed, a large number of passengers missed their "
        "connections.",
        "Because the train was late, many passengers missed their connections.",
    ),
    (
        "In the event that you have any questions, please do not hesitate to get in touch with us.",
        "If you have questions, please contact us.",
    ),
    (
        "The committee made the decision to postpone the meeting until a later date.",
        "The committee postponed the meeting.",
    ),
    (
        "It is absolutely essential that each and every employee completes the training.",
        "Every employee must complete the training.",
    ),
    (
        "We would like to take this opportunity to thank you for your continued support over the "
        "years.",
        "Thank you for your years of support.",
    ),
    (
        "The reason why the project failed is because the planning was inadequate.",
        "The project failed because of poor planning.",
    ),
    (
        "She gave a presentation in which she described the results of the survey.",
        "She presented the survey results.",
    ),
    (
        "For the purpose of improving safety, the factory has installed new lighting in all areas.",
        "To improve safety, the factory installed new lighting everywhere.",
    ),
    (
        "There are many people who believe that the new park will be good for the neighbourhood.",
        "Many people believe the new park will benefit the neighbourhood.",
    ),
)
WORDY_SOURCES = (
    "a company memo",
    "a student essay",
    "a council newsletter",
    "a grant application",
    "a hotel's website",
    "a project report",
    "a press release",
    "a charity appeal",
)
CONCISE_FRAMES = (
    "Make this sentence from {s} more [concise|compact] without changing its meaning.",
    "Cut the [unnecessary|redundant|extra] words from the following line taken from {s}.",
    "Rewrite the sentence below, from {s}, in as few words as [possible|you can].",
    "Tighten this wordy sentence so it would fit in {s}.",
    "[Shorten|Trim|Simplify] this line for {s}; the editor wants it under [ten|twelve|fifteen] "
    "words.",
    "{Aud} found this sentence in {s} hard to read. Make it [shorter|crisper|plainer].",
)


def _message(rng: random.Random) -> tuple[str, str]:
    parts = [pick(rng, OPENERS)]
    if rng.random() < 0.6:
        parts.append(pick(rng, REASONS))
    parts.append(pick(rng, REQUESTS))
    parts.append(pick(rng, CLOSINGS))
    casual = " ".join(p[0] for p in parts)
    formal = f"{parts[0][1]}\n\n" + " ".join(p[1] for p in parts[1:])
    return casual, formal


def make_rewrite(rng: random.Random) -> Task:
    roll = rng.random()
    if roll < 0.25:
        wordy, concise = pick(rng, WORDY)
        aud = audience(rng)
        instruction = vary(rng, pick(rng, CONCISE_FRAMES)).format(
            s=pick(rng, WORDY_SOURCES), Aud=cap(aud)
        )
        return Task(instruction, wordy, concise, "rewrite")
    casual, formal = _message(rng)
    doc, author = pick(rng, DOCS), pick(rng, AUTHORS)
    if roll < 0.8:
        frame = vary(rng, pick(rng, FORMAL_FRAMES))
        instruction = frame.format(doc=doc, a=author, A=cap(author), r=pick(rng, RECIPIENTS))
        return Task(instruction, casual, formal, "rewrite")
    instruction = vary(rng, pick(rng, CASUAL_FRAMES)).format(
        doc=doc, a=author, f=pick(rng, FRIENDS)
    )
    return Task(instruction, formal, casual, "rewrite")


# (correct sentence, [(right, wrong), ...])
GRAMMAR = (
    (
        "Their house is bigger than ours, but it's farther from the station.",
        [("Their", "There"), ("than", "then"), ("it's", "its")],
    ),
    (
        "Each of the students has finished the assignment.",
        [("has", "have"), ("finished", "finish")],
    ),
    (
        "I would have called you if I had known you were in town.",
        [("would have", "would of"), ("had known", "would have knew")],
    ),
    (
        "The team's results were better than we expected.",
        [("team's", "teams"), ("than", "then"), ("were", "was")],
    ),
    (
        "She doesn't like coffee, so she always orders tea.",
        [("doesn't", "don't"), ("orders", "order")],
    ),
    (
        "We're going to the museum tomorrow, and you're welcome to join us.",
        [("We're", "Were"), ("you're", "your")],
    ),
    ("Fewer people came to the meeting than last year.", [("Fewer", "Less"), ("came", "come")]),
    (
        "The dog wagged its tail when the children arrived.",
        [("its", "it's"), ("arrived", "arrive")],
    ),
    ("Between you and me, the new manager seems very capable.", [("me", "I"), ("seems", "seem")]),
    (
        "I received your letter and will reply by Friday.",
        [("received", "recieved"), ("will reply", "replying")],
    ),
    (
        "Neither the driver nor the passengers were hurt in the accident.",
        [("were", "was"), ("hurt", "hurted")],
    ),
    (
        "He has lived in this city since 2015 and loves its parks.",
        [("has lived", "is living"), ("since", "for"), ("its", "it's")],
    ),
    (
        "The committee has decided to accept the proposal.",
        [("decided", "decide"), ("accept", "except")],
    ),
    (
        "Please make sure that everyone brings their own lunch.",
        [("brings", "bring"), ("their", "there")],
    ),
    (
        "Could you lend me your umbrella? It's raining heavily.",
        [("lend", "borrow"), ("heavily", "heavy")],
    ),
    ("The results of the survey were surprising.", [("were", "was"), ("surprising", "surprised")]),
)
GRAMMAR_SOURCES = (
    "a cover letter",
    "a school essay",
    "a product description",
    "a hotel review",
    "a text to a landlord",
    "a club newsletter",
    "a job application",
    "a customer complaint",
    "a wedding speech",
    "a lost-pet poster",
)
GRAMMAR_FRAMES = (
    "Correct the [grammar and spelling|spelling and grammar|errors] in this sentence from {s}.",
    "Fix the mistakes in the following line, taken from {s}.[ Return only the corrected text.| "
    "Give just the fixed version.|]",
    "[Proofread|Check] this sentence from {s} and list what you changed.",
    "{Aud} wrote this sentence for {s}. Correct any [errors|mistakes].",
    "[Find|Spot] and correct the [errors|mistakes] in the sentence below, which comes from {s}.",
    "Before {s} goes out, [fix|correct] the grammar in this line written by {aud}.",
    "[Is|Is there anything wrong with] this sentence from {s} [grammatically correct|correct]? If "
    "not, fix it.",
    "[Edit|Copy-edit] the line below for {s} so that it reads [correctly|cleanly].",
    "My [boss|teacher|editor] says this sentence from {s} has mistakes. [Which ones|Where are "
    "they], and what is the correct version?",
    "[Clean up|Repair] the [spelling|grammar|wording] of this line before it goes into {s}.",
    "Rewrite the sentence [correctly|without errors]; {aud} wrote it for {s}.",
)


def make_grammar(rng: random.Random) -> Task:
    correct, swaps = pick(rng, GRAMMAR)
    chosen = rng.sample(swaps, rng.randint(1, len(swaps)))
    wrong = correct
    for right, bad in chosen:
        wrong = re.sub(rf"\b{re.escape(right)}\b", bad, wrong, count=1)
    frame = vary(rng, pick(rng, GRAMMAR_FRAMES))
    aud = audience(rng)
    instruction = frame.format(s=pick(rng, GRAMMAR_SOURCES), Aud=cap(aud), aud=aud)
    output = correct
    if "list what you changed" in frame:
        changes = "\n".join(f'- "{bad}" -> "{right}"' for right, bad in chosen)
        output = f"{correct}\n\nChanges:\n{changes}"
    return Task(instruction, wrong, output, "grammar")


FACILITIES = (
    "public library",
    "swimming pool",
    "community health centre",
    "skate park",
    "bicycle repair hub",
    "youth music studio",
    "covered market hall",
    "climbing wall",
)
DECISIONS = (
    (
        "close the old market square to cars on Sundays",
        "close the market square to cars on Sundays",
    ),
    ("build 40 kilometres of protected cycle lanes", "add 40 km of cycle lanes"),
    ("double parking charges in the town centre", "double town-centre parking charges"),
    ("plant 5,000 trees along the main roads", "plant 5,000 roadside trees"),
    ("make all buses free for pensioners", "make buses free for pensioners"),
    ("extend library opening hours to 10 pm", "open libraries until 10 pm"),
)
FINDINGS = (
    ("people who walk for 20 minutes after dinner sleep better", "evening walks", "sleep"),
    ("pupils who read aloud daily improve their spelling faster", "reading aloud", "spelling"),
    ("office plants have little effect on air quality", "office plants", "air quality"),
    (
        "shorter lunch breaks leave workers less productive in the afternoon",
        "lunch breaks",
        "productivity",
    ),
    ("learning a musical instrument improves memory in older adults", "music lessons", "memory"),
    ("cold showers do not noticeably strengthen the immune system", "cold showers", "immunity"),
)
INDUSTRIES = ("furniture", "software", "organic food", "bicycle", "solar energy", "toy")
COMPANY_NEWS = (
    ("will hire {n} new staff over the next year", "is hiring {n} people", "hiring"),
    (
        "is moving all its employees to a four-day week",
        "is adopting a four-day week",
        "a four-day week",
    ),
    (
        "has opened a second factory on the edge of town",
        "has opened a second factory",
        "a new factory",
    ),
    (
        "reported its first annual profit since {year}",
        "is profitable for the first time since {year}",
        "its return to profit",
    ),
)
SOURCES = (
    "news report",
    "local news item",
    "press release",
    "article",
    "council bulletin",
    "radio news script",
)


def _opening(rng: random.Random) -> tuple[str, str, str, str]:
    town, fac = pick(rng, TOWNS), pick(rng, FACILITIES)
    cost = rng.randint(2, 40)
    mayor = f"{pick(rng, FIRST_NAMES)} {pick(rng, SURNAMES)}"
    day = pick(rng, WEEKDAYS)
    para = (
        f"{town} opened its new {fac} on {day} after two years of building work. The project "
        f"cost {cost} million dollars, paid for partly by a government grant. Mayor "
        f'{mayor} said the {fac} would "give people of all ages a reason to come '
        'together". Opening hours will be extended in the summer, and entry is free for '
        "residents under 18."
    )
    summary = (
        f"{town} has opened a new {fac}, costing {cost} million dollars, with free entry "
        "for residents under 18."
    )
    headline = f"{town} opens {cost}-million-dollar {fac}"
    return para, summary, headline, f"a new {fac} in {town}"


def _council(rng: random.Random) -> tuple[str, str, str, str]:
    town = pick(rng, TOWNS)
    long, short = pick(rng, DECISIONS)
    yes = rng.randint(7, 15)
    no = rng.randint(1, yes - 1)
    para = (
        f"Members of the {town} council voted {yes} to {no} on Tuesday night to {long}. "
        "Supporters said the change would make the town safer and more pleasant, while "
        "some shop owners worried about losing customers. The plan will be reviewed after "
        "twelve months, and residents can comment on it at public meetings next month."
    )
    summary = (
        f"{town} council voted {yes}-{no} to {short}, despite some concern from shop "
        "owners, and will review the plan after a year."
    )
    headline = f"{town} votes to {short}"
    return para, summary, headline, f"a council vote in {town}"


def _study(rng: random.Random) -> tuple[str, str, str, str]:
    town = pick(rng, TOWNS)
    finding, cause, effect = pick(rng, FINDINGS)
    n = rng.randint(120, 4000)
    months = rng.randint(3, 24)
    para = (
        f"Researchers at the University of {town} report that {finding}. The team followed {n} "
        f"volunteers for {months} months and compared them with a similar group who did "
        "not change their habits. The authors say the results are encouraging but that "
        "larger studies are needed before firm advice can be given."
    )
    summary = (
        f"A {months}-month University of {town} study of {n} people suggests that "
        f"{finding}, though larger studies are needed."
    )
    headline = f"Study links {cause} and {effect}"
    return para, summary, headline, f"a study on {cause} and {effect}"


def _company(rng: random.Random) -> tuple[str, str, str, str]:
    town = pick(rng, TOWNS)
    company = f"{pick(rng, SURNAMES)} & {pick(rng, SURNAMES)}"
    industry = pick(rng, INDUSTRIES)
    long, short, about = pick(rng, COMPANY_NEWS)
    n, year = rng.randint(20, 400), rng.randint(2009, 2021)
    long, short = long.format(n=n, year=year), short.format(n=n, year=year)
    para = (
        f"{company}, a {industry} company based in {town}, announced on Monday that it "
        f"{long}. The firm, founded by two former teachers, now employs about "
        f"{rng.randint(50, 900)} people. Its chief executive said strong demand from overseas "
        "customers made the decision possible."
    )
    summary = f"{town}-based {industry} firm {company} {short}, citing strong overseas demand."
    headline = f"{company} {short}"
    return para, summary, headline, f"{about} at a {industry} company"


EVENTS = (_opening, _council, _study, _company)

SUMMARY_FRAMES = (
    ("sentence", "[Summarize|Summarise|Sum up] this {src} about {about} in one sentence."),
    ("sentence", "Write a one-sentence summary of the {src} below for {aud}."),
    (
        "sentence",
        "What is the main point of this {src} about {about}? Answer in a single sentence.",
    ),
    ("sentence", "In one line, tell {aud} what the following {src} about {about} says."),
    ("sentence", "[Condense|Boil down|Reduce] the {src} about {about} to a single sentence."),
    (
        "headline",
        "Write a headline of no more than [ten|eight|twelve] words for this {src} about {about}.",
    ),
    ("headline", "Suggest a [short|punchy|factual] title for the following {src} about {about}."),
    ("headline", "Give the {src} below a headline suitable for {aud}."),
)


def make_summarize(rng: random.Random) -> Task:
    para, summary, headline, about = pick(rng, EVENTS)(rng)
    form, frame = pick(rng, SUMMARY_FRAMES)
    instruction = vary(rng, frame).format(src=pick(rng, SOURCES), about=about, aud=audience(rng))
    output = summary if form == "sentence" else headline
    return Task(instruction, para, output, "summarize")
