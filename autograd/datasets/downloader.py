"""Fetching one file from a list of mirrors into a cache that several processes share.

Two notebooks started together download into one cache, so every step is written for
that case:

- one lock per cache file (``NAME.lock``, the ``filelock`` package): the second process
  waits, then finds the file there and downloads nothing; it gives up, saying so, when
  the wait outlasts its deadline;
- a whole download has a deadline (``deadline``, 10 minutes by default), not only each
  read (``timeout``): a mirror that trickles a byte every few seconds is left, and what
  came is kept to resume;
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
import time
import urllib.error
import urllib.request
import warnings
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "DEADLINE", "ChecksumError", "DamagedFileError", "DamagedFileWarning", "DeadlineError",
    "DownloadError", "cache_lock", "check_file", "download", "move_aside", "read_record",
    "sha256_of", "write_record",
]

_USER_AGENT = "graphgrad-datasets/1 (+urllib)"
_CHUNK = 1 << 16
_NETWORK_ERRORS = (OSError, http.client.HTTPException, ValueError)
DEADLINE = 600.0  # seconds for one download() call, waiting for the lock included


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


class DeadlineError(DownloadError, TimeoutError):
    """The download, or the wait for another process's lock, outlasted its deadline."""


class DamagedFileError(OSError):
    """A cached file is damaged and could not be moved aside (a read-only cache)."""


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
    try:
        os.replace(path, aside)
    except OSError as e:
        raise DamagedFileError(
            f"{path} is damaged ({reason}), and it could not be moved aside to "
            f"{aside.name} ({e.strerror or e}): is the directory read-only?  Replace it "
            "with a good copy, or delete it and download again, where the directory "
            "can be written") from e
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
def cache_lock(dest, note=None, timeout=DEADLINE):
    """Hold ``dest``'s lock file (``NAME.lock``) while the block runs.

    One lock object per file and process, so a holder may take it again (load_mnist
    holds it around its check and the download).  ``note``: called with a message when
    another process holds the lock, before waiting for it.  After ``timeout`` seconds of
    waiting, :class:`DeadlineError` says who holds it (the lock is the operating
    system's: it is released when its holder exits, so only a live process holds it).
    """
    from filelock import FileLock, Timeout

    key = os.path.abspath(os.fspath(dest)) + ".lock"
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = FileLock(key)
    first = min(0.5, timeout)
    try:
        lock.acquire(timeout=first)
    except Timeout:
        if note is not None:
            note(f"waiting for another process downloading {Path(dest).name} "
                 f"(lock file {key})")
        try:
            lock.acquire(timeout=timeout - first)
        except Timeout:
            raise DeadlineError(
                f"gave up after waiting {timeout:g} s for {Path(dest).name}: another "
                f"process holds its lock ({key}) and is still downloading it, perhaps "
                "from a slow mirror.  Try again later, or stop that process; a longer "
                "wait is download(..., deadline=SECONDS)") from None
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


def _left(end):
    """The seconds left before the deadline `end` (a _Deadline)."""
    left = end.at - time.monotonic()
    if left <= 0:
        raise DeadlineError(f"not tried: the deadline ({end.seconds:g} s) had passed")
    return left


def _fetch(url, tmp, label, timeout, show, end):
    """Fetch ``url`` into ``tmp``, resuming from the bytes already there if possible;
    give up at the deadline ``end``, keeping what came."""
    for _ in range(2):  # the second pass only runs after a failed resume
        offset = tmp.stat().st_size if tmp.exists() else 0
        try:
            response = _open(url, offset, min(timeout, _left(end)))
            if response is None:
                return
            with response:
                mode, total = _resume_point(response, offset)
                done = offset if mode == "ab" else 0
                with open(tmp, mode) as f, _bar(label, total, done, show) as bar:
                    # read1: what has arrived, at most one read (which `timeout` bounds);
                    # read(n) would wait for all n bytes, however slowly they trickle
                    while chunk := response.read1(_CHUNK):
                        f.write(chunk)
                        done += len(chunk)
                        bar.update(len(chunk))
                        if time.monotonic() > end.at:
                            of = f" of {total}" if total is not None else ""
                            raise DeadlineError(f"too slow: {done}{of} bytes by the "
                                                f"deadline ({end.seconds:g} s)")
        except _Restart:
            tmp.unlink()
            continue
        if total is not None and done != total:
            # Keep the partial file so that the next attempt can resume it.
            raise OSError(f"connection closed after {done} of {total} bytes")
        return
    raise OSError("server kept answering with a wrong byte range")


def _try_urls(urls, tmp, label, expected, validate, timeout, show, end):
    """Fetch into ``tmp`` from the first URL that gives good bytes; returns the list of
    (url, error) for the others, and the bad digest seen if any.  Past the deadline
    ``end`` no other URL is tried."""
    errors, bad_digest = [], None
    for url in urls:
        # A resumed partial file may have a bad start (an older file, or another
        # mirror's data). If the digest is wrong after a resume, fetch the whole
        # file once more from the same URL before trying the next one.
        for _ in range(2):
            resumed = tmp.exists() and tmp.stat().st_size > 0
            try:
                _fetch(url, tmp, label, timeout, show, end)
            except _NETWORK_ERRORS as e:
                errors.append((url, e))
                if isinstance(e, DeadlineError):
                    return None, errors, bad_digest
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


class _Deadline:
    """When a download() call must end: `at`, a time.monotonic() reading, and the
    `seconds` it was given (for the messages)."""

    def __init__(self, seconds):
        if not seconds > 0:
            raise ValueError(f"deadline must be a positive number of seconds, not "
                             f"{seconds!r}")
        self.seconds, self.at = seconds, time.monotonic() + seconds


def download(url_list, dest, sha256, progress=True, timeout=30.0, *, validate=None,
             deadline=DEADLINE):
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

    ``timeout`` bounds each network wait (a connection, one read); ``deadline`` the
    whole call, from waiting for another process's lock to the last mirror: past it the
    call raises :class:`DeadlineError` (a read under way may take up to ``timeout``
    more), and what was fetched is kept as ``NAME.part`` for the next call to resume.

    Returns ``dest`` as a :class:`~pathlib.Path`. Raises :class:`ChecksumError`
    if some URL sent bytes with the wrong digest. Raises :class:`DownloadError`
    if every URL failed for other reasons. Either way the exception lists every
    URL and what went wrong.
    """
    urls = [url_list] if isinstance(url_list, str) else list(url_list)
    if not urls:
        raise ValueError("url_list is empty")
    show = _progress_enabled(progress)
    end = _Deadline(deadline)
    expected = sha256.lower() if sha256 else None
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with cache_lock(dest, _note(show), timeout=deadline):
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
                                                   validate, timeout, show, end)
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
    if errors and isinstance(errors[-1][1], DeadlineError):
        kept = (f"the {part.stat().st_size} bytes that came are kept in {part.name} for "
                "the next call to resume" if part.exists() else "nothing came")
        raise DeadlineError(f"gave up on {dest.name} at its deadline ({deadline:g} s; "
                            f"download(..., deadline=SECONDS) gives more): {kept}; "
                            f"tried:\n{lines}", errors)
    raise DownloadError(f"could not download {dest.name}; tried:\n{lines}", errors)
