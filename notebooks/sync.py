#!/usr/bin/env python
"""Execute the notebooks' text sources into their .ipynb files, and check the two are in step.

    python notebooks/sync.py                 # run every notebook, store the outputs
    python notebooks/sync.py 03 ja/05        # only those whose path contains 03 or ja/05
    python notebooks/sync.py notebooks/ja    # only one folder (or one .md file)
    python notebooks/sync.py --check         # exit 1 naming each .ipynb out of step

A notebook is a MyST markdown file `NN_name.md` (jupytext's `md:myst` format): edit it, never
the .ipynb beside it, which this script writes.  Every folder below notebooks/ holding such
files is a notebook folder (notebooks/, notebooks/ja/), run the same way: in a fresh python3
kernel of this interpreter, with the notebook's folder as the working directory.

The stored notebooks carry their outputs so they read well on GitHub, but stay small: graphs
are SVG, plots small PNGs, widget state and timings are not stored, and the live stepper's
outputs are replaced by a note (the still frames shown after it remain).
"""
import argparse
import collections
import contextlib
import hashlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat

HERE = Path(__file__).resolve().parent
PATTERN = "[0-9][0-9]_*.md"
IPYNB_PATTERN = "[0-9][0-9]_*.ipynb"
FORMAT = "md:myst"
SKIP_DIRS = {".ipynb_checkpoints", "__pycache__"}
MAX_NOTEBOOK_BYTES = 800_000
MAX_FOLDER_BYTES = 2_000_000  # for each notebook folder (notebooks/ and notebooks/ja/ apart)
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# The project's 10,000-image MNIST copy beside the repository: the package never looks
# there, so the notebooks are run with $GRAPHGRAD_MNIST_DIR naming it (when it is there and
# the variable is not set already), as a user names their own copy
SHARED_MNIST = HERE.parent.parent / "shared" / "datasets" / "mnist"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ADDRESS = re.compile(r"^<([\w.]+) (?:object )?at 0x[0-9a-f]+>$")
LIVE_ONLY_NOTE = ("(an interactive stepper: run the notebook to step through it; "
                  "the still frames follow)")


# ============================================================================ finding

def _kept(path, root):
    return not SKIP_DIRS.intersection(path.relative_to(root).parts)


def sources(root=HERE):
    """Every notebook's text source below `root`, folder by folder, in order."""
    root = Path(root)
    return sorted((p for p in root.rglob(PATTERN) if _kept(p, root)),
                  key=lambda p: (p.parent.relative_to(root).parts, p.name))


def folders(root=HERE):
    """The notebook folders below `root` (those holding a text source), in order."""
    return sorted({p.parent for p in sources(root)}, key=lambda p: p.relative_to(root).parts)


def name_of(source, root=HERE):
    """`03_relu_sigmoid`, `ja/03_relu_sigmoid`: the source's path below `root`, no suffix."""
    return Path(source).relative_to(root).with_suffix("").as_posix()


def ipynb_of(source):
    return Path(source).with_suffix(".ipynb")


def select(wanted, root=HERE):
    """The sources named by `wanted`: paths (a folder, a .md or .ipynb file) or parts of a
    notebook's name (`03`, `ja/`).  Raises ValueError for one that names none."""
    every = sources(root)
    chosen = set()
    for word in wanted:
        path = Path(word).resolve()
        if path.exists():
            hits = [s for s in every if s.with_suffix("") == path.with_suffix("")
                    or path.is_dir() and path in s.parents]
        else:
            hits = [s for s in every if word in name_of(s, root)]
        if not hits:
            raise ValueError(f"no notebook below {root} matches {word!r}")
        chosen.update(hits)
    return [s for s in every if s in chosen] if wanted else every


# ============================================================================ reading

