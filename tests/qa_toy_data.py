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


def toy_questions(count, seed=0):
    """`count` SQuAD-style questions: dicts of id, question, context, answer, answer_start,
    and `first_fact` (the last word of the context's first sentence: the trivial answer)."""
    rng = np.random.default_rng(seed)
    questions = []
    for index in range(count):
        name = NAMES[rng.integers(len(NAMES))]
        kinds = list(FACTS)
        rng.shuffle(kinds)
        values = {kind: FACTS[kind][2][rng.integers(len(FACTS[kind][2]))] for kind in kinds}
        sentences = [FACTS[kind][0].format(name=name, value=values[kind]) for kind in kinds]
        context = " ".join(sentences)
        asked = kinds[rng.integers(len(kinds))]
        sentence_start = context.index(sentences[kinds.index(asked)])
        answer = values[asked]
        questions.append({
            "id": f"toy-{seed}-{index}",
            "question": FACTS[asked][1].format(name=name),
            "context": context,
            "answer": answer,
            "answer_start": sentence_start + sentences[kinds.index(asked)].index(answer),
            "first_fact": values[kinds[0]],
        })
    return questions


def write_squad(path, questions):
    """Write questions as a SQuAD v1.1 file, one paragraph per question."""
    data = [{
        "title": "toy",
        "paragraphs": [{
            "context": item["context"],
            "qas": [{
                "id": item["id"], "question": item["question"],
                "answers": [{"text": item["answer"], "answer_start": item["answer_start"]}],
            }],
        }],
    } for item in questions]
    with open(path, "w", encoding="utf-8") as file:
        json.dump({"version": "1.1", "data": data}, file)


def write_vocabulary(path):
    with open(path, "w", encoding="utf-8") as file:
        file.write("\n".join(VOCABULARY) + "\n")
