"""Published checkpoints by name: download once into a local cache, then load as a folder.

Names `load_checkpoint` (and every `--init` / `--model` that takes a checkpoint) accepts
besides a local folder:

    hf://ORG/NAME[@REVISION]   a Hugging Face repository; files are fetched from
                               `{HF_ENDPOINT}/ORG/NAME/resolve/{REVISION}/{file}` (HF_ENDPOINT
                               defaults to https://huggingface.co, REVISION to "main"):
                               config.json, the weights (model.safetensors, else
                               model.safetensors.index.json + its shards, else
                               pytorch_model.bin), vocab.txt and/or tokenizer.json,
                               tokenizer_config.json, and modules.json + the Pooling module's
                               config.json of a sentence-transformers repository.
    https://.../NAME.zip       an archive of a checkpoint folder, as Google released its BERTs
                               (storage.googleapis.com/bert_models/...); extracted safely, and
                               the folder holding bert_config.json (or config.json) is loaded.
    https://.../FOLDER/        a folder's base URL: Google's files (bert_config.json,
                               vocab.txt, bert_model.ckpt.index / .data-00000-of-00001) or
                               Hugging Face's, as above.

The cache is `KERAS_BERT_CACHE` (default ~/.cache/keras_bert). A file is written to
`FILE.partial` and renamed when complete: its size is checked against Content-Length (or
Hugging Face's X-Linked-Size) and its hash against what the host publishes (Hugging Face's
X-Linked-Etag sha256 for LFS files, the git blob sha1 ETag of other files; Google Cloud
Storage's x-goog-hash md5). An interrupted download resumes with an HTTP Range request (or
starts again when the server ignores it). A name whose download completed makes no network
call again; `offline=True`, `KERAS_BERT_OFFLINE=1` or `HF_HUB_OFFLINE=1` never touch the
network and fail clearly when something is not cached. A branch such as "main" is cached as
first downloaded: pin a commit with @REVISION, or delete its cache folder to refresh it.
"""

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import stat
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from keras_bert.errors import KerasBertError, MissingFileError

HF_SCHEME = "hf://"
URL_SCHEMES = ("https://", "http://")
DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_REVISION = "main"
CACHE_ENV = "KERAS_BERT_CACHE"
OFFLINE_ENVS = ("KERAS_BERT_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
TRUE_VALUES = ("1", "ON", "YES", "TRUE")  # as huggingface_hub reads HF_HUB_OFFLINE
MANIFEST_FILE = ".keras_bert_download.json"
PARTIAL_SUFFIX = ".partial"

HF_WEIGHTS = "model.safetensors"
HF_INDEX = "model.safetensors.index.json"
HF_PYTORCH = "pytorch_model.bin"
HF_TOKENIZER_FILES = ("vocab.txt", "tokenizer.json")
ST_MODULES = "modules.json"
ST_POOLING_TYPE = "sentence_transformers.models.Pooling"
GOOGLE_FILES = (
    "bert_config.json",
    "vocab.txt",
    "bert_model.ckpt.index",
    "bert_model.ckpt.data-00000-of-00001",
)

TIMEOUT_SECONDS = 60
ATTEMPTS = 4  # per file: a dropped connection resumes up to this many times in one call
RETRY_PAUSE_SECONDS = 1.0  # before retrying a server error (5xx, 429) or a failed connection
CHUNK_BYTES = 1 << 20
# Zip archives: Google's largest BERT (large, whole word masking) unpacks to ~1.3 GB and
# compresses ~1.1:1; a vocabulary ~3:1. Anything far beyond is refused as a zip bomb.
ZIP_MAX_BYTES = 32 << 30
ZIP_MAX_MEMBERS = 10_000
ZIP_MAX_RATIO = 100

_REPO_PART = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_-])?$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_GIT_SHA1 = re.compile(r"^[0-9a-f]{40}$")


