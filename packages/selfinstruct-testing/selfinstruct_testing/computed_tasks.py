"""Task makers whose answers are computed: math word problems and reasoning puzzles.

Names, items and numbers are sampled independently, and the worked answer is computed from
them, so the output is always right (a teacher's math is not, but a fake must be predictable).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from selfinstruct_testing.words import (
    FIRST_NAMES,
    WEEKDAYS,
    Task,
    audience,
    cap,
    pick,
    vary,
)

Problem = tuple[str, str, str]  # (problem text, worked answer, topic phrase)

ITEMS = (
    ("notebook", "notebooks"),
    ("pen", "pens"),
    ("apple", "apples"),
    ("coffee", "coffees"),
    ("ticket", "tickets"),
    ("T-shirt", "T-shirts"),
    ("bag of rice", "bags of rice"),
    ("plant pot", "plant pots"),
    ("paintbrush", "paintbrushes"),
    ("bus pass", "bus passes"),
    ("sandwich", "sandwiches"),
    ("candle", "candles"),
    ("box of tea", "boxes of tea"),
    ("comic book", "comic books"),
    ("light bulb", "light bulbs"),
    ("jar of honey", "jars of honey"),
)

PRONOUNS = {"she": ("she", "her"), "he": ("he", "his"), "they": ("they", "their")}


def _name_pronoun(rng: random.Random) -> tuple[str, str]:
    return pick(rng, FIRST_NAMES), pick(rng, ("she", "he", "they"))


def _money(x: float) -> str:
    return f"${x:,.2f}"


def _shopping(rng: random.Random) -> Problem:
    name, _ = _name_pronoun(rng)
    (_, p1), (_, p2) = rng.sample(ITEMS, 2)
    a, b = rng.randint(2, 9), rng.randint(2, 6)
    c1, c2 = rng.randint(50, 900) / 100, rng.randint(50, 1500) / 100
    total = a * c1 + b * c2
    problem = (
        f"{name} [buys|picks up|orders] {a} {p1} at {_money(c1)} each and {b} {p2} at "
        f"{_money(c2)} each. [How much does {name} spend in total?|What is the total cost?|"
        f"What does {name} pay altogether?]"
    )
    answer = (
        f"{a} x {_money(c1)} = {_money(a * c1)}\n{b} x {_money(c2)} = {_money(b * c2)}\n"
        f"Total: {_money(a * c1)} + {_money(b * c2)} = {_money(total)}.\n"
        f"{name} spends {_money(total)} in total."
    )
    return problem, answer, f"buying {p1} and {p2}"


def _change(rng: random.Random) -> Problem:
    name, _ = _name_pronoun(rng)
    single, plural = pick(rng, ITEMS)
    a = rng.randint(2, 6)
    price = rng.randint(75, 1250) / 100
    note = pick(rng, (20, 50, 100))
    while a * price >= note:
        a -= 1
    cost = a * price
    problem = (
        f"{name} [buys|gets] {a} {plural if a > 1 else single} for {_money(price)}"
        f"{' each' if a > 1 else ''} and "
        f"[pays|hands over] a {_money(note)} note. [How much change should {name} get back?|"
        f"What change is due?|How much change is that?]"
    )
    answer = (
        f"Cost: {a} x {_money(price)} = {_money(cost)}.\nChange: {_money(note)} - "
        f"{_money(cost)} = {_money(note - cost)}."
    )
    return problem, answer, f"change after buying {plural}"


def _speed(rng: random.Random) -> Problem:
    vehicle = pick(rng, ("train", "coach", "delivery van", "ferry", "cyclist", "car"))
    hours, minutes = rng.randint(1, 4), pick(rng, (0, 15, 30, 45))
    speed = rng.randint(12, 110)
    t = hours + minutes / 60
    dist = round(speed * t)
    duration = f"{hours} hours" + (f" {minutes} minutes" if minutes else "")
    problem = (
        f"A {vehicle} [covers|travels] {dist} km in {duration}. [What is its average speed in "
        "kilometres per hour?|How fast did it go on average, in km/h?|Find its mean speed.]"
    )
    answer = (
        f"Time = {duration} = {t:g} hours.\n"
        f"Speed = distance / time = {dist} / {t:g} = {dist / t:.1f} km/h."
    )
    return problem, answer, f"the speed of a {vehicle}"


def _discount(rng: random.Random) -> Problem:
    product = pick(
        rng,
        (
            "winter coat",
            "laptop",
            "pair of running shoes",
            "sofa",
            "bicycle",
            "coffee machine",
            "desk lamp",
            "suitcase",
            "tent",
            "microwave",
        ),
    )
    price = rng.randint(20, 900)
    pct = pick(rng, (10, 15, 20, 25, 30, 40, 50))
    saving = price * pct / 100
    problem = (
        f"A {product} [normally costs|is usually priced at] {_money(price)}. [This week|In the "
        f"sale|Today] it is {pct}% off. [What is the sale price?|How much does it cost now?|"
        "What will a buyer pay?]"
    )
    answer = (
        f"Discount: {pct}% of {_money(price)} = {_money(saving)}.\nSale price: "
        f"{_money(price)} - {_money(saving)} = {_money(price - saving)}."
    )
    return problem, answer, f"a discount on a {product}"


def _recipe(rng: random.Random) -> Problem:
    dish = pick(rng, ("pancakes", "muffins", "biscuits", "dumplings", "flatbreads", "cookies"))
    ingredient = pick(rng, ("flour", "sugar", "butter", "oats", "grated cheese", "milk powder"))
    base = pick(rng, (6, 8, 10, 12))
    target = pick(rng, (15, 18, 20, 24, 30, 36))
    grams = rng.randint(3, 20) * 10
    needed = grams * target / base
    problem = (
        f"A recipe for {base} {dish} [uses|needs|calls for] {grams} g of {ingredient}. "
        f"[How much {ingredient} is needed to make {target} {dish}?|What amount is needed for "
        f"{target} {dish}?|Scale it up: how many grams for {target}?]"
    )
    answer = (
        f"{ingredient.capitalize()} per item: {grams} / {base} = {grams / base:g} g.\nFor "
        f"{target}: {grams / base:g} x {target} = {needed:g} g of {ingredient}."
    )
    return problem, answer, f"scaling a recipe for {dish}"


def _average(rng: random.Random) -> Problem:
    name, pron = _name_pronoun(rng)
    what = pick(
        rng,
        (
            "spelling tests",
            "maths quizzes",
            "weekly runs (in km)",
            "darts rounds",
            "piano exams",
            "bowling games",
        ),
    )
    k = rng.randint(3, 6)
    scores = [rng.randint(40, 100) for _ in range(k)]
    mean = sum(scores) / k
    listed = ", ".join(map(str, scores[:-1])) + f" and {scores[-1]}"
    problem = (
        f"{name}'s results in {k} {what} were {listed}. [What is {PRONOUNS[pron][1]} average "
        f"result?|Find the mean.|What is the average?]"
    )
    answer = (
        f"Sum: {' + '.join(map(str, scores))} = {sum(scores)}.\nAverage: {sum(scores)} / {k} "
        f"= {mean:.2f}."
    )
    return problem, answer, f"averaging {what}"


def _flooring(rng: random.Random) -> Problem:
    room = pick(rng, ("kitchen", "bedroom", "hallway", "classroom", "garden shed", "studio"))
    material = pick(rng, ("carpet", "oak flooring", "vinyl tiles", "cork tiles", "laminate"))
    length, width = rng.randint(20, 90) / 10, rng.randint(15, 60) / 10
    price = rng.randint(8, 60)
    area = length * width
    problem = (
        f"A rectangular {room} [measures|is] {length:g} m by {width:g} m. {cap(material)} costs "
        f"{_money(price)} per square metre. [How much will it cost to cover the floor?|What is "
        "the total cost of the flooring?|How much money is needed for the whole floor?]"
    )
    answer = (
        f"Area: {length:g} x {width:g} = {area:.2f} square metres.\nCost: {area:.2f} x "
        f"{_money(price)} = {_money(area * price)}."
    )
    return problem, answer, f"covering a {room} floor with {material}"


def _savings(rng: random.Random) -> Problem:
    name, _ = _name_pronoun(rng)
    goal_item = pick(
        rng,
        (
            "a new bicycle",
            "a concert ticket",
            "a guitar",
            "a weekend trip",
            "a second-hand laptop",
            "a pair of hiking boots",
            "a drawing tablet",
        ),
    )
    weekly = rng.randint(5, 40)
    goal = rng.randint(80, 900)
    weeks = math.ceil(goal / weekly)
    problem = (
        f"{name} [saves|puts aside|sets aside] {_money(weekly)} [every|each] week to [buy|afford] "
        f"{goal_item} costing {_money(goal)}. [How many weeks will it take to have enough "
        "money?|After how many weeks can the purchase be made?|How long will the saving take?]"
    )
    answer = (
        f"{_money(goal)} / {_money(weekly)} = {goal / weekly:.2f} weeks.\nSince a part week "
        f"is not enough, {name} needs {weeks} weeks."
    )
    return problem, answer, f"saving for {goal_item}"


def _bill_split(rng: random.Random) -> Problem:
    k = rng.randint(3, 8)
    bill = rng.randint(4000, 30000) / 100
    tip = pick(rng, (10, 12, 15, 18, 20))
    total = bill * (1 + tip / 100)
    place = pick(
        rng,
        (
            "an Italian restaurant",
            "a curry house",
            "a sushi bar",
            "a beach cafe",
            "a pizzeria",
            "a steakhouse",
        ),
    )
    problem = (
        f"{k} [friends|colleagues|cousins|teammates] share a bill of {_money(bill)} at {place} "
        f"and add a {tip}% tip. [If they split the total equally, how much does each person "
        "pay?|What is each person's share?|How much does each one owe?]"
    )
    answer = (
        f"Tip: {tip}% of {_money(bill)} = {_money(bill * tip / 100)}.\nTotal: "
        f"{_money(total)}.\nEach pays {_money(total)} / {k} = {_money(total / k)}."
    )
    return problem, answer, f"splitting a bill at {place}"


def _ages(rng: random.Random) -> Problem:
    a, b = rng.sample(FIRST_NAMES, 2)
    younger = rng.randint(4, 40)
    gap = rng.randint(2, 30)
    years = rng.randint(2, 10)
    total = younger + (younger + gap) + 2 * years
    problem = (
        f"{a} is {gap} years older than {b}. In {years} years, [the sum of their ages|their "
        f"combined age] will be {total}. [How old is {b} now?|What is {b}'s age today?|Find "
        f"{b}'s current age.]"
    )
    answer = (
        f"Let {b}'s age be x. Then {a} is x + {gap}.\n"
        f"In {years} years: (x + {years}) + (x + {gap} + {years}) = {total}.\n"
        f"2x + {gap + 2 * years} = {total}, so 2x = {total - gap - 2 * years} "
        f"and x = {younger}.\n{b} is {younger} years old."
    )
    return problem, answer, "the ages of two people"


def _percent_group(rng: random.Random) -> Problem:
    group = pick(
        rng,
        (
            "a class of",
            "a choir of",
            "a running club of",
            "an office of",
            "a village survey of",
            "a chess club of",
        ),
    )
    n = pick(rng, (20, 25, 40, 50, 60, 80, 120, 200))
    pct = pick(rng, (5, 10, 15, 20, 25, 30, 35, 40, 45, 60, 75))
    habit = pick(
        rng,
        (
            "walk to their meetings",
            "are left-handed",
            "prefer tea to coffee",
            "own a dog",
            "speak two languages",
            "cycle every day",
        ),
    )
    count = n * pct / 100
    problem = f"In {group} {n} people, {pct}% {habit}. How many people is that?"
    answer = f"{pct}% of {n} = {pct} / 100 x {n} = {count:g} people."
    return problem, answer, f"percentages in {group.split(' of')[0]}"


MATH_PROBLEMS: tuple[Callable[[random.Random], Problem], ...] = (
    _shopping,
    _change,
    _speed,
    _discount,
    _recipe,
    _average,
    _flooring,
    _savings,
    _bill_split,
    _ages,
    _percent_group,
)

MATH_FRAMES = (
    "{p}",
    "[Solve|Work out|Answer] this word problem and show your [work|working|steps]: {p}",
    "{p} [Explain|Show|Justify] each step.",
    "Answer the following question for {aud}, showing the calculation. {p}",
    "Work out the answer step by step: {p}",
    "Here is [a maths|a math|an arithmetic] question about {t}. {p}",
    "[Help me with|Check my homework on|I am stuck on] this problem about {t}: {p}",
)

MATH_INPUT_FRAMES = (
    "Solve the following word problem about {t}, showing each step.",
    "Work through this problem about {t} as you would for {aud}.",
    "Read the problem below about {t} and give the answer with a short explanation.",
    "[Find|Calculate|Work out] the answer to this [question|problem|exercise] about {t}.",
)


def make_math(rng: random.Random) -> Task:
    problem, answer, topic = pick(rng, MATH_PROBLEMS)(rng)
    problem = vary(rng, problem)
    aud = audience(rng)
    if rng.random() < 0.25:
        instruction = vary(rng, pick(rng, MATH_INPUT_FRAMES)).format(t=topic, aud=aud)
        return Task(instruction, problem, answer, "math")
    instruction = vary(rng, pick(rng, MATH_FRAMES)).format(p=problem, t=topic, aud=aud)
    return Task(instruction, "", answer, "math")


RELATIONS = (
    ("taller than", "shorter than", "tallest", "shortest"),
    ("older than", "younger than", "oldest", "youngest"),
    ("faster than", "slower than", "fastest", "slowest"),
    ("heavier than", "lighter than", "heaviest", "lightest"),
)

CONTEXTS = (
    "in the school relay team",
    "in the family",
    "in the office",
    "at the climbing club",
    "among the new interns",
    "in the band",
    "on the night shift",
)


def _ordering(rng: random.Random) -> Problem:
    names = rng.sample(FIRST_NAMES, rng.randint(3, 4))  # names[0] has the most of the quality
    more, less, most, least = pick(rng, RELATIONS)
    facts = []
    for i in range(len(names) - 1):
        if rng.random() < 0.5:
            facts.append(f"{names[i]} is {more} {names[i + 1]}.")
        else:
            facts.append(f"{names[i + 1]} is {less} {names[i]}.")
    rng.shuffle(facts)
    ask_most = rng.random() < 0.5
    target = names[0] if ask_most else names[-1]
    word = most if ask_most else least
    context = pick(rng, CONTEXTS)
    problem = f"{' '.join(facts)} Who is the {word} {context}?"
    chain = " > ".join(names)
    answer = (
        f"Putting the facts in order from most to least ({more.split()[0]}): {chain}.\nSo "
        f"{target} is the {word}."
    )
    return problem, answer, f"who is {word}"


def _weekday(rng: random.Random) -> Problem:
    start = rng.randrange(7)
    n = rng.randint(3, 400)
    end = WEEKDAYS[(start + n) % 7]
    event = pick(
        rng,
        (
            "a parcel is due",
            "the library book must be returned",
            "the festival begins",
            "the visa appointment is",
            "the exam results come out",
            "my sister's wedding takes place",
            "the new shop opens",
            "the rent is due",
            "the ferry timetable changes",
            "our holiday starts",
        ),
    )
    problem = (
        f"Today is {WEEKDAYS[start]}, and {event} in {n} days. On what day of the week will "
        "that be?"
    )
    answer = (
        f"A week has 7 days, and {n} = 7 x {n // 7} + {n % 7}.\nMoving {n % 7} day(s) "
        f"forward from {WEEKDAYS[start]} gives {end}."
    )
    return problem, answer, "days of the week"


def _meeting_end(rng: random.Random) -> Problem:
    hour, minute = rng.randint(7, 17), pick(rng, (0, 10, 15, 20, 30, 40, 45, 50))
    length = rng.randint(25, 200)
    end = hour * 60 + minute + length
    what = pick(
        rng,
        (
            "workshop",
            "parent-teacher meeting",
            "board game session",
            "training course",
            "concert rehearsal",
            "job interview day",
        ),
    )
    problem = (
        f"A {what} starts at {hour:02d}:{minute:02d} and lasts {length} minutes. At what "
        "time does it end?"
    )
    answer = (
        f"{length} minutes = {length // 60} hour(s) and {length % 60} minutes.\n"
        f"{hour:02d}:{minute:02d} + {length // 60}:{length % 60:02d} = "
        f"{end // 60 % 24:02d}:{end % 60:02d}."
    )
    return problem, answer, f"the end time of a {what}"


CATEGORIES = (
    ("roses", "flowers", "plants that need water"),
    ("sparrows", "birds", "animals with feathers"),
    ("violins", "string instruments", "musical instruments"),
    ("trout", "fish", "animals that swim"),
    ("nurses", "health workers", "people who work shifts"),
    ("sedans", "cars", "vehicles"),
    ("oaks", "trees", "living things"),
    ("novels", "books", "things made of paper"),
    ("squares", "rectangles", "shapes with four sides"),
    ("whales", "mammals", "warm-blooded animals"),
    ("pilots", "airline staff", "people with security passes"),
    ("lemons", "citrus fruits", "fruits"),
)


def _syllogism(rng: random.Random) -> Problem:
    a, b, c = pick(rng, CATEGORIES)
    if rng.random() < 0.5:
        problem = f"All {a} are {b}. All {b} are {c}. Can we conclude that all {a} are {c}?"
        answer = (
            f"Yes. Every one of the {a} is among the {b}, and every one of the {b} is among "
            f"the {c}, so every one of the {a} must be among the {c}."
        )
    else:
        problem = f"All {a} are {b}. Some {b} are red. Does it follow that some {a} are red?"
        answer = (
            f"No. The red {b} might all be {b} that are not {a}. The premises allow it, but "
            "they do not guarantee it."
        )
    return problem, answer, f"a syllogism about {a}"


def _sequence(rng: random.Random) -> Problem:
    if rng.random() < 0.5:
        start, step = rng.randint(1, 30), rng.randint(2, 12)
        seq = [start + i * step for i in range(5)]
        rule = f"each term adds {step}"
        nxt = seq[-1] + step
    else:
        start, ratio = rng.randint(1, 5), rng.randint(2, 4)
        seq = [start * ratio**i for i in range(5)]
        rule = f"each term is multiplied by {ratio}"
        nxt = seq[-1] * ratio
    problem = f"What number comes next in the sequence {', '.join(map(str, seq))}, ...?"
    answer = f"The rule is that {rule}. The next number is {nxt}."
    return problem, answer, "a number sequence"


def _handshakes(rng: random.Random) -> Problem:
    n = rng.randint(4, 30)
    who = pick(
        rng,
        (
            "delegates at a conference",
            "players before a tournament",
            "neighbours at a street party",
            "new colleagues at a training day",
        ),
    )
    problem = (
        f"{n} {who} each shake hands exactly once with every other person. How many "
        "handshakes take place?"
    )
    answer = (
        f"Each of the {n} people shakes {n - 1} hands, but that counts every handshake "
        f"twice, so the total is {n} x {n - 1} / 2 = {n * (n - 1) // 2}."
    )
    return problem, answer, f"handshakes among {who}"


PUZZLES: tuple[Callable[[random.Random], Problem], ...] = (
    _ordering,
    _weekday,
    _meeting_end,
    _syllogism,
    _sequence,
    _handshakes,
)

REASONING_FRAMES = (
    "{p}",
    "Solve this [logic puzzle|riddle|brain teaser]: {p}",
    "Think it through [step by step|carefully] and answer: {p}",
    "{p} Explain your reasoning.",
    "Here is a [brain teaser|puzzle|question] for {aud}: {p}",
    "Answer the question and [justify|explain] the answer in one or two sentences. {p}",
    "[Can you|Try to|Please] work this out? {p}",
)


def make_reasoning(rng: random.Random) -> Task:
    problem, answer, _ = pick(rng, PUZZLES)(rng)
    instruction = vary(rng, pick(rng, REASONING_FRAMES)).format(p=problem, aud=audience(rng))
    return Task(instruction, "", answer, "reasoning")
