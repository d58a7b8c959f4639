"""Split a line that holds many sentences, so next-sentence pairs fall on sentence boundaries.

Google's format expects one sentence per line, but real text (a paragraph per line, a document
per line) rarely comes that way. Rules, chosen to be predictable rather than clever:

- English: a run of `.`, `!` or `?`, then any closing quotes or brackets, then whitespace ends a
  sentence; except after a one-letter initial ("H. americanus") or a common abbreviation
  ("Mr.", "Dr.", "e.g.").
- Chinese (and other text with full-width punctuation): a run of `。！？；…` (also the ASCII
  `!?;` and the half-width `｡`), then any closing quotes or brackets (`”’」』）》】〕"'`), ends a
  sentence whether or not a space follows.

No character is dropped: the pieces, joined back, give the line without the whitespace at the
boundaries.
"""

import re

_CLOSERS = "\"'”’」』）》】〕)]»"
_EN_BOUNDARY = re.compile(r"[.!?]+[" + re.escape(_CLOSERS) + r"]*\s+")
_CJK_BOUNDARY = re.compile(r"(?:[。！？；｡]|…+|\.\.\.)+[" + re.escape(_CLOSERS) + r"]*\s*")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc e.g i.e no vol fig cf mt ft ave gen col capt lt sgt rev".split()
)


def _is_abbreviation(text_before_dot):
    if text_before_dot[-1:].isspace():
        return False  # a detached full stop, as in tokenised text ("the end . Next")
    words = text_before_dot.rsplit(None, 1)
    if not words:
        return False
    word = words[-1].lstrip("\"'“‘([")
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. Austen"
    return word.lower() in _ABBREVIATIONS


_CJK_OR_FULL_WIDTH = re.compile("[\u3000-\u9fff\uff00-\uffef]")


def split_sentences(line):
    """Return the sentences of `line` (stripped, none empty); a line without a boundary is one."""
    line = line.strip()
    if not line:
        return []
    cut_points = []
    for match in _EN_BOUNDARY.finditer(line):
        punctuation_start = match.start()
        if line[punctuation_start] == "." and _is_abbreviation(line[:punctuation_start]):
            continue
        cut_points.append(match.end())
    if _CJK_OR_FULL_WIDTH.search(line):
        cut_points.extend(match.end() for match in _CJK_BOUNDARY.finditer(line))
    sentences = []
    start = 0
    for cut in sorted(set(cut_points)):
        piece = line[start:cut].strip()
        if piece:
            sentences.append(piece)
        start = cut
    tail = line[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences
