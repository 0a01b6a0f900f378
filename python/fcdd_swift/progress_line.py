"""A one-line progress display on the terminal (stderr): epoch, step, loss, images/second and, from the
second epoch on, the time left, redrawn in place; plain lines when stderr is not a terminal (logs, CI).
After the first epoch of a run a permanent line says how long the rest will take."""
import sys
import time


def format_duration(seconds):
    """3 s, 4 min 05 s, 2 h 07 min: precise enough for a wait, short enough for a progress line."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class ProgressLine:
    def __init__(self, stream=None, min_interval=0.2):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.min_interval = min_interval
        self.last_draw = 0.0
        self.open_line = False
        self.runs_after = 0          # runs that follow this one (set by the command for experiments)
        self._epoch_seconds = []     # durations of the epochs finished in this run
        self._last_epoch = None

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()

    def line(self, text):
        """A permanent line (log messages)."""
        if self.open_line:
            self._write("\n")
            self.open_line = False
        self._write(text + "\n")

    def start_run(self, runs_after=0):
        """A new run begins: its epochs are timed afresh."""
        self.runs_after = runs_after
        self._epoch_seconds = []
        self._last_epoch = None

    def eta_seconds(self, e):
        """Seconds left in this run (and the runs after it) from the mean epoch so far; None before the
        first epoch has finished."""
        if not self._epoch_seconds:
            return None
        per_epoch = sum(self._epoch_seconds) / len(self._epoch_seconds)
        epochs_left = e["epochs"] - (e["epoch"] + 1)
        if e["step"] < e["steps"]:   # the rest of the current epoch
            epochs_left += 1 - e["step"] / max(e["steps"], 1)
        return per_epoch * (epochs_left + self.runs_after * e["epochs"])

    def _epoch_done(self, e):
        if self._last_epoch is not None and e["epoch"] <= self._last_epoch:   # a new run without start_run
            self._epoch_seconds = []
        self._last_epoch = e["epoch"]
        self._epoch_seconds.append(float(e.get("seconds", 0.0)))
        if len(self._epoch_seconds) == 1 and e["epoch"] + 1 < e["epochs"]:
            left = e["epochs"] - e["epoch"] - 1
            text = (f"  first epoch took {format_duration(self._epoch_seconds[0])}: about "
                    f"{format_duration(self._epoch_seconds[0] * left)} for the {left} epoch{'s' if left != 1 else ''} left")
            if self.runs_after:
                text += (f", about {format_duration(self.eta_seconds(e))} with the {self.runs_after} "
                         f"run{'s' if self.runs_after != 1 else ''} after this one (training only)")
            return text
        return None

    def step(self, e):
        epoch, epochs, step, steps = e["epoch"] + 1, e["epochs"], e["step"], e["steps"]
        now = time.monotonic()
        done = step == steps
        notice = self._epoch_done(e) if done else None
        eta = self.eta_seconds(e)
        left = f"  {format_duration(eta)} left" if eta is not None and eta >= 0.5 else ""
        if self.tty:
            if not done and now - self.last_draw < self.min_interval:
                return
            width = 24
            filled = int(width * step / max(steps, 1))
            bar = "#" * filled + "." * (width - filled)
            self._write(f"\r  epoch {epoch:>4}/{epochs} [{bar}] {step}/{steps}  loss {e['epoch_loss']:.4f}"
                        f"  {e['images_per_second']:,.0f} img/s  lr {e['lr']:.2e}{left}\x1b[K")
            self.open_line = True
            if done:
                self._write("\n")
                self.open_line = False
            self.last_draw = now
        elif done and (epoch == 1 or epoch == epochs or epoch % 10 == 0 or now - self.last_draw > 30):
            self._write(f"  epoch {epoch}/{epochs}  loss {e['epoch_loss']:.4f}  {e['images_per_second']:,.0f} img/s{left}\n")
            self.last_draw = now
        if notice:
            self.line(notice)
