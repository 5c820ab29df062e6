"""A real command-line agent, driven by a JSON script, for runner tests that need no model.

codemyspec runs it as a ``command`` agent (argv template, prompt on stdin). It finds the
file it is asked to write in the prompt, looks up what the script says for that file and
for this call (the n-th time it is asked about it), and does that:

    {"src/shop/billing/money.py": [
        {"write": "def add(a, b): return a - b\\n"},          # first call
        {"write": "def add(a, b): return a + b\\n"},          # second call (a fix round)
    ],
     "src/shop/billing/ledger.py": [{"crash": "out of tokens"}],
     "src/shop/billing/tax.py": [{"hang": 30}],
     "src/shop/billing/fee.py": [{"write": "...", "also_write": {"tests/...": "..."}}],
     "src/shop/billing/vat.py": [{"write": "...", "say": "printed first"}]}

Steps beyond the list repeat the last one. The script file is named by
``SCRIPTED_AGENT_SCRIPT``; every call is appended to ``<script>.calls`` as a JSON line.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sys
import time
from pathlib import Path

CODE_FILE = re.compile(
    r"(?:write the implementation in|Fix the implementation in|The implementation is in): (\S+)"
)


def _call_number(log: Path, code_file: str, prompt: str) -> int:
    with log.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        earlier = [json.loads(line) for line in handle if line.strip()]
        number = sum(1 for call in earlier if call["file"] == code_file)
        handle.write(
            json.dumps(
                {"file": code_file, "cwd": str(Path.cwd()), "prompt": prompt, "at": time.time()}
            )
            + "\n"
        )
    return number


def main() -> int:
    prompt = sys.stdin.read()
    script_path = Path(os.environ["SCRIPTED_AGENT_SCRIPT"])
    script = json.loads(script_path.read_text(encoding="utf-8"))
    match = CODE_FILE.search(prompt)
    code_file = match.group(1) if match else ""
    number = _call_number(script_path.with_suffix(".calls"), code_file, prompt)
    steps = script.get(code_file) or [{}]
    step = steps[min(number, len(steps) - 1)]
    if "delay" in step:
        time.sleep(float(step["delay"]))
    if "hang" in step:
        time.sleep(float(step["hang"]))
    if "crash" in step:
        print(step["crash"], file=sys.stderr)
        return 3
    if "say" in step:
        print(step["say"])
    writes = dict(step.get("also_write", {}))
    if "write" in step:
        writes[code_file] = step["write"]
    for relative, text in writes.items():
        target = Path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    print(f"wrote {', '.join(writes) or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
