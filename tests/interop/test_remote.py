"""Published checkpoints by name (hf://, https://): served here by a local `http.server` that
counts requests and can misbehave (cut a response short, ignore Range, publish a wrong hash)."""

import base64
import hashlib
import http.server
import io
import json
import os
import re
import threading
import urllib.parse
import zipfile

import numpy as np
import pytest

import keras_bert
from keras_bert.cli.export import default_output_path
from keras_bert.cli.main import main
from keras_bert.errors import KerasBertError, MissingFileError
from keras_bert.interop import remote
from keras_bert.workflows.finetuning import FinetuneSettings
from tests.interop import reference_bert as ref

REPO = "org/tiny-bert"
GOOGLE_CONFIG = {
    key: value
    for key, value in ref.TINY_HF_CONFIG.items()
    if key not in ("model_type", "architectures", "layer_norm_eps")
}
GOOGLE_CONFIG.update(hidden_act="gelu", type_vocab_size=2)


class Server:
    """A threaded HTTP/1.0 server on 127.0.0.1 (each response closes its connection)."""

    def __init__(self):
        self.files = {}  # URL path -> bytes
        self.headers = {}  # URL path -> extra response headers
        self.redirects = {}  # URL path -> (location path, headers), as Hugging Face's LFS
        self.truncate = {}  # URL path -> how many more responses to cut in half
        self.ignore_range = False
        self.requests = []  # (path, Range header)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path = urllib.parse.unquote(self.path.split("?")[0])
                server.requests.append((path, self.headers.get("Range")))
                if path in server.redirects:
                    location, headers = server.redirects[path]
                    self.send_response(302)
                    self.send_header("Location", location)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    return
                if path not in server.files:
                    self.send_error(404)
                    return
                body, start = server.files[path], 0
                match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
                if match and not server.ignore_range:
                    start = int(match.group(1))
                    if start >= len(body):
                        self.send_error(416)
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                for key, value in server.headers.get(path, {}).items():
                    self.send_header(key, value)
                self.end_headers()
                payload = body[start:]
                if server.truncate.get(path):
                    server.truncate[path] -= 1
                    payload = payload[: len(payload) // 2]  # then the connection closes
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def paths(self):
        return [path for path, _ in self.requests]

    def serve_hugging_face(self, folder, repo=REPO, revision="main"):
        """Serve a folder as the Hub does: LFS files redirect to a CDN with their sha256."""
        for directory, _, names in os.walk(folder):
            for name in names:
                local = os.path.join(directory, name)
                relative = os.path.relpath(local, folder).replace(os.sep, "/")
                data = open(local, "rb").read()
                path = f"/{repo}/resolve/{revision}/{relative}"
                if name.endswith((".safetensors", ".bin")):
                    sha256 = hashlib.sha256(data).hexdigest()
                    self.files[f"/cdn/{sha256}"] = data
                    self.redirects[path] = (
                        f"/cdn/{sha256}",
                        {"X-Linked-Etag": f'"{sha256}"', "X-Linked-Size": str(len(data))},
                    )
                else:
                    blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
                    self.files[path] = data
                    self.headers[path] = {"ETag": f'"{blob}"'}

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path, monkeypatch):
    served = Server()
    monkeypatch.setenv("HF_ENDPOINT", served.url)
    monkeypatch.setenv("KERAS_BERT_CACHE", str(tmp_path / "cache"))
    for name in remote.OFFLINE_ENVS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(remote, "RETRY_PAUSE_SECONDS", 0)
    yield served
    served.close()


def hugging_face_folder(tmp_path, sentence_transformers=True):
    config = dict(ref.TINY_HF_CONFIG)
    weights = ref.random_google_weights(config, seed=1)
    folder = str(tmp_path / "source")
    ref.write_hugging_face_folder(
        folder, config, ref.hugging_face_state(weights), ref.tiny_vocabulary(48),
        tokenizer_config={"do_lower_case": True},
    )
    if sentence_transformers:
        write_json(os.path.join(folder, "modules.json"), [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling",
             "type": "sentence_transformers.models.Pooling"},
        ])
        os.makedirs(os.path.join(folder, "1_Pooling"))
        write_json(os.path.join(folder, "1_Pooling", "config.json"),
                   {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False})
    return folder


