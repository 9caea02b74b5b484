"""The student process: runs a notebook's code cells in IPython, then answers the grader's probes.

Forked by the fork server, or started by :class:`autograder.student_process.session.StudentSession`
(its ``BOOTSTRAP``, which enters the sandbox first), as ``main(R, W)`` where R and W are pipe
descriptors. It never sees hidden tests or labels: it receives the
notebook's cells, then probe requests with the grader's inputs, and sends back plain values.
"""

from __future__ import annotations

import io
import linecache
import os
import re
import signal
import sys
import time
import types
from typing import Any

from autograder import protocol
from autograder.protocol import (MAX_CELL_OUTPUT_CHARS, MAX_ERROR_CHARS, MAX_ERROR_FRAMES, MAX_IMAGE_BYTES,
                                 MAX_IMAGE_BYTES_TOTAL, MAX_IMAGES_PER_CELL)
from autograder.student_process.tamper import guarded_objects, identities

OUTPUT_CAP = MAX_CELL_OUTPUT_CHARS  # characters of output kept per cell (head and tail)
_CELL_FILE = re.compile(r"<ipython-input-(\d+)-")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")  # object addresses differ run to run; results must not


class CappedWriter(io.TextIOBase):
    """A text stream that keeps the head and the tail of what is written."""

    def __init__(self, cap: int = OUTPUT_CAP) -> None:
        self.cap = cap
        self.head: list[str] = []
        self.head_len = 0
        self.tail = ""
        self.total = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        self.total += len(text)
        room = self.cap // 2 - self.head_len
        if room > 0:
            self.head.append(text[:room])
            self.head_len += len(text[:room])
            text = text[room:]
        if text:
            self.tail = (self.tail + text)[-(self.cap // 2):]
        return len(text)

    def getvalue(self) -> str:
        head = "".join(self.head)
        if self.total <= self.cap:
            return head + self.tail
        return f"{head}\n... [{self.total - self.cap:,} characters of output cut] ...\n{self.tail}"


def _otter_stub() -> types.ModuleType:
    """Stand-in for otter inside graded notebooks: checks are the grader's job, not the kernel's."""
    module = types.ModuleType("otter")

    class Notebook:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __getattr__(self, name: str) -> Any:
            return lambda *args, **kwargs: None

    module.Notebook = Notebook
    return module


def cell_figures(limit: int = MAX_IMAGES_PER_CELL, max_bytes: int = MAX_IMAGE_BYTES) -> list[str]:
    """The figures a cell left open, as base64 PNGs, then closed (as Jupyter's inline backend
    shows and closes them after each cell): the student's own plots, for their feedback."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    import base64

    images = []
    try:
        for number in plt.get_fignums()[:limit]:
            buffer = io.BytesIO()
            plt.figure(number).savefig(buffer, format="png", dpi=60)
            if buffer.tell() <= max_bytes:
                images.append(base64.b64encode(buffer.getvalue()).decode("ascii"))
        plt.close("all")
    except Exception:  # noqa: BLE001 - a figure the student broke costs only its picture
        pass
    return images


SHOWN_FRAMES = (10, 20)  # outermost and innermost frames of a traceback shown in a cell's output
SHOWN_CHAIN = 5  # exceptions of a chain (``raise ... from``, ``during handling``) shown


def _tracebacks(tb: types.TracebackType | None) -> list[types.TracebackType]:
    found = []
    while tb is not None:
        found.append(tb)
        tb = tb.tb_next
    return found


def shortened(tb: types.TracebackType | None) -> tuple[types.TracebackType | None, int]:
    """``tb`` with only its outermost and innermost frames (SHOWN_FRAMES), and how many were left
    out: formatting a traceback costs time per frame (IPython took minutes for a 3,000-frame
    RecursionError on a loaded machine), so what the student's output shows is bounded."""
    chain = _tracebacks(tb)
    head, tail = SHOWN_FRAMES
    if len(chain) <= head + tail:
        return tb, 0
    short = None
    for item in reversed(chain[:head] + chain[-tail:]):
        short = types.TracebackType(short, item.tb_frame, item.tb_lasti, item.tb_lineno)
    return short, len(chain) - head - tail


def bounded_for_display(value: BaseException) -> None:
    """Shorten the tracebacks of the exceptions chained to ``value`` and cut its chain after
    SHOWN_CHAIN of them (IPython formats every one)."""
    seen: set[int] = set()
    current, depth = value, 0
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if depth:
            current.__traceback__ = shortened(current.__traceback__)[0]
        following = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
        if following is not None and depth + 1 >= SHOWN_CHAIN:
            current.__cause__, current.__context__, current.__suppress_context__ = None, None, True
            break
        current, depth = following, depth + 1


def _not_stored(exception: BaseException, *args: Any, **kwargs: Any) -> dict:
    return {"ename": type(exception).__name__, "evalue": "", "traceback": []}


def describe_error(exc: BaseException, cell_of_count: dict[int, int]) -> dict:
    """Exception name, message and the student's own lines from its traceback (the innermost
    MAX_ERROR_FRAMES of them: a deep traceback costs no more than a short one)."""
    frames = []
    for tb in reversed(_tracebacks(exc.__traceback__)):
        code = tb.tb_frame.f_code
        match = _CELL_FILE.search(code.co_filename or "")
        if match:
            cell = cell_of_count.get(int(match.group(1)))
            line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
            frames.insert(0, {"cell": cell, "line": tb.tb_lineno, "code": line[:200]})
            if len(frames) == MAX_ERROR_FRAMES:
                break
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - an exception whose __str__ raises
        message = "(its message could not be read)"
    if len(message) > MAX_ERROR_CHARS:
        message = message[:MAX_ERROR_CHARS] + " ..."
    return {"ename": type(exc).__name__[:200], "evalue": message, "frames": frames[-MAX_ERROR_FRAMES:]}


def _lookup(table: dict[str, Any]) -> Any:
    """A probe by name from a table held in a closure, not in an attribute a notebook would find by name.

    Student code can still reach it (``gc``); what a replaced probe could forge is bounded by the
    grader's verification (see README, "How grading works"), not by this."""
    return table.get


def hide_grading(environ: Any = os.environ) -> None:
    """Remove what tells a notebook that it is being graded rather than run in Jupyter: the grader's
    environment variables (their values kept where the probes need them) and the runner's argv."""
    from autograder.probes import models

    models.GRADING_DEVICE = environ.get("NNCOURSE_DEVICE", "")
    for key in [k for k in environ if k.startswith("NNCOURSE_")]:
        del environ[key]
    sys.argv[:] = ["ipykernel_launcher.py", "-f", "kernel.json"]


class Runner:
    def __init__(self, channel: Any) -> None:
        from IPython.core.interactiveshell import InteractiveShell

        from autograder import probes

        self.channel = channel
        self.shell = InteractiveShell.instance()
        self.cell_of_count: dict[int, int] = {}
        self.seed = 0
        self.lookup = _lookup(dict(probes.PROBES))  # the grader's probes, fixed before student code runs
        self.guarded = guarded_objects()
        self.marks = identities(self.guarded)
        self.tampered: list[str] = []
        self.images: list[str] = []
        self.image_bytes = 0  # of every plot kept so far: MAX_IMAGE_BYTES_TOTAL at most
        self._capture_displayed_figures()
        self._bound_tracebacks()

    def _bound_tracebacks(self) -> None:
        """A failing cell's traceback in its output shows at most SHOWN_FRAMES frames per
        exception and SHOWN_CHAIN exceptions, whatever the depth (see :func:`shortened`)."""
        show = self.shell.showtraceback

        def bounded(exc_tuple: Any = None, *args: Any, **kwargs: Any) -> Any:
            etype, value, tb = exc_tuple or sys.exc_info()
            if value is None:
                return show(exc_tuple, *args, **kwargs)
            short, cut = shortened(tb)
            bounded_for_display(value)
            if cut:
                print(f"[{cut:,} frames of this traceback are not shown: its {SHOWN_FRAMES[0]} outermost "
                      f"and {SHOWN_FRAMES[1]} innermost are]")
            return show((etype, value, short), *args, **kwargs)

        self.shell.showtraceback = bounded
        if hasattr(self.shell, "_format_exception_for_storage"):
            # IPython 9 formats each failing cell's whole traceback again for its history (inspect
            # scans every loaded module per frame: minutes for a deep one); nothing here reads it
            self.shell._format_exception_for_storage = _not_stored

    def _capture_displayed_figures(self) -> None:
        """Keep the PNG of every figure the notebook displays (``display(fig)``, or a figure as
        a cell's last value), as Jupyter would show it; the text output stays as it was."""
        from IPython.core.pylabtools import select_figure_formats

        select_figure_formats(self.shell, {"png"}, dpi=60, bbox_inches=None)  # one draw, not two
        publisher, hook = self.shell.display_pub, self.shell.displayhook
        publish, write = publisher.publish, hook.write_format_data

        def keep(data: Any) -> None:
            png = data.get("image/png") if isinstance(data, dict) else None
            if isinstance(png, bytes):
                import base64

                png = base64.b64encode(png).decode("ascii")
            if isinstance(png, str):
                self.keep_image(png)

        def publish_and_keep(data: Any, *args: Any, **kwargs: Any) -> None:
            keep(data)
            publish(data, *args, **kwargs)

        def write_and_keep(format_dict: Any, *args: Any, **kwargs: Any) -> None:
            keep(format_dict)
            write(format_dict, *args, **kwargs)

        publisher.publish = publish_and_keep
        hook.write_format_data = write_and_keep

    def keep_image(self, png: str) -> bool:
        """Keep one base64 PNG for the feedback page if it fits the caps (per cell and in all)."""
        size = len(png) * 3 // 4
        if (len(self.images) >= MAX_IMAGES_PER_CELL or size > MAX_IMAGE_BYTES
                or self.image_bytes + size > MAX_IMAGE_BYTES_TOTAL):
            return False
        self.images.append(png)
        self.image_bytes += size
        return True

    def check_integrity(self) -> list[str]:
        """What the notebook replaced among the guarded objects (sticky once seen)."""
        now = identities(self.guarded)
        self.tampered = sorted(set(self.tampered) | {k for k, v in self.marks.items() if now.get(k) != v})
        return self.tampered

    def run_cells(self, cells: list[dict]) -> None:
        for cell in cells:
            index = cell["index"]
            self.channel.send(protocol.CellStarted(index).wire())
            writer = CappedWriter()
            self.images = []
            self.cell_of_count[self.shell.execution_count] = index
            started = time.perf_counter()
            real_stdout, real_stderr = sys.stdout, sys.stderr
            sys.stdout = sys.stderr = writer
            try:
                result = self.shell.run_cell(cell["source"], store_history=True)
            finally:
                sys.stdout, sys.stderr = real_stdout, real_stderr
            error = result.error_before_exec or result.error_in_exec
            seconds = round(time.perf_counter() - started, 3)
            for png in cell_figures():
                self.keep_image(png)
            self.channel.send(protocol.CellDone(
                cell=index, seconds=seconds,
                error=None if error is None else describe_error(error, self.cell_of_count),
                output=_ADDRESS.sub(" at 0x...", writer.getvalue()),
                images=self.images).wire())

    def answer(self, request: protocol.ProbeRequest) -> protocol.ProbeReply:
        from autograder import probes

        def failed(kind: str, message: str | None = None, **details: Any) -> protocol.ProbeReply:
            return protocol.ProbeReply(request.id, request.nonce, False, kind=kind, message=message, **details)

        if self.check_integrity():
            names = ", ".join(self.tampered[:3]) + (" ..." if len(self.tampered) > 3 else "")
            return failed(protocol.TAMPERED, f"your notebook replaced parts of torch, numpy or the grader "
                                             f"({names}), so the grader cannot trust what it observes; "
                                             "remove that code")
        fn = self.lookup(request.probe)
        if fn is None:
            return failed(protocol.INTERNAL, f"unknown probe {request.probe}")
        try:
            args = [self.resolve(a) for a in request.args]
            kwargs = {k: self.resolve(v) for k, v in request.kwargs.items()}
        except NameError as exc:
            return failed(protocol.MISSING, str(exc))
        probes.seed_everything(request.seed)
        sink = CappedWriter(2000)
        real_stdout, real_stderr = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = sink
        started = time.perf_counter()
        try:
            value = fn(*args, **kwargs)
            protocol.encode(value)  # fail here, as the student's problem, if it cannot cross
            return protocol.ProbeReply(request.id, request.nonce, True, value=value,
                                       seconds=round(time.perf_counter() - started, 3))
        except probes.WrongType as exc:
            return failed(protocol.WRONG_TYPE, str(exc))
        except KeyboardInterrupt:
            return failed(protocol.TIMEOUT, "interrupted")
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit included
            return failed(protocol.EXCEPTION, **describe_error(exc, self.cell_of_count))
        finally:
            sys.stdout, sys.stderr = real_stdout, real_stderr

    def resolve(self, value: Any) -> Any:
        name = protocol.ref_name(value)
        if name is not None:
            if name not in self.shell.user_ns:
                raise NameError(name)
            return self.shell.user_ns[name]
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def serve(self) -> None:
        while True:
            request = protocol.parse(self.channel.recv(), protocol.ProbeRequest, protocol.Exit)
            if isinstance(request, protocol.Exit):
                return
            try:
                reply = self.answer(request)
                self.channel.send(reply.wire())
            except KeyboardInterrupt:
                self.channel.send(protocol.ProbeReply(request.id, request.nonce, False, kind=protocol.TIMEOUT,
                                                      message="interrupted").wire())
            except Exception as exc:  # the value could not be encoded, for example
                self.channel.send(protocol.ProbeReply(request.id, request.nonce, False, kind=protocol.WRONG_TYPE,
                                                      message=str(exc)).wire())


def main(read_fd: int, write_fd: int) -> None:

    if os.environ.get("NNCOURSE_SANDBOX"):  # started from scratch: confine this process first
        from autograder.student_process.sandbox import enter_from_environment

        enter_from_environment([read_fd, write_fd])
    if os.environ.get("NNCOURSE_RLIMITS"):
        from autograder.student_process.sandbox import apply_limits

        apply_limits(os.environ.pop("NNCOURSE_RLIMITS"))
    hide_grading()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    channel = protocol.Channel(read_fd, write_fd)
    setup = protocol.parse(channel.recv(), protocol.Setup)
    import torch

    from autograder.probes import seed_everything

    torch.set_num_threads(int(setup.threads))
    sys.modules["otter"] = _otter_stub()
    os.chdir(setup.cwd)
    sys.path.insert(0, os.getcwd())  # as in Jupyter, after our own imports are done
    runner = Runner(channel)
    runner.seed = int(setup.seed)
    seed_everything(runner.seed)
    runner.run_cells(setup.cells)
    channel.send(protocol.Ready().wire())
    runner.serve()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
    sys.stdout.flush()
    os._exit(0)
