"""Where a fine-tuned classifier starts: a pretrained checkpoint folder, or random weights.

A checkpoint is anything `load_checkpoint` reads: the output folder of `keras-bert pretrain`,
a Google TF1 checkpoint or a Hugging Face folder, or a published one by name (hf://ORG/NAME, an
https:// URL; downloaded once into the cache). Its encoder, vocabulary and lowercasing come
along; only the classification head is new. Random initialisation (a preset plus a vocabulary)
is the baseline that shows what pretraining is worth.
"""

import keras

from keras_bert.config import BertConfig
from keras_bert.interop import remote
from keras_bert.interop.loader import load_checkpoint
from keras_bert.interop.sentence_transformers import sentence_pooling
from keras_bert.modeling.encoder import BertEncoder
from keras_bert.tasks.classifier import BertClassifier
from keras_bert.tokenization.bert_tokenizer import BertTokenizer
from keras_bert.errors import KerasBertError

RANDOM_INIT = "random"


def start_classifier(
    init,
    *,
    num_classes,
    labels=None,
    text_pair=False,
    seq_length=128,
    dropout=0.1,
    preset=None,
    vocab_file=None,
    lowercase=True,
    seed=None,
    pooling="auto",
):
    """A `BertClassifier` holding its tokenizer, ready for `finetune_classifier`.

    Args:
        init: a checkpoint folder or published name (hf://ORG/NAME[@REVISION], https://...),
            or "random" (then `preset` and `vocab_file` are needed).
        preset, vocab_file, lowercase: the architecture and tokenizer for random init.
        seed: seeds Keras's initialisers (head and, for random init, the whole encoder).
        pooling: "cls", "mean" or "auto": "mean" when `init` is a sentence-transformers
            folder trained with mean pooling (`interop.sentence_transformers`), else "cls".
    """
    if seed is not None:
        keras.utils.set_random_seed(seed)
    if init == RANDOM_INIT:
        if not preset or not vocab_file:
            raise KerasBertError("Random initialisation needs a preset and a vocabulary file (--preset, --vocab).")
        tokenizer = BertTokenizer.from_vocab_file(vocab_file, lowercase=lowercase)
        config = BertConfig.from_preset(preset, vocab_size=tokenizer.vocab_size)
        encoder = BertEncoder(config)
    else:
        if preset:
            raise KerasBertError(
                f"--preset only applies to --init random; {init} has its own architecture."
            )
        init = remote.resolve(init)  # a published name -> its cached folder
        loaded = load_checkpoint(init)
        encoder = loaded.encoder
        tokenizer = loaded.tokenizer
        config = loaded.config
    if seq_length > config.max_position_embeddings:
        raise KerasBertError(
            f"seq_length {seq_length} exceeds the encoder's max_position_embeddings "
            f"({config.max_position_embeddings})."
        )
    if pooling == "auto":
        pooling = resolve_pooling(init)
    classifier = BertClassifier(
        encoder,
        num_classes,
        dropout=dropout,
        labels=labels,
        text_pair=text_pair,
        seq_length=seq_length,
        pooling=pooling,
        tokenizer=tokenizer,
    )
    return classifier


def resolve_pooling(init):
    """The pooling "auto" means for `init`: the checkpoint's own sentence vector, else [CLS]."""
    if init == RANDOM_INIT:
        return "cls"
    return sentence_pooling(remote.resolve(init)) or "cls"
