"""Task makers for open-ended work without an input: questions, comparisons, brainstorming,
advice, planning and pros-and-cons. Each fact or list below is hand-written so the outputs read
like a careful teacher's; the instructions around them are composed from independent slots.
"""

from __future__ import annotations

import random

from selfinstruct_testing.words import (
    Task,
    audience,
    bulleted,
    cap,
    count_word,
    numbered,
    pick,
    sample,
    vary,
)

# (direct question, indirect clause, answer)
FACTS = (
    (
        "Why does the sky look blue on a clear day?",
        "why the sky looks blue on a clear day",
        "Sunlight contains every colour. Air molecules scatter short blue wavelengths much more "
        "strongly than long red ones (Rayleigh scattering), so blue light reaches your eyes from "
        "every part of the sky.",
    ),
    (
        "Why does Earth have seasons?",
        "why Earth has seasons",
        "Earth's axis is tilted by about 23.5 degrees. As Earth orbits the Sun, each hemisphere "
        "spends part of the year tilted towards the Sun, with more direct light and longer days "
        "(summer), and part tilted away (winter). The distance to the Sun matters very little.",
    ),
    (
        "How do vaccines protect people from disease?",
        "how vaccines protect people from disease",
        "A vaccine shows the immune system a harmless piece or weakened form of a germ. The body "
        "makes antibodies and memory cells against it, so if the real germ arrives later it is "
        "recognised and fought off quickly, before serious illness develops.",
    ),
    (
        "What causes ocean tides?",
        "what causes the tides in the ocean",
        "Tides come mainly from the Moon's gravity pulling on Earth's oceans, with a smaller pull "
        "from the Sun. This raises two bulges of water, one facing the Moon and one opposite it; "
        "as Earth rotates, coasts pass through both, giving about two high tides a day.",
    ),
    (
        "How does a refrigerator keep food cold?",
        "how a refrigerator keeps food cold",
        "A refrigerant circulates in a closed loop. It evaporates in coils inside the fridge, "
        "absorbing heat from the food; a compressor then squeezes it so it releases that heat "
        "through coils at the back. The fridge moves heat out rather than making cold.",
    ),
    (
        "Why does bread go stale?",
        "why bread goes stale",
        "Bread stales mainly because its starch slowly recrystallises after baking, pushing water "
        "out and firming the crumb. This is fastest at fridge temperature, so refrigerated bread "
        "goes stale sooner than bread kept at room temperature.",
    ),
    (
        "What is inflation?",
        "what inflation means",
        "Inflation is the general rise in prices across an economy over time, so each unit of "
        "money buys less than before. It is usually measured as the yearly percentage change in a "
        "consumer price index.",
    ),
    (
        "How do plants make their food?",
        "how green plants make their own food",
        "Through photosynthesis: chlorophyll in the leaves uses the energy of sunlight to combine "
        "carbon dioxide from the air with water from the soil into glucose, releasing oxygen as a "
        "by-product.",
    ),
    (
        "Why do cats purr?",
        "why cats purr",
        "Cats purr by rapidly twitching the muscles of the larynx as they breathe. They purr when "
        "content but also when stressed or hurt, so purring seems to be both a signal and a way "
        "of calming themselves.",
    ),
    (
        "What does a credit score measure?",
        "what a credit score actually measures",
        "A credit score estimates how likely you are to repay borrowed money. It is based on your "
        "credit history: paying bills on time, how much of your available credit you use, how "
        "long you have had credit and how often you apply for new loans.",
    ),
    (
        "Why do onions make people cry?",
        "why cutting onions makes your eyes water",
        "Cutting an onion breaks its cells and releases enzymes that turn sulphur compounds into "
        "a volatile gas. When the gas reaches your eyes it irritates them, and your tear glands "
        "produce tears to wash it away.",
    ),
    (
        "What is the greenhouse effect?",
        "what the greenhouse effect is",
        "Gases such as carbon dioxide, methane and water vapour let sunlight through but absorb "
        "part of the heat the ground radiates back and re-emit it in all directions. This keeps "
        "Earth's surface warmer than it would otherwise be.",
    ),
    (
        "How does compound interest work?",
        "how compound interest works",
        "Interest is added to the balance, so the next period's interest is earned on a larger "
        "amount. For example, $1,000 at 5% a year becomes $1,050 after one year and $1,102.50 "
        "after two, because the second year also earns interest on the first year's $50.",
    ),
    (
        "Why is the ocean salty?",
        "why seawater is salty",
        "Rain slowly dissolves minerals from rocks and rivers carry them to the sea. When "
        "seawater evaporates the salts stay behind, so over millions of years they have built up.",
    ),
    (
        "What happens in the body during sleep?",
        "what the body does while we sleep",
        "Sleep cycles through light, deep and REM stages. Deep sleep supports tissue repair and "
        "the immune system, REM sleep is linked to dreaming and memory, and the brain clears "
        "waste products while hormones for growth and appetite are regulated.",
    ),
    (
        "How do noise-cancelling headphones work?",
        "how noise-cancelling headphones work",
        "Small microphones pick up the surrounding sound and the headphones play a wave that is "
        "its exact opposite. The two cancel out, which strongly reduces steady noise such as "
        "engine hum.",
    ),
    (
        "Why do leaves change colour in autumn?",
        "why tree leaves change colour in autumn",
        "As days shorten, trees stop making green chlorophyll. As it breaks down, yellow and "
        "orange pigments that were there all along show through, and some trees also make red "
        "pigments from sugars trapped in the leaves.",
    ),
    (
        "What makes a volcano erupt?",
        "what makes a volcano erupt",
        "Magma rising from deep underground holds dissolved gases. Near the surface the pressure "
        "drops, the gases form expanding bubbles, and when their pressure exceeds the strength of "
        "the rock above, the volcano erupts.",
    ),
    (
        "Why do people get jet lag?",
        "why long flights cause jet lag",
        "Your body runs on a roughly 24-hour clock set by daylight. After crossing several time "
        "zones quickly, that clock is still on the old time, so you feel sleepy or alert at the "
        "wrong hours until it adjusts, usually about a day per time zone.",
    ),
    (
        "How is a rainbow formed?",
        "how a rainbow forms after rain",
        "Sunlight enters raindrops, bends, reflects off the back of each drop and bends again on "
        "the way out. Each colour bends by a slightly different angle, so white light spreads "
        "into a band of colours, seen with the Sun behind you.",
    ),
    (
        "What is a stock market index?",
        "what a stock market index tells you",
        "An index tracks the combined value of a chosen group of shares to show how that part of "
        "the market is doing. If the S&P 500 rises 2%, the 500 large US companies in it rose 2% "
        "on average, weighted by size.",
    ),
    (
        "Why should metal not go in a microwave oven?",
        "why you should not put metal in a microwave",
        "Microwaves drive electric currents in metal. Thin or pointed pieces such as foil edges "
        "concentrate the charge and can spark, damaging the oven or starting a fire, and metal "
        "also shields food so it heats unevenly.",
    ),
    (
        "How does the heart pump blood?",
        "how the human heart pumps blood",
        "The right side of the heart sends oxygen-poor blood to the lungs; the left side pumps "
        "oxygen-rich blood from the lungs to the body. Valves stop backflow, and each beat starts "
        "with an electrical signal from the heart's natural pacemaker.",
    ),
    (
        "What is a password manager for?",
        "what a password manager is for",
        "It stores your passwords in an encrypted vault behind one master password, so you can "
        "use a long, unique password for every site without remembering them. It also fills them "
        "in and warns about weak or reused ones.",
    ),
    (
        "Why do planes leave white trails in the sky?",
        "why aeroplanes leave white trails",
        "Jet exhaust is hot and humid. At cruising altitude the air is very cold, so the water "
        "vapour condenses and freezes into ice crystals, forming a line of cloud called a "
        "contrail. How long it lasts depends on the humidity.",
    ),
    (
        "What does a central bank do?",
        "what a central bank does",
        "A central bank manages a country's money: it sets key interest rates to keep inflation "
        "low and stable, issues the currency, supervises banks and lends to them in a crisis.",
    ),
    (
        "Why does recycling aluminium save energy?",
        "why recycling aluminium saves so much energy",
        "New aluminium requires mining bauxite, refining it and splitting the oxide with huge "
        "amounts of electricity. Recycled cans only need melting, which takes about 95% less "
        "energy.",
    ),
    (
        "Why does cooking take longer at high altitude?",
        "why pasta takes longer to cook in the mountains",
        "Air pressure is lower at altitude, so water boils at a lower temperature, for example "
        "about 90 degrees Celsius instead of 100. The cooler boiling water cooks food more slowly.",
    ),
    (
        "How do bees make honey?",
        "how honeybees turn nectar into honey",
        "Worker bees collect nectar, and enzymes start breaking down its sugars. In the hive they "
        "pass it between bees, store it in wax cells and fan it with their wings to evaporate "
        "water until it thickens into honey, then seal the cells with wax.",
    ),
    (
        "What does GDP measure?",
        "what gross domestic product measures",
        "GDP is the total value of all final goods and services produced in a country over a "
        "period, usually a year or a quarter. It is used to compare economies and to see whether "
        "one is growing or shrinking.",
    ),
    (
        "Why does ice float on water?",
        "why ice floats instead of sinking",
        "When water freezes its molecules lock into a crystal that holds them farther apart than "
        "in the liquid. Ice is about 9% less dense than water, so it floats.",
    ),
    (
        "How does a bicycle stay upright?",
        "why a moving bicycle does not fall over",
        "Mainly because the rider and the bike's steering geometry keep turning the front wheel "
        "into any lean, bringing the wheels back under the centre of mass. Speed makes these "
        "corrections easier, which is why a nearly stopped bike is hard to balance.",
    ),
    (
        "What is a carbon footprint?",
        "what people mean by a carbon footprint",
        "It is the total amount of greenhouse gases, expressed as carbon dioxide equivalent, "
        "caused by a person, product or organisation, including energy use, travel, food and the "
        "making of the things they buy.",
    ),
    (
        "How do solar panels produce electricity?",
        "how solar panels turn sunlight into electricity",
        "Solar cells are made of silicon layers. When sunlight hits them it knocks electrons "
        "loose, and the built-in electric field between the layers pushes those electrons through "
        "a circuit as direct current, which an inverter converts to household alternating current.",
    ),
    (
        "Why do we have leap years?",
        "why the calendar needs leap years",
        "Earth takes about 365.24 days to orbit the Sun. Adding a day every four years (except "
        "most century years) keeps the calendar in step with the seasons.",
    ),
    (
        "What is an API in software?",
        "what an API is in software",
        "An application programming interface is a defined set of requests one program can make "
        "to another, with agreed inputs and outputs. It lets developers use a service, such as a "
        "weather feed or a payment system, without knowing how it works inside.",
    ),
)

