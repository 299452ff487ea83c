"""Fetching one file from a list of mirrors into a cache that several processes share.

Two notebooks started together download into one cache, so every step is written for
that case:

- one lock per cache file (``NAME.lock``, the ``filelock`` package): the second process
  waits, then finds the file there and downloads nothing;
- the bytes go to a temporary name of this process's own and reach the real name only
  once their digest checks out (verify, then :func:`os.replace`, which is atomic): a
  broken file never appears under the real name;
- every committed file has its digest recorded beside it (``NAME.sha256``, the format of
  ``sha256sum``), and :func:`check_file` compares a cached file with that record when it
  is used; a damaged file is moved aside to ``NAME.bad`` with a warning saying so, and
  fetched again;
- an interrupted download is kept as ``NAME.part`` (or, for a process that was killed,
  as its temporary file) and resumed with an HTTP Range request.

``tqdm`` (the progress bar) and ``filelock`` are imported when a download starts, so
importing the engine needs neither.
"""

from __future__ import annotations

import glob
import hashlib
import http.client
import os
import re
import secrets
import sys
import threading
import urllib.error
import urllib.request
import warnings
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "ChecksumError", "DamagedFileWarning", "DownloadError", "cache_lock", "check_file",
    "download", "move_aside", "read_record", "sha256_of", "write_record",
]

_USER_AGENT = "graphgrad-datasets/1 (+urllib)"
_CHUNK = 1 << 16
_NETWORK_ERRORS = (OSError, http.client.HTTPException, ValueError)


class DownloadError(OSError):
    """Every URL given to :func:`download` failed.

    ``errors`` holds one ``(url, exception)`` pair for each URL that was tried.
    """

    def __init__(self, message, errors=()):
        super().__init__(message)
        self.errors = list(errors)


class ChecksumError(DownloadError):
    """A downloaded file did not have the expected SHA-256 digest."""

    def __init__(self, message, errors=(), expected=None, actual=None):
        super().__init__(message, errors)
        self.expected = expected
        self.actual = actual


class DamagedFileWarning(UserWarning):
    """A cached file did not match its recorded digest (or could not be read) and was
    moved aside to NAME.bad; it is fetched again when downloading is allowed."""


# ------------------------------------------------------------------ digests and records


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _record_path(path):
    path = Path(path)
    return path.with_name(path.name + ".sha256")


def read_record(path):
    """The digest recorded for ``path`` when it was committed, or None."""
    try:
        text = _record_path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    digest = text.split(maxsplit=1)[0].lower() if text.strip() else ""
    return digest if re.fullmatch(r"[0-9a-f]{64}", digest) else None