class Source:
    """Where a remote name's files are: `base_url` + file, cached under `root`."""

    def __init__(self, name, kind, url, root, folder_name=None):
        self.name = name  # as the user wrote it
        self.kind = kind  # "hf", "zip" or "folder"
        self.url = url  # the base URL ending in "/", or the zip's URL
        self.root = root  # the cache folder
        self.folder_name = folder_name  # zip / folder: the name the loaded folder gets

    def file_url(self, relative):
        return self.url + urllib.parse.quote(relative, safe="/")


def is_remote(path):
    """Whether `path` names a published checkpoint (hf://, https://, http://), not a folder."""
    return isinstance(path, str) and path.startswith((HF_SCHEME,) + URL_SCHEMES)


def offline_mode(offline=None):
    """`offline` when given, else whether KERAS_BERT_OFFLINE / HF_HUB_OFFLINE say so."""
    if offline is not None:
        return bool(offline)
    return any(os.environ.get(name, "").strip().upper() in TRUE_VALUES for name in OFFLINE_ENVS)


def cache_root(cache_dir=None):
    """`cache_dir`, else $KERAS_BERT_CACHE, else ~/.cache/keras_bert."""
    chosen = cache_dir or os.environ.get(CACHE_ENV) or os.path.join("~", ".cache", "keras_bert")
    return os.path.abspath(os.path.expanduser(os.fspath(chosen)))


def parse(name, cache_dir=None):
    """The `Source` of a remote name; a one-line error for a malformed one."""
    if name.startswith(HF_SCHEME):
        return _parse_hf(name, cache_dir)
    parsed = urllib.parse.urlsplit(name)
    try:
        parsed.port
    except ValueError:
        parsed = None
    if parsed is None or not parsed.hostname:
        raise KerasBertError(f"{name}: not a URL with a host (e.g. https://host/path/model.zip).")
    hub = _hub_repository(parsed)
    if hub:
        return _parse_hf(HF_SCHEME + hub, cache_dir, shown=name)
    url = urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, parsed.path, parsed.query, ""))
    path = parsed.path
    stem = _safe_folder_name(_basename(path.rstrip("/")))
    key = hashlib.sha256(url.rstrip("/").encode("utf-8")).hexdigest()[:16]
    root = os.path.join(cache_root(cache_dir), "urls", f"{key}-{stem}")
    if path.lower().endswith(".zip"):
        folder_name = _safe_folder_name(_basename(path)[: -len(".zip")])
        return Source(name, "zip", url, root, folder_name=folder_name)
    base = url if url.endswith("/") or parsed.query else url + "/"
    return Source(name, "folder", base, root, folder_name=stem)


def check_name(name, offline=None, cache_dir=None):
    """Raise now (before any work) for a malformed remote name, or one offline mode lacks."""
    source = parse(name, cache_dir)
    if offline_mode(offline) and _cached_folder(source) is None:
        raise KerasBertError(_offline_message(source))
    return source


def model_name(name):
    """A short readable name for a remote checkpoint: NAME of hf://ORG/NAME, a zip's stem."""
    if name.startswith(HF_SCHEME):
        return name[len(HF_SCHEME):].split("@")[0].rstrip("/").split("/")[-1] or "model"
    path = urllib.parse.urlsplit(name).path.rstrip("/")
    stem = _basename(path)
    return (stem[:-4] if stem.lower().endswith(".zip") else stem) or "model"


def resolve(path, offline=None, cache_dir=None, progress=True):
    """The local folder for `path`: `path` itself, or the cached download of a remote name.

    Downloads what is not cached yet (unless offline) and returns the folder to load.
    """
    if not is_remote(path):
        return path
    source = parse(path, cache_dir)
    folder = _cached_folder(source)
    if folder is not None:
        return folder
    if offline_mode(offline):
        raise KerasBertError(_offline_message(source))
    os.makedirs(source.root, exist_ok=True)
    fetcher = _Fetcher(source, progress)
    if source.kind == "zip":
        folder = _fetch_zip(source, fetcher)
    else:
        folder = _fetch_folder(source, fetcher)
    relative = os.path.relpath(folder, source.root)
    _write_manifest(source, relative, fetcher.fetched)
    return folder