QA_FRAMES = (
    "{q}",
    "{q} [Answer|Explain it|Reply] [as if talking to|for|in a way that suits] {aud}.",
    "[Explain|Describe|Make clear] {c} to {aud}.",
    "In [a few|two or three|three or four] [sentences|short sentences|lines], explain {c}.",
    "[Describe|Explain] {c} in [plain|simple|everyday|non-technical] language.",
    "How would you [explain|describe|put] {c} to {aud}?",
    "[Write|Give|Provide] a [short|brief|concise|clear] answer to this question: {q}",
    "{Aud} [wants to know|is asking|asked me] {c}. [Give|Write] [a clear|an accurate|a simple] "
    "[explanation|answer].",
    "What is the [simplest|clearest|most intuitive] accurate way to explain {c}?",
    "[Briefly|Concisely|Quickly] explain {c}, as you would in a [textbook sidebar|museum "
    "leaflet|school assembly|popular science column].",
    "Answer the question below as a [knowledgeable|patient|friendly] [tutor|teacher|expert] "
    "would. {q}",
    "I have always wondered {c}. [Can|Could] you [help me understand|explain] it?",
    "[My|Our] [daughter|neighbour|book club|grandfather|study partner] asked {c}. What "
    "[should|could] I tell them?",
)


def make_open_qa(rng: random.Random) -> Task:
    q, c, answer = pick(rng, FACTS)
    aud = audience(rng)
    instruction = vary(rng, pick(rng, QA_FRAMES)).format(q=q, c=c, aud=aud, Aud=cap(aud))
    return Task(instruction, "", answer, "open_qa")