def google_folder(tmp_path, name="uncased_L-2_H-16_A-4"):
    folder = tmp_path / name
    folder.mkdir()
    write_json(folder / "bert_config.json", GOOGLE_CONFIG)
    (folder / "vocab.txt").write_text("\n".join(ref.tiny_vocabulary(48)) + "\n")
    weights = ref.random_google_weights(GOOGLE_CONFIG, seed=2)
    ref.write_tf1_checkpoint(str(folder / "bert_model.ckpt"), weights, optimizer_slots=False)
    return str(folder)


def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def zip_folder(folder):
    return zip_bytes({name: open(os.path.join(folder, name), "rb").read()
                      for name in sorted(os.listdir(folder))})


def write_json(path, values):
    with open(path, "w") as file:
        json.dump(values, file)


def same_weights(first, second):
    for one, other in zip(first.encoder.get_weights(), second.encoder.get_weights(), strict=True):
        np.testing.assert_array_equal(one, other)


def cached_files(tmp_path):
    root = tmp_path / "cache"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_hugging_face_repo_downloads_loads_and_is_then_served_from_the_cache(
    server, tmp_path, monkeypatch, capsys
):
    folder = hugging_face_folder(tmp_path)
    server.serve_hugging_face(folder)
    loaded = keras_bert.load_checkpoint(f"hf://{REPO}")
    same_weights(loaded, keras_bert.load_checkpoint(folder))
    assert loaded.format == "huggingface" and loaded.lowercase is True
    assert loaded.metadata["remote"] == f"hf://{REPO}"
    assert loaded.metadata["sentence_pooling"] == "mean"
    resolve = f"/{REPO}/resolve/main/"
    sha256 = hashlib.sha256(open(os.path.join(folder, "model.safetensors"), "rb").read())
    assert server.paths() == [resolve + name for name in (
        "config.json", "model.safetensors")] + [f"/cdn/{sha256.hexdigest()}"] + [
        resolve + name for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json",
                                    "modules.json", "1_Pooling/config.json")]
    assert "Downloading" in capsys.readouterr().err
    assert not any(name.endswith(".partial") for name in cached_files(tmp_path))

    server.requests.clear()
    again = keras_bert.load_checkpoint(f"hf://{REPO}")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    offline = keras_bert.load_checkpoint(f"hf://{REPO}")
    assert server.requests == []  # cached: no network at all
    same_weights(again, loaded)
    same_weights(offline, loaded)


def test_google_zip_is_extracted_and_loaded_once(server, tmp_path):
    folder = google_folder(tmp_path)
    archive = zip_folder(folder)
    path = "/bert_models/2020_02_20/uncased_L-2_H-16_A-4.zip"
    server.files[path] = archive
    md5 = base64.b64encode(hashlib.md5(archive).digest()).decode()
    server.headers[path] = {"x-goog-hash": f"crc32c=AAAAAA==,md5={md5}"}
    url = server.url + path
    loaded = keras_bert.load_checkpoint(url)
    assert loaded.format == "google"
    assert loaded.lowercase is True  # from the archive's name, as for Google's folders
    same_weights(loaded, keras_bert.load_checkpoint(folder))
    assert not any(name.endswith(".zip") for name in cached_files(tmp_path))
    server.requests.clear()
    assert os.path.isfile(os.path.join(remote.resolve(url), "bert_config.json"))
    assert server.requests == []
    assert default_output_path(url) == os.path.join("export", "uncased_L-2_H-16_A-4", "1")


def test_google_folder_base_url(server, tmp_path):
    folder = google_folder(tmp_path, "cased_L-2_H-16_A-4")
    for name in os.listdir(folder):
        server.files[f"/models/cased_L-2_H-16_A-4/{name}"] = open(
            os.path.join(folder, name), "rb").read()
    local = remote.resolve(server.url + "/models/cased_L-2_H-16_A-4/")
    assert os.path.basename(local) == "cased_L-2_H-16_A-4"  # the name says cased
    for name in remote.GOOGLE_FILES:
        assert open(os.path.join(local, name), "rb").read() == open(
            os.path.join(folder, name), "rb").read()


