"""keras_bert: build, pretrain, fine-tune and serve BERT in Keras 3 and TensorFlow."""

from keras_bert.config import BertConfig
from keras_bert.modeling.encoder import BertEncoder

__version__ = "0.1.0"
