"""SavedModel export: raw strings in (encode, classify), token ids in (TF Hub's encoder
contract), and a TF Hub style preprocessor; loadable with TensorFlow and tf-text alone."""
