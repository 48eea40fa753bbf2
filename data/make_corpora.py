"""Write the built-in corpora of lesson 3 (run once: ``python data/make_corpora.py``).

The outputs are committed next to this script, so the app never generates data:

- ``things.txt`` and ``things_categories.tsv``: sentences about six kinds of things. Words of
  one kind appear in the same kind of sentence ("feed the ...", "drive the ..."); sentences
  that mix kinds, shared filler sentences and random word swaps make the structure take a
  visible number of training steps to appear.
- ``reviews.tsv`` and ``reviews_categories.tsv``: short reviews labelled positive or negative.
  Sentiment words carry the label; nouns and fillers are shared by both labels; a few
  negations ("not great") and a few mislabelled reviews keep it from being trivial.

A fixed seed makes the files identical on every run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 2024

KINDS = {
    "animal": "cat dog horse cow rabbit mouse lion tiger sheep goat".split(),
    "fruit": "apple banana cherry grape lemon mango pear peach plum melon".split(),
    "vehicle": "car bus train bike truck boat plane taxi tram van".split(),
    "city": "paris london tokyo rome berlin madrid cairo lima oslo delhi".split(),
    "colour": "red blue green yellow purple pink brown grey white black".split(),
    "job": "doctor teacher farmer baker pilot nurse driver chef judge artist".split(),
}

OWN_SENTENCES = {  # "{}" is a word of the kind
    "animal": [
        "the {} sleeps in the barn", "i feed the {} every morning",
        "the {} runs across the field", "the {} has soft fur", "we saw a wild {} at the zoo",
        "the little {} is my pet", "the {} drinks water from the pond",
        "a young {} chased its tail", "the {} growled at the stranger",
        "the vet looked at the sick {}",
    ],
    "fruit": [
        "i eat a ripe {}", "the {} tastes sweet", "she peels the {} with a knife",
        "a slice of fresh {}", "we bought a {} at the market", "the {} juice is cold",
        "the {} grows on a tree", "he made a {} pie", "this {} is too sour",
        "put the {} in the fruit bowl",
    ],
    "vehicle": [
        "we drive the {} to work", "the {} stops at the station", "he rides the {} downtown",
        "the {} is fast and loud", "we park the {} outside", "the {} needs new wheels",
        "the old {} broke down on the road", "the {} carries ten passengers",
        "she repairs the {} engine", "the {} was stuck in traffic",
    ],
    "city": [
        "we flew to {} last summer", "she lives in {}", "{} is a big city",
        "the streets of {} are busy", "the museum in {} is famous", "we visited {} in spring",
        "he moved to {} for a new life", "the mayor of {} gave a speech",
        "hotels in {} are expensive", "{} has an old cathedral",
    ],
    "colour": [
        "she painted the wall {}", "the {} paint is dry", "a bright {} shade",
        "he likes the colour {}", "the sky turned {}", "her dress is {}",
        "a dark {} stripe", "mix {} with a little water", "the flag is {}",
        "the leaves look {} in autumn",
    ],
    "job": [
        "the {} works at night", "my aunt is a {}", "the {} helps people",
        "he was hired as a {}", "the {} earned a good salary", "the young {} studies hard",
        "ask the {} for advice", "the {} retired last year", "she trained to be a {}",
        "the {} wore a uniform",
    ],
}

MIXED_SENTENCES = [  # several kinds in one sentence: contexts are shared, not clean
    "the {job} drives a {colour} {vehicle} to {city}",
    "the {job} feeds the {animal} a {fruit}",
    "a {colour} {vehicle} waits in {city}",
    "the {animal} eats a {fruit}",
    "the {job} from {city} paints the {vehicle} {colour}",
    "in {city} the {job} sells {fruit} from a {vehicle}",
    "the {animal} sleeps under the {colour} {vehicle}",
    "a {job} in {city} keeps a {animal}",
    "the {colour} {fruit} fell off the {vehicle}",
    "my {animal} likes the {job}",
]

FILLERS = [
    "it was a long day", "we talked about it for hours", "nobody knew what to say",
    "the weather was nice today", "then we went home", "this is what happened next",
    "they laughed and sang songs", "everything was quiet again", "it is time to go",
    "i think so too",
]

NOISE_WORDS = sorted({w for s in FILLERS for w in s.split()} | {"the", "a", "and", "of"})

POSITIVE = (
    "great wonderful excellent amazing lovely brilliant superb delightful fantastic "
    "charming enjoyable beautiful perfect fun memorable"
).split()
NEGATIVE = (
    "terrible awful boring dull horrible bad poor disappointing bland weak annoying "
    "painful mediocre ugly forgettable"
).split()
THINGS = (
    "movie film plot acting music ending story cast soundtrack script dialogue camera "
    "performance show book hotel meal service"
).split()
INTENSIFIERS = ["really", "very", "quite", "so", "truly", "rather", "pretty"]
REVIEW_SENTENCES = [
    "the {thing} was {adj}",
    "a {adj} {thing}",
    "i found the {thing} {adj} and {adj2}",
    "what a {adj} {thing}",
    "the {thing} is {intens} {adj}",
    "overall a {adj} {thing} with {adj2} {thing2}",
    "honestly the {thing} felt {adj}",
    "the {thing} and the {thing2} were both {adj}",
    "{intens} {adj} , i would say the {thing} was {adj2}",
    "we watched it last night and the {thing} was {adj}",
]


def things_corpus(rng: np.random.Generator, n: int = 3000) -> list[str]:
    sentences = []
    kinds = list(KINDS)
    for _ in range(n):
        r = rng.random()
        if r < 0.62:
            kind = kinds[rng.integers(len(kinds))]
            template = OWN_SENTENCES[kind][rng.integers(len(OWN_SENTENCES[kind]))]
            words = template.format(KINDS[kind][rng.integers(10)]).split()
        elif r < 0.87:
            template = MIXED_SENTENCES[rng.integers(len(MIXED_SENTENCES))]
            fill = {k: KINDS[k][rng.integers(10)] for k in kinds}
            words = template.format(**fill).split()
        else:
            words = FILLERS[rng.integers(len(FILLERS))].split()
        words = [  # noise: one word in twelve is swapped for a random word
            NOISE_WORDS[rng.integers(len(NOISE_WORDS))] if rng.random() < 1 / 12 else w
            for w in words
        ]
        sentences.append(" ".join(words) + " .")
    return sentences


def reviews_corpus(rng: np.random.Generator, n: int = 1600) -> list[tuple[str, str]]:
    rows = []
    for _ in range(n):
        label = "positive" if rng.random() < 0.5 else "negative"
        words = POSITIVE if label == "positive" else NEGATIVE
        template = REVIEW_SENTENCES[rng.integers(len(REVIEW_SENTENCES))]
        a, b = rng.choice(len(words), 2, replace=False)
        t1, t2 = rng.choice(len(THINGS), 2, replace=False)
        text = template.format(
            thing=THINGS[t1], thing2=THINGS[t2], adj=words[a], adj2=words[b],
            intens=INTENSIFIERS[rng.integers(len(INTENSIFIERS))],
        )
        r = rng.random()
        if r < 0.05:  # a negation flips the meaning: "not great" is negative
            other = NEGATIVE if label == "positive" else POSITIVE
            text = f"the {THINGS[t1]} was not {other[rng.integers(len(other))]}"
        elif r < 0.08:  # reviewers are not always consistent
            label = "negative" if label == "positive" else "positive"
        rows.append((label, text))
    return rows


def main() -> None:
    rng = np.random.default_rng(SEED)
    (HERE / "things.txt").write_text("\n".join(things_corpus(rng)) + "\n", encoding="utf-8")
    cats = [f"{w}\t{kind}" for kind, words in KINDS.items() for w in words]
    (HERE / "things_categories.tsv").write_text(
        "# word<TAB>category\n" + "\n".join(cats) + "\n", encoding="utf-8"
    )
    rows = reviews_corpus(rng)
    (HERE / "reviews.tsv").write_text(
        "# label<TAB>review\n" + "\n".join(f"{lab}\t{t}" for lab, t in rows) + "\n",
        encoding="utf-8",
    )
    cats = [f"{w}\tpositive" for w in POSITIVE] + [f"{w}\tnegative" for w in NEGATIVE]
    (HERE / "reviews_categories.tsv").write_text(
        "# word<TAB>category\n" + "\n".join(cats) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
