"""Tests of sentence embeddings: similarity, the search index, STS scoring.

`tiny_sentence_encoder()` is the model they share: a two-layer random BERT over a 48-token
English vocabulary, mean pooling, texts packed to 32 tokens.
"""

WORDS = (
    "the a cat dog bird fish sat ran flew swam on in under over mat sky sea tree house "
    "good bad great awful movie film plot acting was is very quite and of this that red "
    "blue green big small old new"
).split()
VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS + ["."]


def tiny_sentence_encoder(pooling="mean", seed=0):
    import keras

    from keras_bert.config import BertConfig
    from keras_bert.modeling.encoder import BertEncoder
    from keras_bert.tasks.sentence_encoder import BertSentenceEncoder
    from keras_bert.tokenization.bert_tokenizer import BertTokenizer

    keras.utils.set_random_seed(seed)
    config = BertConfig(
        vocab_size=len(VOCABULARY), hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=32, max_position_embeddings=32, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    return BertSentenceEncoder(
        BertEncoder(config), pooling=pooling, seq_length=32,
        tokenizer=BertTokenizer(VOCABULARY, lowercase=True),
    )


def write_tiny_model_folder(path, pooling="mean"):
    from keras_bert.interop.native import write_model_folder

    write_model_folder(str(path), tiny_sentence_encoder(pooling))
    return str(path)
