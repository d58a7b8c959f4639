"""Entity tag schemes, converted to the one keras_bert uses inside (BIO), and entity chunks.

A tag is "O" or PREFIX-TYPE ("B-PER"). The schemes in the wild:

- IOB1 (CoNLL-2003 as distributed): I-X inside an entity, and an entity starts with I-X too;
  B-X only starts an entity that directly follows another of the same type.
- IOB2 = BIO: every entity starts with B-X, continues with I-X.
- BIOES (IOBES): B-X begins, I-X continues, E-X ends a longer entity, S-X is a single-word one.
- BMES (Chinese character tagging, e.g. Resume NER): as BIOES with M-X for "middle".

Inside keras_bert every sequence is canonical BIO: each entity is B-X then I-X…. IOB1 and
BIO convert by conlleval's chunk rules (an entity starts at B-X, at I-X after O, and at a
change of type; so an I-X after O, invalid in strict BIO, starts an entity as conlleval
reads it). BIOES and BMES convert by their own rules (E-X and S-X close an entity). Sequences
that break their scheme's rules (BIO starting with I-X, BIOES B-X without E-X …) still
convert, and are counted as ill-formed so that a reader can report them.
"""

from keras_bert.errors import KerasBertError

OUTSIDE = "O"
# scheme name → (canonical name, prefixes allowed)
_SCHEMES = {
    "iob1": ("iob1", "BI"),
    "iob2": ("iob2", "BI"),
    "bio": ("iob2", "BI"),
    "bioes": ("bioes", "BIES"),
    "iobes": ("bioes", "BIES"),
    "bmes": ("bmes", "BMES"),
}
SCHEMES = ("auto",) + tuple(_SCHEMES)


class BadTagError(KerasBertError):
    """A tag that is not O or PREFIX-TYPE of the scheme; `index` says which one."""

    def __init__(self, message, index):
        super().__init__(message)
        self.index = index


def split_tag(tag, index=0, prefixes="BIMES"):
    """(prefix, type) of a tag; ("O", None) for O. Raises `BadTagError` for anything else."""
    if tag == OUTSIDE:
        return OUTSIDE, None
    prefix, dash, entity_type = tag.partition("-")
    if not dash or len(prefix) != 1 or prefix not in prefixes or not entity_type:
        allowed = ", ".join(f"{p}-TYPE" for p in prefixes)
        raise BadTagError(f"tag {tag!r} is not O or one of {allowed}", index)
    return prefix, entity_type


def canonical_scheme(scheme):
    if scheme not in _SCHEMES:
        raise KerasBertError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}.")
    return _SCHEMES[scheme][0]


def detect_scheme(tag_sequences):
    """The scheme a collection of tag sequences is written in ("iob1", "iob2", "bioes", "bmes").

    E-/S-/M- prefixes mean BIOES (with I-) or BMES (with M-); otherwise IOB1 if some entity
    starts with I-X (after O or another type), else IOB2. An empty collection is "iob2".
    """
    prefixes = set()
    starts_with_inside = False
    for tags in tag_sequences:
        previous = (OUTSIDE, None)
        for index, tag in enumerate(tags):
            prefix, entity_type = split_tag(tag, index)
            prefixes.add(prefix)
            if prefix == "I" and (previous[0] == OUTSIDE or previous[1] != entity_type):
                starts_with_inside = True
            previous = (prefix, entity_type)
    if prefixes & set("MES"):
        if "M" in prefixes and "I" in prefixes:
            raise KerasBertError("tags mix I- and M- prefixes: neither BIOES nor BMES.")
        return "bmes" if "M" in prefixes else "bioes"
    return "iob1" if starts_with_inside else "iob2"


def chunks(tags, scheme="iob2"):
    """Entities in one tag sequence: [(type, start, end)], end exclusive, in order.

    For IOB1 / BIO these are conlleval's chunks: one starts at B-X, at I-X after O or after
    another type; it ends before O, B-*, or a change of type. For BIOES / BMES an entity also
    ends after E-X or S-X.
    """
    found, ill_formed = _parse(tags, scheme)
    return found


def to_bio(tags, scheme="iob2"):
    """(canonical BIO tags, number of ill-formed entities) of one sequence in `scheme`."""
    found, ill_formed = _parse(tags, scheme)
    bio = [OUTSIDE] * len(tags)
    for entity_type, start, end in found:
        bio[start] = f"B-{entity_type}"
        for index in range(start + 1, end):
            bio[index] = f"I-{entity_type}"
    return bio, ill_formed


def _parse(tags, scheme):
    name = canonical_scheme(scheme)
    prefixes = _SCHEMES[name][1]
    closing = name in ("bioes", "bmes")
    found, ill_formed = [], 0
    open_type, open_start, open_prefix, open_bad = None, None, None, False

    def close(end):
        nonlocal open_type, ill_formed
        if open_type is not None:
            found.append((open_type, open_start, end))
            # Strict schemes begin an entity with B- (or S-); BIOES / BMES end it with E- (or S-).
            ill_formed += open_bad or (closing and open_prefix not in "ES")
            open_type = None

    for index, tag in enumerate(tags):
        prefix, entity_type = split_tag(tag, index, prefixes)
        if prefix == OUTSIDE:
            close(index)
            continue
        if prefix in "BS" or open_type != entity_type:
            close(index)
            open_type, open_start = entity_type, index
            open_bad = prefix not in "BS" and name != "iob1"
        open_prefix = prefix
        if closing and prefix in "ES":
            close(index + 1)
    close(len(tags))
    return found, ill_formed


def bio_tag_names(entity_types):
    """The BIO tag vocabulary of `entity_types`: "O", then B-X, I-X for each type, sorted."""
    names = [OUTSIDE]
    for entity_type in sorted(set(entity_types)):
        names += [f"B-{entity_type}", f"I-{entity_type}"]
    return names


def entity_types_of(tag_names):
    """The entity types of a BIO tag vocabulary; a KerasBertError if it is not one."""
    types = []
    for index, name in enumerate(tag_names):
        prefix, entity_type = split_tag(name, index, "BI")
        if entity_type is not None and entity_type not in types:
            types.append(entity_type)
    missing = [
        f"{prefix}-{entity_type}"
        for entity_type in types
        for prefix in "BI"
        if f"{prefix}-{entity_type}" not in tag_names
    ]
    if OUTSIDE not in tag_names:
        missing.insert(0, OUTSIDE)
    if missing:
        raise KerasBertError(f"BIO tags lack {', '.join(missing)}: {list(tag_names)!r}.")
    return types
