"""The sandbox's parts, without grading a notebook: limits, user ids, hidden paths, namespaces.

The namespace tests enter a real sandbox in a small Python process (no torch): as root both
levels are tried (``full``, and ``userns`` after dropping to ``nobody``, as on a TA's laptop);
as an ordinary user, the level this machine gives.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.student_process.sandbox import (ResourceLimits, Sandbox, is_root, level, namespaces_available,
                                                notebook_process, outside, processes_of)

needs_root = pytest.mark.skipif(not is_root(), reason="only a root grader switches user ids")
NOBODY = pwd.getpwnam("nobody").pw_uid


def namespaced_levels() -> list[str]:
    """The namespaced levels this machine can test: as root both, else the one it gives."""
    if is_root():
        return ["full", "userns"] if level() == "full" else []
    return ["userns"] if level() == "userns" else []


LEVELS = namespaced_levels()
needs_namespaces = pytest.mark.skipif(not LEVELS, reason="no namespaces here")

# Run in a fresh interpreter: (as root, for userns) become nobody, enter the sandbox, then run
# the test's code. Every module the code needs is imported before the user id changes.
CONFINED = """
import ctypes, errno, json, os, select, signal, sys, time, traceback, resource
from pathlib import Path
from autograder.student_process import sandbox
spec = json.loads(sys.argv[1])
if spec.pop("as_nobody"):
    os.setgroups([]); os.setresgid({nobody}, {nobody}, {nobody}); os.setresuid({nobody}, {nobody}, {nobody})
sandbox.enter(spec)
os.chdir(spec["writable"][0])
exec(sys.argv[2])
""".replace("{nobody}", str(NOBODY))


def confined(mode: str, code: str, work: Path, timeout: float = 60, wait: bool = True, **spec):
    """Run ``code`` inside a ``mode`` sandbox whose work folder is ``work``."""
    full = {"mode": mode, "uid": NOBODY if mode == "full" else None, "hide": [], "expose": [],
            "writable": [str(work)], "copy_from": str(work), "disk_mb": 16, "cgroup_procs": [],
            "as_nobody": mode == "userns" and is_root(), **spec}
    argv = [sys.executable, "-P", "-c", CONFINED, json.dumps(full), code]
    if not wait:
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/",
                                start_new_session=True)
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd="/")


@pytest.fixture
def work():
    """The submission's work folder on the grader's side, reachable by the sandbox's user."""
    folder = Path(tempfile.mkdtemp(prefix="nncourse-sandbox-work-"))
    folder.chmod(0o755)
    if is_root():
        os.chown(folder, NOBODY, -1)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def outside_tmp():
    """A world-readable folder outside /tmp (which the sandbox replaces) and outside the system
    folders (which it leaves visible): like a TA's checkout."""
    bases = [b for b in ("/opt", "/srv", "/mnt", os.path.expanduser("~"))
             if os.access(b, os.W_OK) and not Path(b).resolve().is_relative_to("/tmp")]
    if not bases:
        pytest.skip("no writable folder outside /tmp and the system folders")
    base = bases[0]
    folder = Path(tempfile.mkdtemp(prefix="nncourse-sandbox-test-", dir=base))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_limits_are_applied_before_anything_else():
    spec = ResourceLimits(memory_mb=1500, file_mb=1, open_files=64).to_env(own_user=False)
    code = ("import resource, sys; from autograder.student_process.sandbox import apply_limits; apply_limits(sys.argv[1]);"
            "print(*(resource.getrlimit(getattr(resource, 'RLIMIT_' + k))[0] for k in "
            "('DATA', 'FSIZE', 'NOFILE', 'NPROC', 'AS', 'CORE')))")
    done = subprocess.run([sys.executable, "-c", code, spec], capture_output=True, text=True, check=True)
    data, fsize, nofile, nproc, address_space, core = map(int, done.stdout.split())
    assert (data, fsize, nofile, core) == (1500 * 2**20, 2**20, 64, 0)
    assert 1500 * 2**20 < address_space < 1500 * 2**20 + 2**40, "RLIMIT_AS is the cap over what is mapped now"
    assert nproc != 64, "the process limit counts per user: never set it for a shared user id"


def test_shared_memory_past_the_cap_is_refused():
    """RLIMIT_DATA does not count MAP_SHARED memory; the address-space limit does."""
    spec = ResourceLimits(memory_mb=256).to_env(own_user=False)
    code = ("import mmap, sys; from autograder.student_process.sandbox import apply_limits; apply_limits(sys.argv[1])\n"
            "try:\n    mmap.mmap(-1, 512 * 2**20, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)\n"
            "except OSError as e:\n    print('refused', e.errno)")
    done = subprocess.run([sys.executable, "-c", code, spec], capture_output=True, text=True)
    assert "refused 12" in done.stdout, done.stdout + done.stderr