# (a, b, explanation)
PAIRS = (
    (
        "weather",
        "climate",
        "Weather is the state of the atmosphere at a given place and time, such as today's rain "
        "in Lisbon. Climate is the average pattern of weather over decades, such as Lisbon's "
        "mild, wet winters.",
    ),
    (
        "a virus",
        "a bacterium",
        "Bacteria are single living cells that can reproduce on their own, and many are harmless "
        "or useful; antibiotics can kill harmful ones. Viruses are much smaller, are not cells "
        "and can only multiply inside a host's cells, so antibiotics do not work on them.",
    ),
    (
        "RAM",
        "storage",
        "RAM is fast, temporary memory that holds what the computer is working on right now and "
        "is cleared when it turns off. Storage, such as an SSD, is slower but keeps files and "
        "programs permanently.",
    ),
    (
        "a debit card",
        "a credit card",
        "A debit card spends money already in your bank account. A credit card borrows money from "
        "the card issuer, which you repay later, with interest if you do not pay the full balance.",
    ),
    (
        "empathy",
        "sympathy",
        "Sympathy is feeling sorry for someone's situation from the outside. Empathy is sharing "
        "or understanding their feelings as if from the inside, for example by imagining how "
        "their loss would feel to you.",
    ),
    (
        "a simile",
        "a metaphor",
        "Both compare two things. A simile says one thing is like or as another ('her smile was "
        "like sunshine'); a metaphor says it is the other ('her smile was sunshine').",
    ),
    (
        "revenue",
        "profit",
        "Revenue is all the money a business takes in from sales. Profit is what is left after "
        "subtracting all its costs from revenue; a business can have high revenue and no profit.",
    ),
    (
        "a hurricane",
        "a tornado",
        "A hurricane is a huge storm system hundreds of kilometres wide that forms over warm "
        "ocean water and lasts for days. A tornado is a narrow, violently rotating column of air "
        "under a thunderstorm, usually a few hundred metres wide, lasting minutes.",
    ),
    (
        "speed",
        "velocity",
        "Speed is how fast something moves, such as 50 km/h. Velocity is speed in a given "
        "direction, such as 50 km/h north, so a car circling a track at constant speed has a "
        "changing velocity.",
    ),
    (
        "an interest rate",
        "an annual percentage rate (APR)",
        "The interest rate is the yearly cost of borrowing the loan amount. The APR adds most "
        "fees and charges to that cost, so it is the better number for comparing loans.",
    ),
    (
        "a résumé",
        "a cover letter",
        "A résumé lists your experience, education and skills in a structured way. A cover letter "
        "is a short letter explaining why you want this particular job and why you fit it.",
    ),
    (
        "mitosis",
        "meiosis",
        "Mitosis divides one cell into two identical cells with the full set of chromosomes, for "
        "growth and repair. Meiosis produces four sex cells, each with half the chromosomes and a "
        "new mix of genes.",
    ),
    (
        "a leader",
        "a manager",
        "A manager organises work, budgets and schedules so a team meets its goals. A leader sets "
        "direction and inspires people to follow it. One person can be both.",
    ),
    (
        "baking soda",
        "baking powder",
        "Baking soda is pure sodium bicarbonate and needs an acid in the recipe, such as "
        "buttermilk, to make it rise. Baking powder already contains the acid, so it works with "
        "only moisture and heat.",
    ),
    (
        "an acute illness",
        "a chronic illness",
        "An acute illness starts suddenly and lasts a short time, like flu. A chronic illness "
        "develops slowly and lasts months or years, like diabetes, and usually needs ongoing care.",
    ),
    (
        "a democracy",
        "a republic",
        "A democracy is rule by the people, directly or through elected representatives. A "
        "republic is a state without a monarch, headed by elected or appointed officials. Many "
        "countries, such as France, are both.",
    ),
    (
        "HTTP",
        "HTTPS",
        "Both are the protocol browsers use to load web pages. HTTPS adds encryption (TLS), so "
        "others on the network cannot read or alter what is sent, such as passwords.",
    ),
    (
        "a stock",
        "a bond",
        "A stock is a small share of ownership in a company, whose value rises and falls with the "
        "company. A bond is a loan to a company or government that pays fixed interest and "
        "returns the amount at the end, so it is usually less risky.",
    ),
    (
        "affect",
        "effect",
        "'Affect' is usually a verb meaning to influence ('the rain affected the game'). 'Effect' "
        "is usually a noun meaning a result ('the rain had an effect on the game').",
    ),
    (
        "an alligator",
        "a crocodile",
        "Alligators have a wide U-shaped snout and live mostly in fresh water in the US and "
        "China. Crocodiles have a narrower V-shaped snout, tolerate salt water and show their "
        "lower teeth when their mouth is closed.",
    ),
    (
        "a hypothesis",
        "a theory",
        "A hypothesis is a testable guess about a specific question. A scientific theory is a "
        "well-tested explanation supported by a large body of evidence, such as the theory of "
        "evolution.",
    ),
    (
        "a latte",
        "a cappuccino",
        "Both are espresso with milk. A latte has more steamed milk and a thin layer of foam; a "
        "cappuccino has less milk and a thick layer of foam, so it tastes stronger.",
    ),
)

