"""Does pretraining pay? bert_tiny pretrained by `keras-bert pretrain` vs the same model from random init.

The BERT paper's central claim in miniature: fine-tune (a) the encoder our pretrainer made on
corpus/zh (resp. corpus/en) and (b) the identical architecture, vocabulary and tokenizer with
freshly initialised weights, on chnsenticorp (resp. sst2), with the same data, epochs, batch
size and schedule, and compare accuracy on the test split. Both runs are chosen on nothing:
one fixed recipe, so the test split is used only for the final report.

    python benchmarks/finetune_pretrained_vs_random.py --task chnsenticorp \
        --pretrained runs/pretrain_zh_tiny --out runs/pretrained_vs_random_zh

`--random-learning-rate` lets the random baseline use a higher peak rate (a randomly
initialised Transformer usually needs one); by default both use `--learning-rate`.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from finetune_common import common_arguments, finetune_and_test, print_table, task_files, training_options, TASKS  # noqa: E402


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
    parser.add_argument("--random-learning-rate", type=float, help="peak rate for the random baseline")
    common_arguments(parser, epochs=3, seq_length=128, batch_size=32, learning_rate=1e-4, max_train_examples=0)
    args = parser.parse_args()

    files = task_files(args.task, args.data_dir)
    os.makedirs(args.out, exist_ok=True)
    random_init = write_random_twin(args.pretrained, os.path.join(args.out, "random_init_encoder"), args.seed)
    columns = TASKS[args.task]["columns"]
    results = [
        finetune_and_test(f"{args.task}_pretrained", init=args.pretrained, files=files, columns=columns,
                          out_dir=args.out, options=training_options(args)),
        finetune_and_test(f"{args.task}_random_init", init=random_init, files=files, columns=columns,
                          out_dir=args.out, options=training_options(args, args.random_learning_rate)),
    ]
    print_table(results, os.path.join(args.out, "results.json"))
    gain = results[0]["test_accuracy"] - results[1]["test_accuracy"]
    print(f"pretrained minus random init, test accuracy: {gain:+.4f}")


if __name__ == "__main__":
    main()
