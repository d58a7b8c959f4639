"""Hugging Face BERT folders (transformers' `save_pretrained` layout): read and write.

A folder holds `config.json`, the weights (`model.safetensors`, sharded
`model.safetensors.index.json` + shards, or `pytorch_model.bin` when torch is installed) and
the tokenizer (`vocab.txt` and/or `tokenizer.json`, `tokenizer_config.json`). The names and
layouts are translated by `hugging_face_names`; everything is then loaded through the same
Google-named slots as Google's checkpoints (`weight_mapping`).
"""

import json
import logging
import os

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file

from keras_bert.config import BertConfig
from keras_bert.errors import KerasBertError, MissingFileError
from keras_bert.interop import hugging_face_names as names
from keras_bert.interop import weight_mapping
from keras_bert.interop.loaded_bert import LoadedBert, as_loaded_bert
from keras_bert.interop.lowercase_guess import lowercase_from_vocabulary
from keras_bert.text_files import read_json
from keras_bert.tokenization.vocabulary_file import (
    check_vocabulary_size,
    read_vocabulary,
    write_vocabulary,
)

logger = logging.getLogger("keras_bert")

FORMAT_NAME = "huggingface"
CONFIG_FILE = "config.json"
SAFETENSORS_FILE = "model.safetensors"
SAFETENSORS_INDEX_FILE = "model.safetensors.index.json"
PYTORCH_FILE = "pytorch_model.bin"
WEIGHT_FILES = (SAFETENSORS_FILE, SAFETENSORS_INDEX_FILE, PYTORCH_FILE)
VOCAB_FILE = "vocab.txt"
TOKENIZER_FILE = "tokenizer.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
TOKENIZER_WHAT = "tokenizer file"

# transformers' ACT2FN names -> ours. "gelu" is exact (erf) there; "gelu_new",
# "gelu_pytorch_tanh" and "gelu_fast" are the tanh approximation (Google's "gelu").
ACTIVATIONS_FROM_HUGGING_FACE = {
    "gelu": "gelu",
    "gelu_python": "gelu",
    "gelu_new": "gelu_approx",
    "gelu_pytorch_tanh": "gelu_approx",
    "gelu_fast": "gelu_approx",
    "relu": "relu",
    "silu": "silu",
    "swish": "silu",
    "tanh": "tanh",
    "linear": "linear",
}
ACTIVATIONS_TO_HUGGING_FACE = {
    "gelu": "gelu",
    "gelu_approx": "gelu_new",
    "relu": "relu",
    "silu": "silu",
    "tanh": "tanh",
    "linear": "linear",
}
CONFIG_KEYS = (
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "hidden_dropout_prob",
    "attention_probs_dropout_prob",
    "max_position_embeddings",
    "type_vocab_size",
    "initializer_range",
    "layer_norm_eps",
)
# Saved buffers that are not weights.
IGNORED_TENSOR_SUFFIXES = ("position_ids",)
TIED_DECODER = "cls.predictions.decoder.weight"


def is_hugging_face_folder(path):
    return os.path.isfile(os.path.join(path, CONFIG_FILE)) and any(
        os.path.isfile(os.path.join(path, name)) for name in WEIGHT_FILES
    )