def test_writing_past_the_file_cap_raises_instead_of_killing(tmp_path):
    spec = ResourceLimits(file_mb=1).to_env(own_user=False)
    code = ("import sys; from autograder.student_process.sandbox import apply_limits; apply_limits(sys.argv[1])\n"
            "try:\n    open(sys.argv[2], 'wb').write(b'x' * 3 * 2**20)\nexcept OSError as e:\n    print('capped', e.errno)")
    done = subprocess.run([sys.executable, "-c", code, spec, str(tmp_path / "big")], capture_output=True, text=True)
    assert "capped" in done.stdout, done.stdout + done.stderr


def test_processes_of_finds_a_process_whose_name_is_not_utf8():
    """A process renamed with bytes that are not UTF-8 once escaped every cleanup by user id."""
    code = "import ctypes, time; ctypes.CDLL(None).prctl(15, b'\\xff\\xfe\\xfdhidden', 0, 0, 0); time.sleep(60)"
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 20
        while Path(f"/proc/{child.pid}/comm").read_bytes()[:3] != b"\xff\xfe\xfd":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert child.pid in processes_of(os.getuid())
    finally:
        child.kill()
        child.wait()


@needs_root
def test_each_sandbox_gets_its_own_user_id_across_processes(tmp_path):
    """Two graders on one machine never share an id (a shared id would let one kill the other's work)."""
    (tmp_path / "w").mkdir()
    box = Sandbox(tmp_path / "w", [], ResourceLimits())
    code = ("from pathlib import Path; from autograder.student_process.sandbox import Sandbox, ResourceLimits;"
            f"print(Sandbox(Path({str(tmp_path / 'w')!r}), [], ResourceLimits()).uid)")
    other = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    try:
        assert box.uid is not None and other != box.uid
    finally:
        box.release()


def test_outside_lists_every_sibling_on_the_way_to_what_is_needed(tmp_path):
    """Only the needed paths and the folders leading to them stay visible; links are left alone."""
    for folder in ("course/.venv/lib", "course/student_lib", "course/tests", "other-checkout/dist", "home/ta"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "course" / "README.md").write_text("x")
    (tmp_path / "course" / "link").symlink_to(tmp_path / "other-checkout")
    needed = [tmp_path / "course" / ".venv", tmp_path / "course" / "student_lib"]
    hidden = {p.relative_to(tmp_path).as_posix() for p in outside(needed, root=tmp_path)}
    assert hidden == {"course/tests", "course/README.md", "other-checkout", "home"}


@needs_namespaces
def test_the_level_is_one_with_namespaces_and_the_ta_is_told():
    from autograder.student_process.sandbox import describe_level

    assert level() in ("full", "userns") and namespaces_available()
    assert describe_level().startswith(f"Sandbox: {level()}")


@needs_namespaces
@pytest.mark.parametrize("mode", LEVELS)
def test_ending_the_first_process_ends_everything_the_submission_started(mode, work):
    """A daemon in its own session, renamed with bytes that are not UTF-8, dies with the sandbox."""
    marker = f"nncourse-daemon-{os.getpid()}-{time.time_ns()}"
    code = f"""
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, b"\\xff\\xfe\\xfddaemon", 0, 0, 0)
        os.execvp("sleep", ["sleep", "300", "{marker}"])
    os._exit(0)
time.sleep(0.5)
print("ready", flush=True)
time.sleep(300)
"""
    child = confined(mode, code, work, wait=False)
    try:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        assert running(marker), "the daemon did not start"
        notebook = notebook_process(child.pid)  # where the grader sends SIGINT
        assert notebook and b"NSpid:" in Path(f"/proc/{notebook}/status").read_bytes()
        assert Path(f"/proc/{notebook}/status").read_bytes().split(b"NSpid:")[1].split(b"\n")[0].split()[-1] == b"2"
    finally:
        os.killpg(child.pid, signal.SIGKILL)  # what the grader does: the handle and its group
        child.wait()
    deadline = time.monotonic() + 10
    while running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(marker), "a process of the submission survived"


