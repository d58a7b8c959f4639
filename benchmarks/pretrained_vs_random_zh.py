"""Chinese NER and QA: a bert_tiny pretrained here against random init.

Arm (a) starts from the encoder that `keras-bert pretrain` made on corpus/zh; arm (b) is the
same architecture, vocabulary and tokenizer with fresh weights. Both are fine-tuned with the
library's workflow for the task at the same settings (rate: the library default for the
encoder's width, chosen on nothing here), once per seed; the seed sets the head, the batch
order and, for arm (b), the encoder's initial weights. Neither data set has a test split, so
both are scored on dev and nothing is chosen on these scores. The gain is reported per seed and
as a paired t-interval over the seeds.

- `--task ner`: Resume NER (one character per line, BMES), entity F1 (conlleval).
- `--task qa`: CMRC 2018, CMRC's character-level F1 and exact match. Windows are 128 word
  pieces (stride 64, questions cut to 32): the length the encoder was pretrained at, so the
  pretrained arm never sees a position embedding that pretraining did not train.

    keras-bert pretrain --corpus ../shared/data/corpus/zh \
        --vocab ../shared/data/vocab/google_zh_vocab.txt --preset bert_tiny --steps 4000 \
        --out runs/pretrain_zh_tiny
    python benchmarks/pretrained_vs_random_zh.py --task ner --pretrained runs/pretrain_zh_tiny
    python benchmarks/pretrained_vs_random_zh.py --task qa --pretrained runs/pretrain_zh_tiny
"""

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import report_results  # noqa: E402
from finetune_pretrained_vs_random import write_random_twin  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


def paired_interval(differences, confidence=0.95):
    """(mean, low, high) of the mean difference: Student's t over the seeds."""
    import numpy as np
    from scipy import stats

    values = np.asarray(differences, float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, float("nan"), float("nan")
    half = stats.t.ppf((1 + confidence) / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(
        len(values)
    )
    return mean, mean - half, mean + half


def finetune_ner(args, init, out, seed):
    """Resume NER's train → dev: (entity scores in percent, training seconds)."""
    from keras_bert.workflows.tagging import TaggingSettings, finetune_tagging

    data = os.path.join(args.data, "resume_ner")
    settings = TaggingSettings(
        train=os.path.join(data, "train.char.bmes"), dev=os.path.join(data, "dev.char.bmes"),
        out=out, init=init, crf=args.crf, epochs=args.epochs, seed=seed, log_every=100,
    )
    summary = finetune_tagging(settings, verbose=0)
    dev = {"f1": round(100 * summary["dev"]["f1"], 2)}
    return dev, summary["training_seconds"]


def finetune_cmrc(args, init, out, seed):
    """CMRC 2018's train → dev: (CMRC exact match and F1, training seconds)."""
    from keras_bert.workflows.question_answering import QaSettings, finetune_qa

    data = os.path.join(args.data, "cmrc2018")
    settings = QaSettings(
        train=os.path.join(data, "train.json"), dev=os.path.join(data, "dev.json"), out=out,
        init=init, seq_length=128, doc_stride=64, max_query_length=32, metric="cmrc",
        epochs=args.epochs, seed=seed, log_every=100,
    )
    summary = finetune_qa(settings, verbose=0)
    dev = {key: round(summary["dev"][key], 2) for key in ("exact_match", "f1")}
    return dev, summary["training_seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=("ner", "qa"), required=True)
    parser.add_argument("--pretrained", required=True, help="output folder of keras-bert pretrain")
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--crf", action="store_true", help="ner: a CRF over the words in both arms")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args()

    finetune = {"ner": finetune_ner, "qa": finetune_cmrc}[args.task]
    results = {"settings": vars(args), "runs": []}
    with tempfile.TemporaryDirectory() as work:
        for seed in range(args.seeds):
            scores = {}
            arms = {
                "pretrained": args.pretrained,
                "random": write_random_twin(
                    args.pretrained, os.path.join(work, f"random{seed}"), seed
                ),
            }
            for arm, init in arms.items():
                out = os.path.join(work, f"{arm}{seed}_{args.task}")
                dev, seconds = finetune(args, init, out, seed)
                scores[arm] = round(dev["f1"], 2)
                print(json.dumps({"seed": seed, "arm": arm, "dev": dev,
                                  "training_seconds": seconds}), flush=True)
            results["runs"].append({"seed": seed, **scores})
    gains = [run["pretrained"] - run["random"] for run in results["runs"]]
    mean, low, high = paired_interval(gains)
    results["gain"] = {"mean": round(mean, 2), "interval_95": [round(low, 2), round(high, 2)]}
    for arm in ("pretrained", "random"):
        values = [run[arm] for run in results["runs"]]
        results[arm] = round(sum(values) / len(values), 2)
    report_results(results, args.out)


if __name__ == "__main__":
    main()