def test_sharded_repo_at_a_revision(server, tmp_path):
    from safetensors.numpy import save_file

    folder = str(tmp_path / "sharded")
    state = ref.hugging_face_state(ref.random_google_weights(ref.TINY_HF_CONFIG, heads=False))
    ref.write_hugging_face_folder(folder, ref.TINY_HF_CONFIG, state, ref.tiny_vocabulary(48))
    os.remove(os.path.join(folder, "model.safetensors"))
    names = sorted(state)
    shards = {"model-00001-of-00002.safetensors": names[::2],
              "model-00002-of-00002.safetensors": names[1::2]}
    for shard, shard_names in shards.items():
        save_file({n: state[n] for n in shard_names}, os.path.join(folder, shard))
    write_json(os.path.join(folder, "model.safetensors.index.json"),
               {"weight_map": {n: s for s, ns in shards.items() for n in ns}})
    server.serve_hugging_face(folder, revision="v1.0")
    local = remote.resolve(f"hf://{REPO}@v1.0")
    assert local.endswith(os.path.join("hf", "org", "tiny-bert", "v1.0"))
    for shard in shards:
        assert open(os.path.join(local, shard), "rb").read() == open(
            os.path.join(folder, shard), "rb").read()


@pytest.mark.parametrize("ignore_range", [False, True], ids=["resumed", "redone"])
def test_a_download_cut_short_is_resumed_or_redone(server, tmp_path, ignore_range):
    folder = hugging_face_folder(tmp_path, sentence_transformers=False)
    server.serve_hugging_face(folder)
    server.ignore_range = ignore_range
    data = open(os.path.join(folder, "model.safetensors"), "rb").read()
    cdn = f"/cdn/{hashlib.sha256(data).hexdigest()}"
    server.truncate[cdn] = 1
    local = remote.resolve(f"hf://{REPO}")
    assert open(os.path.join(local, "model.safetensors"), "rb").read() == data
    ranges = [header for path, header in server.requests if path == cdn]
    assert ranges == [None, f"bytes={len(data) // 2}-"]  # the server honours it or not


def test_a_download_that_keeps_breaking_keeps_its_part_for_next_time(server, tmp_path):
    folder = hugging_face_folder(tmp_path, sentence_transformers=False)
    server.serve_hugging_face(folder)
    config = f"/{REPO}/resolve/main/config.json"
    server.truncate[config] = 100
    with pytest.raises(KerasBertError, match=r"config\.json failed 4 times .*run again to resume"):
        remote.resolve(f"hf://{REPO}")
    partial = os.path.join(str(tmp_path), "cache", "hf", "org", "tiny-bert", "main",
                           "config.json.partial")
    kept = os.path.getsize(partial)
    assert kept > 0
    server.truncate[config] = 0
    server.requests.clear()
    local = remote.resolve(f"hf://{REPO}")
    assert server.requests[0] == (config, f"bytes={kept}-")
    assert json.load(open(os.path.join(local, "config.json"))) == ref.TINY_HF_CONFIG


def test_not_found_names_the_url_and_the_repository(server, tmp_path):
    with pytest.raises(MissingFileError) as error:
        keras_bert.load_checkpoint("hf://org/missing")
    message = str(error.value)
    assert "hf://org/missing" in message
    assert f"{server.url}/org/missing/resolve/main/config.json" in message
    assert "404" in message

    folder = hugging_face_folder(tmp_path, sentence_transformers=False)
    os.remove(os.path.join(folder, "model.safetensors"))
    server.serve_hugging_face(folder, repo="org/no-weights")
    with pytest.raises(MissingFileError, match="hf://org/no-weights has no weights"):
        remote.resolve("hf://org/no-weights")


def test_a_corrupt_zip_is_a_clear_error_and_is_not_kept(server, tmp_path):
    server.files["/broken.zip"] = b"<html>not a zip</html>" * 50
    url = server.url + "/broken.zip"
    with pytest.raises(KerasBertError, match=re.escape(url) + " did not download as a valid zip"):
        keras_bert.load_checkpoint(url)
    assert cached_files(tmp_path) == []


@pytest.mark.parametrize("file", ["model.safetensors", "config.json"])
def test_a_hash_mismatch_is_refused_and_discarded(server, tmp_path, file):
    folder = hugging_face_folder(tmp_path, sentence_transformers=False)
    server.serve_hugging_face(folder)
    path = f"/{REPO}/resolve/main/{file}"
    if path in server.redirects:
        server.redirects[path][1]["X-Linked-Etag"] = '"' + "0" * 64 + '"'
        kind = "sha256"
    else:
        server.headers[path]["ETag"] = '"' + "0" * 40 + '"'
        kind = "git sha1"
    with pytest.raises(KerasBertError, match=f"{file}: the downloaded file's {kind} is"):
        remote.resolve(f"hf://{REPO}")
    assert not any(name.endswith((file, file + ".partial")) for name in cached_files(tmp_path))