# ---- names -------------------------------------------------------------------------------

def _parse_hf(name, cache_dir, shown=None):
    shown = shown or name
    repo, _, revision = name[len(HF_SCHEME):].partition("@")
    repo = repo.strip("/")
    parts = repo.split("/")
    if not repo or len(parts) > 2 or not all(_REPO_PART.match(part) for part in parts) or any(
        ".." in part for part in parts
    ):
        raise KerasBertError(
            f"{shown}: not a Hugging Face repository name; write hf://ORG/NAME or "
            "hf://ORG/NAME@REVISION (letters, digits, '-', '_', '.')."
        )
    revision = revision or DEFAULT_REVISION
    if any(ord(character) < 32 for character in revision) or ".." in revision.split("/"):
        raise KerasBertError(f"{shown}: revision {revision!r} is not a branch, tag or commit.")
    endpoint = os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    quoted = urllib.parse.quote(revision, safe="")
    url = f"{endpoint.rstrip('/')}/{repo}/resolve/{quoted}/"
    root = os.path.join(cache_root(cache_dir), "hf", *parts, quoted)
    return Source(shown, "hf", url, root)


def _hub_repository(parsed):
    """ORG/NAME[@REV] when a URL is a Hugging Face repository page, e.g. huggingface.co/ORG/NAME."""
    if parsed.netloc.lower() not in ("huggingface.co", "www.huggingface.co", "hf.co"):
        return None
    parts = [part for part in parsed.path.split("/") if part]
    if len(parts) == 2:
        return "/".join(parts)
    if len(parts) == 4 and parts[2] == "tree":
        return f"{parts[0]}/{parts[1]}@{urllib.parse.unquote(parts[3])}"
    return None


def _basename(path):
    return urllib.parse.unquote(path.rsplit("/", 1)[-1])


def _safe_folder_name(name):
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip(".")
    return cleaned[:100] or "download"


def safe_relative_path(name, source_name, where):
    """`name` as a relative path inside the download folder; refuses anything that escapes it."""
    if not isinstance(name, str) or not name:
        raise KerasBertError(f"{source_name}: {where} names an empty or non-text file name.")
    normalised = name.replace("\\", "/")
    parts = normalised.split("/")
    if (
        normalised.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
        or ":" in parts[0]
        or any(ord(character) < 32 for character in normalised)
    ):
        raise KerasBertError(
            f"{source_name}: {where} names {name!r}, a path that leaves the checkpoint folder; "
            "refused."
        )
    return "/".join(parts)


def _inside(root, relative):
    """The local path of `relative` under `root`, checked to stay inside it."""
    path = os.path.join(root, *relative.split("/"))
    real_root = os.path.realpath(root)
    if os.path.commonpath([real_root, os.path.realpath(path)]) != real_root:
        raise KerasBertError(f"{relative!r} leaves the folder {root}; refused.")
    return path


# ---- the cache ---------------------------------------------------------------------------

def _cached_folder(source):
    """The folder to load when a complete download of `source` is cached, else None."""
    manifest_path = os.path.join(source.root, MANIFEST_FILE)
    try:
        with open(manifest_path, encoding="utf-8") as file:
            manifest = json.load(file)
        folder = _inside(source.root, manifest["folder"]) if manifest["folder"] != "." else (
            source.root
        )
        files = [_inside(source.root, name) for name in manifest["files"]]
    except (OSError, ValueError, KeyError, TypeError, KerasBertError):
        return None
    if not os.path.isdir(folder) or not all(os.path.isfile(path) for path in files):
        return None
    return folder


