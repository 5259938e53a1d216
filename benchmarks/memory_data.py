"""Synthetic memories for the recall benchmarks: chat lines, queries, clustered vectors, and a
months-long conversation set with planted facts, distractors and the questions that test them.

Everything is drawn from a seeded ``random.Random`` (and numpy ``default_rng``), so a seed gives
the same data on every machine. Filler text and planted facts use disjoint word lists, so a
recalled memory that contains a planted value really is about that fact.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


def _items(text: str) -> list[str]:
    """A word list written as "a|b|c" (phrases) or "A B C" (single words), over lines."""
    if "|" in text:
        return [item.strip() for item in text.replace("\n", "").split("|")]
    return text.split()


# -- filler vocabulary (never a planted value) ----------------------------------------------

FILLER_NAMES = _items("""Theo Maya Jonas Priya Lucas Ines Omar Hana Felix Zoe Mateo Aisha Niko Clara
Ravi Elena Samir Greta Leo Yuki Dario Freya Kofi Lina Marco Nadia Oskar Paula Ruben Sofia Tariq
Vera Wes Ximena Yusuf Zara Bruno Chiara Emil Farah Goran Hugo Ida Jamal Katya Lars Mila Noor Otto
Pia Quentin Rosa Stellan Tove Umberto Valeria Wanda Yannick Zeynep Anselm""")
FILLER_CITIES = _items("""Berlin Kyoto Oslo Montreal Seville Krakow Dublin Melbourne Nairobi Valparaiso
Glasgow Bologna Tallinn Ghent Marseille Busan Quito Halifax Tbilisi Utrecht Leipzig Bergen""")
VENUES = _items("""the bakery|the library|the market|the gym|the park|the station|that noodle bar|the cinema|
the pharmacy|the bookshop|the riverside cafe|the swimming pool|the laundrette|the pub on the corner|
the museum|the garden centre|the climbing hall|the hardware store|the farmers market|the dentist|
the post office|the vintage shop|the night bus|the rooftop bar|the ferry terminal""")
FOODS = _items("""ramen|lentil soup|pancakes|sourdough|dumplings|curry|tacos|risotto|falafel|porridge|
pho|lasagne|kimchi stew|grilled cheese|banana bread|paella|gnocchi|shakshuka|bibimbap|pierogi|
crumble|tiramisu|avocado toast|fish and chips""")
ACTIVITIES_PAST = _items("""went for a long walk|watched three episodes|cooked something new|
cleaned the whole flat|played board games|read until midnight|fixed the bike|baked bread|
painted the hallway|went swimming|sorted old photos|did a puzzle|planted tomatoes|
wrote a letter|went dancing|played chess|ran by the canal|repotted the plants|
tried a yoga class|rearranged the furniture""")
ACTIVITIES_ING = _items("""running|knitting|journaling|sketching|hiking|baking|gardening|birdwatching|
cycling|meditating|photography|pottery|kayaking|bouldering|singing|woodworking|crosswords|
skateboarding|calligraphy|foraging""")
FEELINGS = _items("""tired|restless|calm|hopeful|anxious|grumpy|content|overwhelmed|cheerful|lonely|
nostalgic|stressed|relieved|excited|flat|giddy|irritable|peaceful|curious|drained""")
TOPICS = _items("""the move|money|the future|my sleep|the holidays|getting older|the election|
the new routine|my diet|the rent|the weekend plans|the renovation|the commute|the noise upstairs|
saving up|learning Spanish|the garden|my posture|screen time|the broken heater|the wedding season|
taxes|the group chat|the neighbours""")
OBJECTS = _items("""kettle|laptop|umbrella|bike|phone charger|washing machine|lamp|headphones|
radiator|fridge|blender|printer|sofa|desk chair|toaster|vacuum|window latch|shower head|
alarm clock|keyboard""")
ROOMS = _items("kitchen|bathroom|hallway|bedroom|living room|balcony|cellar|attic")
WEEKDAYS = _items("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
TIMES = _items("""this morning|last night|earlier|this afternoon|yesterday evening|at lunch|
on the way home|before breakfast|around midnight|after dinner""")
ADJECTIVES = _items("""lovely|awful|weird|brilliant|exhausting|surprisingly good|chaotic|boring|
hilarious|stressful|cozy|strange|perfect|disappointing|wild|peaceful|noisy|sweet""")
WEATHER = _items("pouring|freezing|boiling hot|foggy|windy|grey|sunny|snowing|humid")
SHOWS = _items("""that detective series|the baking show|a documentary about octopuses|an old western|
the space film|a Korean drama|the nature programme|a silly comedy|the cooking competition|
a podcast about history""")
BODY = _items("back|knee|shoulder|neck|wrist|ankle|head|feet")
MEALS = _items("breakfast|lunch|dinner|a late snack")

_FILLER_TEMPLATES = (
    "{time} I went to {venue} with {fname} and we {act}.",
    "Honestly I feel {feeling} about {topic} lately.",
    "{fname} said the {food} at {venue} was {adj}.",
    "Thinking about {ing} on {weekday}, maybe with {fname}.",
    "The {object} in the {room} broke again, so I spent the evening fixing it.",
    "It was {weather} in {fcity} {time}, so I stayed in and {act}.",
    "Do you think I should sort out {topic} before {weekday}?",
    "I finally finished {show} and I can't stop thinking about the ending.",
    "My {body} hurts after all that {ing} {time}.",
    "{fname} and I argued about {topic} again, it was {adj}.",
    "I'm trying to eat less {food} and more {food2}.",
    "Remember when we talked about {topic}? I keep coming back to it.",
    "There's a new place near {venue} in {fcity}, it looks {adj}.",
    "I need to buy a new {object} and fix the {object2} {time}.",
    "Work was {adj} {time}, the meeting ran over and nobody listened.",
    "I had {food} for {meal} and watched {show}.",
    "Woke up at five feeling {feeling}, no idea why.",
    "{fname} sent me a photo of the sea in {fcity}, I'm so jealous.",
    "I've been getting into {ing}, it makes me feel {feeling}.",
    "The {room} smells of {food} and I'm not even mad.",
    "Long day. {fname} cancelled and I ended up at {venue} alone.",
    "I keep putting off {topic}, it makes me {feeling}.",
    "We had {food} at {fname}'s place and played cards till late.",
    "Is it weird that I like {ing} more than going out?",
    "The train to {fcity} was delayed again, I read the whole way.",
    "I was {feeling} all {weekday} but {ing} helped a bit.",
)

_QUERY_TEMPLATES = (
    "how is {fname} doing",
    "that place near {venue} in {fcity}",
    "feeling {feeling} about {topic}",
    "did we talk about {ing}",
    "what did {fname} say about the {food}",
    "the broken {object} in the {room}",
    "when did I last go to {venue}",
    "{fname} and {topic}",
    "what was the weather like in {fcity}",
    "{food} for {meal}",
    "I watched {show}",
    "my {body} after {ing}",
)

#: Assistant replies: short and generic, so they never carry a planted value.
REPLIES = (
    "That sounds {adj}. How did it make you feel?",
    "I'm glad you told me. What happened next?",
    "Oh, I'd love to hear more about that.",
    "Mm, that makes sense. Are you okay?",
    "Ha, that's so like you.",
    "That must have been a lot. Take it easy tonight.",
    "I remember you mentioning something like that before.",
    "What would make tomorrow a bit easier?",
    "Honestly, that sounds {adj}.",
    "You always notice the little things, I love that.",
    "Do you want to talk it through, or just vent?",
    "I'm here. Tell me everything.",
    "Sounds like you needed that.",
    "Wait, really? Then what?",
)


def _fill(template: str, rng: random.Random) -> str:
    a, b = rng.sample(OBJECTS, 2)
    f1, f2 = rng.sample(FOODS, 2)
    values = {
        "time": rng.choice(TIMES),
        "venue": rng.choice(VENUES),
        "fname": rng.choice(FILLER_NAMES),
        "act": rng.choice(ACTIVITIES_PAST),
        "feeling": rng.choice(FEELINGS),
        "topic": rng.choice(TOPICS),
        "food": f1,
        "food2": f2,
        "adj": rng.choice(ADJECTIVES),
        "ing": rng.choice(ACTIVITIES_ING),
        "weekday": rng.choice(WEEKDAYS),
        "object": a,
        "object2": b,
        "room": rng.choice(ROOMS),
        "weather": rng.choice(WEATHER),
        "fcity": rng.choice(FILLER_CITIES),
        "show": rng.choice(SHOWS),
        "body": rng.choice(BODY),
        "meal": rng.choice(MEALS),
    }
    text = template.format(**values)
    return text[0].upper() + text[1:]


def sentence(rng: random.Random) -> str:
    """One chat line about the day: people, places, plans, feelings."""
    return _fill(rng.choice(_FILLER_TEMPLATES), rng)


def memory_text(rng: random.Random) -> str:
    """An episode's text: one to three chat lines."""
    return " ".join(sentence(rng) for _ in range(rng.choice((1, 1, 2, 2, 3))))


