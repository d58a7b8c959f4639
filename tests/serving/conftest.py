"""One tiny fine-tuned classifier, written as a model folder and exported once per session.

The export goes through `keras-bert export` (load_checkpoint → export_saved_model), the path a
user takes.
"""

import pytest

from tests.serving.exported_model import VOCABULARY, build_classifier


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """(SavedModel path, in-memory classifier, model folder) shared by the serving tests."""
    from keras_bert.cli.main import main
    from keras_bert.workflows.classifier_folder import save_classifier_folder

    root = tmp_path_factory.mktemp("serving")
    vocab_file = root / "vocab.txt"
    vocab_file.write_text("".join(token + "\n" for token in VOCABULARY), encoding="utf-8")
    classifier = build_classifier(vocab_file)
    folder = root / "classifier"
    save_classifier_folder(str(folder), classifier)
    saved_model = root / "saved_model"
    assert main(["export", "--model", str(folder), "--out", str(saved_model)]) == 0
    return saved_model, classifier, folder
