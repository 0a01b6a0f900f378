"""What the driver of a grid shows: a line per finished run (class, repetition, AUCs, seconds) and a status
line with the overall bar (runs done / total, ETA) and each running run's epoch. The status line is
redrawn in place on a terminal and printed every 30 s otherwise (logs, CI)."""
import sys
import time


def format_seconds(s):
    s = int(round(s))
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def _auc(value):
    return "  n/a " if value is None else f"{value:.4f}"


class GridDisplay:
    def __init__(self, total, already_done=0, stream=None, width=24):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.total, self.done, self.failed = total, already_done, 0
        self.resumed = already_done
        self.width = width
        self.start = time.monotonic()
        self.running = {}
        self.open_line = False
        self.last_plain = 0.0

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()

    def line(self, text):
        if self.open_line:
            self._write("\r\x1b[K")
            self.open_line = False
        self._write(text + "\n")
        self.status()

    def progress(self, update):
        self.running[update["key"]] = update
        self.status()

    def finished(self, result):
        self.running.pop(result["key"], None)
        self.done += 1
        pixel = f"  pixel AUC {_auc(result.get('pixel_auc'))}" if result.get("pixel_auc") is not None else ""
        where = f"  on {result['host']}" if result.get("host") else ""
        self.line(f"  done {result['key']:<40} ({result.get('class_name', '')}) image AUC {_auc(result.get('auc'))}"
                  f"{pixel}  {format_seconds(result.get('seconds', 0))}{where}")

    def failed_run(self, key, message):
        self.running.pop(key, None)
        self.failed += 1
        self.line(f"  FAILED {key}: {message}")

    def eta(self):
        finished_here = self.done + self.failed - self.resumed
        if finished_here <= 0:
            return "?"
        per_run = (time.monotonic() - self.start) / finished_here
        return format_seconds(per_run * (self.total - self.done - self.failed))

    def status(self, force=False):
        n = self.done + self.failed
        filled = int(self.width * n / max(self.total, 1))
        bar = "#" * filled + "." * (self.width - filled)
        running = ", ".join(f"{k} epoch {u['epoch'] + 1}/{u['epochs']}" for k, u in sorted(self.running.items()))
        text = f"runs {n}/{self.total} [{bar}] ETA {self.eta()}" + (f" | {running}" if running else "")
        if self.tty:
            self._write("\r" + text[:max(40, 200)] + "\x1b[K")
            self.open_line = True
        elif force or time.monotonic() - self.last_plain > 30:
            self.last_plain = time.monotonic()
            self._write(text + "\n")

    def close(self):
        if self.open_line:
            self._write("\n")
            self.open_line = False