COMPARE_FRAMES = (
    "What is the [difference|main difference|real difference] between {a} and {b}?",
    "[Explain|Describe|Show] how {a} [differs|is different] from {b} for {aud}.",
    "Compare {a} and {b}, [giving|with] [an everyday|a concrete|a simple] example of each.",
    "[Many|Lots of|Most] people [mix up|confuse] {a} and {b}. [Clear up|Untangle] the confusion "
    "for {aud}.",
    "In a [short|single|brief] paragraph, contrast {a} with {b}.",
    "{Aud} keeps confusing {a} with {b}. How would you explain the [distinction|difference]?",
    "Describe one [key|important] way in which {a} and {b} [are different|differ], and one way "
    "they are alike.",
    "Tell me, in [two or three|a couple of|a few] sentences, what separates {a} from {b}.",
    "[Is|How is] {a} [really|actually] different from {b}? [Explain|Give] the [key|main] point.",
    "[Help|Teach] {aud} [to tell|how to tell] {a} and {b} apart.",
)


def make_compare(rng: random.Random) -> Task:
    a, b, answer = pick(rng, PAIRS)
    if rng.random() < 0.3:
        a, b = b, a
    aud = audience(rng)
    instruction = vary(rng, pick(rng, COMPARE_FRAMES)).format(a=a, b=b, aud=aud, Aud=cap(aud))
    return Task(instruction, "", answer, "compare")


