"""Resume NER (Chinese, one character per line): a bert_tiny pretrained here against random init.

Arm (a) starts from the encoder that `keras-bert pretrain` made on corpus/zh; arm (b) is the
same architecture, vocabulary and tokenizer with fresh weights. Both are fine-tuned with the
library's tagging workflow (`finetune_tagging`) at the same settings (rate: the library default
for the encoder's width, chosen on nothing here), once per seed; the seed sets the head, the
batch order and, for arm (b), the encoder's initial weights. Scored on resume_ner's dev split
(it has no test split; nothing is chosen on these scores). The gain is reported per seed and
as a paired t-interval over the seeds.

    keras-bert pretrain --corpus ../shared/data/corpus/zh \
        --vocab ../shared/data/vocab/google_zh_vocab.txt --preset bert_tiny --steps 4000 \
        --out runs/pretrain_zh_tiny
    python benchmarks/ner_pretrained_vs_random_zh.py --pretrained runs/pretrain_zh_tiny
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

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "resume_ner")


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pretrained", required=True, help="output folder of keras-bert pretrain")
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--crf", action="store_true", help="a CRF over the words in both arms")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args()

    from keras_bert.workflows.tagging import TaggingSettings, finetune_tagging

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
                settings = TaggingSettings(
                    train=os.path.join(args.data, "train.char.bmes"),
                    dev=os.path.join(args.data, "dev.char.bmes"),
                    out=os.path.join(work, f"{arm}{seed}_tagger"), init=init, crf=args.crf,
                    epochs=args.epochs, seed=seed, log_every=100,
                )
                summary = finetune_tagging(settings, verbose=0)
                scores[arm] = round(100 * summary["dev"]["f1"], 2)
                print(json.dumps({"seed": seed, "arm": arm, "dev_f1": scores[arm],
                                  "training_seconds": summary["training_seconds"]}), flush=True)
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
