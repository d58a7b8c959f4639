"""Independent oracles for the interop tests: random BERT weights, foreign-format folders
written the way Google's and Hugging Face's own code lays them out, and a numpy BERT forward.

Nothing here imports keras_bert's interop code: names are spelled out from Google's
`modeling.py` / `run_pretraining.py` and transformers' `modeling_bert.py`, so a naming mistake
in keras_bert cannot hide behind the same mistake here.
"""

import json
import math
import os

import numpy as np

TINY_HF_CONFIG = {
    "vocab_size": 48,
    "hidden_size": 16,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 24,
    "hidden_act": "gelu_new",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 24,
    "type_vocab_size": 3,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "model_type": "bert",
    "architectures": ["BertForPreTraining"],
}


def tiny_vocabulary(size):
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words = ["the", "cat", "sat", "on", "mat", "##s", "dog", "run", "##ning", "a"]
    tokens = special + words
    return tokens + [f"w{index}" for index in range(size - len(tokens))]


def random_google_weights(config, seed=0, heads=True, next_sentence=True):
    """{Google variable name: float32 array in Google's layout}; scales keep activations O(1)."""
    rng = np.random.default_rng(seed)
    hidden, inter = config["hidden_size"], config["intermediate_size"]

    def normal(*shape, scale=0.2):
        return (rng.normal(size=shape) * scale).astype(np.float32)

    weights = {
        "bert/embeddings/word_embeddings": normal(config["vocab_size"], hidden, scale=1.0),
        "bert/embeddings/token_type_embeddings": normal(config["type_vocab_size"], hidden),
        "bert/embeddings/position_embeddings": normal(config["max_position_embeddings"], hidden),
        "bert/embeddings/LayerNorm/gamma": 1 + normal(hidden, scale=0.1),
        "bert/embeddings/LayerNorm/beta": normal(hidden, scale=0.1),
        "bert/pooler/dense/kernel": normal(hidden, hidden, scale=0.3),
        "bert/pooler/dense/bias": normal(hidden, scale=0.1),
    }
    for layer in range(config["num_hidden_layers"]):
        prefix = f"bert/encoder/layer_{layer}"
        for part, (fan_in, fan_out) in {
            "attention/self/query": (hidden, hidden),
            "attention/self/key": (hidden, hidden),
            "attention/self/value": (hidden, hidden),
            "attention/output/dense": (hidden, hidden),
            "intermediate/dense": (hidden, inter),
            "output/dense": (inter, hidden),
        }.items():
            weights[f"{prefix}/{part}/kernel"] = normal(fan_in, fan_out, scale=1 / math.sqrt(fan_in))
            weights[f"{prefix}/{part}/bias"] = normal(fan_out, scale=0.1)
        for norm in ("attention/output/LayerNorm", "output/LayerNorm"):
            weights[f"{prefix}/{norm}/gamma"] = 1 + normal(hidden, scale=0.1)
            weights[f"{prefix}/{norm}/beta"] = normal(hidden, scale=0.1)
    if heads:
        weights.update({
            "cls/predictions/transform/dense/kernel": normal(hidden, hidden, scale=0.3),
            "cls/predictions/transform/dense/bias": normal(hidden, scale=0.1),
            "cls/predictions/transform/LayerNorm/gamma": 1 + normal(hidden, scale=0.1),
            "cls/predictions/transform/LayerNorm/beta": normal(hidden, scale=0.1),
            "cls/predictions/output_bias": normal(config["vocab_size"], scale=0.5),
        })
        if next_sentence:
            weights["cls/seq_relationship/output_weights"] = normal(2, hidden, scale=0.3)
            weights["cls/seq_relationship/output_bias"] = normal(2, scale=0.1)
    return weights


def hugging_face_state(google_weights, prefix="bert.", layer_norm=("weight", "bias")):
    """The same weights as transformers' BertForPreTraining.state_dict() names them."""
    gamma, beta = layer_norm
    state = {}
    for name, array in google_weights.items():
        if name == "cls/predictions/output_bias":
            state["cls.predictions.bias"] = array
            continue
        if name == "cls/seq_relationship/output_weights":
            state["cls.seq_relationship.weight"] = array  # [2, hidden] in both
            continue
        if name == "cls/seq_relationship/output_bias":
            state["cls.seq_relationship.bias"] = array
            continue
        parts = name.split("/")
        head = parts[0] == "cls"
        parts = parts if head else parts[1:]
        parts = ["layer." + part[len("layer_"):] if part.startswith("layer_") else part
                 for part in parts]
        last = parts[-1]
        if last in ("word_embeddings", "token_type_embeddings", "position_embeddings"):
            key, value = ".".join(parts) + ".weight", array
        elif last == "kernel":
            key, value = ".".join(parts[:-1]) + ".weight", array.T  # torch Linear is [out, in]
        elif last == "gamma":
            key, value = ".".join(parts[:-1]) + f".{gamma}", array
        elif last == "beta":
            key, value = ".".join(parts[:-1]) + f".{beta}", array
        else:
            key, value = ".".join(parts), array
        state[key if head else prefix + key] = np.ascontiguousarray(value)
    return state