# (subject phrase, ideas)
BRAINSTORM = (
    (
        "ideas for a team-building activity at a small accounting firm",
        (
            "A two-hour escape room with mixed teams",
            "A cooking class where teams make one course",
            "A volunteering afternoon at a community garden",
            "A quiz night about the firm's history",
            "A guided city walk ending at a cafe",
            "A board-game lunch every Friday",
            "A charity bake-off judged by clients",
            "A photo scavenger hunt around the office",
        ),
    ),
    (
        "names for a podcast about urban gardening",
        (
            "Concrete Roots",
            "The Balcony Harvest",
            "Pots and Pavements",
            "Sidewalk Seedlings",
            "Grow Where You Are",
            "The Rooftop Plot",
            "City Soil Stories",
            "Small Space, Big Yield",
        ),
    ),
    (
        "questions to ask a landlord before signing a lease",
        (
            "What is included in the rent?",
            "How are repairs requested and how fast are they done?",
            "Is the deposit protected, and when is it returned?",
            "Are pets allowed?",
            "What are the average utility bills?",
            "Can I break the lease early, and at what cost?",
            "Who else has keys to the flat?",
            "Are there planned works on the building?",
        ),
    ),
    (
        "ways to keep children entertained on a long car journey",
        (
            "Play I spy with colours instead of letters",
            "Download an audiobook the whole family likes",
            "Give each child a map to track the route",
            "Pack a surprise bag opened every hour",
            "Play twenty questions about animals",
            "Plan stops at playgrounds along the way",
            "Let each child choose three songs in turn",
            "Count cars of one colour for points",
        ),
    ),
    (
        "topics for a short talk at a school career day",
        (
            "What a normal day in my job really looks like",
            "The subject I ignored at school and now use daily",
            "How I got my first job",
            "Mistakes that taught me the most",
            "Jobs that did not exist twenty years ago",
            "Skills every job needs",
            "How to find out what you enjoy",
            "Why it is fine to change careers",
        ),
    ),
    (
        "ingredients that can replace eggs in baking",
        (
            "Mashed banana (half a banana per egg)",
            "Unsweetened applesauce (60 g per egg)",
            "Ground flaxseed mixed with water",
            "Chia seeds soaked in water",
            "Plain yogurt (60 g per egg)",
            "Aquafaba, the liquid from canned chickpeas",
            "Silken tofu, blended",
            "Buttermilk in cakes and muffins",
        ),
    ),
    (
        "fundraising ideas for a school library",
        (
            "A read-a-thon with sponsors per book",
            "A used-book sale run by students",
            "Author visit with ticketed entry",
            "A bake sale at parents' evening",
            "Dedicate-a-book plates for donors",
            "A quiz night for families",
            "A sponsored silent reading hour",
            "A bookmark design competition",
        ),
    ),
    (
        "ways to practise a new language every day",
        (
            "Change your phone's language setting",
            "Label objects at home with sticky notes",
            "Keep a three-sentence diary",
            "Listen to a podcast for learners on your commute",
            "Find a conversation partner online",
            "Watch a series with subtitles in that language",
            "Learn five words while the kettle boils",
            "Think aloud in the language while cooking",
        ),
    ),
    (
        "themes for a neighbourhood summer festival",
        (
            "Around the world in one street",
            "A retro 1980s block party",
            "Garden and harvest fair",
            "Music from every decade",
            "Street art and chalk drawings",
            "Family sports day",
            "Local makers' market",
            "Movies under the stars",
        ),
    ),
    (
        "healthy snacks to keep at a work desk",
        (
            "Unsalted almonds or walnuts",
            "Apples or clementines",
            "Plain rice cakes with peanut butter",
            "Roasted chickpeas",
            "Greek yogurt (if there is a fridge)",
            "Carrot and cucumber sticks",
            "Dark chocolate squares",
            "Oatcakes with cheese",
        ),
    ),
    (
        "icebreaker questions for a first team meeting",
        (
            "What was your first ever job?",
            "What is a skill you would like to learn this year?",
            "What is the best meal you have had recently?",
            "Which app do you use most?",
            "What do you do to switch off after work?",
            "What was your favourite subject at school?",
            "Where would you go on a free weekend trip?",
            "What is one small thing that makes your day?",
        ),
    ),
    (
        "gift ideas for a coworker who is retiring",
        (
            "A framed photo of the team with signatures",
            "A book of notes from colleagues",
            "Gardening tools and seeds",
            "A voucher for a cooking class",
            "A good travel guide",
            "A personalised mug",
            "Theatre tickets",
            "A comfortable hammock",
        ),
    ),
    (
        "ways to cut electricity use in a small flat",
        (
            "Switch to LED bulbs",
            "Turn appliances fully off instead of standby",
            "Wash clothes at 30 degrees",
            "Boil only the water you need",
            "Air-dry laundry instead of using a dryer",
            "Defrost the freezer regularly",
            "Use a laptop rather than a desktop",
            "Close curtains at night to keep heat in",
        ),
    ),
    (
        "features for a habit-tracking mobile app",
        (
            "Daily check-ins with one tap",
            "Streak counters with a rest-day option",
            "Weekly charts of progress",
            "Gentle reminders at chosen times",
            "Habit templates for beginners",
            "Shared goals with a friend",
            "Notes on why a day was missed",
            "Export of data to a spreadsheet",
        ),
    ),
    (
        "hobbies a newly retired person could take up",
        (
            "Joining a community choir",
            "Learning to paint with watercolours",
            "Volunteering as a tutor",
            "Birdwatching",
            "Local history research",
            "Woodworking",
            "Growing vegetables",
            "Taking a beginners' language course",
        ),
    ),
    (
        "uses for an empty glass jar",
        (
            "Storing dried beans or rice",
            "A small herb planter",
            "A pencil holder",
            "A jar for homemade jam",
            "A candle holder",
            "A savings jar",
            "A container for buttons and pins",
            "A vase for a few cut flowers",
        ),
    ),
    (
        "slogans for a campaign encouraging people to cycle to work",
        (
            "Pedal to the office, arrive awake",
            "Two wheels, zero traffic jams",
            "Your commute is your workout",
            "Skip the queue, ride through",
            "Greener miles start at your door",
            "Ride in, feel better",
            "Less exhaust, more energy",
            "The fastest way across town",
        ),
    ),
    (
        "marketing ideas for a newly opened bakery",
        (
            "Free samples at the door on opening week",
            "A loyalty card with every tenth coffee free",
            "A bread-of-the-month club",
            "Photos of the morning bake on social media",
            "Partnering with a local cafe",
            "A children's cookie-decorating morning",
            "Discounts for nearby office workers",
            "A stall at the weekend market",
        ),
    ),
    (
        "ways to reduce screen time before bed",
        (
            "Charge the phone outside the bedroom",
            "Set a wind-down alarm an hour before bed",
            "Keep a paper book on the pillow",
            "Use the phone's grayscale mode at night",
            "Write tomorrow's to-do list on paper",
            "Agree on a family no-screens hour",
            "Replace scrolling with stretching",
            "Listen to music with the screen off",
        ),
    ),
    (
        "questions for a member survey at a community gym",
        (
            "How often do you visit each week?",
            "Which classes do you attend most?",
            "How clean are the changing rooms?",
            "Are the opening hours convenient?",
            "How helpful are the staff?",
            "What equipment is missing?",
            "How likely are you to recommend us?",
            "What would make you visit more often?",
        ),
    ),
    (
        "ideas for a rainy Saturday with young children",
        (
            "Build a blanket fort and read inside it",
            "Bake and decorate simple biscuits",
            "Hold an indoor treasure hunt",
            "Make a puppet show from old socks",
            "Have a dance party with a playlist they choose",
            "Plant cress seeds on a windowsill",
            "Visit the local library",
            "Make a cardboard-box city",
        ),
    ),
    (
        "themes for a company's internal newsletter",
        (
            "Meet the team: one department each month",
            "Customer stories",
            "Tips from the IT desk",
            "Wins of the month",
            "New starters",
            "Behind the scenes of a project",
            "Health and wellbeing",
            "Photos from the last social event",
        ),
    ),
    (
        "low-cost date ideas in a city",
        (
            "A picnic in a park",
            "A free museum evening",
            "Cooking a new recipe together",
            "A sunset walk along the river",
            "A second-hand bookshop crawl",
            "Board games at a cafe",
            "An open-air concert",
            "A bike ride to a viewpoint",
        ),
    ),
    (
        "ways a small library could attract teenagers",
        (
            "Gaming afternoons",
            "A manga and graphic novel corner",
            "Homework help sessions",
            "A teen advisory group that picks books",
            "Creative writing contests",
            "Quiet study rooms during exams",
            "Coding workshops",
            "Open mic poetry nights",
        ),
    ),
)

BRAINSTORM_FRAMES = (
    "[List|Name|Give] {k} {s}{q}.",
    "Brainstorm {k} {s}{q} for {aud}.",
    "[Come up with|Think of|Dream up] {k} {s}{q}.",
    "[Can|Could] you suggest {k} {s}{q}?",
    "I need {k} {s}{q}. Keep each [one|idea|suggestion] to a [single|short] line.",
    "Give me {k} [fresh|practical|original|down-to-earth] {s}{q}.",
    "Help me think of {k} {s}{q}; [avoid|skip] the most obvious ones.",
    "Propose {k} {s}{q} that {aud} would [appreciate|enjoy|find useful].",
    "What are {k} [good|clever|realistic] {s}{q}?",
    "[Generate|Draft|Put together] a [short|quick] list of {k} {s}{q}.",
)