def running(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@needs_namespaces
@pytest.mark.parametrize("mode", LEVELS)
def test_nothing_is_shared_and_nothing_is_left(mode, work):
    """Files in /tmp, /dev/shm, /var/tmp and System V IPC objects are the submission's own and go with it."""
    marker = f"nncourse-shared-{os.getpid()}-{time.time_ns()}"
    key = 0x6E000000 + os.getpid() % 0xFFFF
    code = f"""
for folder in ("/tmp", "/dev/shm", "/var/tmp"):
    Path(folder, "{marker}").write_text("left behind")
libc = ctypes.CDLL(None, use_errno=True)
print("shm", libc.shmget({key}, 4096, 0o1666) >= 0)
print(sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
"""
    done = confined(mode, code, work)
    assert done.returncode == 0, done.stderr
    assert "shm True" in done.stdout and "[1, 2]" in done.stdout
    for folder in ("/tmp", "/dev/shm", "/var/tmp"):
        assert not Path(folder, marker).exists()
    assert f"{key:>10}" not in Path("/proc/sysvipc/shm").read_text(), "the IPC object reached the host"


@needs_namespaces
@pytest.mark.parametrize("mode", LEVELS)
def test_the_view_is_read_only_even_for_files_the_student_owns(mode, work, outside_tmp):
    """As on a TA's laptop, the student's user owns the grader's files; the view still refuses writes."""
    grader_file = outside_tmp / "gradebook.py"
    grader_file.write_text("original\n")
    owner = NOBODY if is_root() else os.getuid()
    for path in (outside_tmp, grader_file):
        os.chown(path, owner, -1)
    code = f"""
for attempt in (lambda: open({str(grader_file)!r}, "a").write("backdoor"),
                lambda: Path({str(outside_tmp)!r}, "new.py").write_text("x")):
    try:
        attempt()
        print("written")
    except OSError as exc:
        print("refused", errno.errorcode[exc.errno])
Path("mine.txt").write_text("the work folder is writable")
print("work", Path("mine.txt").read_text())
"""
    (work / "hw01.ipynb").write_text("{}")
    done = confined(mode, code, work)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("refused EROFS") == 2 and "written" not in done.stdout
    assert "work the work folder is writable" in done.stdout
    assert grader_file.read_text() == "original\n"
    assert not (work / "mine.txt").exists(), "the work folder inside is a private copy"


@needs_namespaces
@pytest.mark.parametrize("mode", LEVELS)
def test_the_exit_of_the_notebook_process_is_the_exit_of_the_handle(mode, work):
    """The grader reads a code or a signal from the process it started, as without namespaces."""
    assert confined(mode, "os._exit(7)", work).returncode == 7
    assert confined(mode, "os.kill(os.getpid(), signal.SIGKILL)", work).returncode == -signal.SIGKILL
    assert confined(mode, "ctypes.string_at(0)", work).returncode == -signal.SIGSEGV


@pytest.mark.skipif(level() != "full", reason="needs a root grader with namespaces")
def test_secret_paths_are_covered_and_nested_ones_merged(outside_tmp):
    """A world-readable secret folder is empty for the student process, and intact afterwards."""
    secret = outside_tmp / "secret"
    (secret / "inner").mkdir(parents=True)
    (secret / "hidden.txt").write_text("canary")
    for path in (secret, secret / "inner"):
        path.chmod(0o755)
    (secret / "hidden.txt").chmod(0o644)
    work = outside_tmp / "grade" / "submission"
    work.mkdir(parents=True)
    box = Sandbox(work, [secret, secret / "inner"], ResourceLimits())
    try:
        assert box.secret_paths == [secret.resolve()]
        box.prepare()
        code = ("import json, os, sys; from autograder.student_process.sandbox import enter;"
                "enter(json.loads(os.environ['NNCOURSE_SANDBOX']));"
                "print(json.dumps([os.getuid(), os.listdir(%r)]))" % str(secret))
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/",
                              env={**os.environ, **box.env()})
        uid, listing = json.loads(done.stdout)
        assert uid == box.uid and listing == []
    finally:
        box.release()
    assert (secret / "hidden.txt").read_text() == "canary"


@pytest.mark.skipif(level() != "full", reason="needs a root grader with namespaces")
def test_student_process_sees_no_other_checkout_but_reaches_python_behind_a_closed_folder(outside_tmp):
    """A second copy of the course (not among the grader's secret paths) is invisible, while a
    needed folder under a folder others may not enter (a Python under /root) stays usable."""
    decoy = outside_tmp / "old-checkout" / "dist" / "hw01" / "tests"
    decoy.mkdir(parents=True)
    (decoy / "q1.py").write_text("canary")
    closed = outside_tmp / "closed"
    (closed / "python" / "lib").mkdir(parents=True)
    (closed / "python" / "lib" / "module.txt").write_text("stdlib")
    closed.chmod(0o700)
    for path in (closed / "python", closed / "python" / "lib"):
        path.chmod(0o755)
    for path in [outside_tmp / "old-checkout", *(outside_tmp / "old-checkout").rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    work = outside_tmp / "grade" / "submission"
    work.mkdir(parents=True)
    box = Sandbox(work, [], ResourceLimits(), needed=[Path(sys.prefix), Path(sys.base_prefix),
                                                     closed / "python", Path(__file__).parents[3]])
    try:
        box.prepare()
        code = ("import json, os; from autograder.student_process.sandbox import enter;"
                "enter(json.loads(os.environ['NNCOURSE_SANDBOX']));"
                f"print(json.dumps([os.listdir({str(outside_tmp / 'old-checkout')!r}),"
                f" open({str(closed / 'python' / 'lib' / 'module.txt')!r}).read()]))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/",
                              env={**os.environ, **box.env()})
        assert done.returncode == 0, done.stderr
        listing, text = json.loads(done.stdout)
        assert listing == [] and text == "stdlib"
    finally:
        box.release()