def _write_manifest(source, folder, fetched):
    manifest = {
        "name": source.name,
        "url": source.url,
        "folder": folder.replace(os.sep, "/"),
        "files": sorted(fetched),
        "downloaded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    partial = os.path.join(source.root, MANIFEST_FILE + PARTIAL_SUFFIX)
    with open(partial, "w", encoding="utf-8") as file:
        json.dump(manifest, file, indent=2)
        file.write("\n")
    os.replace(partial, os.path.join(source.root, MANIFEST_FILE))


def _offline_message(source):
    return (
        f"{source.name} is not in the download cache ({source.root}) and offline mode "
        f"({' / '.join(OFFLINE_ENVS[:2])} or offline=True) forbids downloading it: load it once "
        "with network access, or pass a local checkpoint folder."
    )


# ---- what to fetch -----------------------------------------------------------------------

def _fetch_folder(source, fetcher):
    """Fetch a Hugging Face or Google layout from `source.url` into `source.root`."""
    root = source.root
    if source.kind == "folder":
        root = os.path.join(source.root, source.folder_name)
        fetcher.root = root
        if fetcher.get(GOOGLE_FILES[0], required=False):
            for name in GOOGLE_FILES[1:]:
                fetcher.get(name, required=True)
            return root
        if not fetcher.get("config.json", required=False):
            raise MissingFileError(
                f"{source.name}: neither {source.file_url(GOOGLE_FILES[0])} (a Google "
                f"checkpoint) nor {source.file_url('config.json')} (a Hugging Face folder) "
                "exists; give the base URL of a checkpoint folder, or a .zip of one."
            )
    else:
        fetcher.get("config.json", required=True)
    _fetch_hugging_face_rest(source, fetcher)
    return root


def _fetch_hugging_face_rest(source, fetcher):
    if not fetcher.get(HF_WEIGHTS, required=False):
        if fetcher.get(HF_INDEX, required=False):
            for shard in _index_shards(source, fetcher.local(HF_INDEX)):
                fetcher.get(shard, required=True)
        elif not fetcher.get(HF_PYTORCH, required=False):
            raise MissingFileError(
                f"{source.name} has no weights: none of {HF_WEIGHTS}, {HF_INDEX}, {HF_PYTORCH} "
                f"at {source.url}."
            )
    found = [fetcher.get(name, required=False) for name in HF_TOKENIZER_FILES]
    if not any(found):
        raise MissingFileError(
            f"{source.name} has no tokenizer: neither {' nor '.join(HF_TOKENIZER_FILES)} at "
            f"{source.url}."
        )
    fetcher.get("tokenizer_config.json", required=False)
    if fetcher.get(ST_MODULES, required=False):
        for folder in _pooling_folders(source, fetcher.local(ST_MODULES)):
            fetcher.get(f"{folder}/config.json", required=False)


def _index_shards(source, index_path):
    try:
        with open(index_path, encoding="utf-8") as file:
            weight_map = json.load(file).get("weight_map")
    except (ValueError, AttributeError) as error:
        os.remove(index_path)
        raise KerasBertError(f"{source.file_url(HF_INDEX)} is not a JSON index: {error}") from None
    if not isinstance(weight_map, dict) or not weight_map:
        os.remove(index_path)
        raise KerasBertError(
            f"{source.file_url(HF_INDEX)} has no weight_map (tensor name -> shard file)."
        )
    try:
        return sorted({
            safe_relative_path(shard, source.name, HF_INDEX) for shard in weight_map.values()
        })
    except KerasBertError:
        os.remove(index_path)  # never leave a hostile index in the cache
        raise


def _pooling_folders(source, modules_path):
    """The Pooling module folders a sentence-transformers modules.json lists (checked)."""
    try:
        with open(modules_path, encoding="utf-8") as file:
            modules = json.load(file)
        folders = [
            module.get("path") for module in modules if module.get("type") == ST_POOLING_TYPE
        ]
    except (ValueError, AttributeError, TypeError):
        return []  # not a sentence-transformers layout we read: no pooling hint, as locally
    try:
        return [safe_relative_path(folder, source.name, ST_MODULES) for folder in folders[:1]]
    except KerasBertError:
        os.remove(modules_path)
        raise


def _fetch_zip(source, fetcher):
    archive_name = source.folder_name + ".zip"
    fetcher.get(archive_name, required=True, url=source.url, record=False)
    archive = fetcher.local(archive_name)
    target = os.path.join(source.root, source.folder_name)
    extracting = target + PARTIAL_SUFFIX
    shutil.rmtree(extracting, ignore_errors=True)
    try:
        _extract_zip(archive, extracting, source)
    except zipfile.BadZipFile as error:
        shutil.rmtree(extracting, ignore_errors=True)
        os.remove(archive)
        raise KerasBertError(
            f"{source.url} did not download as a valid zip archive ({error}); the download was "
            "removed from the cache: check the URL, then run again."
        ) from None
    except BaseException:
        shutil.rmtree(extracting, ignore_errors=True)
        raise
    shutil.rmtree(target, ignore_errors=True)
    os.replace(extracting, target)
    os.remove(archive)  # the extracted folder is what the cache keeps
    folder = _checkpoint_folder(target, source)
    for directory, _, names in os.walk(target):
        fetcher.fetched.update(
            os.path.relpath(os.path.join(directory, name), source.root).replace(os.sep, "/")
            for name in names
        )
    return folder


def _extract_zip(archive, target, source):
    """Extract regular files only, each inside `target`, within the size limits."""
    with zipfile.ZipFile(archive) as bundle:
        members = [info for info in bundle.infolist() if not info.is_dir()]
        total = sum(info.file_size for info in members)
        packed = os.path.getsize(archive)
        if len(members) > ZIP_MAX_MEMBERS or total > ZIP_MAX_BYTES or (
            total > ZIP_MAX_RATIO * packed + (1 << 20)
        ):
            raise KerasBertError(
                f"{source.url}: the archive would unpack to {total:,} bytes in {len(members):,} "
                f"files from {packed:,} (limits: {ZIP_MAX_BYTES:,} bytes, {ZIP_MAX_MEMBERS:,} "
                f"files, {ZIP_MAX_RATIO}x compression); refused as a possible zip bomb."
            )
        free = shutil.disk_usage(os.path.dirname(target)).free
        if total > free:
            raise KerasBertError(
                f"{source.url} unpacks to {total:,} bytes but {os.path.dirname(target)} has "
                f"{free:,} free; free space or set {CACHE_ENV} to a larger disk."
            )
        os.makedirs(target)
        for info in members:
            relative = safe_relative_path(info.filename, source.url, "the archive")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise KerasBertError(
                    f"{source.url}: the archive holds a symbolic link ({info.filename}); refused."
                )
            path = _inside(target, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with bundle.open(info) as member, open(path, "wb") as out:
                shutil.copyfileobj(member, out, CHUNK_BYTES)  # CRC checked at the end


def _checkpoint_folder(target, source):
    """The one folder under `target` that holds bert_config.json (else config.json)."""
    for config in ("bert_config.json", "config.json"):
        found = sorted(directory for directory, _, names in os.walk(target) if config in names)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            listing = ", ".join(os.path.relpath(path, target) for path in found)
            raise KerasBertError(
                f"{source.url} holds several checkpoint folders ({listing}); unpack it yourself "
                "and pass the folder you want."
            )
    names = sorted(
        os.path.relpath(os.path.join(directory, name), target)
        for directory, _, files in os.walk(target)
        for name in files
    )
    shutil.rmtree(target, ignore_errors=True)
    listing = ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")
    raise KerasBertError(
        f"{source.url} holds no bert_config.json or config.json (found: {listing or 'nothing'})."
    )


# ---- downloading -------------------------------------------------------------------------

class _Fetcher:
    """Downloads files of one source into `root`, remembering what it fetched."""

    def __init__(self, source, progress):
        self.source = source
        self.root = source.root
        self.progress = progress
        self.fetched = set()  # paths relative to source.root

    def local(self, relative):
        return _inside(self.root, relative)

    def get(self, relative, required, url=None, record=True):
        """Download one file unless it is already complete; False for an optional 404."""
        path = self.local(relative)
        if not os.path.isfile(path):
            url = url or self.source.file_url(relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if not download(url, path, self.source, required=required, progress=self.progress):
                return False
        if record:
            self.fetched.add(os.path.relpath(path, self.source.root).replace(os.sep, "/"))
        return True


class _RecordingRedirects(urllib.request.HTTPRedirectHandler):
    """Keeps the headers of every redirect: Hugging Face puts X-Linked-Etag/-Size there."""

    def __init__(self):
        self.headers = []

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.headers.append(headers)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(url, path, source, required=True, progress=True):
    """Download `url` to `path` via `path.partial`, resuming it; verify size and hash.

    Returns False when the file is optional (`required=False`) and the server says 404.
    """
    partial = path + PARTIAL_SUFFIX
    last_problem = None
    for attempt in range(ATTEMPTS):
        offset = os.path.getsize(partial) if os.path.isfile(partial) else 0
        redirects = _RecordingRedirects()
        opener = urllib.request.build_opener(redirects)
        headers = {"User-Agent": "keras_bert", "Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            response = opener.open(urllib.request.Request(url, headers=headers),
                                   timeout=TIMEOUT_SECONDS)
        except urllib.error.HTTPError as error:
            error.close()
            if error.code == 416 and offset:  # the partial file is not a prefix any more
                os.remove(partial)
                continue
            if error.code in (429,) or error.code >= 500:
                last_problem = f"HTTP {error.code} {error.reason}"
                time.sleep(RETRY_PAUSE_SECONDS * (attempt + 1))
                continue
            if error.code == 404 and not required and _is_missing_file(error):
                return False
            raise _http_error(error, url, source) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            last_problem = getattr(error, "reason", None) or error
            time.sleep(RETRY_PAUSE_SECONDS * (attempt + 1))
            continue
        with response:
            start, total = _response_range(response, offset)
            if start is None:  # a 206 for bytes we did not ask for: start again
                os.remove(partial)
                continue
            expected = _expected(response, redirects.headers, source)
            total = expected.get("size") or total
            try:
                _stream(response, partial, start, total, url, progress)
            except (OSError, http.client.HTTPException) as error:
                last_problem = f"the connection broke ({type(error).__name__}: {error})"
                continue
        size = os.path.getsize(partial)
        if total is not None and size < total:
            last_problem = f"the server sent {size:,} of {total:,} bytes"
            continue
        if total is not None and size > total:
            os.remove(partial)
            last_problem = f"the file grew to {size:,} bytes, more than the {total:,} announced"
            continue
        _verify(partial, expected, url)
        os.replace(partial, path)
        return True
    kept = (
        f"the {os.path.getsize(partial):,} bytes received are kept in {partial}: run again to "
        "resume" if os.path.isfile(partial) else "run again to retry"
    )
    raise KerasBertError(f"Downloading {url} failed {ATTEMPTS} times ({last_problem}); {kept}.")


def _is_missing_file(error):
    """A 404 for an absent file (not for an unknown repository or revision)."""
    code = error.headers.get("X-Error-Code") if error.headers else None
    return code in (None, "EntryNotFound")


def _http_error(error, url, source):
    code = error.headers.get("X-Error-Code") if error.headers else None
    if code == "RepositoryNotFound" or (source.kind == "hf" and error.code == 401):
        return MissingFileError(
            f"{source.name}: no such public repository ({url}: HTTP {error.code}); check the "
            "name. Private and gated repositories need their files downloaded yourself "
            "(e.g. huggingface-cli download); pass that folder."
        )
    if code == "RevisionNotFound":
        return MissingFileError(f"{source.name}: the revision does not exist ({url}: HTTP 404).")
    if error.code == 404:
        return MissingFileError(
            f"{source.name}: {url} was not found (HTTP 404), and the checkpoint needs it."
        )
    return KerasBertError(
        f"{source.name}: {url} answered HTTP {error.code} {error.reason}."
    )


def _response_range(response, offset):
    """(where the body starts, the full size or None); (None, None) for a mismatched range."""
    if response.status == 206:
        match = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", response.headers.get("Content-Range", ""))
        if not match or int(match.group(1)) != offset:
            return None, None
        return offset, None if match.group(3) == "*" else int(match.group(3))
    length = response.headers.get("Content-Length")
    return 0, int(length) if length and length.isdigit() else None


def _expected(response, redirect_headers, source):
    """{"size": ..., "sha256" / "git_sha1" / "md5": ...} as published, for verification."""
    expected = {}
    linked = [headers for headers in redirect_headers if headers.get("X-Linked-Etag")]
    if linked:
        etag = _etag(linked[-1].get("X-Linked-Etag"))
        size = linked[-1].get("X-Linked-Size", "")
        if size.isdigit():
            expected["size"] = int(size)
    else:
        etag = _etag(response.headers.get("X-Linked-Etag") or response.headers.get("ETag"))
    if etag and _SHA256.match(etag) and (source.kind == "hf" or linked):
        expected["sha256"] = etag
    elif etag and _GIT_SHA1.match(etag) and source.kind == "hf" and not redirect_headers:
        expected["git_sha1"] = etag  # Hugging Face's ETag of a file kept in git (not LFS)
    for value in response.headers.get_all("x-goog-hash") or []:
        for item in value.split(","):
            kind, _, digest = item.strip().partition("=")
            if kind == "md5" and digest:
                try:
                    expected["md5"] = base64.b64decode(digest).hex()
                except ValueError:
                    pass
    return expected


def _etag(value):
    if not value:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"').lower()


def _verify(path, expected, url):
    hashes = {"sha256": hashlib.sha256(), "md5": hashlib.md5(), "git_sha1": hashlib.sha1()}
    wanted = {kind: hashes[kind] for kind in ("sha256", "md5", "git_sha1") if kind in expected}
    if not wanted:
        return
    if "git_sha1" in wanted:
        wanted["git_sha1"].update(b"blob %d\0" % os.path.getsize(path))
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK_BYTES), b""):
            for digest in wanted.values():
                digest.update(chunk)
    for kind, digest in wanted.items():
        if digest.hexdigest() != expected[kind]:
            os.remove(path)
            raise KerasBertError(
                f"{url}: the downloaded file's {kind.replace('_', ' ')} is {digest.hexdigest()}, "
                f"not the {expected[kind]} the server published; the download was discarded: "
                "run again to download it afresh."
            )


def _stream(response, partial, start, total, url, progress):
    bar = _Progress(url, total, start) if progress else None
    with open(partial, "ab" if start else "wb") as out:
        while True:
            chunk = response.read(CHUNK_BYTES)
            if not chunk:
                break
            out.write(chunk)
            if bar:
                bar.add(len(chunk))
    if bar:
        bar.close()


class _Progress:
    """A one-line download bar on stderr (stdout stays for the command's own output)."""

    def __init__(self, url, total, done):
        self.label = _basename(urllib.parse.urlsplit(url).path) or url
        self.total, self.done = total, done
        self.interactive = sys.stderr.isatty()
        self.shown = 0.0
        if not self.interactive:
            print(f"Downloading {url} ({_megabytes(total)})", file=sys.stderr, flush=True)

    def add(self, count):
        self.done += count
        now = time.monotonic()
        if self.interactive and now - self.shown > 0.1:
            self.shown = now
            self._draw()

    def _draw(self):
        if self.total:
            fraction = min(self.done / self.total, 1.0)
            bar = "=" * int(30 * fraction)
            text = f"[{bar:<30}] {fraction:4.0%} {_megabytes(self.done)}/{_megabytes(self.total)}"
        else:
            text = _megabytes(self.done)
        print(f"\r{self.label}: {text}", end="", file=sys.stderr, flush=True)

    def close(self):
        if self.interactive:
            self._draw()
            print(file=sys.stderr, flush=True)


def _megabytes(count):
    return "size unknown" if count is None else f"{count / 1e6:.1f} MB"
