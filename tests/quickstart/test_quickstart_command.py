"""The quickstart end to end with tiny settings: every step runs and the export answers."""

import os

from keras_bert.cli.main import main


def test_quickstart_runs_end_to_end(tmp_path, capsys):
    work_dir, export_dir = tmp_path / "runs", tmp_path / "export"
    status = main([
        "quickstart", "--pretrain-steps", "4", "--finetune-epochs", "1", "--seq-length", "32",
        "--vocab-size", "1500", "--work-dir", str(work_dir), "--export-dir", str(export_dir),
    ])
    out = capsys.readouterr().out
    assert status in (0, None)
    for step in ("Step 1/4", "Step 2/4", "Step 3/4", "Step 4/4", "Done in"):
        assert step in out
    assert "bert.classify(texts):" in out
    assert os.path.exists(export_dir / "saved_model.pb")
    assert os.path.exists(work_dir / "pretrained" / "training_curves.png")
    assert os.path.exists(work_dir / "classifier" / "model.weights.h5")


def test_quickstart_rejects_train_without_dev(tmp_path):
    assert main(["quickstart", "--train", str(tmp_path / "x.csv")]) == 2
