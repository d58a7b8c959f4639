"""Google's BERT BasicTokenizer, rebuilt from TensorFlow string ops so it runs inside the graph.

Why not tf-text's own `BertTokenizer` / `BasicTokenizer`: they differ from Google's
`tokenization.py` in ways that change ids. Lowercasing there is ICU case folding (with compatibility mapping)
("Straße" → "strasse", "ＡＢＣ" → "abc", "，" → ","; Google keeps "straße", "ａｂｃ", "，"),
and control characters and U+FFFD split words instead of vanishing ("a\\x05b" → "a", "b";
Google: "ab"). Here the steps are Google's:

1. invalid UTF-8 bytes become U+FFFD (then dropped, which equals Google's Python 3
   `bytes.decode("utf-8", "ignore")`);
2. clean text: drop NUL, U+FFFD and every category C* character except tab, newline and
   carriage return; map tab, newline, carriage return and category Zs to a space (and the
   line / paragraph separators U+2028, U+2029, on which Google's `str.split()` splits);
3. if lowercasing: Python `str.lower()` (`tf.strings.lower(encoding="utf-8")`, which keeps
   "ß" and handles the final sigma like Python), then NFD, then drop category Mn (accents);
4. put spaces around every CJK character (Google's `_is_chinese_char` ranges) and every
   punctuation character (ASCII 33-47, 58-64, 91-96, 123-126 and every category P*), then
   split on spaces.

Google isolates CJK characters before lowercasing; doing it in step 4 gives the same words
(see `split_words`) with one regex pass fewer.

The character classes are generated from Python's `unicodedata`, the tables Google's code
consults, rather than RE2's own `\\p{..}` tables: RE2 and ICU in TensorFlow follow a newer
Unicode version and would classify recently assigned characters differently. The remaining
difference is lowercasing and NFD of a few dozen characters assigned in Unicode 14 or later,
which use ICU's tables (see tests/tokenization for the exhaustive code point comparison).
"""

import functools
import sys
import unicodedata

import tensorflow as tf
import tensorflow_text as tf_text

# Google's `_is_chinese_char` ranges: CJK Unified Ideographs and extensions A-E plus the CJK
# compatibility ideographs. Hiragana, Katakana and Hangul are deliberately not included.
CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)

# Google's `_is_punctuation` counts every non-alphanumeric printable ASCII character.
ASCII_PUNCTUATION_RANGES = ((33, 47), (58, 64), (91, 96), (123, 126))


def _as_regex_class(ranges):
    """An RE2 character class matching the given inclusive code point ranges."""
    parts = []
    for low, high in ranges:
        if low == high:
            parts.append(f"\\x{{{low:X}}}")
        else:
            parts.append(f"\\x{{{low:X}}}-\\x{{{high:X}}}")
    return "[" + "".join(parts) + "]"


def _category_runs():
    """(first, last, category) for each maximal run of code points sharing a category."""
    runs, first, current = [], 0, unicodedata.category("\x00")
    categories = map(unicodedata.category, map(chr, range(1, sys.maxunicode + 1)))
    for code_point, category in enumerate(categories, start=1):
        if category != current:
            runs.append((first, code_point - 1, current))
            first, current = code_point, category
    runs.append((first, sys.maxunicode, current))
    return runs


def _merge(code_points_and_ranges):
    """Sorted, merged inclusive ranges, with surrogates (invalid in UTF-8 and RE2) removed."""
    ranges = []
    for low, high in sorted(code_points_and_ranges):
        pieces = [(low, high)]
        if low <= 0xDFFF and high >= 0xD800:
            pieces = [(low, 0xD7FF), (0xE000, high)]
        for piece_low, piece_high in pieces:
            if piece_low > piece_high:
                continue
            if ranges and piece_low <= ranges[-1][1] + 1:
                ranges[-1] = (ranges[-1][0], max(ranges[-1][1], piece_high))
            else:
                ranges.append((piece_low, piece_high))
    return ranges


