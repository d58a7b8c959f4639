"""Where a fine-tuned task model's encoder starts: a checkpoint (folder or published name), or
random weights from a preset and a vocabulary. The encoder and tokenizer, nothing task-specific."""

from keras_bert.errors import KerasBertError

RANDOM_INIT = "random"


def start_encoder(init, *, seq_length, preset=None, vocab_file=None, lowercase=True, seed=None):
    """(encoder, tokenizer) from `init`: anything `load_checkpoint` reads (a folder, hf://…,
    https://…), or "random" with `preset` and `vocab_file`. `seed` seeds Keras's initialisers;
    `seq_length` must fit the encoder's position embeddings."""
    import keras

    from keras_bert.config import BertConfig
    from keras_bert.modeling.encoder import BertEncoder
    from keras_bert.tokenization.bert_tokenizer import BertTokenizer

    if seed is not None:
        keras.utils.set_random_seed(seed)
    if init == RANDOM_INIT:
        if not preset or not vocab_file:
            raise KerasBertError("init 'random' needs preset (e.g. 'bert_tiny') and vocab.")
        tokenizer = BertTokenizer.from_vocab_file(vocab_file, lowercase=lowercase)
        encoder = BertEncoder(BertConfig.from_preset(preset, vocab_size=tokenizer.vocab_size))
    else:
        from keras_bert.interop import remote
        from keras_bert.interop.loader import load_checkpoint

        loaded = load_checkpoint(remote.resolve(init))
        encoder, tokenizer = loaded.encoder, loaded.tokenizer
    if seq_length > encoder.config.max_position_embeddings:
        raise KerasBertError(
            f"seq_length {seq_length} exceeds the encoder's max_position_embeddings "
            f"({encoder.config.max_position_embeddings})."
        )
    return encoder, tokenizer
