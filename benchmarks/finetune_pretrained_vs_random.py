"""Does pretraining pay? bert_tiny pretrained by `keras-bert pretrain` vs the same model from random init.

The BERT paper's central claim in miniature: fine-tune (a) the encoder our pretrainer made on
corpus/zh (resp. corpus/en) and (b) the identical architecture, vocabulary and tokenizer with
freshly initialised weights, on chnsenticorp (resp. sst2), with the same data, epochs, batch
size and schedule, and compare accuracy on the test split.

Each arm is fine-tuned once per peak learning rate in `--learning-rates` (the same grid and
budget for both), the run with the best dev accuracy is kept, and only that run is scored on
the test split. A single shared rate would favour one arm: a pretrained encoder wants a lower
rate than a random one, which a high rate can wipe out.

    python benchmarks/finetune_pretrained_vs_random.py --task chnsenticorp \
        --pretrained runs/pretrain_zh_tiny --out runs/pretrained_vs_random_zh
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from finetune_common import common_arguments, draw_subsets, finetune_choosing_rate, print_table, task_files, TASKS  # noqa: E402


def write_random_twin(pretrained, path, seed):
    """A model folder with the pretrained folder's config, vocabulary and lowercasing, random weights."""
    import keras

    from keras_bert import BertEncoder, load_checkpoint
    from keras_bert.interop.native import write_model_folder

    loaded = load_checkpoint(pretrained)
    keras.utils.set_random_seed(seed)
    encoder = BertEncoder(loaded.config)
    write_model_folder(path, config=loaded.config, vocabulary=loaded.vocabulary, lowercase=loaded.lowercase,
                       encoder=encoder, metadata={"note": f"random initialisation, architecture of {pretrained}"})
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=["chnsenticorp", "sst2"], required=True)
    parser.add_argument("--pretrained", required=True, help="output folder of keras-bert pretrain")
    parser.add_argument("--learning-rates", default="1e-4,3e-4,1e-3",
                        help="comma-separated peak rates tried for each arm (the best on dev is tested)")
    parser.add_argument("--min-words", type=int, default=0,
                        help="train and watch dev only on rows with at least this many words (SST-2: the test "
                             "split is whole sentences, the train split mostly short phrases)")
    parser.add_argument("--max-dev-examples", type=int, default=1200,
                        help="score dev on a seeded subset this large (0: all; SST-2's dev has 6,735)")
    common_arguments(parser, epochs=3, seq_length=128, batch_size=32, learning_rate=None, max_train_examples=0)
    args = parser.parse_args()
    rates = [float(rate) for rate in args.learning_rates.split(",")]

    files = task_files(args.task, args.data_dir)
    os.makedirs(args.out, exist_ok=True)
    if args.min_words and args.task != "sst2":
        parser.error("--min-words applies to sst2 only")
    draw_subsets(files, args, args.min_words)
    random_init = write_random_twin(args.pretrained, os.path.join(args.out, "random_init_encoder"), args.seed)
    columns = TASKS[args.task]["columns"]
    results = [
        finetune_choosing_rate(f"{args.task}_pretrained", init=args.pretrained, files=files, columns=columns,
                               out_dir=args.out, args=args, rates=rates),
        finetune_choosing_rate(f"{args.task}_random_init", init=random_init, files=files, columns=columns,
                               out_dir=args.out, args=args, rates=rates),
    ]
    print_table(results, os.path.join(args.out, "results.json"))
    gain = results[0]["test_accuracy"] - results[1]["test_accuracy"]
    for result in results:
        print(f"{result['name']}: peak learning rate {result['learning_rate']:g} chosen on dev "
              f"{result['dev_accuracy_by_learning_rate']}")
    print(f"pretrained minus random init, test accuracy: {gain:+.4f}")


if __name__ == "__main__":
    main()
