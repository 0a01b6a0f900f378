"""A one-line progress display on the terminal (stderr): epoch, step, loss and images/second, redrawn in
place; plain lines when stderr is not a terminal (logs, CI)."""
import sys
import time


class ProgressLine:
    def __init__(self, stream=None, min_interval=0.2):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.min_interval = min_interval
        self.last_draw = 0.0
        self.open_line = False
        self.last_epoch = None

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()

    def line(self, text):
        """A permanent line (log messages)."""
        if self.open_line:
            self._write("\n")
            self.open_line = False
        self._write(text + "\n")

    def step(self, e):
        epoch, epochs, step, steps = e["epoch"] + 1, e["epochs"], e["step"], e["steps"]
        now = time.monotonic()
        done = step == steps
        if self.tty:
            if not done and now - self.last_draw < self.min_interval:
                return
            width = 24
            filled = int(width * step / max(steps, 1))
            bar = "#" * filled + "." * (width - filled)
            self._write(f"\r  epoch {epoch:>4}/{epochs} [{bar}] {step}/{steps}  loss {e['epoch_loss']:.4f}"
                        f"  {e['images_per_second']:,.0f} img/s  lr {e['lr']:.2e}\x1b[K")
            self.open_line = True
            if done:
                self._write("\n")
                self.open_line = False
        elif done and (epoch == 1 or epoch == epochs or epoch % 10 == 0 or now - self.last_draw > 30):
            self._write(f"  epoch {epoch}/{epochs}  loss {e['epoch_loss']:.4f}  {e['images_per_second']:,.0f} img/s\n")
        else:
            return
        self.last_draw = now
