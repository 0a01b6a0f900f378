"""A hot folder (`fcdd-swift watch`): every image that appears in a folder, once completely written, is
decided as `fcdd-swift predict --format jsonl` decides it, its record appended to OUT/predictions.jsonl and,
with `sort`, the image moved to OUT/pass/, OUT/fail/ or (unreadable) OUT/error/. The record is predict's
(path, score, label, regions, error) without the paths of the pictures predict writes: a hot folder
writes none.

Watching uses the `watchdog` library (inotify on Linux). A file counts as completely written when its size
and modification time have not changed for `settle` seconds (a writer that renames a finished file into
the folder is seen at once; one that writes in place is seen once it stops). An image that fails to decode
while it is still changing is tried again; one that fails after it settled is recorded with its error.

Restarts neither skip nor repeat an image: the journal (OUT/watch-journal.jsonl) gets each image's identity
(path, size, modification time) and record, synced, before predictions.jsonl does; at start the journal is
read, records that did not reach predictions.jsonl are appended, moves that did not happen are made, and
every image in the folder that the journal does not know is decided."""
import errno
import json
import os
import queue
import threading
import time

from ..errors import FCDDError
from ..files import write_file

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
JOURNAL = "watch-journal.jsonl"
PREDICTIONS = "predictions.jsonl"


def _is_image(name):
    base = os.path.basename(name)
    return not base.startswith(".") and base.lower().endswith(IMAGE_EXTENSIONS)


def _identity(path):
    st = os.stat(path, follow_symlinks=False)
    return st.st_size, st.st_mtime_ns


