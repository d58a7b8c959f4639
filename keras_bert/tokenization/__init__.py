"""Text to BERT inputs: vocabulary training, Google-exact WordPiece tokenization, packing."""

from keras_bert.tokenization.bert_tokenizer import BertTokenizer
from keras_bert.tokenization.packing import BertInputPacker
from keras_bert.tokenization.vocabulary import train_vocabulary
from keras_bert.tokenization.vocabulary_file import (
    SPECIAL_TOKENS,
    read_vocabulary,
    write_vocabulary,
)
