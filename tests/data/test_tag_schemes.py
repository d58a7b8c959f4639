"""Tag schemes → BIO, and entity chunks, checked by hand from each scheme's definition."""

import pytest

from keras_bert.data.tag_schemes import (
    bio_tag_names,
    chunks,
    detect_scheme,
    entity_types_of,
    to_bio,
)
from keras_bert.errors import KerasBertError


def test_iob1_entities_start_with_inside_tags():
    # CoNLL-2003 as distributed: "I-ORG" opens an entity; B- only splits two touching ones.
    tags = ["I-ORG", "O", "I-MISC", "I-MISC", "B-MISC", "I-PER", "I-LOC"]
    assert chunks(tags, "iob1") == [
        ("ORG", 0, 1), ("MISC", 2, 4), ("MISC", 4, 5), ("PER", 5, 6), ("LOC", 6, 7)
    ]
    bio, ill_formed = to_bio(tags, "iob1")
    assert bio == ["B-ORG", "O", "B-MISC", "I-MISC", "B-MISC", "B-PER", "B-LOC"]
    assert ill_formed == 0  # I- first is how IOB1 is written


def test_bio_is_kept_and_a_leading_inside_tag_is_read_as_conlleval_does():
    assert to_bio(["B-PER", "I-PER", "O", "B-LOC"], "bio") == (
        ["B-PER", "I-PER", "O", "B-LOC"], 0
    )
    assert to_bio(["O", "I-PER", "I-PER"], "iob2") == (["O", "B-PER", "I-PER"], 1)


@pytest.mark.parametrize(
    "scheme, tags",
    [
        ("bioes", ["S-PER", "B-LOC", "I-LOC", "E-LOC", "O", "B-ORG", "E-ORG", "S-ORG"]),
        ("bmes", ["S-PER", "B-LOC", "M-LOC", "E-LOC", "O", "B-ORG", "E-ORG", "S-ORG"]),
    ],
)
def test_bioes_and_bmes(scheme, tags):
    bio, ill_formed = to_bio(tags, scheme)
    assert bio == ["B-PER", "B-LOC", "I-LOC", "I-LOC", "O", "B-ORG", "I-ORG", "B-ORG"]
    assert ill_formed == 0
    assert detect_scheme([tags]) == scheme


def test_broken_bioes_converts_and_is_counted():
    # E- closes an entity, so an I- after it opens a new one; B- without E- is ill-formed.
    bio, ill_formed = to_bio(["B-PER", "E-PER", "I-PER", "O", "B-LOC", "O"], "bioes")
    assert bio == ["B-PER", "I-PER", "B-PER", "O", "B-LOC", "O"]
    assert ill_formed == 2


def test_detect_scheme():
    assert detect_scheme([["B-PER", "I-PER", "O"]]) == "iob2"
    assert detect_scheme([["O", "I-PER"], ["B-PER"]]) == "iob1"
    with pytest.raises(KerasBertError, match="mix I- and M-"):
        detect_scheme([["B-X", "M-X", "E-X", "I-X"]])


def test_bad_tags_are_named():
    with pytest.raises(KerasBertError, match="'X-PER' is not O or one of B-TYPE, I-TYPE"):
        to_bio(["O", "X-PER"], "bio")
    with pytest.raises(KerasBertError, match="'M-PER'"):
        to_bio(["M-PER"], "bioes")
    with pytest.raises(KerasBertError, match="'B-'"):
        to_bio(["B-"], "bio")
    with pytest.raises(KerasBertError, match="scheme must be one of"):
        to_bio(["O"], "iob3")


def test_tag_vocabulary():
    assert bio_tag_names(["PER", "LOC", "PER"]) == ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    assert entity_types_of(["O", "B-LOC", "I-LOC"]) == ["LOC"]
    with pytest.raises(KerasBertError, match="lack I-LOC"):
        entity_types_of(["O", "B-LOC"])
    with pytest.raises(KerasBertError, match="not O or one of"):
        entity_types_of(["NN", "VB"])
