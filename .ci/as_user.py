"""Run a command as an unprivileged user who can reach this checkout and its Python (CI, as root).

``python .ci/as_user.py USER -- COMMAND...`` A checkout under /root, or a Python under
/root/.pyenv, cannot be reached by another user. In a private mount namespace, each folder above
them that others may not pass through is covered with a tmpfs that lets them through to these
paths only (the sandbox's own ``_expose``); then COMMAND runs as USER, from the checkout, with a
clean environment. Nothing on the machine changes.
"""

from __future__ import annotations

import os
import pwd
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.student_process import sandbox  # noqa: E402


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[1] != "--":
        raise SystemExit("usage: python .ci/as_user.py USER -- COMMAND...")
    user, command = pwd.getpwnam(argv[0]), argv[2:]
    needed = {p.resolve() for p in (REPO, Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).parent)}
    libc = sandbox._Libc()
    libc.check(libc.libc.unshare(sandbox._CLONE_NEWNS), "unshare")
    libc.mount(b"none", "/", None, sandbox._MS_REC | sandbox._MS_PRIVATE, None, "private mounts")
    sandbox._expose(sorted(needed), libc)
    os.setgroups([])
    os.setresgid(user.pw_gid, user.pw_gid, user.pw_gid)
    os.setresuid(user.pw_uid, user.pw_uid, user.pw_uid)
    home = user.pw_dir if os.access(user.pw_dir, os.W_OK) else "/tmp"
    os.chdir(REPO)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C.UTF-8",
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.update({k: v for k, v in os.environ.items() if k.startswith("NNCOURSE_")})
    os.execvpe(command[0], command, env)


if __name__ == "__main__":
    main(sys.argv[1:])
