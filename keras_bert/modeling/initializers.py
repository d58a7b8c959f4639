"""BERT's weight initialisation: a normal truncated at two standard deviations.

Google's `create_initializer` uses `tf.truncated_normal_initializer(stddev=initializer_range)`;
Keras's `TruncatedNormal` draws from the same distribution (values beyond 2 stddev redrawn).
"""

import keras


def bert_initializer(initializer_range):
    return keras.initializers.TruncatedNormal(stddev=initializer_range)