def read_hugging_face(path, hidden_act=None, lowercase=None):
    """Load a Hugging Face BERT folder into a `LoadedBert` (`.pretrainer` when `cls.*` is there)."""
    notes = []
    config = read_hugging_face_config(os.path.join(path, CONFIG_FILE), hidden_act, notes)
    vocabulary, vocab_file = read_hugging_face_vocabulary(path)
    check_vocabulary_size(vocabulary, config, path)
    lowercase = _resolve_lowercase(path, lowercase, vocabulary, notes)

    tensors = read_tensors(path)
    prefix = _encoder_prefix(tensors, path)
    arrays, used = {}, set()
    for google_name in weight_mapping.google_names(config.num_hidden_layers):
        candidates = names.hugging_face_names(google_name)
        if names.is_encoder_name(google_name):
            candidates = tuple(prefix + candidate for candidate in candidates)
        for candidate in candidates:
            if candidate in tensors:
                array = tensors[candidate]
                arrays[google_name] = array.T if names.is_transposed(google_name) else array
                used.add(candidate)
                break
    # The decoder bias is the same parameter as cls.predictions.bias.
    used.add("cls.predictions.decoder.bias")

    encoder, pretrainer = weight_mapping.build_models(config, arrays)
    slots = (
        weight_mapping.pretrainer_slots(pretrainer)
        if pretrainer is not None
        else weight_mapping.encoder_slots(encoder)
    )
    skipped = weight_mapping.assign_slots(
        slots,
        arrays,
        path,
        naming=names.HuggingFaceNaming(prefix),
        optional_prefixes=(weight_mapping.POOLER_PREFIX,),
    )
    if skipped:
        message = (
            f"{path} has no pooler weights ({prefix}pooler.dense.*): the pooler keeps its random "
            "initialisation, so pooled_output is meaningless until fine-tuned"
        )
        logger.warning(message)
        notes.append(message)
    _check_tied_decoder(tensors, arrays, used)
    unused = sorted(
        name for name in tensors if name not in used and not name.endswith(IGNORED_TENSOR_SUFFIXES)
    )
    unused_in_encoder = [name for name in unused if name.startswith(prefix + "encoder.")
                         or name.startswith(prefix + "embeddings.")]
    if unused_in_encoder:
        raise KerasBertError(
            f"{path} has encoder weights this config has no place for (is config.json the "
            f"weights' own?): {', '.join(unused_in_encoder[:10])}"
        )
    if unused:
        notes.append(f"ignored weights outside BERT's encoder and heads: {', '.join(unused)}")
    for note in notes:
        logger.info("load_checkpoint(%s): %s", path, note)
    return LoadedBert(
        config=config,
        vocabulary=vocabulary,
        lowercase=lowercase,
        encoder=encoder,
        pretrainer=pretrainer,
        metadata={"source": os.path.abspath(path), "notes": notes},
        format=FORMAT_NAME,
        vocab_file=vocab_file,
    )


def read_hugging_face_config(config_path, hidden_act=None, notes=None):
    """transformers' BERT `config.json` as our BertConfig (only absolute-position BERT)."""
    notes = notes if notes is not None else []
    values = read_json(config_path, "Hugging Face config file", expect=dict)
    model_type = values.get("model_type", "bert")
    if model_type != "bert":
        raise KerasBertError(
            f"{config_path}: model_type {model_type!r} is not BERT; keras_bert reads "
            "model_type 'bert' only."
        )
    position_type = values.get("position_embedding_type", "absolute")
    if position_type != "absolute":
        raise KerasBertError(
            f"{config_path}: position_embedding_type {position_type!r} is not supported "
            "(only 'absolute', BERT's learned positions)."
        )
    missing = [key for key in CONFIG_KEYS[:5] if key not in values]
    if missing:
        raise KerasBertError(f"{config_path}: missing BERT config key(s): {', '.join(missing)}")
    ours = {key: values[key] for key in CONFIG_KEYS if key in values}
    written = values.get("hidden_act", "gelu")
    if hidden_act:
        ours["hidden_act"] = hidden_act
        notes.append(f"hidden_act {hidden_act!r} as asked (config.json says {written!r})")
    else:
        if written not in ACTIVATIONS_FROM_HUGGING_FACE:
            raise KerasBertError(
                f"{config_path}: hidden_act {written!r} is not one keras_bert knows "
                f"({', '.join(ACTIVATIONS_FROM_HUGGING_FACE)}); pass hidden_act= to choose."
            )
        ours["hidden_act"] = ACTIVATIONS_FROM_HUGGING_FACE[written]
        if ours["hidden_act"] != written:
            notes.append(f"hidden_act {written!r} read as {ours['hidden_act']!r}")
    try:
        return BertConfig.from_dict(ours)
    except (TypeError, ValueError) as error:
        raise KerasBertError(f"{config_path}: {error}") from None


def read_hugging_face_vocabulary(path):
    """(tokens, vocab.txt path or None): from vocab.txt, else from tokenizer.json's WordPiece."""
    vocab_path = os.path.join(path, VOCAB_FILE)
    if os.path.isfile(vocab_path):
        return read_vocabulary(vocab_path), vocab_path
    tokenizer_path = os.path.join(path, TOKENIZER_FILE)
    if os.path.isfile(tokenizer_path):
        model = read_json(tokenizer_path, TOKENIZER_WHAT, expect=dict).get("model")
        model = model if isinstance(model, dict) else {}
        vocab = model.get("vocab")
        if model.get("type") != "WordPiece" or not isinstance(vocab, dict):
            raise KerasBertError(f"{tokenizer_path} does not hold a WordPiece vocabulary.")
        tokens = sorted(vocab, key=vocab.get)
        if [vocab[token] for token in tokens] != list(range(len(tokens))):
            raise KerasBertError(f"{tokenizer_path}: WordPiece ids are not 0..{len(tokens) - 1}.")
        return tokens, None
    raise MissingFileError(f"{path} has neither {VOCAB_FILE} nor {TOKENIZER_FILE}.")