QUALIFIERS = (
    "",
    "",
    "",
    " that cost almost nothing",
    " that a complete beginner could manage",
    " that work in a small town",
    " that are a little unusual",
    " that take under an hour",
    " that would suit a tight budget",
    " that are easy to explain",
    " that do not need special equipment",
    " that feel friendly rather than corporate",
    " that could start next week",
    " that older people would enjoy too",
    " that are kind to the environment",
)


def make_brainstorm(rng: random.Random) -> Task:
    subject, ideas = pick(rng, BRAINSTORM)
    k = rng.randint(3, 7)
    instruction = vary(rng, pick(rng, BRAINSTORM_FRAMES)).format(
        k=count_word(rng, k), s=subject, q=pick(rng, QUALIFIERS), aud=audience(rng)
    )
    chosen = sample(rng, ideas, k)
    output = numbered(chosen) if rng.random() < 0.7 else bulleted(chosen)
    return Task(instruction, "", output, "brainstorm")


# (first person, third person, tips)
SITUATIONS = (
    (
        "I keep waking up tired even after eight hours in bed",
        "keeps waking up tired after a full night in bed",
        (
            "Keep the same wake-up time every day, weekends included.",
            "Avoid caffeine after midday and alcohol close to bedtime.",
            "Keep the bedroom dark, quiet and cool.",
            "If it goes on for weeks, see a doctor to rule out sleep apnoea or anaemia.",
        ),
    ),
    (
        "I procrastinate on every big assignment until the night before",
        "always leaves big assignments until the night before",
        (
            "Break the assignment into tasks of under an hour each.",
            "Schedule the first small task for today and start with just ten minutes.",
            "Work in focused 25-minute blocks with the phone in another room.",
            "Set a personal deadline two days before the real one.",
        ),
    ),
    (
        "I get very nervous before presentations at work",
        "gets very nervous before giving presentations at work",
        (
            "Rehearse out loud at least three times, once in front of a friend.",
            "Memorise your first two sentences so the start is automatic.",
            "Slow your breathing: in for four counts, out for six, before you begin.",
            "Remember that the audience wants you to succeed.",
        ),
    ),
    (
        "I spend too much money on takeaway food",
        "spends too much money on takeaway food",
        (
            "Track takeaway spending for two weeks to see the real total.",
            "Cook double portions twice a week and freeze the extra.",
            "Keep three quick fallback meals in the cupboard.",
            "Delete delivery apps from your phone's home screen.",
        ),
    ),
    (
        "I just moved to a new city and do not know anyone",
        "has just moved to a new city and knows nobody there",
        (
            "Join one weekly activity, such as a sports club or a choir, and keep going.",
            "Say yes to invitations from coworkers, even small ones.",
            "Volunteer locally; shared work makes conversation easy.",
            "Be patient: friendships usually take a few months of repeated contact.",
        ),
    ),
    (
        "my houseplants keep dying",
        "cannot keep houseplants alive",
        (
            "Check the light each plant needs before choosing its spot.",
            "Water only when the top few centimetres of soil are dry.",
            "Use pots with drainage holes so roots do not rot.",
            "Start with hardy plants such as pothos or snake plants.",
        ),
    ),
    (
        "I struggle to keep my inbox under control",
        "struggles to keep an email inbox under control",
        (
            "Check email at set times instead of all day.",
            "Answer anything that takes under two minutes at once.",
            "Unsubscribe from newsletters you have not opened in a month.",
            "Use folders or labels for waiting, reading and done.",
        ),
    ),
    (
        "I want to start running but always give up after a week",
        "wants to start running but gives up after a week every time",
        (
            "Start with run-walk intervals, such as one minute running and two walking.",
            "Run three times a week at a pace where you can still talk.",
            "Put the sessions in your calendar like appointments.",
            "Find a running partner or a beginner group to stay accountable.",
        ),
    ),
    (
        "my teenage son and I argue every evening about homework",
        "argues every evening with a teenager about homework",
        (
            "Agree together on a fixed homework time and place.",
            "Ask what is hard about the work before discussing effort.",
            "Praise starting and persistence, not just results.",
            "Step back from checking every task; talk to the teacher if grades slip.",
        ),
    ),
    (
        "I find it hard to say no when colleagues ask for favours",
        "finds it hard to say no to colleagues asking for favours",
        (
            "Buy time: say you will check your workload and reply later.",
            "Offer a smaller alternative, such as reviewing instead of writing.",
            "Be brief and kind; you do not need a long excuse.",
            "Remember that every yes is a no to something else.",
        ),
    ),
    (
        "I forget the names of people right after I meet them",
        "forgets people's names right after being introduced",
        (
            "Repeat the name in your reply: 'Nice to meet you, Sam.'",
            "Link the name to a picture or to someone you know with the same name.",
            "Use it once more when you say goodbye.",
            "Write it down afterwards with a note about the person.",
        ),
    ),
    (
        "my small online shop gets visitors but almost no sales",
        "runs a small online shop with visitors but almost no sales",
        (
            "Check that delivery costs appear early, not at checkout.",
            "Add clear photos and honest sizes or measurements.",
            "Show reviews, even a few, near the buy button.",
            "Test the checkout on a phone yourself and remove extra steps.",
        ),
    ),
    (
        "I feel lonely working from home all week",
        "feels isolated working from home every day",
        (
            "Work from a cafe or library one day a week.",
            "Set up short video coffee chats with colleagues.",
            "Take a walk at lunchtime and talk to neighbours.",
            "Join a class or club that meets in the evening.",
        ),
    ),
    (
        "I want to save for a holiday but never have money left at the end of the month",
        "wants to save for a holiday but never has money left over",
        (
            "Move a fixed amount into savings on payday, before spending.",
            "Open a separate account just for the holiday.",
            "Cancel one subscription and redirect that money.",
            "Track daily spending for a month to find leaks.",
        ),
    ),
)