def test_the_zip_md5_google_publishes_is_checked(server):
    server.files["/m.zip"] = zip_bytes({"bert_config.json": "{}"})
    server.headers["/m.zip"] = {"x-goog-hash": "md5=" + base64.b64encode(b"x" * 16).decode()}
    with pytest.raises(KerasBertError, match="md5"):
        remote.resolve(server.url + "/m.zip")


def test_paths_that_leave_the_folder_are_refused(server, tmp_path):
    folder = hugging_face_folder(tmp_path)
    os.remove(os.path.join(folder, "model.safetensors"))
    write_json(os.path.join(folder, "model.safetensors.index.json"),
               {"weight_map": {"bert.embeddings.word_embeddings.weight": "../../evil.safetensors"}})
    server.serve_hugging_face(folder)
    with pytest.raises(KerasBertError, match="'../../evil.safetensors', a path that leaves"):
        remote.resolve(f"hf://{REPO}")
    assert not any("evil" in path for path in server.paths())
    assert not any(name.endswith("index.json") for name in cached_files(tmp_path))

    modules = [{"path": "../../outside", "type": "sentence_transformers.models.Pooling"}]
    server.files["/org/st/resolve/main/modules.json"] = json.dumps(modules).encode()
    for name in ("config.json", "vocab.txt", "model.safetensors"):
        server.files[f"/org/st/resolve/main/{name}"] = b"{}"
    with pytest.raises(KerasBertError, match="modules.json names '../../outside'"):
        remote.resolve("hf://org/st")

    server.files["/evil.zip"] = zip_bytes({"bert_config.json": "{}", "../evil.txt": "x"})
    with pytest.raises(KerasBertError, match="'../evil.txt', a path that leaves"):
        remote.resolve(server.url + "/evil.zip")
    assert not any("evil.txt" in name for name in cached_files(tmp_path))

    for bad in ("hf://../etc", "hf://a/b/c", "hf://org/name@../x"):
        with pytest.raises(KerasBertError):
            remote.resolve(bad)


def test_a_zip_bomb_is_refused(server):
    server.files["/bomb.zip"] = zip_bytes({"bert_config.json": "{}", "zeros": b"\0" * (20 << 20)})
    with pytest.raises(KerasBertError, match="zip bomb"):
        remote.resolve(server.url + "/bomb.zip")


def test_offline_mode_never_touches_the_network(server, tmp_path, monkeypatch):
    server.serve_hugging_face(hugging_face_folder(tmp_path))
    with pytest.raises(KerasBertError, match="not in the download cache .* offline mode"):
        keras_bert.load_checkpoint(f"hf://{REPO}", offline=True)
    monkeypatch.setenv("KERAS_BERT_OFFLINE", "1")
    with pytest.raises(KerasBertError, match="offline"):
        remote.resolve(f"hf://{REPO}")
    assert server.requests == []
    assert os.path.isdir(remote.resolve(f"hf://{REPO}", offline=False))


def test_the_command_line_and_settings_take_published_names(server, tmp_path, monkeypatch):
    server.serve_hugging_face(hugging_face_folder(tmp_path))
    train = tmp_path / "train.tsv"
    train.write_text("text\tlabel\na cat\tyes\n")
    settings = FinetuneSettings(train=str(train), out=str(tmp_path / "out"), init=f"hf://{REPO}",
                                text_column="text", label_column="label")
    settings.validate()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(KerasBertError, match="offline"):
        settings.validate()  # before reading any data
    monkeypatch.delenv("HF_HUB_OFFLINE")
    out = tmp_path / "as_google"
    assert main(["convert", f"hf://{REPO}", "--to", "google", str(out)]) == 0
    assert (out / "bert_model.ckpt.index").is_file()
    assert default_output_path(f"hf://{REPO}@v2") == os.path.join("export", "tiny-bert", "1")


def test_names(server):
    assert remote.is_remote("hf://org/name") and remote.is_remote("https://host/a.zip")
    assert not remote.is_remote("runs/pretrained") and remote.resolve("runs/x") == "runs/x"
    page = remote.parse("https://huggingface.co/org/name/tree/v1")
    assert page.kind == "hf" and page.url == f"{server.url}/org/name/resolve/v1/"
    assert remote.parse("hf://bert-base-uncased").url.endswith("/bert-base-uncased/resolve/main/")
    for bad in ("https://", "https://host:port/a.zip"):
        with pytest.raises(KerasBertError, match="not a URL with a host"):
            remote.parse(bad)