def write_hugging_face_folder(folder, config, state, vocabulary, tokenizer_config=None):
    from safetensors.numpy import save_file

    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as file:
        json.dump(config, file)
    with open(os.path.join(folder, "vocab.txt"), "w") as file:
        file.write("\n".join(vocabulary) + "\n")
    if tokenizer_config is not None:
        with open(os.path.join(folder, "tokenizer_config.json"), "w") as file:
            json.dump(tokenizer_config, file)
    save_file(state, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})


def write_tf1_checkpoint(prefix, google_weights, optimizer_slots=True):
    """Save `google_weights` as TF1 variables with a `tf.compat.v1.train.Saver`, as Google did."""
    import tensorflow as tf

    with tf.Graph().as_default():
        for name, array in google_weights.items():
            tf.compat.v1.get_variable(name, initializer=tf.constant(array))
            if optimizer_slots:  # AdamWeightDecayOptimizer's slots in run_pretraining.py
                tf.compat.v1.get_variable(f"{name}/adam_m", initializer=tf.zeros_like(array))
                tf.compat.v1.get_variable(f"{name}/adam_v", initializer=tf.ones_like(array))
        if optimizer_slots:
            tf.compat.v1.train.get_or_create_global_step()
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            saver.save(session, prefix, write_meta_graph=False)


# ---- numpy forward (float64), following Google's modeling.py -------------------------------

def gelu(x, approximate):
    if approximate:
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def activation(name):
    return {
        "gelu": lambda x: gelu(x, approximate=False),
        "gelu_approx": lambda x: gelu(x, approximate=True),
        "relu": lambda x: np.maximum(x, 0),
    }[name]


def layer_norm(x, gamma, beta, eps):
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * gamma + beta


def numpy_bert(weights, config, act, input_word_ids, input_mask, input_type_ids):
    """(sequence_output, pooled_output) of BERT in float64."""
    w = {name: np.asarray(array, np.float64) for name, array in weights.items()}
    eps = config.get("layer_norm_eps", 1e-12)
    heads = config["num_attention_heads"]
    batch, seq = input_word_ids.shape
    head_size = config["hidden_size"] // heads
    x = (
        w["bert/embeddings/word_embeddings"][input_word_ids]
        + w["bert/embeddings/position_embeddings"][:seq][None]
        + w["bert/embeddings/token_type_embeddings"][input_type_ids]
    )
    x = layer_norm(x, w["bert/embeddings/LayerNorm/gamma"], w["bert/embeddings/LayerNorm/beta"], eps)
    adder = (1.0 - input_mask[:, None, None, :]) * -10000.0
    for layer in range(config["num_hidden_layers"]):
        p = f"bert/encoder/layer_{layer}/"

        def dense(h, part):
            return h @ w[p + part + "/kernel"] + w[p + part + "/bias"]

        def split(h):
            return h.reshape(batch, seq, heads, head_size).transpose(0, 2, 1, 3)

        q, k, v = (split(dense(x, f"attention/self/{n}")) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head_size) + adder
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, -1)
        x = layer_norm(x + dense(context, "attention/output/dense"),
                       w[p + "attention/output/LayerNorm/gamma"],
                       w[p + "attention/output/LayerNorm/beta"], eps)
        inner = act(dense(x, "intermediate/dense"))
        x = layer_norm(x + dense(inner, "output/dense"),
                       w[p + "output/LayerNorm/gamma"], w[p + "output/LayerNorm/beta"], eps)
    pooled = np.tanh(x[:, 0] @ w["bert/pooler/dense/kernel"] + w["bert/pooler/dense/bias"])
    return x, pooled


def numpy_masked_lm_logits(weights, config, act, sequence_output, masked_lm_positions):
    """Google's get_masked_lm_output: transform, LayerNorm, tied projection, output_bias."""
    w = {name: np.asarray(array, np.float64) for name, array in weights.items()}
    gathered = np.take_along_axis(sequence_output, masked_lm_positions[:, :, None], axis=1)
    h = act(gathered @ w["cls/predictions/transform/dense/kernel"]
            + w["cls/predictions/transform/dense/bias"])
    h = layer_norm(h, w["cls/predictions/transform/LayerNorm/gamma"],
                   w["cls/predictions/transform/LayerNorm/beta"], config.get("layer_norm_eps", 1e-12))
    return h @ w["bert/embeddings/word_embeddings"].T + w["cls/predictions/output_bias"]


def numpy_next_sentence_logits(weights, pooled_output):
    w = {name: np.asarray(array, np.float64) for name, array in weights.items()}
    return pooled_output @ w["cls/seq_relationship/output_weights"].T + w[
        "cls/seq_relationship/output_bias"]


def example_inputs(vocab_size, seed=0, batch=3, seq=9, type_vocab_size=2):
    rng = np.random.default_rng(seed)
    mask = np.ones((batch, seq), np.int32)
    mask[1, 6:] = 0
    mask[2, 4:] = 0
    types = np.zeros((batch, seq), np.int32)
    types[:, 5:] = min(1, type_vocab_size - 1)
    types[2, 2:] = type_vocab_size - 1
    return {
        "input_word_ids": rng.integers(0, vocab_size, (batch, seq)).astype(np.int32),
        "input_mask": mask,
        "input_type_ids": types * mask,
    }