ADVICE_FRAMES = (
    "{first} {when}. What can I [do|try|change]?",
    "[Give|Offer|Share] [practical|concrete|realistic|down-to-earth] advice to someone who "
    "{third} {when}.",
    "What would you [recommend|suggest] to {aud} who {third} {when}?",
    "Suggest a few [realistic|small|manageable] changes for a person who {third} {when}.",
    "A [friend|colleague|cousin|neighbour] {third} {when}. How could they [improve|fix] the "
    "situation?",
    "Here is my problem: {lower_first} {when}. [Please give|Give|Could you give] me "
    "[concrete|practical|specific] tips.",
    "Write a [short|kind|helpful] reply to a [forum|Reddit|community] post from someone who "
    "{third} {when}.",
    "{first} {when}, and I am running out of ideas. [Any suggestions|What would you do|Help]?",
)

WHEN = (
    "since starting a new job",
    "now that the kids are back at school",
    "while studying part-time",
    "after moving abroad",
    "during the dark winter months",
    "on a very tight budget",
    "while working night shifts",
    "since becoming a parent",
    "after a long illness",
    "while caring for an elderly relative",
    "since my team went fully remote",
    "in the run-up to exams",
    "after retiring last year",
    "while training for a race",
    "since moving into a shared flat",
    "during a busy season at work",
)


def make_advice(rng: random.Random) -> Task:
    first, third, tips = pick(rng, SITUATIONS)
    when = pick(rng, WHEN) if rng.random() < 0.75 else ""
    instruction = (
        vary(rng, pick(rng, ADVICE_FRAMES))
        .format(first=cap(first), lower_first=first, third=third, aud=audience(rng), when=when)
        .replace(" .", ".")
        .replace(" ,", ",")
        .replace(" ?", "?")
    )
    instruction = " ".join(instruction.split())
    chosen = sample(rng, tips, rng.randint(3, len(tips)))
    output = numbered(chosen) if rng.random() < 0.5 else " ".join(chosen)
    return Task(instruction, "", output, "advice")


# (goal, ordered steps)
GOALS = (
    (
        "run a first 5 km race",
        (
            "Run-walk three times a week: 1 minute running, 2 minutes walking.",
            "Lengthen the running parts to 3 minutes.",
            "Run 10 minutes without stopping, twice.",
            "Run 20 minutes at an easy pace.",
            "Run 30 minutes; add one slightly faster session.",
            "Reduce training, rest two days before, then run the race.",
        ),
    ),
    (
        "learn the basics of Spanish for a trip",
        (
            "Learn greetings, numbers and polite phrases.",
            "Practise ordering food and asking prices.",
            "Learn directions and transport vocabulary.",
            "Practise short conversations with an app or tutor.",
            "Listen to slow Spanish podcasts daily.",
            "Review the phrases you will need most on the trip.",
        ),
    ),
    (
        "declutter a small flat",
        (
            "Clear one drawer or shelf each day.",
            "Sort clothes into keep, donate and recycle.",
            "Empty the kitchen cupboards and wipe them.",
            "Go through papers and shred old ones.",
            "Take donations to a charity shop.",
            "Give every remaining item a fixed home.",
        ),
    ),
    (
        "prepare for a job interview",
        (
            "Research the company, its products and recent news.",
            "Match your experience to the job advert.",
            "Prepare three stories that show your skills.",
            "Practise answers aloud with a friend.",
            "Prepare two questions for the interviewer.",
            "Plan the route and outfit the day before.",
        ),
    ),
    (
        "build a simple personal budget",
        (
            "List all monthly income.",
            "Track every expense for one month.",
            "Group expenses into needs, wants and savings.",
            "Set a limit for each group.",
            "Automate a savings transfer on payday.",
            "Review and adjust at the end of the month.",
        ),
    ),
    (
        "start a vegetable garden in raised beds",
        (
            "Pick a spot with at least six hours of sun.",
            "Build or buy the beds and fill them with compost-rich soil.",
            "Choose easy crops such as lettuce, radishes and beans.",
            "Sow or plant according to the packet dates.",
            "Water deeply twice a week and mulch.",
            "Harvest often to keep plants producing.",
        ),
    ),
    (
        "organise a neighbourhood clean-up day",
        (
            "Pick a date and get permission from the council.",
            "Borrow gloves, bags and litter pickers.",
            "Invite neighbours with flyers and a group chat.",
            "Split volunteers into street teams.",
            "Arrange collection of the full bags.",
            "Share photos and thank everyone afterwards.",
        ),
    ),
    (
        "read more books this year",
        (
            "Set a realistic goal, such as one book a month.",
            "Keep a book in your bag at all times.",
            "Read ten pages before bed instead of scrolling.",
            "Join or start a book club.",
            "Alternate long and short books.",
            "Track finished books in a notebook.",
        ),
    ),
    (
        "move house with as little stress as possible",
        (
            "Book movers or a van early.",
            "Start packing rarely used rooms first.",
            "Label every box with its room and contents.",
            "Redirect post and update your address.",
            "Pack an essentials box for the first night.",
            "Read the meters on moving day.",
        ),
    ),
    (
        "get back into cooking at home",
        (
            "Choose three simple recipes you like.",
            "Stock basics: oil, spices, rice, pasta, tins.",
            "Plan meals for the week on Sunday.",
            "Cook one new recipe each week.",
            "Cook extra for lunches.",
            "Invite a friend to cook together.",
        ),
    ),
    (
        "prepare a garden for winter",
        (
            "Clear dead annuals and diseased leaves.",
            "Plant spring bulbs.",
            "Mulch beds to protect the soil.",
            "Drain and store hoses.",
            "Move tender pots to a sheltered spot.",
            "Clean and oil tools before storing them.",
        ),
    ),
    (
        "launch a simple personal website",
        (
            "Decide its purpose: portfolio, blog or CV.",
            "Choose a domain name and host.",
            "Pick a simple template.",
            "Write an about page and three core pages.",
            "Add contact details.",
            "Ask two friends to test it, then publish.",
        ),
    ),
)

