import numpy as np
import pytest

from keras_bert import BertConfig, BertEncoder, BertTokenizer
from keras_bert.cli.main import main
from keras_bert.interop.native import write_model_folder
from keras_bert.tasks.sentence_encoder import BertSentenceEncoder
from keras_bert.visualization.attention import attention_probabilities, plot_attention

VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat",
              "##s", ".", "猫", "在", "垫", "子", "上"]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vocab")
    vocab_file = folder / "vocab.txt"
    vocab_file.write_text("\n".join(VOCABULARY) + "\n", encoding="utf-8")
    tokenizer = BertTokenizer.from_vocab_file(str(vocab_file))
    config = BertConfig(vocab_size=len(VOCABULARY), hidden_size=16, num_hidden_layers=2,
                        num_attention_heads=4, intermediate_size=32, max_position_embeddings=32)
    return BertEncoder(config), tokenizer, config


def test_probabilities_cover_real_tokens_and_match_the_encoder(model):
    encoder, tokenizer, _ = model
    tokens, probs = attention_probabilities(encoder, tokenizer, "The cats sat.", seq_length=16)
    assert tokens == ["[CLS]", "the", "cat", "##s", "sat", ".", "[SEP]"]
    assert probs.shape == (2, 4, 7, 7)
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)
    # The probe shares the encoder's weights: its last-layer output drives the same pooler.
    direct = BertEncoder(encoder.config, output_attention_probs=True)
    direct.set_weights(encoder.get_weights())
    inputs = {k: np.asarray(v) for k, v in tokenizer.encode(["The cats sat."], seq_length=16).items()}
    np.testing.assert_allclose(
        np.asarray(direct(inputs)["attention_probs"][1])[0, :, :7, :7], probs[1], atol=1e-6
    )


def test_plot_writes_a_png_for_english_and_chinese(model, tmp_path):
    encoder, tokenizer, _ = model
    for text in ("the cat sat on the mat.", "猫在垫子上。"):
        path = plot_attention(encoder, tokenizer, text, tmp_path / "a.png", layer=0)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_layer_is_a_clear_error(model, tmp_path):
    encoder, tokenizer, _ = model
    with pytest.raises(ValueError, match="layer 5 does not exist: this BERT has 2 layers"):
        plot_attention(encoder, tokenizer, "the cat", tmp_path / "a.png", layer=5)


def test_attention_command(model, tmp_path, capsys):
    encoder, tokenizer, config = model
    folder = tmp_path / "model"
    write_model_folder(folder, BertSentenceEncoder(encoder, tokenizer=tokenizer))
    out = tmp_path / "heads.png"
    assert main(["attention", "--model", str(folder), "--text", "the cat sat", "--out", str(out)]) == 0
    assert out.exists() and "4 heads" in capsys.readouterr().out
    assert main(["attention", "--model", str(folder), "--text", "  ", "--out", str(out)]) == 2


def test_labels_spell_wide_characters_as_code_points_without_a_cjk_font():
    from keras_bert.visualization import attention

    labels = attention._code_point_labels(["猫", "，", "。", "cat", "##s"])
    assert labels == ["U+732B", "U+FF0C", "U+3002", "cat", "##s"]
