"""`python -m benchmarks` keeps the stored records a partial rerun does not replace."""

from benchmarks.__main__ import jobs, merge_records


def _record(benchmark, figure):
    return {"benchmark": benchmark, "keras_bert": figure}


STORED = [
    _record("tokenize_pack/sst2/per_batch", 1),
    _record("pretraining/bert_mini/xla_off", 2),
    _record("finetuning/bert_mini/xla_off", 3),
    _record("finetuning/bert_mini/xla_on", 4),
]


def test_a_rerun_job_replaces_only_its_own_record_and_keeps_the_order():
    merged = merge_records(STORED, [_record("finetuning/bert_mini/xla_on", 40)])
    assert [(r["benchmark"], r["keras_bert"]) for r in merged] == [
        ("tokenize_pack/sst2/per_batch", 1),
        ("pretraining/bert_mini/xla_off", 2),
        ("finetuning/bert_mini/xla_off", 3),
        ("finetuning/bert_mini/xla_on", 40),
    ]


def test_a_missing_record_is_added_in_its_kinds_place():
    stored = [r for r in STORED if r["benchmark"] != "finetuning/bert_mini/xla_on"]
    merged = merge_records(stored, [_record("pretraining/bert_small/xla_on", 5)])
    assert [r["benchmark"] for r in merged] == [
        "tokenize_pack/sst2/per_batch",
        "pretraining/bert_mini/xla_off",
        "pretraining/bert_small/xla_on",
        "finetuning/bert_mini/xla_off",
    ]


def test_only_drops_every_stored_record_of_the_rerun_kind():
    merged = merge_records(STORED, [_record("finetuning/bert_mini/xla_off", 30)], replaced_kinds=("finetuning",))
    assert [(r["benchmark"], r["keras_bert"]) for r in merged] == [
        ("tokenize_pack/sst2/per_batch", 1),
        ("pretraining/bert_mini/xla_off", 2),
        ("finetuning/bert_mini/xla_off", 30),
    ]


def test_job_labels_name_what_the_job_option_matches():
    labels = [label for _, label, _ in jobs(quick=False)]
    assert "finetuning bert_mini XLA on" in labels
    assert "tokenization sst2" in labels