def read(source):
    """The notebook of a text source, without outputs, with the metadata stored .ipynb
    files carry (the jupytext header stays in the .md)."""
    nb = jupytext.read(source, fmt=FORMAT)
    nb.metadata.pop("jupytext", None)
    nb.metadata.setdefault("kernelspec", {"display_name": "Python 3", "language": "python",
                                          "name": "python3"})
    nb.metadata["language_info"] = {"name": "python"}
    _stable_ids(nb)
    return nb


def _stable_ids(nb):
    """Cell ids from the cells' text, so that running a notebook again changes only what
    its outputs changed (nbformat draws new random ids each time)."""
    seen = collections.Counter()
    for cell in nb.cells:
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:8]
        seen[digest] += 1
        cell.id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"


def cells_of(nb):
    return [(c.cell_type, c.source) for c in nb.cells]


def check(root=HERE):
    """What is out of step below `root`: {notebook name: why}, for a missing .ipynb, one
    whose cells differ from its text source's, and an .ipynb that has no text source."""
    root = Path(root)
    stale = {}
    for source in sources(root):
        path = ipynb_of(source)
        if not path.exists():
            stale[name_of(source, root)] = "no .ipynb"
        elif cells_of(nbformat.read(path, as_version=4)) != cells_of(read(source)):
            stale[name_of(source, root)] = "cells differ from the .md"
    for path in sorted(root.rglob(IPYNB_PATTERN)):
        if _kept(path, root) and not path.with_suffix(".md").exists():
            stale[name_of(path, root)] = "no .md text source"
    return stale


# ============================================================================ running

@contextlib.contextmanager
def _this_interpreter_kernel():
    """A kernelspec named python3 that runs *this* interpreter, first on JUPYTER_PATH, so
    the notebooks run in the caller's environment (not whatever `python3` kernel a
    user-wide Jupyter install points at)."""
    from ipykernel.kernelspec import write_kernel_spec

    old = os.environ.get("JUPYTER_PATH")
    with tempfile.TemporaryDirectory(prefix="graphgrad-kernel-") as tmp:
        write_kernel_spec(str(Path(tmp) / "kernels" / "python3"))
        os.environ["JUPYTER_PATH"] = os.pathsep.join([tmp] + ([old] if old else []))
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = old


def execute(nb, cwd, timeout=300):
    """Run `nb` top to bottom in a fresh python3 kernel whose working directory is `cwd`
    (in place).  Raises nbclient's CellExecutionError, naming the cell, on an error."""
    from nbclient import NotebookClient

    # One BLAS thread: the notebooks' arrays are small, and on a busy machine (CI, a test
    # run in parallel) threaded OpenBLAS spins and makes training 10-40 times slower.
    env = dict(os.environ)
    for var in BLAS_THREADS:
        env.setdefault(var, "1")
    if (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").is_file():
        env.setdefault("GRAPHGRAD_MNIST_DIR", str(SHARED_MNIST))
    with _this_interpreter_kernel():
        # a kernel starts in seconds; on a 2-core machine with both cores busy, more
        NotebookClient(nb, timeout=timeout, startup_timeout=180, kernel_name="python3",
                       resources={"metadata": {"path": str(cwd)}},
                       store_widget_state=False, record_timing=False).execute(env=env)
    return nb


def _live_only(output):
    """A Stepper's output: the widget view (its state is not stored, so nothing could
    show it) and the HTML player (every frame's SVG, hundreds of kB for appendix A,
    and no static viewer such as GitHub runs it)."""
    data = output.get("data", {})
    return WIDGET_VIEW in data or data.get("text/html", "").startswith("<iframe srcdoc=")


def language_of(source):
    """A notebook folder named after a language graphgrad speaks (ja/) holds notebooks in
    it; the others are English."""
    from viz.i18n import LANGS
    name = Path(source).parent.name
    return name if name in LANGS else "en"


def clean(nb, lang="en"):
    """Drop what makes stored notebooks big or noisy: widget state, live-only outputs
    (the note standing for them in the notebook's language `lang`), run metadata, and the
    memory address in the plain-text fallback of a picture (which would change on every
    run) (in place)."""
    from viz.i18n import translator
    note = translator(lang)(LIVE_ONLY_NOTE)
    nb.metadata.pop("widgets", None)
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if _live_only(output):
                output.data = {"text/plain": note}
            elif len(data) > 1 and isinstance(data.get("text/plain"), str):
                data["text/plain"] = ADDRESS.sub(r"<\1>", data["text/plain"])
    return nb


def run(source, timeout=300):
    """Execute one text source and write its cleaned .ipynb; returns the .ipynb's path.
    On an error nothing is written: the stored notebook stays as it was."""
    source = Path(source)
    nb = clean(execute(read(source), source.parent, timeout=timeout), language_of(source))
    path = ipynb_of(source)
    nbformat.write(nb, path)
    return path


# ============================================================================ sizes

def folder_bytes(folder, root=HERE):
    """Bytes in a notebook folder, leaving out notebook folders nested in it (ja/)."""
    folder = Path(folder)
    others = [f for f in folders(root) if f != folder and folder in f.parents]
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()
               and _kept(p, folder) and not any(f in p.parents for f in others))


