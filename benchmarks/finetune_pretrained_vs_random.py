"""Does pretraining pay? bert_tiny pretrained by `keras-bert pretrain` vs the same model from random init.

The BERT paper's central claim in miniature: fine-tune (a) the encoder our pretrainer made on
corpus/zh (resp. corpus/en) and (b) the identical architecture, vocabulary and tokenizer with
freshly initialised weights, on chnsenticorp (resp. sst2, or the sentence pairs of mrpc), with
the same data, epochs, batch size and schedule, and compare accuracy on the test split.

Each arm is fine-tuned once per setting of the grid (`--learning-rates` x `--poolings`, the
same grid and budget for both arms) and per seed in `--seeds`; the setting with the best mean
dev accuracy is kept, and only its runs are scored on the test split, reported as the mean over
the seeds with its spread. A single shared rate would favour one arm (a pretrained encoder
wants a lower rate than a random one, which a high rate can wipe out), and a single seed leaves
a gap of a point or two on a test split of 872 texts within the noise of the head's
initialisation and the batch order. The random arm draws fresh encoder weights per seed.
Dev rows that repeat a training text verbatim are left out of the choice, and test is also
scored without such rows (see finetune_common.leave_out_training_texts): ChnSentiCorp repeats
a quarter of its dev and test reviews from train, and recalling them is not reading.

    python benchmarks/finetune_pretrained_vs_random.py --task chnsenticorp \
        --pretrained runs/pretrain_zh_tiny --out runs/pretrained_vs_random_zh
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from finetune_common import (common_arguments, draw_subsets, finetune_choosing_on_dev,  # noqa: E402
                             leave_out_training_texts, option_value, paired_gain, print_table,
                             sentence_disjoint_split,
                             task_files, TASKS)


def write_random_twin(pretrained, path, seed):
    """A model folder with the pretrained folder's config, vocabulary and lowercasing, random weights."""
    import keras

    from keras_bert import BertEncoder, BertPretrainer, load_checkpoint
    from keras_bert.interop.native import write_model_folder

    loaded = load_checkpoint(pretrained)
    keras.utils.set_random_seed(seed)
    # A pretrainer of fresh weights with the same tokenizer (vocabulary and lowercasing).
    model = BertPretrainer(BertEncoder(loaded.config), tokenizer=loaded.tokenizer)
    write_model_folder(path, model, metadata={"note": f"random initialisation, architecture of {pretrained}"})
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=["chnsenticorp", "sst2", "mrpc"], required=True)
    parser.add_argument("--pretrained", required=True, help="output folder of keras-bert pretrain")
    parser.add_argument("--learning-rates", default="1e-4,3e-4,1e-3",
                        help="comma-separated peak rates tried for each arm (the best on dev is tested)")
    parser.add_argument("--poolings", default="cls",
                        help="comma-separated sentence vectors tried for each arm: cls (the pooled [CLS] output), mean")
    parser.add_argument("--seeds", type=int, default=1,
                        help="fine-tune every setting with seeds 0..N-1 (head, dropout, batch order; the random "
                             "arm's encoder too); dev and test figures are means over them")
    parser.add_argument("--min-words", type=int, default=0,
                        help="train and watch dev only on rows with at least this many words (SST-2: the test "
                             "split is whole sentences, the train split mostly short phrases)")
    parser.add_argument("--dev-sentences", type=int, default=1000,
                        help="SST-2: choose on this many whole sentences with no text shared with training "
                             "(see finetune_common.sentence_disjoint_split; 0: alps_dev.tsv as it is)")
    parser.add_argument("--keep-repeated-texts", action="store_true",
                        help="choose on the whole dev split, even rows whose text is a training row's (ChnSentiCorp "
                             "repeats 338 of its 1,200 dev texts from train); by default they leave dev, and test "
                             "is scored both whole and without them")
    parser.add_argument("--max-dev-examples", type=int, default=1200,
                        help="score dev on a seeded subset this large (0: all; SST-2's dev has 6,735)")
    common_arguments(parser, epochs=3, seq_length=128, batch_size=32, learning_rate=None, max_train_examples=0)
    args = parser.parse_args()
    settings = [{"learning_rate": float(rate), "pooling": pooling}
                for rate in args.learning_rates.split(",") for pooling in args.poolings.split(",")]
    seeds = list(range(args.seeds))

    files = task_files(args.task, args.data_dir)
    os.makedirs(args.out, exist_ok=True)
    if args.min_words and args.task != "sst2":
        parser.error("--min-words applies to sst2 only")
    if args.task == "sst2" and args.dev_sentences:
        files.update(sentence_disjoint_split(files["train"], files["dev"], args.dev_sentences, args.out,
                                             args.seed, args.min_words))
    columns = TASKS[args.task]["columns"]
    if not args.keep_repeated_texts:
        text_columns = [option_value(columns, flag) for flag in ("--text-column", "--text-pair-column")]
        leave_out_training_texts(files, [column for column in text_columns if column], args.out)
    draw_subsets(files, args, args.min_words)

    # Written afresh each run: a twin left in --out by an earlier run may have another architecture.
    random_inits = {seed: write_random_twin(args.pretrained, os.path.join(args.out, f"random_init_encoder_seed{seed}"), seed)
                    for seed in seeds}
    results = [
        finetune_choosing_on_dev(f"{args.task}_pretrained", init=lambda seed: args.pretrained, files=files,
                                 columns=columns, out_dir=args.out, args=args, settings=settings, seeds=seeds),
        finetune_choosing_on_dev(f"{args.task}_random_init", init=random_inits.get, files=files,
                                 columns=columns, out_dir=args.out, args=args, settings=settings, seeds=seeds),
    ]
    print_table(results, os.path.join(args.out, "results.json"))
    for result in results:
        print(f"{result['name']}: {result['chosen_setting']} chosen on dev {result['dev_accuracy_by_setting']}; "
              f"test accuracy by seed {[round(value, 4) for value in result['test_accuracy_by_seed']]}, "
              f"mean {result['test_accuracy']:.4f} ± {result['test_accuracy_std']:.4f}")
        if "unseen_test_accuracy" in result:
            print(f"  on the {result['unseen_test_examples']:,} test texts not in train: by seed "
                  f"{[round(value, 4) for value in result['unseen_test_accuracy_by_seed']]}, "
                  f"mean {result['unseen_test_accuracy']:.4f} ± {result['unseen_test_accuracy_std']:.4f}")
    for prefix, what in (("", "test"), ("unseen_", "unseen-test")):
        rows = f"{prefix}test_correct_share_by_row"
        if rows in results[0]:
            gain, half_width = paired_gain(results[0][rows], results[1][rows])
            print(f"pretrained minus random init, mean {what} accuracy over {len(seeds)} seed(s): {gain:+.4f} "
                  f"(95 % interval over the {len(results[0][rows]):,} rows, paired: {gain - half_width:+.4f} "
                  f"to {gain + half_width:+.4f})")


if __name__ == "__main__":
    main()