def query(rng: random.Random) -> str:
    """A recall query of a few content words, like the start of a user's message."""
    return _fill(rng.choice(_QUERY_TEMPLATES), rng)


def reply(rng: random.Random) -> str:
    return _fill(rng.choice(REPLIES), rng)


def clustered_vectors(
    n: int, dim: int, clusters: int, seed: int, spread: float = 0.8
) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.int64]]:
    """``n`` float32 vectors around ``clusters`` random unit centres (noise of norm ``spread``),
    the centres, and each vector's cluster. Members of one cluster have cosine ~0.6, like
    sentences on one topic under a small embedding model; unrelated pairs ~0."""
    import numpy as np

    gen = np.random.default_rng(seed)
    centres = gen.standard_normal((clusters, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    owner = gen.integers(0, clusters, size=n)
    noise = gen.standard_normal((n, dim)).astype(np.float32) * (spread / dim**0.5)
    return (centres[owner] + noise).astype(np.float32), centres, owner


def near(
    centres: NDArray[np.float32], seed: int, count: int, spread: float = 0.8
) -> list[list[float]]:
    """Query vectors: a random centre plus noise, so each has real neighbours."""
    import numpy as np

    gen = np.random.default_rng(seed)
    picks = gen.integers(0, len(centres), size=count)
    dim = centres.shape[1]
    noise = gen.standard_normal((count, dim)).astype(np.float32) * (spread / dim**0.5)
    return [list(map(float, v)) for v in centres[picks] + noise]


# -- planted facts ---------------------------------------------------------------------------

FACT_NAMES = _items("""Anna Rex Mirela Tobias Ottilie Bertram Ingrid Casimir Dagny Evander Florian
Gwendolyn Hamish Isolde Jasper Kirsten Leopold Magnus Nerys Orla Percival Quincy Rosalind
Sigrun Thaddeus Ulrike Viggo Winifred Xavier Yolanda Zebedee Agatha Barnaby Cordelia Desmond
Esme Fitzgerald Griselda Horatio Imogen Jocasta Kasimir Lavinia Mordecai Nanette Ophelia
Peregrine Ramona Severin Tabitha Ursula Valentin Wilhelmina Yorick Zinnia Alaric Beatrix
Cosmo Delphine Eustace Filippa Gideon Hortense Ignatius Juniper Kester Ludmila Montague
Nicodemus Octavia Philippa Rupert Saffron Tiberius Undine Verity Wolfram Xanthe Yvaine
Zoltan Ambrose Bathsheba Cyprian Drusilla Ephraim Fenella Gulliver Honora Isidore Jolyon
Kerensa Lysander Marigold Noakes Oriel Prudence Radomir Seraphina Torsten Umaima Vashti
Wendeline Anouk Bramwell Clementine Dorothea Elspeth Ferdinand Gaspard Hildegard Iolanthe
Jeremiah Katarzyna Lorcan Marisol Nikolai Odalys Pascoe Quillon Rosamund Sebastiaan
Tamsin Ulysses Violetta Waldo Yevgenia Zephyrine Aurelio Blodwen Cassius Dimitra Elowen
Fintan Gwenllian Hallvard Ivo Jessamy Konstantin Leocadia Mehmet Nerissa Osric Pilar
Ragnhild Sorcha Tancredi Ulla Vidar Wystan Alcina Benedikt Calliope Dunstan Eulalia Fabian
Gudrun Hieronymus Ilse Joaquim Kalinda Lucasta Mireille Norberto Olwen Piran Romilly Saoirse
Tobiah Uriel Vesna Wilfred""")
FACT_CITIES = _items("""Lisbon Porto Antwerp Trieste Bilbao Gdansk Salzburg Lyon Aarhus Cork Bordeaux
Ljubljana Riga Valencia Palermo Zagreb Tampere Brno Graz Nantes Innsbruck Malmo Verona Galway
Dundee Coimbra Thessaloniki Plovdiv Timisoara Debrecen Heidelberg Rotterdam Eindhoven Bruges
Toulouse Granada Bari Catania Szeged Kaunas Tartu Lausanne Basel""")
TOWNS = _items("""Padstow Ullapool Honfleur Hallstatt Kinsale Portree Giethoorn Tobermory Whitby
Cadaques Marsaxlokk Rovinj Sagres Ericeira Mousehole Staithes Kotor Ohrid Piran Sintra""")
JOBS = _items("""nurse|pharmacist|carpenter|librarian|paramedic|architect|vet|translator|
electrician|physiotherapist|sous chef|dental hygienist|surveyor|radiographer|midwife|
locksmith|bookbinder|sommelier|cartographer|glazier|upholsterer|actuary|zookeeper|
stonemason|optician|florist|welder|archivist|beekeeper|tailor""")
WORKPLACES = _items("""St Bartholomew's hospital|the county archive|Hollybrook primary|the cathedral works|
Fernleigh clinic|the botanical gardens|Marlow and Finch|the harbour authority|Quayside surgery|
the municipal zoo|Brackenbury opticians|the Old Mill bindery|Kestrel Labs|the Ashgrove depot|
Thornfield vets|the glassworks on Canal Street|Northgate library|the Riverside hotel|
Pemberton and Hale|the lifeboat station|Orchard Lane bakery|the city observatory|
Greyfriars college|the ferry company|Wexley printworks|the Lantern theatre|Hawthorne care home|
the tram depot|Sallow Street pharmacy|the wildlife trust""")
SUBJECTS = _items("""geology|linguistics|marine biology|art history|civil engineering|philosophy|
astrophysics|anthropology|musicology|agronomy|classics|oceanography|forestry|criminology""")
ALLERGENS = _items("""peanuts|shellfish|sesame|kiwi|penicillin|latex|bee stings|mustard|celery|
lupin|horse hair|birch pollen""")
CAR_MAKES = _items(
    "Saab|Volvo|Fiat|Skoda|Citroen|Lada|Trabant|Alfa Romeo|Dacia|Peugeot|Subaru|Mini"
)
COLOURS = _items("mustard yellow|teal|maroon|lime green|navy|burnt orange|lilac|silver")
INSTRUMENTS = _items("""cello|banjo|oboe|accordion|ukulele|harp|trombone|mandolin|bassoon|theremin|
clarinet|double bass""")
SPORTS = _items("""fencing|water polo|curling|archery|rowing|handball|squash|judo|orienteering|
ultimate frisbee|roller derby|badminton""")
FEARS = _items("""deep water|spiders|heights|thunderstorms|clowns|moths|lifts|crowds|needles|
geese""")
COUNTRIES = _items("""Iceland|Japan|Patagonia|Mongolia|Namibia|Peru|Vietnam|Norway|Georgia|Bhutan|
Madagascar|New Zealand""")
MONTHS = _items("""January February March April May June July August September October November
December""")
FAVOURITES = {
    "band": "Radiohead|Fleetwood Mac|Khruangbin|Portishead|ABBA|Talking Heads|Bonobo|Massive Attack|"
    "Wilco|Beach House|Stereolab|Cocteau Twins",
    "book": "Middlemarch|Stoner|Piranesi|Rebecca|Dune|Beloved|Persuasion|Solaris|Frankenstein|"
    "Kindred|Orlando|Watership Down",
    "film": "Paddington|Amelie|Alien|Spirited Away|Casablanca|Parasite|Arrival|Jaws|Vertigo|"
    "Moonlight|Fargo|Labyrinth",
    "food": "moussaka|jollof rice|ceviche|pastel de nata|goulash|laksa|borscht|tagine|khachapuri|"
    "okonomiyaki|feijoada|bouillabaisse",
    "colour": "cobalt|ochre|vermilion|sage|magenta|turquoise|amber|indigo|crimson|olive",
    "board game": "Carcassonne|Catan|Scrabble|Azul|Pandemic|Wingspan|Backgammon|Dixit|Mahjong",
    "flower": "peonies|tulips|dahlias|snowdrops|foxgloves|hydrangeas|freesias|ranunculus",
    "painter": "Hopper|Vermeer|Kahlo|Hockney|Rothko|Turner|Klimt|Hokusai|Munch|Matisse",
}
_FAVOURITE_POOLS = {thing: _items(values) for thing, values in FAVOURITES.items()}
RELATIONS = _items("""sister|brother|mother|father|cousin|aunt|uncle|niece|nephew|boss|roommate|
best friend|grandmother|grandfather|therapist|neighbour|partner|son|daughter|godmother|
landlord|mentor""")
PETS = _items("dog|cat|rabbit|parrot|tortoise")


@dataclass
class Fact:
    """A fact planted in one message and asked about later."""

    slot: str
    #: Which family of fact: "relation", "pet", "self", "favourite", "friend".
    group: str
    #: Words whose presence in a recalled memory's text proves it carries the fact.
    values: tuple[str, ...]
    statement: str
    questions: tuple[str, ...]
    distractors: tuple[str, ...]
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def found_in(self, text: str) -> bool:
        if self._pattern is None:
            alternatives = "|".join(re.escape(v) for v in self.values)
            self._pattern = re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)
        return self._pattern.search(text) is not None


class _Draw:
    """Planted values are unique; distractor ("decoy") values are never planted values."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.planted: set[str] = set()
        self.decoys: dict[int, list[str]] = {}
        self.decoy_values: set[str] = set()

    def unique(self, pool: list[str]) -> str:
        free = [v for v in pool if v not in self.planted and v not in self.decoy_values]
        if not free:
            raise LookupError("pool exhausted")
        value = self.rng.choice(free)
        self.planted.add(value)
        return value

    def other(self, pool: list[str]) -> str:
        known = self.decoys.setdefault(id(pool), [])
        free = [v for v in pool if v not in self.planted and v not in self.decoy_values]
        if known and (not free or self.rng.random() < 0.6):
            return self.rng.choice(known)
        value = self.rng.choice(free)
        known.append(value)
        self.decoy_values.add(value)
        return value


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _relation(d: _Draw, rel: str) -> Fact:
    rng = d.rng
    v = d.unique(FACT_NAMES)
    statement = rng.choice(
        (
            f"My {rel} is called {v}, we talk almost every week.",
            f"My {rel} {v} came over last night and we cooked dinner together.",
            f"Oh by the way, my {rel}'s name is {v}.",
            f"{v} is my {rel}, I think I haven't mentioned that yet.",
            f"I had lunch with my {rel} {v} and we laughed the whole time.",
        )
    )
    questions = (
        f"What's my {rel}'s name again?",
        f"Do you remember what my {rel} is called?",
        f"Remind me, what did I say my {rel} was called?",
        f"Can you remember the name of my {rel}?",
    )
    distractors = (
        f"{d.other(FACT_NAMES)}'s {rel} is visiting from abroad next month.",
        f"I talked to my {rel} on the phone for an hour {rng.choice(TIMES)}.",
        f"My coworker's {rel} is called {d.other(FACT_NAMES)}, small world.",
        f"My {rel} says hi, by the way.",
        f"Watched a film where the {rel} was called {d.other(FACT_NAMES)}, funny.",
    )
    return Fact(f"{rel} name", "relation", (v,), statement, questions, distractors)


def _pet(d: _Draw, pet: str) -> Fact:
    rng = d.rng
    v = d.unique(FACT_NAMES)
    statement = rng.choice(
        (
            f"My {pet} {v} knocked a glass off the table again.",
            f"We named our {pet} {v}, after a character in a book.",
            f"My {pet} is called {v} and is the laziest creature alive.",
        )
    )
    questions = (
        f"What's my {pet} called?",
        f"What's the name of my {pet} again?",
        f"Do you remember my {pet}'s name?",
    )
    distractors = (
        f"My neighbour's {pet} {d.other(FACT_NAMES)} was out all night.",
        f"I took the {pet} to the vet {rng.choice(TIMES)}, all fine.",
        f"{d.other(FACT_NAMES)} is such a good name for a {pet}.",
    )
    return Fact(f"{pet} name", "pet", (v,), statement, questions, distractors)


def _self_facts(d: _Draw) -> list[Fact]:
    rng = d.rng
    job, place = d.unique(JOBS), d.unique(WORKPLACES)
    city, town = d.unique(FACT_CITIES), d.unique(TOWNS)
    subject, allergen = d.unique(SUBJECTS), d.unique(ALLERGENS)
    make, colour = d.unique(CAR_MAKES), d.unique(COLOURS)
    instrument, sport = d.unique(INSTRUMENTS), d.unique(SPORTS)
    fear, country, month = d.unique(FEARS), d.unique(COUNTRIES), d.unique(MONTHS)
    friend = d.other(FACT_NAMES)
    return [
        Fact(
            "job",
            "self",
            (job, place),
            f"I work as {_a(job)} at {place}.",
            (
                "Where do I work?",
                "What do I do for a living?",
                "What's my job again?",
                "Do you remember what I do for work?",
            ),
            (
                f"My cousin works as {_a(d.other(JOBS))} at {d.other(WORKPLACES)}.",
                f"{friend} quit her job as {_a(d.other(JOBS))} last week.",
                "Work was so long today, I could barely keep my eyes open.",
                "I don't want to think about my job this weekend.",
            ),
        ),
        Fact(
            "home city",
            "self",
            (city,),
            f"I live in {city} now, in a small flat near the river.",
            ("Which city do I live in?", "Where do I live again?", "Do you know where I live?"),
            (
                f"{d.other(FACT_NAMES)} lives in {d.other(FACT_CITIES)} with two cats.",
                f"I might visit {d.other(FACT_CITIES)} in the summer.",
                "The city is so loud at night where I live.",
            ),
        ),
        Fact(
            "hometown",
            "self",
            (town,),
            f"I grew up in {town}, a tiny place by the sea.",
            ("Where did I grow up?", "What's my hometown?", "Which town am I from originally?"),
            (
                f"{d.other(FACT_NAMES)} grew up in {d.other(TOWNS)}, apparently.",
                "I miss the town I grew up in sometimes.",
            ),
        ),
        Fact(
            "studies",
            "self",
            (subject,),
            f"I studied {subject} at university, a lifetime ago.",
            ("What did I study at university?", "What was my degree in?"),
            (
                f"{d.other(FACT_NAMES)} is studying {d.other(SUBJECTS)} now.",
                "University feels like another life.",
            ),
        ),
        Fact(
            "allergy",
            "self",
            (allergen,),
            f"I'm allergic to {allergen}, so I have to be careful.",
            ("What am I allergic to?", "Do you remember my allergy?"),
            (
                f"{d.other(FACT_NAMES)} is allergic to {d.other(ALLERGENS)}.",
                "The allergy season is brutal this year.",
            ),
        ),
        Fact(
            "car",
            "self",
            (make,),
            f"I drive an old {colour} {make} that smells of dog.",
            ("What car do I drive?", "What kind of car do I have?"),
            (
                f"{d.other(FACT_NAMES)} just bought a {d.other(COLOURS)} {d.other(CAR_MAKES)}.",
                "The car wouldn't start this morning, again.",
            ),
        ),
        Fact(
            "instrument",
            "self",
            (instrument,),
            f"I've been learning the {instrument} for two years.",
            ("Which instrument am I learning?", "What instrument do I play?"),
            (
                f"{d.other(FACT_NAMES)} plays the {d.other(INSTRUMENTS)} in a band.",
                "I skipped practice today, my fingers hurt.",
            ),
        ),
        Fact(
            "sport",
            "self",
            (sport,),
            f"I do {sport} every {rng.choice(WEEKDAYS)} evening.",
            ("What sport do I do every week?", "Which sport am I into?"),
            (
                f"{d.other(FACT_NAMES)} wants me to try {d.other(SPORTS)}.",
                "I was too sore for sport this week.",
            ),
        ),
        Fact(
            "fear",
            "self",
            (fear,),
            f"I'm terrified of {fear}, always have been.",
            ("What am I afraid of?", "What's my biggest fear?"),
            (
                f"{d.other(FACT_NAMES)} is scared of {d.other(FEARS)}, which is funny.",
                "I had a nightmare last night and woke up terrified.",
            ),
        ),
        Fact(
            "dream trip",
            "self",
            (country,),
            f"One day I want to travel to {country}, it's my dream trip.",
            ("Which country do I dream of visiting?", "Where's my dream trip?"),
            (
                f"{d.other(FACT_NAMES)} just came back from {d.other(COUNTRIES)}.",
                "I need a holiday so badly.",
            ),
        ),
        Fact(
            "birthday",
            "self",
            (month,),
            f"My birthday is in {month}, I never know how to celebrate.",
            ("When is my birthday?", "Which month is my birthday in?"),
            (
                f"It's {d.other(FACT_NAMES)}'s birthday in {d.other(MONTHS)}.",
                "Birthdays make me weirdly sad.",
            ),
        ),
    ]


def _favourite(d: _Draw, thing: str) -> Fact:
    pool = _FAVOURITE_POOLS[thing]
    v = d.unique(pool)
    return Fact(
        f"favourite {thing}",
        "favourite",
        (v,),
        d.rng.choice(
            (
                f"My favourite {thing} is {v}, no contest.",
                f"Honestly {v} is my favourite {thing}.",
            )
        ),
        (f"What's my favourite {thing}?", f"Do you remember my favourite {thing}?"),
        (
            f"{d.other(FACT_NAMES)}'s favourite {thing} is {d.other(pool)}.",
            f"I can never pick a favourite {thing}.",
        ),
    )


def _friend(d: _Draw, name: str, aspect: str) -> Fact:
    """A fact about a friend; raises LookupError when the aspect's value pool is used up."""
    rng = d.rng
    chat = f"{name} called me {rng.choice(TIMES)}, we talked for ages."
    if aspect == "job":
        v = d.unique(JOBS)
        return Fact(
            f"{name} job",
            "friend",
            (v,),
            f"My friend {name} works as {_a(v)} at {d.other(WORKPLACES)}.",
            (f"What does {name} do for work?", f"What's {name}'s job?"),
            (chat,),
        )
    if aspect == "city":
        v = d.unique(FACT_CITIES)
        return Fact(
            f"{name} city",
            "friend",
            (v,),
            f"{name} just moved to {v} for a fresh start.",
            (f"Where did {name} move to?", f"Which city is {name} in now?"),
            (f"I miss {name}, we used to see each other every week.",),
        )
    if aspect == "baby":
        v = d.unique(FACT_NAMES)
        return Fact(
            f"{name} baby",
            "friend",
            (v,),
            f"{name}'s baby is called {v}, the cutest thing.",
            (f"What's {name}'s baby called?", f"What did {name} name the baby?"),
            (f"{name} is so tired since the baby stopped sleeping.",),
        )
    if aspect == "partner":
        v = d.unique(FACT_NAMES)
        return Fact(
            f"{name} partner",
            "friend",
            (v,),
            f"{name} got engaged to {v} over the weekend!",
            (f"Who is {name} engaged to?", f"Who's {name} marrying?"),
            (f"{name} seems so happy lately.",),
        )
    if aspect == "instrument":
        v = d.unique(INSTRUMENTS)
        return Fact(
            f"{name} instrument",
            "friend",
            (v,),
            f"{name} plays the {v} in a folk band.",
            (f"What does {name} play in the band?", f"Which instrument does {name} play?"),
            (chat,),
        )
    if aspect == "sport":
        v = d.unique(SPORTS)
        return Fact(
            f"{name} sport",
            "friend",
            (v,),
            f"{name} is obsessed with {v}, trains four times a week.",
            (f"What sport is {name} into?", f"What does {name} train for?"),
            (chat,),
        )
    if aspect == "hometown":
        v = d.unique(TOWNS)
        return Fact(
            f"{name} hometown",
            "friend",
            (v,),
            f"{name} is from {v} originally.",
            (f"Where is {name} from?", f"What's {name}'s hometown?"),
            (f"{name} and I go way back.",),
        )
    v = d.unique(SUBJECTS)
    return Fact(
        f"{name} studies",
        "friend",
        (v,),
        f"{name} is doing a PhD in {v}.",
        (f"What is {name} studying?", f"What's {name}'s PhD about?"),
        (chat,),
    )


_FRIEND_ASPECTS = (
    "job",
    "city",
    "baby",
    "partner",
    "instrument",
    "sport",
    "hometown",
    "studies",
)


def facts(rng: random.Random, count: int) -> list[Fact]:
    """``count`` facts: the user's people, pets, own life and favourites, then friends' lives."""
    d = _Draw(rng)
    found = [_relation(d, r) for r in RELATIONS]
    found += [_pet(d, p) for p in PETS]
    found += _self_facts(d)
    found += [_favourite(d, t) for t in FAVOURITES]
    while len(found) < count:
        name = d.unique(FACT_NAMES)
        for aspect in rng.sample(_FRIEND_ASPECTS, rng.randint(1, 4)):
            try:
                found.append(_friend(d, name, aspect))
            except LookupError:
                continue
    rng.shuffle(found)
    return found[:count]


# -- the conversation set --------------------------------------------------------------------


@dataclass
class Line:
    """One message of the set, in time order."""

    at: datetime
    conversation: int
    user: bool
    text: str
    #: The fact this message plants.
    plants: Fact | None = None
    #: The fact this message asks about (a recall is measured just before it is stored).
    asks: Fact | None = None


@dataclass
class ConversationSet:
    lines: list[Line]
    facts: list[Fact]
    conversations: int
    start: datetime
    end: datetime


def conversation_set(
    seed: int,
    conversations: int = 60,
    facts_per_conversation: int = 3,
    exchanges: tuple[int, int] = (30, 50),
    start: datetime = datetime(2024, 1, 8, tzinfo=UTC),
) -> ConversationSet:
    """Conversations every one to five days; facts planted early in the first ~80% of them,
    asked about once (half the time twice) in later conversations; each fact's distractors
    are scattered over the whole set, before and after it is planted."""
    rng = random.Random(seed)
    planting = max(1, int(conversations * 0.8))
    planted = facts(rng, planting * facts_per_conversation)
    # Per conversation: user messages (text, fact planted, fact asked).
    slots: list[list[tuple[str, Fact | None, Fact | None]]] = []
    for _ in range(conversations):
        slots.append([(sentence(rng), None, None) for _ in range(rng.randint(*exchanges))])
    for index, fact in enumerate(planted):
        conv = index // facts_per_conversation
        early = max(3, len(slots[conv]) // 3)
        slots[conv].insert(rng.randrange(1, early), (fact.statement, fact, None))
        later = list(range(conv + 1, conversations))
        for ask_conv in sorted(rng.sample(later, min(len(later), rng.choice((1, 2))))):
            question = rng.choice(fact.questions)
            position = rng.randrange(1, len(slots[ask_conv]) + 1)
            slots[ask_conv].insert(position, (question, None, fact))
        for text in fact.distractors:
            where = rng.randrange(conversations)
            slots[where].insert(rng.randrange(len(slots[where]) + 1), (text, None, None))
    lines: list[Line] = []
    day = start
    for conv, messages in enumerate(slots):
        day += timedelta(days=rng.randint(1, 5))
        at = day + timedelta(hours=rng.randint(7, 21), minutes=rng.randint(0, 59))
        for text, plants, asks in messages:
            lines.append(Line(at, conv, True, text, plants, asks))
            at += timedelta(seconds=rng.randint(20, 90))
            lines.append(Line(at, conv, False, reply(rng)))
            at += timedelta(seconds=rng.randint(30, 240))
    return ConversationSet(lines, planted, conversations, start, lines[-1].at)


def fact_text(rng: random.Random) -> str:
    """A short extracted-fact memory, as the rule extractor writes them."""
    name = rng.choice(FILLER_NAMES)
    return rng.choice(
        (
            f"My {rng.choice(RELATIONS)} is called {name}.",
            f"I love {rng.choice(FOODS)}.",
            f"I can't stand {rng.choice(TOPICS)}.",
            f"I live in {rng.choice(FILLER_CITIES)}.",
            f"I felt {rng.choice(FEELINGS)}.",
            f"My {rng.choice(RELATIONS)} {name} loves {rng.choice(ACTIVITIES_ING)}.",
            f"I work as {_a(rng.choice(JOBS))} at {rng.choice(WORKPLACES)}.",
            f"I've been into {rng.choice(ACTIVITIES_ING)} since {rng.choice(MONTHS)}.",
        )
    )


def library_revision() -> str:
    """The commit the figures were taken at, and whether the memory code had local edits."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--",
                "src/samantha/memory",
                "src/samantha/store/memories.py",
                "src/samantha/store/migrations.py",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "-"
    return head + (" + uncommitted edits to the memory code" if dirty else "")
