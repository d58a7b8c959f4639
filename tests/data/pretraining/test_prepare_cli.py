"""`keras-bert prepare`: shards and a summary on success; one line and exit code 2 on bad input."""

import json

from keras_bert.cli.main import main


def test_prepare_writes_shards(tmp_path, english_corpus, english_vocab, capsys, tokenizer_for):
    tokenizer_for(english_vocab)  # the tokenizer the command will build must exist
    out = tmp_path / "shards"
    code = main(
        ["prepare", "--corpus", str(english_corpus), "--vocab", str(english_vocab), "--seq-length", "32",
         "--max-predictions", "4", "--out", str(out), "--shards", "2", "--dupe-factor", "2", "--seed", "1",
         "--whole-word-masking"]
    )
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "pretraining-00000-of-00002.tfrecord", "pretraining-00001-of-00002.tfrecord", "pretraining_data.json"
    ]
    summary = json.loads((out / "pretraining_data.json").read_text())
    assert summary["dupe_factor"] == 2 and summary["whole_word_masking"] is True
    printed = capsys.readouterr().out
    assert f"wrote {summary['instances']} masked-LM + next-sentence instances" in printed
    # 4 slots cap the masks of the longest sequences (32 tokens want 5), and the run says so.
    assert "max_predictions=4 caps the masks: sequences of more than 30 tokens" in printed


def run_expecting_error(capsys, argv):
    code = main(["prepare", *argv])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


def test_prepare_bad_input(tmp_path, english_corpus, english_vocab, capsys, tokenizer_for):
    tokenizer_for(english_vocab)
    base = ["--vocab", str(english_vocab), "--out", str(tmp_path / "o")]
    err = run_expecting_error(capsys, ["--corpus", str(tmp_path / "nope.txt"), *base])
    assert "Corpus file not found" in err and "nope.txt" in err
    err = run_expecting_error(capsys, ["--corpus", str(english_corpus), "--vocab", str(tmp_path / "v.txt"), "--out", "o"])
    assert "vocabulary file not found" in err
    err = run_expecting_error(capsys, ["--corpus", str(english_corpus), *base, "--masked-lm-prob", "1.2"])
    assert "mask rate" in err
    err = run_expecting_error(capsys, ["--corpus", str(english_corpus), *base, "--seq-length", "1024"])
    assert "max_position_embeddings 512" in err
    err = run_expecting_error(capsys, ["--corpus", str(english_corpus), *base, "--max-predictions", "0"])
    assert "max_predictions" in err
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    assert "corpus is empty" in run_expecting_error(capsys, ["--corpus", str(empty), *base])
    one = tmp_path / "one.txt"
    one.write_text("The cat sat.\nThe dog ran.\n", encoding="utf-8")
    err = run_expecting_error(capsys, ["--corpus", str(one), *base, "--layout", "google"])
    assert "at least 2 documents" in err and "--no-next-sentence" in err
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"The cat.\n\nThe \xfe dog.\n")
    err = run_expecting_error(capsys, ["--corpus", str(bad), *base])
    assert "bad.txt, line 3: invalid UTF-8" in err
    code = main(["prepare", "--corpus", str(one), *base, "--layout", "google", "--fallback-to-mlm-only",
                 "--seq-length", "16", "--dupe-factor", "1"])
    assert code == 0 and "masked-LM only instances" in capsys.readouterr().out
    # Without --max-predictions: 15 % of 16 tokens, rounded up.
    assert json.loads((tmp_path / "o" / "pretraining_data.json").read_text())["max_predictions"] == 3