def write_record(path, digest):
    """Record ``digest`` for ``path`` in ``NAME.sha256`` (written whole or not at all)."""
    path = Path(path)
    record = _record_path(path)
    tmp = record.with_name(f"{record.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(f"{digest}  {path.name}\n", encoding="ascii")
    os.replace(tmp, record)


def check_file(path, expected=None, validate=None):
    """What is wrong with ``path``, or None when nothing is.

    The digest must equal ``expected`` when given, else the recorded one when there is
    a record (a file put in place by hand has none and is taken as it is).
    ``validate(path)`` may raise to refuse the content.
    """
    wanted = expected.lower() if expected else read_record(path)
    if wanted is not None:
        actual = sha256_of(path)
        if actual != wanted:
            source = "expected" if expected else "recorded when it was downloaded"
            return f"SHA-256 {actual}, {source} {wanted}"
    if validate is not None:
        try:
            validate(path)
        except (OSError, ValueError) as e:
            return str(e)
    return None


def move_aside(path, reason):
    """Move a damaged file to ``NAME.bad`` (replacing an older one), drop its record and
    warn with :class:`DamagedFileWarning`.  Returns the new path."""
    path = Path(path)
    aside = path.with_name(path.name + ".bad")
    os.replace(path, aside)
    try:
        _record_path(path).unlink()
    except FileNotFoundError:
        pass
    warnings.warn(f"{path} is damaged ({reason}); moved it to {aside}",
                  DamagedFileWarning, stacklevel=2)
    return aside


# ----------------------------------------------------------------------------- the lock

_LOCKS = {}
_LOCKS_GUARD = threading.Lock()


@contextmanager
def cache_lock(dest, note=None):
    """Hold ``dest``'s lock file (``NAME.lock``) while the block runs.

    One lock object per file and process, so a holder may take it again (load_mnist
    holds it around its check and the download).  ``note``: called with a message when
    another process holds the lock, before waiting for it.
    """
    from filelock import FileLock, Timeout

    key = os.path.abspath(os.fspath(dest)) + ".lock"
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = FileLock(key)
    try:
        lock.acquire(timeout=0.5)
    except Timeout:
        if note is not None:
            note(f"waiting for another process downloading {Path(dest).name} "
                 f"(lock file {key})")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


# ------------------------------------------------------------------------- progress


def _progress_enabled(progress):
    if progress == "always":
        return True
    if progress is True or progress is False or progress is None:
        stream = sys.stderr
        return bool(progress) and stream is not None and stream.isatty()
    raise ValueError(f"progress must be True, False or 'always', not {progress!r}")


def _bar(label, total, offset, show):
    from tqdm import tqdm

    return tqdm(total=total, initial=offset, desc=label, unit="B", unit_scale=True,
                disable=not show, file=sys.stderr, leave=True, dynamic_ncols=True)


def _note(show):
    def note(message):
        if show:
            print(message, file=sys.stderr, flush=True)
    return note


# ------------------------------------------------------------------------- fetching

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_CONTENT_RANGE_UNSAT = re.compile(r"bytes\s+\*/(\d+)")


def _open(url, offset, timeout):
    """The response for ``url`` from byte ``offset`` on; None when a 416 says the
    partial file is already complete; raises _Restart when it must start over."""
    headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                      timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code != 416 or not offset:
            raise
        # 416: the range starts past the end of the file. If the partial file is
        # exactly the full size it is already complete and the digest check
        # decides. Otherwise it cannot be right, so start again.
        m = _CONTENT_RANGE_UNSAT.match(e.headers.get("Content-Range", "") or "")
        e.close()
        if m and int(m.group(1)) == offset:
            return None
        raise _Restart() from None


class _Restart(Exception):
    """The partial file cannot be resumed: delete it and fetch the whole file."""


def _resume_point(response, offset):
    """(write mode, total size or None) for a response to a request from ``offset``."""
    if offset and getattr(response, "status", None) == 206:
        m = _CONTENT_RANGE.match(response.headers.get("Content-Range", "") or "")
        if not m or int(m.group(1)) != offset:
            raise _Restart()  # the server sent a range we didn't ask for
        return "ab", (None if m.group(3) == "*" else int(m.group(3)))
    # A 200 reply (or file:// URL) sends the whole file, so start over.
    length = response.headers.get("Content-Length")
    return "wb", (int(length) if length and length.isdigit() else None)


def _fetch(url, tmp, label, timeout, show):
    """Fetch ``url`` into ``tmp``, resuming from the bytes already there if possible."""
    for _ in range(2):  # the second pass only runs after a failed resume
        offset = tmp.stat().st_size if tmp.exists() else 0
        try:
            response = _open(url, offset, timeout)
            if response is None:
                return
            with response:
                mode, total = _resume_point(response, offset)
                done = offset if mode == "ab" else 0
                with open(tmp, mode) as f, _bar(label, total, done, show) as bar:
                    while chunk := response.read(_CHUNK):
                        f.write(chunk)
                        done += len(chunk)
                        bar.update(len(chunk))
        except _Restart:
            tmp.unlink()
            continue
        if total is not None and done != total:
            # Keep the partial file so that the next attempt can resume it.
            raise OSError(f"connection closed after {done} of {total} bytes")
        return
    raise OSError("server kept answering with a wrong byte range")


def _try_urls(urls, tmp, label, expected, validate, timeout, show):
    """Fetch into ``tmp`` from the first URL that gives good bytes; returns the list of
    (url, error) for the others, and the bad digest seen if any."""
    errors, bad_digest = [], None
    for url in urls:
        # A resumed partial file may have a bad start (an older file, or another
        # mirror's data). If the digest is wrong after a resume, fetch the whole
        # file once more from the same URL before trying the next one.
        for _ in range(2):
            resumed = tmp.exists() and tmp.stat().st_size > 0
            try:
                _fetch(url, tmp, label, timeout, show)
            except _NETWORK_ERRORS as e:
                errors.append((url, e))
                break
            actual = sha256_of(tmp)
            problem = None
            if expected is not None and actual != expected:
                problem = ChecksumError(f"SHA-256 mismatch: expected {expected}, got {actual}")
            elif validate is not None:
                problem = check_file(tmp, validate=validate)
            if problem is None:
                return actual, errors, bad_digest
            tmp.unlink()
            if resumed:
                continue
            if isinstance(problem, ChecksumError):
                bad_digest = actual
            errors.append((url, problem if isinstance(problem, Exception)
                           else DownloadError(f"not the expected content: {problem}")))
            break
    return None, errors, bad_digest


def _adopt_partial(dest, part, tmp):
    """Take over what earlier downloads left, to resume it: NAME.part, or the temporary
    file of a process killed before it could tidy up (under the lock, no live process
    is writing one).  The longest is kept, the others deleted."""
    pattern = glob.escape(dest.name) + ".*.part"
    leftovers = [p for p in dest.parent.glob(pattern) if p != tmp]
    sizes = {}
    for p in [part, *leftovers]:
        try:
            sizes[p] = p.stat().st_size
        except FileNotFoundError:
            pass
    if not sizes:
        return
    keep = max(sizes, key=sizes.get)
    for p in sizes:
        try:
            if p == keep:
                os.replace(p, tmp)
            else:
                p.unlink()
        except FileNotFoundError:
            pass


def _keep_partial(tmp, part):
    """Leave what was fetched as NAME.part for the next attempt to resume."""
    if tmp.exists():
        if tmp.stat().st_size:
            os.replace(tmp, part)
        else:
            tmp.unlink()


def download(url_list, dest, sha256, progress=True, timeout=30.0, *, validate=None):
    """Download one file to ``dest``, trying each URL in ``url_list`` in turn.

    ``sha256`` is the expected hex digest; None skips the check (``validate(path)``, if
    given, may still refuse the content by raising OSError or ValueError).  The bytes go
    to a temporary file of this process's own, and only a file whose digest checks out
    is moved to ``dest`` (with :func:`os.replace`, which is atomic), under ``dest``'s
    lock, so processes sharing a cache never see or write half a file.  The digest is
    recorded in ``dest + '.sha256'``.  An existing ``dest + '.part'`` is resumed with an
    HTTP Range request; if the server answers 200 instead, the download starts over.
    A file that fails the check is deleted and the next URL is tried.  If ``dest``
    already exists and passes the check (or, without ``sha256``, its record), nothing
    is downloaded; if it fails, it is moved aside (:func:`move_aside`) and fetched.

    ``progress``: True draws a bar on stderr if stderr is a terminal, ``'always'``
    draws it in any case, False never does.

    Returns ``dest`` as a :class:`~pathlib.Path`. Raises :class:`ChecksumError`
    if some URL sent bytes with the wrong digest. Raises :class:`DownloadError`
    if every URL failed for other reasons. Either way the exception lists every
    URL and what went wrong.
    """
    urls = [url_list] if isinstance(url_list, str) else list(url_list)
    if not urls:
        raise ValueError("url_list is empty")
    show = _progress_enabled(progress)
    expected = sha256.lower() if sha256 else None
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with cache_lock(dest, _note(show)):
        if dest.exists():
            problem = check_file(dest, expected, validate)
            if problem is None:
                if expected is not None and read_record(dest) != expected:
                    write_record(dest, expected)
                return dest
            move_aside(dest, problem)
        part = dest.with_name(dest.name + ".part")
        tmp = dest.with_name(f"{dest.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
        _adopt_partial(dest, part, tmp)
        try:
            actual, errors, bad_digest = _try_urls(urls, tmp, dest.name, expected,
                                                   validate, timeout, show)
            if actual is not None:
                os.replace(tmp, dest)
                write_record(dest, actual)
                return dest
        finally:
            _keep_partial(tmp, part)
    lines = "\n".join(f"  {u}: {e}" for u, e in errors)
    if bad_digest is not None:
        raise ChecksumError(
            f"checksum mismatch for {dest.name}: expected SHA-256 {expected}, "
            f"got {bad_digest}; tried:\n{lines}",
            errors,
            expected=expected,
            actual=bad_digest,
        )
    raise DownloadError(f"could not download {dest.name}; tried:\n{lines}", errors)
