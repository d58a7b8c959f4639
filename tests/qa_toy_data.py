"""A toy reading-comprehension task in real English, small enough to learn in seconds.

Each context tells three facts about one person, in random order ("Anna lives in Oslo. Anna
works as a pilot. Anna's favourite colour is green."); each question asks for one of them. The
answer is where the facts were shuffled to, so answering "the first fact's last word" scores
about a third; a model must read the question to do better.
"""

import json

import numpy as np

NAMES = ["Anna", "Boris", "Chen", "Dara", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas"]
CITIES = ["Paris", "Rome", "Oslo", "Lima", "Cairo", "Dublin", "Madrid", "Vienna", "Quito"]
JOBS = ["teacher", "doctor", "pilot", "baker", "lawyer", "farmer", "nurse", "painter"]
COLOURS = ["red", "green", "blue", "yellow", "purple", "orange", "black", "white"]
FACTS = {
    "city": ("{name} lives in {value}.", "Where does {name} live?", CITIES),
    "job": ("{name} works as a {value}.", "What is {name}'s job?", JOBS),
    "colour": ("{name}'s favourite colour is {value}.", "What colour does {name} like?", COLOURS),
}
OTHER_WORDS = "lives in works as a favourite colour is where does live what job like s".split()
VOCABULARY = (
    ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", "?", "'"]
    + sorted({word.lower() for word in NAMES + CITIES + JOBS + COLOURS + OTHER_WORDS})
)


def toy_questions(count, seed=0, unanswerable=0.0):
    """`count` SQuAD-style questions: dicts of id, question, context, answer, answer_start,
    and `first_fact` (the last word of the context's first sentence: the trivial answer).

    A share `unanswerable` of them (SQuAD v2.0 style) ask for the one fact their context
    leaves out: their answer is None.
    """
    rng = np.random.default_rng(seed)
    questions = []
    for index in range(count):
        name = NAMES[rng.integers(len(NAMES))]
        kinds = list(FACTS)
        rng.shuffle(kinds)
        values = {kind: FACTS[kind][2][rng.integers(len(FACTS[kind][2]))] for kind in kinds}
        asked = kinds[rng.integers(len(kinds))]
        left_out = unanswerable > 0 and rng.random() < unanswerable
        stated = [kind for kind in kinds if not (left_out and kind == asked)]
        sentences = [FACTS[kind][0].format(name=name, value=values[kind]) for kind in stated]
        context = " ".join(sentences)
        item = {
            "id": f"toy-{seed}-{index}",
            "question": FACTS[asked][1].format(name=name),
            "context": context,
            "answer": None,
            "answer_start": None,
            "first_fact": values[stated[0]],
        }
        if asked in stated:
            sentence = sentences[stated.index(asked)]
            item["answer"] = values[asked]
            item["answer_start"] = context.index(sentence) + sentence.index(values[asked])
        questions.append(item)
    return questions


def write_squad(path, questions):
    """Write questions as a SQuAD file (v2.0 when some are unanswerable), one paragraph each."""

    def entry(item):
        if item["answer"] is None:
            return {"id": item["id"], "question": item["question"], "answers": [],
                    "is_impossible": True}
        answer = {"text": item["answer"], "answer_start": item["answer_start"]}
        return {"id": item["id"], "question": item["question"], "answers": [answer]}

    data = [{"title": "toy", "paragraphs": [{"context": item["context"], "qas": [entry(item)]}]}
            for item in questions]
    version = "v2.0" if any(item["answer"] is None for item in questions) else "1.1"
    with open(path, "w", encoding="utf-8") as file:
        json.dump({"version": version, "data": data}, file)


def write_vocabulary(path):
    with open(path, "w", encoding="utf-8") as file:
        file.write("\n".join(VOCABULARY) + "\n")