@functools.lru_cache(maxsize=None)
def character_classes():
    """RE2 patterns for Google's character classes, from this Python's Unicode tables.

    Returns a dict with keys "removed" (NUL, U+FFFD and category C* except \\t \\n \\r),
    "whitespace" (\\t \\n \\r, category Zs, and U+2028 / U+2029 on which Python's
    `str.split()` splits), "cjk", "nonspacing_mark" (category Mn) and "punctuation".
    """
    runs = _category_runs()
    tab_newline_return = [(9, 10), (13, 13)]
    control = _merge([(low, high) for low, high, cat in runs if cat.startswith("C")])
    removed = []
    for low, high in control:
        # Cut \\t \\n \\r out of the control ranges: Google turns them into spaces.
        for keep_low, keep_high in tab_newline_return:
            if low <= keep_low and keep_high <= high:
                removed.append((low, keep_low - 1))
                low = keep_high + 1
        removed.append((low, high))
    removed += [(0, 0), (0xFFFD, 0xFFFD)]
    # Google maps these to a space when cleaning; Python's str.split() later also splits on
    # the line and paragraph separators (Zl, Zp) that cleaning keeps, so they join the class.
    whitespace = tab_newline_return + [(32, 32)]
    whitespace += [(low, high) for low, high, cat in runs if cat == "Zs"]
    whitespace += [
        (code_point, code_point)
        for low, high, cat in runs
        if cat in ("Zl", "Zp")
        for code_point in range(low, high + 1)
        if chr(code_point).isspace()
    ]
    punctuation = list(ASCII_PUNCTUATION_RANGES)
    punctuation += [(low, high) for low, high, cat in runs if cat.startswith("P")]
    return {
        "removed": _as_regex_class(_merge(removed)),
        "whitespace": _as_regex_class(_merge(whitespace)),
        "cjk": _as_regex_class(_merge(CJK_RANGES)),
        "nonspacing_mark": _as_regex_class(
            _merge([(low, high) for low, high, cat in runs if cat == "Mn"])
        ),
        "punctuation": _as_regex_class(_merge(punctuation)),
    }


# Printable ASCII, tab, newline and carriage return: texts made only of these need no cleaning.
CLEAN_ASCII = "[\\t\\n\\r\\x20-\\x7E]*"


def normalize_text(texts, lowercase=True):
    """Steps 1-3 of the module docstring on a string tensor of any shape; returns strings.

    Invalid UTF-8 never raises: each invalid byte sequence is replaced by U+FFFD, which the
    cleaning step then drops, exactly as Google's Python 3 decoding with errors="ignore".

    Texts of printable ASCII (nearly all English) take a shortcut: cleaning, NFD and accent
    stripping change nothing there, so they are only lowercased, and only the other texts pay
    for the Unicode-wide path (see benchmarks/tokenization.py). The shortcut keeps tabs,
    newlines and runs of spaces where the full path leaves one space; every consumer splits
    on whitespace runs (`tf.strings.split`, FastWordpieceTokenizer), so the words are equal.
    """
    flat = tf.reshape(texts, [-1])
    is_clean = tf.strings.regex_full_match(flat, CLEAN_ASCII)

    def ascii_only():
        return tf.strings.lower(flat) if lowercase else flat  # bytewise ASCII lowercasing

    def mixed():
        partitions = tf.cast(is_clean, tf.int32)
        positions = tf.dynamic_partition(tf.range(tf.size(flat)), partitions, 2)
        others, clean = tf.dynamic_partition(flat, partitions, 2)
        if lowercase:
            clean = tf.strings.lower(clean)
        return tf.dynamic_stitch(positions, [_normalize_unicode(others, lowercase), clean])

    # A batch of ASCII alone (most English batches) skips partitioning and the Unicode ops.
    normalized = tf.cond(tf.reduce_all(is_clean), ascii_only, mixed)
    return tf.reshape(normalized, tf.shape(texts))


def _normalize_unicode(texts, lowercase):
    """Steps 1-3 for any text."""
    classes = character_classes()
    texts = tf.strings.unicode_transcode(
        texts,
        input_encoding="UTF-8",
        output_encoding="UTF-8",
        errors="replace",
        replacement_char=0xFFFD,
    )
    texts = tf.strings.regex_replace(texts, classes["removed"] + "+", "")
    texts = tf.strings.regex_replace(texts, classes["whitespace"] + "+", " ")
    if lowercase:
        texts = tf.strings.lower(texts, encoding="utf-8")
        texts = tf_text.normalize_utf8(texts, "NFD")
        texts = tf.strings.regex_replace(texts, classes["nonspacing_mark"] + "+", "")
    return texts


def split_words(texts):
    """Step 4: [batch] normalised strings → [batch, (words)], punctuation kept as words.

    Spaces around each punctuation and CJK character, then a plain whitespace split: several
    times faster than `tf_text.regex_split` with the same result, because after step 2 the
    only whitespace left is the ASCII space. Isolating CJK characters here rather than
    before lowercasing (Google's order) gives the same words: lowercasing leaves them alone,
    NFD maps the compatibility ideographs onto ideographs that are CJK too, and a combining
    mark after one is dropped either way.
    """
    classes = character_classes()
    isolated = f"{classes['punctuation']}|{classes['cjk']}"
    return tf.strings.split(tf.strings.regex_replace(texts, isolated, r" \0 "))


def basic_tokenize(texts, lowercase=True):
    """Google's BasicTokenizer on a [batch] string tensor: a RaggedTensor [batch, (words)]."""
    return split_words(normalize_text(texts, lowercase=lowercase))