class _AppendLog:
    """A JSON-lines file that only grows: each line written whole and synced before the call returns."""

    def __init__(self, path):
        self.path = path
        self.lines = self._complete_lines()

    def _complete_lines(self):
        """The complete lines; a torn last line (a crash while it was written) is cut off."""
        if not os.path.exists(self.path):
            return []
        with open(self.path, "rb") as f:
            data = f.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            with open(self.path, "r+b") as f:
                f.truncate(end)
                os.fsync(f.fileno())
        return [json.loads(line) for line in data[:end].decode("utf-8").splitlines() if line.strip()]

    def append(self, entry):
        line = (json.dumps(entry) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        try:
            written = 0
            while written < len(line):
                written += os.write(fd, line[written:])
            os.fsync(fd)
        finally:
            os.close(fd)
        self.lines.append(entry)


class HotFolder:
    """Decides the images of `in_dir` with `detector` (a loaded fs.FCDD) into `out_dir`. `report(record)` is
    called after each image (e.g. to print it)."""

    def __init__(self, detector, in_dir, out_dir, sort=False, min_area=1, settle=0.5, report=None):
        self.detector, self.in_dir, self.out_dir = detector, os.path.abspath(in_dir), os.path.abspath(out_dir)
        self.shown_in_dir = in_dir      # records name images under the folder as the user gave it, as predict does
        self.sort, self.min_area, self.settle = sort, min_area, settle
        self.report = report or (lambda record: None)
        if self.out_dir == self.in_dir or self.out_dir.startswith(self.in_dir + os.sep):
            raise ValueError(f"the output folder {out_dir} must not be inside the watched folder {in_dir}")
        if sort and detector.threshold_ is None:
            raise ValueError("sorting into pass/ and fail/ needs an image threshold: calibrate the model first "
                             "(fcdd-swift calibrate MODEL --normal GOOD_IMAGES)")
        os.makedirs(self.out_dir, exist_ok=True)
        self.journal = _AppendLog(os.path.join(self.out_dir, JOURNAL))
        self.predictions = _AppendLog(os.path.join(self.out_dir, PREDICTIONS))
        self.done = {}          # relative path -> (size, mtime_ns) of the image decided last under that path
        self.pending = {}       # relative path -> (identity, seconds when last changed)
        self.events = queue.Queue()   # relative paths that watchdog saw change
        self.stopping = threading.Event()
        self.decided = 0
        self._recover()

    # ---- restart ---------------------------------------------------------------------------------

    def _recover(self):
        """Completes what a stopped watch left half done (see the module's docstring)."""
        scored = [e for e in self.journal.lines if "record" in e]
        for entry in scored[len(self.predictions.lines):]:
            self.predictions.append(entry["record"])
        moved = {e["path"] for e in self.journal.lines if "moved_to" in e}
        for entry in scored:
            self.done[entry["path"]] = (entry["size"], entry["mtime_ns"])
            if self.sort and entry["path"] not in moved:
                source = os.path.join(self.in_dir, entry["path"])
                if os.path.exists(source) and _identity(source) == (entry["size"], entry["mtime_ns"]):
                    self._move(entry["path"], entry["record"])

    # ---- finding images --------------------------------------------------------------------------

    def _relative(self, path):
        return os.path.relpath(os.path.abspath(path), self.in_dir)

    def _scan(self):
        for root, dirs, names in os.walk(self.in_dir):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if _is_image(name):
                    self._consider(os.path.relpath(os.path.join(root, name), self.in_dir))

    def _consider(self, rel):
        path = os.path.join(self.in_dir, rel)
        try:
            identity = _identity(path)
        except OSError:      # gone again (moved away, deleted)
            self.pending.pop(rel, None)
            return
        if self.done.get(rel) == identity:
            return
        known = self.pending.get(rel)
        if known is None or known[0] != identity:
            self.pending[rel] = (identity, time.monotonic())

    def _settled(self):
        """Pending images whose size and time have not changed for `settle` seconds, oldest first."""
        now = time.monotonic()
        for rel in list(self.pending):
            self._consider(rel)
        ready = [(changed, rel) for rel, (_, changed) in self.pending.items() if now - changed >= self.settle]
        return [rel for _, rel in sorted(ready)]

    # ---- deciding --------------------------------------------------------------------------------

    def _decide(self, rel):
        from . import scoring
        path = os.path.join(self.in_dir, rel)
        shown = os.path.join(self.shown_in_dir, rel)
        identity, _ = self.pending[rel]
        try:
            with open(path, "rb", opener=lambda p, flags: os.open(p, flags | os.O_NOFOLLOW | os.O_NONBLOCK)) as f:
                data = f.read()
            if self._changed_since(rel, identity):
                return
            image = scoring.decode(self.detector, shown, data)
            found = scoring.decide(self.detector, [image], self.min_area)[0]
            record = {"path": shown, **{k: found[k] for k in ("score", "label", "regions")}, "error": None}
        except (FCDDError, OSError) as e:
            if self._changed_since(rel, identity):      # a half-written file fails to decode: not its error
                return
            record = {"path": shown, "score": None, "label": None, "regions": None, "error": str(e)}
        del self.pending[rel]
        self.journal.append({"path": rel, "size": identity[0], "mtime_ns": identity[1], "record": record})
        self.predictions.append(record)
        self.done[rel] = identity
        self.decided += 1
        if self.sort:
            self._move(rel, record)
        self.report(record)

    def _changed_since(self, rel, identity):
        """True when the image changed since `identity` was seen (still being written: it waits to settle
        again) or is gone (dropped)."""
        try:
            now = _identity(os.path.join(self.in_dir, rel))
        except OSError:
            self.pending.pop(rel, None)
            return True
        if now != identity:
            self.pending[rel] = (now, time.monotonic())
            return True
        return False

    def _move(self, rel, record):
        """Moves the image to pass/, fail/ or error/ under the output folder, never over an existing file."""
        kind = "error" if record["error"] is not None else ("fail" if record["label"] == 1 else "pass")
        source = os.path.join(self.in_dir, rel)
        target = os.path.join(self.out_dir, kind, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        stem, ext = os.path.splitext(target)
        n = 1
        while True:
            try:
                os.link(source, target)      # fails on an existing target: no user file is replaced
                break
            except FileExistsError:
                target = f"{stem}-{n}{ext}"
                n += 1
            except OSError as e:
                if e.errno != errno.EXDEV:   # on another file system: copy instead
                    raise
                with open(source, "rb") as f:
                    write_file(target, f.read())
                break
        os.unlink(source)
        self.journal.append({"path": rel, "moved_to": os.path.relpath(target, self.out_dir)})

    # ---- running ---------------------------------------------------------------------------------

    def run_once(self):
        """Decides every image in the folder now (waiting for those still being written); returns how many."""
        before = self.decided
        self._scan()
        while self.pending and not self.stopping.is_set():
            for rel in self._settled():
                self._decide(rel)
            if self.pending:
                time.sleep(min(self.settle, 0.1))
        return self.decided - before

    def run(self, poll=0.1):
        """Watches until `stop()`: the images already there first, then every one that arrives."""
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            raise ValueError("watching a folder needs watchdog: pip install 'fcdd-swift[serve]'") from None
        events = self.events
        in_dir = self.in_dir

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event):
                for path in (getattr(event, "src_path", None), getattr(event, "dest_path", None)):
                    if path and not event.is_directory and _is_image(path):
                        events.put(os.path.relpath(os.fsdecode(path), in_dir))
                if event.is_directory and event.event_type in ("created", "moved"):
                    events.put(None)    # a folder arrived with its files: look at everything again

        observer = Observer()
        observer.schedule(Handler(), self.in_dir, recursive=True)
        observer.start()
        try:
            self._scan()
            while not self.stopping.is_set():
                try:
                    rel = events.get(timeout=poll)
                    while True:
                        if rel is None:
                            self._scan()
                        else:
                            self._consider(rel)
                        rel = events.get_nowait()
                except queue.Empty:
                    pass
                for rel in self._settled():
                    if self.stopping.is_set():
                        break
                    self._decide(rel)
        finally:
            observer.stop()
            observer.join()

    def stop(self):
        self.stopping.set()
