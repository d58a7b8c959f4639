"""Bad input through the command line, table-driven (issue 24).

Every case must end with exit code 2 and exactly one line on stderr,
`keras-bert CMD: error: ...`, that names the argument or file (and line) at fault, with no
traceback, and must leave every input untouched: the whole input folder (corpora, data files,
a tiny classifier model folder and its export) is hashed before and after each case.
"""

import contextlib
import hashlib
import json
import os
import subprocess
import sys

import pytest

from keras_bert.cli.main import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Inputs under `inputs/` (hashed by every case) and a scratch `outs/` folder."""
    from tests.serving.exported_model import VOCABULARY, build_classifier
    from keras_bert.workflows.classifier_folder import save_classifier_folder

    root = tmp_path_factory.mktemp("bad_input")
    inputs = root / "inputs"
    inputs.mkdir()
    (root / "outs").mkdir()
    vocab = inputs / "vocab.txt"
    vocab.write_text("".join(token + "\n" for token in VOCABULARY), encoding="utf-8")
    classifier = build_classifier(vocab)
    save_classifier_folder(str(inputs / "classifier"), classifier)
    assert main(["export", "--model", str(inputs / "classifier"), "--out", str(inputs / "saved")]) == 0

    (inputs / "corpus.txt").write_text("the movie was good\nthe plot was bad\n\nit is good\n", encoding="utf-8")
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "blank.txt").write_bytes(b"  \n\t\n\n")
    (inputs / "binary.bin").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 4)
    (inputs / "latin1.txt").write_bytes("caf\xe9 is good\n".encode("latin-1"))
    (inputs / "bad_line3.txt").write_bytes(b"good one\nfine two\nbad \xff\xfe three\n")
    (inputs / "train.tsv").write_text(
        "sentence\tlabel\nthe movie was good\tpositive\nthe plot was bad\tnegative\n", encoding="utf-8"
    )
    (inputs / "extra_column.tsv").write_text(
        "sentence\tlabel\ngood movie\tpositive\nbad\tplot\tnegative\n", encoding="utf-8"
    )
    # The first 3 lines are ASCII; line 4 is Latin-1, past the first decoding chunk.
    (inputs / "latin1_line4.tsv").write_bytes(
        b"sentence\tlabel\n" + b"good movie\tpositive\n" * 600 + "caf\xe9\tnegative\n".encode("latin-1")
    )
    (inputs / "texts.txt").write_text("the movie was good\nbad plot\n", encoding="utf-8")
    (inputs / "texts_bad.txt").write_bytes(b"the movie\nbad \xff plot\n")
    (inputs / "labelled.tsv").write_text(
        "text\tlabel\nthe movie was good\tpositive\nbad plot\tnegative\n", encoding="utf-8"
    )
    (inputs / "a_file").write_text("not a folder\n", encoding="utf-8")
    (inputs / "folder.csv").mkdir()
    (inputs / "folder.csv" / "keep.txt").write_text("keep\n", encoding="utf-8")
    # A Hugging Face folder whose shard index points outside the folder.
    hf = inputs / "hf_escape"
    hf.mkdir()
    (hf / "config.json").write_text(json.dumps({
        "model_type": "bert", "vocab_size": len(VOCABULARY), "hidden_size": 8,
        "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16,
        "max_position_embeddings": 32, "type_vocab_size": 2, "hidden_act": "gelu",
    }), encoding="utf-8")
    (hf / "vocab.txt").write_text("".join(token + "\n" for token in VOCABULARY), encoding="utf-8")
    (hf / "model.safetensors.index.json").write_text(json.dumps(
        {"weight_map": {"bert.embeddings.word_embeddings.weight": "../../../../../../etc/passwd"}}
    ), encoding="utf-8")
    return root


def tree_hash(folder):
    digest = hashlib.sha256()
    for base, folders, names in sorted(os.walk(folder)):
        folders.sort()
        for name in sorted(names) + [f + "/" for f in folders]:
            path = os.path.join(base, name.rstrip("/"))
            digest.update(os.path.relpath(path, folder).encode())
            if os.path.isfile(path):
                with open(path, "rb") as file:
                    digest.update(hashlib.sha256(file.read()).digest())
    return digest.hexdigest()


def read_only_folder():
    for candidate in ("/sys", "/proc/sys"):
        if os.path.isdir(candidate) and not os.access(candidate, os.W_OK):
            return candidate
    return None


IN, OUT = "{inputs}", "{outs}"
# (case id, argv with {inputs} / {outs}, what the message must contain)
CASES = [
    # vocab
    ("vocab-out-is-corpus", ["vocab", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "20", "--out", f"{IN}/corpus.txt"], "--out"),
    ("vocab-out-model-vocab", ["vocab", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "20", "--out", f"{IN}/classifier/assets/tokenizer/vocab.txt"], "--out"),
    ("vocab-out-export-vocab", ["vocab", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "20", "--out", f"{IN}/saved/assets/vocab.txt"], "--out"),
    ("vocab-out-is-folder", ["vocab", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "20", "--out", f"{OUT}"], "is a folder"),
    ("vocab-out-folder-missing", ["vocab", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "20", "--out", f"{OUT}/no/such/v.txt"], "--out"),
    ("vocab-empty-corpus", ["vocab", "--corpus", f"{IN}/empty.txt", "--vocab-size", "20", "--out", f"{OUT}/v.txt"], "no text"),
    ("vocab-whitespace-corpus", ["vocab", "--corpus", f"{IN}/blank.txt", "--vocab-size", "20", "--out", f"{OUT}/v.txt"], "no text"),
    ("vocab-binary-corpus", ["vocab", "--corpus", f"{IN}/binary.bin", "--vocab-size", "20", "--out", f"{OUT}/v.txt"], "binary.bin, line 1"),
    ("vocab-latin1-corpus", ["vocab", "--corpus", f"{IN}/latin1.txt", "--vocab-size", "20", "--out", f"{OUT}/v.txt"], "latin1.txt, line 1"),
    ("vocab-invalid-utf8-line-3", ["vocab", "--corpus", f"{IN}/corpus.txt", f"{IN}/bad_line3.txt", "--vocab-size", "20", "--out", f"{OUT}/v.txt"], "bad_line3.txt, line 3"),
    ("vocab-corpus-folder", ["vocab", "--corpus", f"{IN}/classifier", "--vocab-size", "20", "--out", f"{OUT}/v.txt"], "--corpus"),
    ("vocab-corpus-missing", ["vocab", "--corpus", f"{IN}/nope.txt", "--vocab-size", "20", "--out", f"{OUT}/v.txt"], "nope.txt"),
    ("vocab-size-too-small", ["vocab", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "5", "--out", f"{OUT}/v.txt"], "--vocab-size"),
    # prepare
    ("prepare-out-contains-corpus", ["prepare", "--corpus", f"{IN}/corpus.txt", "--vocab", f"{IN}/vocab.txt", "--out", f"{IN}"], "--out"),
    ("prepare-out-is-file", ["prepare", "--corpus", f"{IN}/corpus.txt", "--vocab", f"{IN}/vocab.txt", "--out", f"{IN}/a_file"], "--out"),
    # pretrain
    ("pretrain-out-classifier", ["pretrain", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "60", "--steps", "1", "--out", f"{IN}/classifier"], "holds a keras_bert classifier"),
    ("pretrain-out-export", ["pretrain", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "60", "--steps", "1", "--out", f"{IN}/saved"], "out"),
    ("pretrain-out-is-file", ["pretrain", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "60", "--steps", "1", "--out", f"{IN}/a_file"], "is a file"),
    ("pretrain-out-contains-corpus", ["pretrain", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "60", "--steps", "1", "--out", f"{IN}"], "contains corpus"),
    ("pretrain-out-contains-vocab", ["pretrain", "--corpus", f"{IN}/corpus.txt", "--vocab", f"{IN}/vocab.txt", "--steps", "1", "--out", f"{IN}"], "contains"),
    ("pretrain-batch-size-0", ["pretrain", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "60", "--steps", "1", "--batch-size", "0", "--out", f"{OUT}/p"], "batch_size"),
    # finetune
    ("finetune-out-is-init", ["finetune", "--train", f"{IN}/train.tsv", "--text-column", "sentence", "--label-column", "label", "--init", f"{IN}/classifier", "--out", f"{IN}/classifier"], "init"),
    ("finetune-out-contains-init", ["finetune", "--train", f"{IN}/train.tsv", "--text-column", "sentence", "--label-column", "label", "--init", f"{IN}/classifier", "--out", f"{IN}"], "contains"),
    ("finetune-out-inside-init", ["finetune", "--train", f"{IN}/train.tsv", "--text-column", "sentence", "--label-column", "label", "--init", f"{IN}/classifier", "--out", f"{IN}/classifier/sub"], "lies inside init"),
    ("finetune-out-is-train", ["finetune", "--train", f"{IN}/train.tsv", "--text-column", "sentence", "--label-column", "label", "--init", f"{IN}/classifier", "--out", f"{IN}/train.tsv"], "out"),
    ("finetune-out-is-export", ["finetune", "--train", f"{IN}/train.tsv", "--text-column", "sentence", "--label-column", "label", "--init", f"{IN}/classifier", "--out", f"{IN}/saved"], "--overwrite"),
    ("finetune-out-is-file", ["finetune", "--train", f"{IN}/train.tsv", "--text-column", "sentence", "--label-column", "label", "--init", f"{IN}/classifier", "--out", f"{IN}/a_file"], "is a file"),
    ("finetune-text-is-label", ["finetune", "--train", f"{IN}/train.tsv", "--text-column", "label", "--label-column", "label", "--init", f"{IN}/classifier", "--out", f"{OUT}/f"], "text_column and label_column"),
    ("finetune-seq-length-1", ["finetune", "--train", f"{IN}/train.tsv", "--text-column", "sentence", "--label-column", "label", "--init", f"{IN}/classifier", "--seq-length", "1", "--out", f"{OUT}/f"], "seq_length"),
    ("finetune-pair-seq-length-2", ["finetune", "--train", f"{IN}/train.tsv", "--text-column", "sentence", "--text-pair-column", "label2", "--label-column", "label", "--init", f"{IN}/classifier", "--seq-length", "2", "--out", f"{OUT}/f"], "seq_length"),
    ("finetune-batch-size-0", ["finetune", "--train", f"{IN}/train.tsv", "--text-column", "sentence", "--label-column", "label", "--init", f"{IN}/classifier", "--batch-size", "0", "--out", f"{OUT}/f"], "batch_size"),
    ("finetune-unknown-encoding", ["finetune", "--train", f"{IN}/train.tsv", "--text-column", "sentence", "--label-column", "label", "--init", f"{IN}/classifier", "--encoding", "no-such-codec", "--out", f"{OUT}/f"], "encoding"),
    ("finetune-latin1-line-602", ["finetune", "--train", f"{IN}/latin1_line4.tsv", "--text-column", "sentence", "--label-column", "label", "--init", f"{IN}/classifier", "--out", f"{OUT}/f"], "latin1_line4.tsv:602"),
    ("finetune-extra-column", ["finetune", "--train", f"{IN}/extra_column.tsv", "--text-column", "sentence", "--label-column", "label", "--init", f"{IN}/classifier", "--out", f"{OUT}/f"], "extra_column.tsv:3"),
    ("finetune-train-missing", ["finetune", "--train", f"{IN}/nope.tsv", "--text-column", "sentence", "--label-column", "label", "--init", f"{IN}/classifier", "--out", f"{OUT}/f"], "train"),
    # export
    ("export-out-is-model", ["export", "--model", f"{IN}/classifier", "--out", f"{IN}/classifier", "--overwrite"], "--out"),
    ("export-out-contains-model", ["export", "--model", f"{IN}/classifier", "--out", f"{IN}", "--overwrite"], "--out"),
    ("export-out-is-file", ["export", "--model", f"{IN}/classifier", "--out", f"{IN}/a_file"], "--out"),
    ("export-out-existing-export", ["export", "--model", f"{IN}/classifier", "--out", f"{IN}/saved"], "--overwrite"),
    ("export-seq-length-1", ["export", "--model", f"{IN}/classifier", "--out", f"{OUT}/e", "--seq-length", "1"], "--seq-length"),
    ("export-seq-length-0", ["export", "--model", f"{IN}/classifier", "--out", f"{OUT}/e", "--seq-length", "0"], "--seq-length"),
    ("export-preprocessor-out-is-out", ["export", "--model", f"{IN}/classifier", "--out", f"{OUT}/e", "--preprocessor-out", f"{OUT}/e"], "--preprocessor-out"),
    ("export-model-missing", ["export", "--model", f"{IN}/nope", "--out", f"{OUT}/e"], "--model"),
    # evaluate
    ("evaluate-plot-is-folder", ["evaluate", "--model", f"{IN}/classifier", "--input", f"{IN}/labelled.tsv", "--text-column", "text", "--label-column", "label", "--plot", f"{IN}"], "plot"),
    ("evaluate-plot-bad-extension", ["evaluate", "--model", f"{IN}/classifier", "--input", f"{IN}/labelled.tsv", "--text-column", "text", "--label-column", "label", "--plot", f"{OUT}/m.xyz"], "plot"),
    ("evaluate-out-is-input", ["evaluate", "--model", f"{IN}/classifier", "--input", f"{IN}/labelled.tsv", "--text-column", "text", "--label-column", "label", "--out", f"{IN}/labelled.tsv"], "out"),
    ("evaluate-predictions-model-file", ["evaluate", "--model", f"{IN}/classifier", "--input", f"{IN}/labelled.tsv", "--text-column", "text", "--label-column", "label", "--predictions", f"{IN}/classifier/keras_bert.json"], "predictions"),
    ("evaluate-batch-size-0", ["evaluate", "--model", f"{IN}/classifier", "--input", f"{IN}/labelled.tsv", "--text-column", "text", "--label-column", "label", "--batch-size", "0"], "batch_size"),
    # predict
    ("predict-batch-size-0", ["predict", "--model", f"{IN}/saved", "--input", f"{IN}/labelled.tsv", "--text-column", "text", "--out", f"{OUT}/p.csv", "--batch-size", "0"], "batch_size"),
    ("predict-out-is-folder", ["predict", "--model", f"{IN}/classifier", "--input", f"{IN}/labelled.tsv", "--text-column", "text", "--out", f"{IN}/folder.csv"], "is a folder"),
    ("predict-out-inside-model", ["predict", "--model", f"{IN}/classifier", "--input", f"{IN}/labelled.tsv", "--text-column", "text", "--out", f"{IN}/classifier/p.csv"], "lies inside model"),
    # convert
    ("convert-out-inside-in", ["convert", f"{IN}/classifier", "--to", "keras_bert", f"{IN}/classifier/sub"], "OUT"),
    ("convert-out-contains-in", ["convert", f"{IN}/classifier", "--to", "keras_bert", f"{IN}", "--overwrite"], "OUT"),
    ("convert-out-is-file", ["convert", f"{IN}/classifier", "--to", "keras_bert", f"{IN}/a_file"], "OUT"),
    ("convert-hf-index-escapes-folder", ["convert", "--from", "huggingface", f"{IN}/hf_escape", "--to", "keras_bert", f"{OUT}/c"], "outside the checkpoint folder"),
    # encode
    ("encode-out-is-folder", ["encode", "--model", f"{IN}/saved", "--input", f"{IN}/texts.txt", "--out", f"{IN}/classifier/assets"], "--out"),
    ("encode-out-model-file", ["encode", "--model", f"{IN}/saved", "--input", f"{IN}/texts.txt", "--out", f"{IN}/saved/variables.npy"], "--out"),
    ("encode-batch-size-0", ["encode", "--model", f"{IN}/saved", "--input", f"{IN}/texts.txt", "--out", f"{OUT}/e.npy", "--batch-size", "0"], "--batch-size"),
    ("encode-invalid-utf8-line-2", ["encode", "--model", f"{IN}/saved", "--input", f"{IN}/texts_bad.txt", "--out", f"{OUT}/e.npy"], "texts_bad.txt, line 2"),
]


def run_case(files, capsys, argv):
    argv = [arg.replace(IN, str(files / "inputs")).replace(OUT, str(files / "outs")) for arg in argv]
    capsys.readouterr()
    before = tree_hash(files / "inputs")
    code = main(argv)
    captured = capsys.readouterr()
    after = tree_hash(files / "inputs")
    return code, captured.err, before == after


@pytest.mark.parametrize("argv, needle", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_is_one_line_exit_2_and_touches_nothing(files, capsys, argv, needle):
    code, err, untouched = run_case(files, capsys, argv)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith(f"keras-bert {argv[0]}: error: "), err
    assert "Traceback" not in err
    assert needle in lines[0], lines[0]
    assert untouched, "an input file changed"
    assert not any(name.endswith(".lock") or ".partial-" in name for name in os.listdir(files / "outs"))


def test_there_are_at_least_40_cases():
    assert len(CASES) >= 40 and len({case[0] for case in CASES}) == len(CASES)


def test_an_out_on_a_read_only_file_system_is_one_line(files, capsys):
    folder = read_only_folder()
    if folder is None:
        pytest.skip("no read-only folder on this machine")
    for argv in (
        ["vocab", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "20", "--out", f"{folder}/v.txt"],
        ["export", "--model", f"{IN}/classifier", "--out", f"{folder}/e"],
        ["finetune", "--train", f"{IN}/train.tsv", "--text-column", "sentence", "--label-column",
         "label", "--init", f"{IN}/classifier", "--out", f"{folder}/f"],
    ):
        code, err, untouched = run_case(files, capsys, argv)
        assert code == 2 and err.count("\n") == 1 and "out" in err and "Traceback" not in err, err
        assert untouched


def test_a_second_writer_of_the_same_out_is_refused(files, capsys):
    from keras_bert.output_paths import output_lock

    out = str(files / "outs" / "locked.txt")
    with output_lock("--out", out):
        code, err, untouched = run_case(
            files, capsys, ["vocab", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "20", "--out", out]
        )
    assert code == 2 and "another keras-bert run" in err and untouched
    assert not os.path.exists(out)
    # Released: the same command now succeeds.
    code, err, _ = run_case(
        files, capsys, ["vocab", "--corpus", f"{IN}/corpus.txt", "--vocab-size", "20", "--out", out, "--quiet"]
    )
    assert code == 0, err
    assert os.path.isfile(out)


def test_staged_folder_replaces_only_what_is_written_and_nothing_on_failure(tmp_path):
    from keras_bert.output_paths import staged_folder

    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("user file")
    (out / "model.txt").write_text("old")
    with staged_folder("--out", str(out)) as staging:
        with open(os.path.join(staging, "model.txt"), "w") as file:
            file.write("new")
    assert (out / "mine.txt").read_text() == "user file" and (out / "model.txt").read_text() == "new"
    with contextlib.suppress(RuntimeError), staged_folder("--out", str(out)) as staging:
        with open(os.path.join(staging, "model.txt"), "w") as file:
            file.write("half")
        raise RuntimeError("interrupted")
    assert (out / "model.txt").read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_encode_ids_rejects_ids_outside_the_tables(files):
    import numpy as np
    import tensorflow as tf

    from tests.serving.exported_model import VOCABULARY

    model = tf.saved_model.load(str(files / "inputs" / "saved"))
    encode_ids = model.signatures["encode_ids"]
    ones = np.ones((1, 4), np.int32)
    ok = encode_ids(input_word_ids=tf.constant(ones * 5), input_mask=tf.constant(ones),
                    input_type_ids=tf.constant(ones * 0))
    assert ok["pooled_output"].shape[0] == 1
    for word_id, message in ((-1, "input_word_ids must be >= 0"),
                             (len(VOCABULARY), f"input_word_ids must be < {len(VOCABULARY)}")):
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            encode_ids(input_word_ids=tf.constant(ones * word_id), input_mask=tf.constant(ones),
                       input_type_ids=tf.constant(ones * 0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="input_type_ids must be < 2"):
        encode_ids(input_word_ids=tf.constant(ones), input_mask=tf.constant(ones),
                   input_type_ids=tf.constant(ones * 2))


def clean_environment():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("PYTHONPATH", None)
    return env


@pytest.mark.parametrize("command", ["predict", "encode"])
def test_predict_and_encode_on_a_saved_model_in_a_fresh_process(files, tmp_path, command):
    """`keras-bert predict/encode` started on its own, importing nothing first."""
    saved = str(files / "inputs" / "saved")
    if command == "predict":
        out = tmp_path / "p.jsonl"
        args = ["--input", str(files / "inputs" / "labelled.tsv"), "--text-column", "text"]
    else:
        out = tmp_path / "e.npy"
        args = ["--input", str(files / "inputs" / "texts.txt")]
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from keras_bert.cli.main import main; sys.exit(main())",
         command, "--model", saved, *args, "--out", str(out)],
        capture_output=True, text=True, env=clean_environment(), cwd=str(tmp_path), timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert out.is_file() and out.stat().st_size > 0


def test_presets_into_a_closed_pipe_ends_quietly(tmp_path):
    result = subprocess.run(
        f"'{sys.executable}' -m keras_bert.cli.main presets | head -1",
        shell=True, capture_output=True, text=True, env=clean_environment(), cwd=ROOT, timeout=300,
    )
    assert result.stdout.startswith("preset")
    assert "BrokenPipeError" not in result.stderr and "Traceback" not in result.stderr


def test_hugging_face_index_cannot_name_a_file_outside_the_folder(files):
    from keras_bert.errors import KerasBertError
    from keras_bert.interop.hugging_face import read_tensors

    with pytest.raises(KerasBertError, match="outside the checkpoint folder"):
        read_tensors(str(files / "inputs" / "hf_escape"))