def too_big(root=HERE):
    """Messages naming each notebook and each folder over its size limit."""
    found = []
    for folder in folders(root):
        for path in sorted(folder.glob("*.ipynb")):
            if path.stat().st_size > MAX_NOTEBOOK_BYTES:
                found.append(f"{name_of(path, root)}.ipynb is {path.stat().st_size} bytes "
                             f"(at most {MAX_NOTEBOOK_BYTES})")
        size = folder_bytes(folder, root)
        if size > MAX_FOLDER_BYTES:
            found.append(f"{folder} holds {size} bytes (at most {MAX_FOLDER_BYTES})")
    return found


# ============================================================================ command

def _run_all(chosen, root, timeout):
    """Run the chosen sources one by one, printing each; returns the names that failed."""
    failed = []
    for i, source in enumerate(chosen, 1):
        name = name_of(source, root)
        print(f"[{i}/{len(chosen)}] {name} ...", end=" ", flush=True)
        t0 = time.perf_counter()
        try:
            path = run(source, timeout=timeout)
        except Exception as exc:  # a failing cell: report it, keep going, keep the old .ipynb
            print(f"FAILED after {time.perf_counter() - t0:.1f} s\n{exc}", flush=True)
            failed.append(name)
            continue
        print(f"{time.perf_counter() - t0:5.1f} s  {path.stat().st_size / 1000:6.1f} kB",
              flush=True)
    return failed


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:7]))
    ap.add_argument("notebooks", nargs="*",
                    help="folders, files, or parts of names (03, ja/); default: all")
    ap.add_argument("--check", action="store_true",
                    help="run nothing; exit 1 if an .ipynb is out of step with its .md")
    ap.add_argument("--root", type=Path, default=HERE,
                    help="where to look for NN_*.md (default: %(default)s)")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    if args.check:
        stale = check(root)
        for name, why in stale.items():
            print(f"stale: {name}.ipynb ({why}); run: python notebooks/sync.py {name}")
        if not stale:
            print(f"{len(sources(root))} notebooks in step with their text sources")
        return 1 if stale else 0
    try:
        chosen = select(args.notebooks, root)
    except ValueError as exc:
        ap.error(str(exc))
    t0 = time.perf_counter()
    failed = _run_all(chosen, root, args.timeout)
    print(f"{len(chosen) - len(failed)} of {len(chosen)} notebooks run in "
          f"{time.perf_counter() - t0:.1f} s")
    for folder in folders(root):
        print(f"{folder}: {folder_bytes(folder, root) / 1000:.1f} kB")
    for message in too_big(root):
        print(f"too big: {message}", file=sys.stderr)
    if failed:
        print(f"failed: {' '.join(failed)}", file=sys.stderr)
    return 1 if failed or too_big(root) else 0


if __name__ == "__main__":
    sys.exit(main())