def _shard_path(path, index, shard):
    """The shard file `shard` named by the index: a plain file name inside the folder `path`.

    An index is data from whoever published the checkpoint; a name such as
    "../../etc/passwd", an absolute path or a link out of the folder is refused, never opened.
    """
    folder = os.path.realpath(path)
    if not isinstance(shard, str) or not shard or os.path.isabs(shard) or "\\" in shard:
        raise KerasBertError(f"{index}: weight_map names {shard!r}, not a file of the folder.")
    resolved = os.path.realpath(os.path.join(folder, shard))
    if not resolved.startswith(folder.rstrip(os.sep) + os.sep):
        raise KerasBertError(
            f"{index}: weight_map names {shard!r}, outside the checkpoint folder {path}; "
            "refusing to open it."
        )
    if not os.path.isfile(resolved):
        raise MissingFileError(f"{index}: the shard {shard!r} it names is missing from {path}.")
    return resolved


def read_tensors(path):
    """{name: float32 numpy array} from the folder's safetensors (sharded or not) or .bin."""
    single = os.path.join(path, SAFETENSORS_FILE)
    index = os.path.join(path, SAFETENSORS_INDEX_FILE)
    if os.path.isfile(single):
        return _read_safetensors([single])
    if os.path.isfile(index):
        weight_map = read_json(index, "safetensors index", expect=dict).get("weight_map")
        if not isinstance(weight_map, dict):
            raise KerasBertError(f"{index} has no weight_map object (tensor name -> shard file).")
        shards = sorted(set(weight_map.values()))
        return _read_safetensors([_shard_path(path, index, shard) for shard in shards])
    bin_path = os.path.join(path, PYTORCH_FILE)
    if os.path.isfile(bin_path):
        try:
            import torch
        except ImportError:
            raise ImportError(
                f"{bin_path} is a PyTorch pickle and reading it needs torch, which is not "
                "installed: pip install 'keras-bert[interop]' (or convert the folder to "
                "safetensors where torch is installed)."
            ) from None
        state = torch.load(bin_path, map_location="cpu", weights_only=True)
        return {name: tensor.float().numpy() for name, tensor in state.items()}
    raise MissingFileError(f"{path} has no {' / '.join(WEIGHT_FILES)}.")


def save_hugging_face(model, path, *, vocabulary=None, lowercase=None):
    """Write `model` as a folder that transformers' `from_pretrained` loads.

    A pretrainer is written as `BertForPreTraining` (`BertForMaskedLM` without the
    next-sentence head); an encoder as `BertModel`. Names carry the `bert.` prefix, which
    `BertModel.from_pretrained` strips. Returns the list of tensor names written.
    """
    loaded = as_loaded_bert(model, vocabulary, lowercase)
    config = loaded.config
    slots = (
        weight_mapping.pretrainer_slots(loaded.pretrainer)
        if loaded.pretrainer is not None
        else weight_mapping.encoder_slots(loaded.encoder)
    )
    tensors = {}
    for slot in slots:
        array = slot.to_google()
        name = names.hugging_face_names(slot.name)[0]
        if names.is_encoder_name(slot.name):
            name = "bert." + name
        tensors[name] = np.ascontiguousarray(array.T if names.is_transposed(slot.name) else array)

    if loaded.pretrainer is None:
        architecture = "BertModel"
    elif loaded.pretrainer.next_sentence_head is None:
        architecture = "BertForMaskedLM"
    else:
        architecture = "BertForPreTraining"
    hf_config = {
        "architectures": [architecture],
        "model_type": "bert",
        "hidden_act": ACTIVATIONS_TO_HUGGING_FACE[config.hidden_act],
        "position_embedding_type": "absolute",
        "pad_token_id": _token_id(loaded.vocabulary, "[PAD]", 0),
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        **{key: getattr(config, key) for key in CONFIG_KEYS},
    }
    os.makedirs(path, exist_ok=True)
    for stale in (SAFETENSORS_INDEX_FILE, PYTORCH_FILE):
        if os.path.exists(os.path.join(path, stale)):
            os.remove(os.path.join(path, stale))
    save_file(tensors, os.path.join(path, SAFETENSORS_FILE), metadata={"format": "pt"})
    _write_json(os.path.join(path, CONFIG_FILE), hf_config)
    write_vocabulary(loaded.vocabulary, os.path.join(path, VOCAB_FILE))
    _write_json(
        os.path.join(path, TOKENIZER_CONFIG_FILE),
        {
            "tokenizer_class": "BertTokenizer",
            "do_lower_case": bool(loaded.lowercase),
            "strip_accents": None,
            "tokenize_chinese_chars": True,
            "model_max_length": config.max_position_embeddings,
            "unk_token": "[UNK]",
            "sep_token": "[SEP]",
            "pad_token": "[PAD]",
            "cls_token": "[CLS]",
            "mask_token": "[MASK]",
        },
    )
    return sorted(tensors)


