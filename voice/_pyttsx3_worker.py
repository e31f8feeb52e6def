"""The pyttsx3 worker process: one JSON request a line on stdin, one JSON answer a line out.

Run by `voice.engines.Pyttsx3Engine`, never by hand. Answers go out on a duplicate of the original
stdout; fd 1 itself (and `sys.stdout`) point at /dev/null, so pyttsx3's own `print()` inside its
synthesis callback always succeeds and can never leave `runAndWait()` spinning.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    answers = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process

    import pyttsx3

    engine = pyttsx3.init("espeak")
    for line in sys.stdin:
        try:
            req = json.loads(line)
            engine.setProperty("voice", req["voice"])
            engine.setProperty("rate", int(req["rate"]))
            # only ever save_to_file: a say() after it would rewrite the last file (pyttsx3 2.99)
            engine.save_to_file(req["text"], req["path"])
            engine.runAndWait()
            answers.write(json.dumps({"ok": True}) + "\n")
        except Exception as exc:  # one bad phrase must not end the worker
            answers.write(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}) + "\n")


if __name__ == "__main__":
    main()