PLAN_FRAMES = (
    "Create a {n}-week [plan|programme|schedule] for {aud} who wants to {g}{w}.",
    "[Outline|Sketch|Lay out] a step-by-step plan to {g}{w}.",
    "[Draft|Write|Put together] a simple schedule that would help someone {g}{w}.",
    "What steps should {aud} take to {g}{w}?",
    "I want to {g}{w}. Break the work into [clear|manageable|small] stages for me.",
    "Write a [checklist|to-do list|step list] for anyone [planning|hoping|trying] to {g}{w}.",
    "Plan the next {n} weeks for a person hoping to {g}{w}, one line per week.",
    "Describe, in order, what you would do to {g}{w}.",
)

CONDITIONS = (
    "",
    "",
    " on a limited budget",
    " while working full-time",
    " with two small children at home",
    " with only three hours a week",
    " without a car",
    " before the end of the year",
    " while living in a small flat",
    " with no previous experience",
    " alongside a busy job",
    " with the help of a friend",
    " while recovering from an injury",
    " in a rainy climate",
)


def make_planning(rng: random.Random) -> Task:
    goal, steps = pick(rng, GOALS)
    frame = pick(rng, PLAN_FRAMES)
    n = len(steps)
    instruction = vary(rng, frame).format(n=n, g=goal, aud=audience(rng), w=pick(rng, CONDITIONS))
    if "week" in frame:
        output = "\n".join(f"Week {i}: {step}" for i, step in enumerate(steps, start=1))
    else:
        output = numbered(steps)
    return Task(instruction, "", output, "planning")


# (option, pros, cons)
OPTIONS = (
    (
        "working from home",
        ("No commute", "More flexible hours", "Fewer interruptions"),
        (
            "Less contact with colleagues",
            "Blurred line between work and home",
            "Harder to get quick help",
        ),
    ),
    (
        "buying a used car instead of a new one",
        ("Much lower price", "Slower depreciation", "Cheaper insurance"),
        ("Unknown history", "Shorter or no warranty", "Possibly higher repair costs"),
    ),
    (
        "renting rather than buying a home",
        ("Flexibility to move", "No repair bills", "No large deposit"),
        ("No equity built", "Rent can rise", "Limits on changes and pets"),
    ),
    (
        "learning to code through free online courses",
        ("Free or cheap", "Learn at your own pace", "Huge choice of topics"),
        ("No formal credential", "Easy to lose motivation", "Little personal feedback"),
    ),
    (
        "a four-day working week",
        ("Better rest and morale", "Easier recruitment", "Lower office costs"),
        ("Longer working days", "Harder to cover customer hours", "Not suitable for every role"),
    ),
    (
        "keeping chickens in a suburban garden",
        ("Fresh eggs", "Eat kitchen scraps and pests", "Good compost"),
        ("Daily care needed", "Can attract rats", "Neighbours may object to noise"),
    ),
    (
        "taking a gap year before university",
        ("Time to mature and reflect", "Work experience and savings", "Travel"),
        ("Loss of study momentum", "Costs if travelling", "Friends move ahead a year"),
    ),
    (
        "using a standing desk",
        ("Less sitting", "Can ease back pain", "May improve focus"),
        ("Tiring if used all day", "Costly", "Needs a good mat and posture"),
    ),
    (
        "switching to an electric car",
        ("Low running costs", "No tailpipe emissions", "Quiet and smooth"),
        ("Higher purchase price", "Charging takes time", "Range worries on long trips"),
    ),
    (
        "homeschooling",
        ("Learning tailored to the child", "Flexible schedule", "Close family time"),
        (
            "Big time commitment for parents",
            "Fewer chances to mix with peers",
            "Parent must cover all subjects",
        ),
    ),
    (
        "open-plan offices",
        ("Easy collaboration", "Cheaper per desk", "Flexible layout"),
        ("Noise and distraction", "Little privacy", "Illness spreads faster"),
    ),
    (
        "paying for a gym membership instead of exercising outdoors",
        ("Equipment and classes", "Any weather", "Staff to ask"),
        ("Monthly cost", "Travel time", "Crowded at peak hours"),
    ),
)

PROS_FRAMES = (
    "List the pros and cons of {o}{c} for {aud}.",
    "What are the [main|biggest|key] advantages and disadvantages of {o}{c}?",
    "Should {aud} consider {o}{c}? [Weigh|Set] the benefits against the drawbacks.",
    "Give a balanced view of {o}{c} in two [short|brief] lists.",
    "[My partner|My family|A friend] and I are debating {o}{c}. Lay out the arguments on each "
    "side.",
    "[Summarise|Sum up] the case for and against {o}{c} in a few lines.",
    "Is {o}{c} a good idea? [Give|List] the upsides and downsides.",
)

CONTEXTS = (
    "",
    "",
    " for a family of four",
    " in a big, expensive city",
    " in a rural area",
    " for someone on a low income",
    " for a person in their sixties",
    " for a recent graduate",
    " in a country with cold winters",
    " for someone who travels a lot for work",
)


def make_pros_cons(rng: random.Random) -> Task:
    option, pros, cons = pick(rng, OPTIONS)
    instruction = vary(rng, pick(rng, PROS_FRAMES)).format(
        o=option, c=pick(rng, CONTEXTS), aud=audience(rng)
    )
    output = "Pros:\n" + bulleted(pros) + "\n\nCons:\n" + bulleted(cons)
    return Task(instruction, "", output, "pros_cons")