def _encoder_prefix(tensors, path):
    """What precedes `embeddings.word_embeddings.weight`: "bert." (task models) or "" (BertModel)."""
    prefixes = sorted(
        name[: -len(names.WORD_EMBEDDINGS)]
        for name in tensors
        if name.endswith(names.WORD_EMBEDDINGS)
    )
    if not prefixes:
        found = ", ".join(sorted(tensors)[:8])
        raise KerasBertError(
            f"{path}: no BERT word embeddings (*{names.WORD_EMBEDDINGS}) among the weights "
            f"(found: {found}{' ...' if len(tensors) > 8 else ''})."
        )
    if len(prefixes) > 1:
        raise KerasBertError(f"{path}: several BERT encoders in one file (prefixes {prefixes}).")
    return prefixes[0]


def _check_tied_decoder(tensors, arrays, used):
    """A stored decoder weight must equal the word embeddings: our head is always tied."""
    if TIED_DECODER not in tensors:
        return
    used.add(TIED_DECODER)
    if not np.array_equal(tensors[TIED_DECODER], arrays.get("bert/embeddings/word_embeddings")):
        raise KerasBertError(
            f"{TIED_DECODER} differs from the word embeddings: this checkpoint's masked-LM "
            "output projection is untied, which keras_bert's MaskedLMHead (tied) cannot hold."
        )


def _resolve_lowercase(path, lowercase, vocabulary, notes):
    if lowercase is not None:
        return bool(lowercase)
    config_path = os.path.join(path, TOKENIZER_CONFIG_FILE)
    if os.path.isfile(config_path):
        value = read_json(config_path, "tokenizer config file", expect=dict).get("do_lower_case")
        if value is not None:
            return bool(value)
    tokenizer_path = os.path.join(path, TOKENIZER_FILE)
    if os.path.isfile(tokenizer_path):
        normalizer = read_json(tokenizer_path, TOKENIZER_WHAT, expect=dict).get("normalizer")
        normalizer = normalizer if isinstance(normalizer, dict) else {}
        if normalizer.get("type") == "BertNormalizer" and "lowercase" in normalizer:
            return bool(normalizer["lowercase"])
    guess = lowercase_from_vocabulary(vocabulary)
    notes.append(
        f"lowercase={guess}: no do_lower_case in the tokenizer files, and the vocabulary "
        f"{'has no' if guess else 'has'} upper-case word pieces (pass lowercase= to choose)"
    )
    return guess


def _read_safetensors(paths):
    tensors = {}
    for shard in paths:
        if not os.path.isfile(shard):
            raise MissingFileError(f"Weights shard not found: {shard}")
        try:
            with safe_open(shard, framework="np") as file:
                for name in file.keys():
                    tensors[name] = file.get_tensor(name)
        except TypeError:
            # bfloat16 has no numpy dtype; torch (when present) converts it.
            with safe_open(shard, framework="pt") as file:
                for name in file.keys():
                    tensors[name] = file.get_tensor(name).float().numpy()
    return {
        name: array if array.dtype == np.float32 else array.astype(np.float32)
        for name, array in tensors.items()
    }


def _token_id(vocabulary, token, default):
    return vocabulary.index(token) if token in vocabulary else default


def _write_json(path, values):
    with open(path, "w", encoding="utf-8") as file:
        json.dump(values, file, indent=2, sort_keys=True)
        file.write("\n")
