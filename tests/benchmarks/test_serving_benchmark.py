"""The serving benchmark's README row: each variant is shown beside its own side's figure."""

from benchmarks import readme_table


def test_variants_sit_beside_their_side_and_the_settings_state_the_padding():
    record = {
        "benchmark": "serving/bert_tiny/batch_32",
        "config": {
            "preset": "bert_tiny", "layers": 2, "hidden_size": 128, "seq_length": 128,
            "texts": "SST-2 dev sentences", "xla": "off, except the keras_bert jit_compile variant",
            "batch_size": 32, "texts_per_round": 256, "rounds": 5, "warmup_rounds": 1,
        },
        "unit": "texts/s",
        "higher_is_better": True,
        "keras_bert": 1000.0,
        "peers": {"keras_hub": 400.0, "huggingface": 800.0},
        "spread": {"keras_bert": 0.1, "keras_hub": 0.2, "huggingface": 0.3},
        "variants": {
            "keras_bert_jit_compile": {"side": "keras_bert", "label": "jit_compile=True", "median": 1500.0},
            "huggingface_padded_128": {"side": "huggingface", "label": "padded to 128", "median": 300.0},
        },
        "setups": {},
    }

    assert readme_table.figure(record, "keras_bert") == "1,000 [10 %]; jit_compile=True: 1,500"
    assert readme_table.figure(record, "huggingface") == "800 [30 %]; padded to 128: 300"
    assert readme_table.figure(record, "keras_hub") == "400 [20 %]"
    assert readme_table.speed_ratio(record, "huggingface") == "1.25"
    settings = readme_table.settings(record)
    assert "pad each batch to its longest text" in settings and "keras-hub to 128" in settings


def test_older_records_without_sides_or_padding_read_as_before():
    record = {"keras_bert": 10.0, "peers": {"keras_hub": 5.0}, "spread": {"keras_bert": 0.5},
              "variants": {"old": {"label": "lookup table", "median": 7.0}}}
    assert readme_table.figure(record, "keras_bert") == "10 [50 %]; lookup table: 7"
    assert readme_table.padding_and_xla({"xla": False}) == "no XLA"
