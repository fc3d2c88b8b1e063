#!/usr/bin/env python3
"""Size limits that keep keyward's code reviewable (docs/architecture.md):
no source file under src/ or include/ over 600 lines, no function over 60
lines. Offenders named in scripts/limits-allow.txt (one per line: a path, or
path:function, then '#' and the reason) are reported but allowed; anything
else fails. Also fails on an allow-list entry that no longer offends, so the
list only shrinks.

    scripts/check-limits.py            # check, exit 1 on a new offender
    scripts/check-limits.py --list     # print every offender with its size
"""
import pathlib
import re
import sys

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 60
ROOT = pathlib.Path(__file__).resolve().parent.parent
ALLOW = ROOT / "scripts" / "limits-allow.txt"

CONTROL = re.compile(r"^\s*(if|for|while|switch|catch|do|else|try)\b")
TYPE_OPEN = re.compile(r"^\s*(namespace|class|struct|union|enum|extern)\b")


def strip_code(line, in_block):
    """The line without comments and string/char literals; whether a block
    comment is still open at its end."""
    out = []
    i = 0
    n = len(line)
    while i < n:
        if in_block:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i = end + 2
            in_block = False
            continue
        c = line[i]
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            in_block = True
            i += 2
            continue
        if c == 'R' and line.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', line[i:])
            if m:
                close = ")" + m.group(1) + '"'
                end = line.find(close, i + m.end())
                i = n if end < 0 else end + len(close)
                out.append('""')
                continue
        if c in "\"'":
            j = i + 1
            while j < n and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            i = j + 1
            out.append('""')
            continue
        out.append(c)
        i += 1
    return "".join(out), in_block


def functions(path):
    """(name, first line, length) of each function body in a file."""
    lines = path.read_text(errors="replace").splitlines()
    code = []
    in_block = False
    for line in lines:
        text, in_block = strip_code(line, in_block)
        code.append(text)
    found = []
    depth = 0
    stack = []  # (depth before '{', is_function, name, start line)
    signature = ""
    for no, text in enumerate(code, 1):
        stripped = text.strip()
        for ch in text:
            if ch == "{":
                sig = (signature + " " + text[: text.index("{")]).strip()
                is_fn = ("(" in sig and not CONTROL.match(sig) and
                         not TYPE_OPEN.match(sig) and "=" not in sig.split("(")[0]
                         and not any(f for f in stack if f[1]))
                name = ""
                if is_fn:
                    m = re.search(r"([~\w:]+(?:operator\S*)?)\s*\(", sig)
                    name = m.group(1) if m else "?"
                stack.append((depth, is_fn, name, no))
                depth += 1
                signature = ""
            elif ch == "}":
                depth -= 1
                if stack:
                    d, is_fn, name, start = stack.pop()
                    if is_fn:
                        found.append((name, start, no - start + 1))
        if stripped.endswith((";", "}", "{")) or stripped.startswith("#") or not stripped:
            signature = ""
        else:
            signature += " " + stripped
    return len(lines), found


def main():
    listing = "--list" in sys.argv
    allowed = {}
    if ALLOW.exists():
        for raw in ALLOW.read_text().splitlines():
            entry = raw.split("#", 1)[0].strip()
            if entry:
                allowed[entry] = False
    offenders = []
    for base in ("src", "include"):
        for path in sorted((ROOT / base).rglob("*")):
            if path.suffix not in (".cc", ".h"):
                continue
            rel = path.relative_to(ROOT).as_posix()
            total, fns = functions(path)
            if total > MAX_FILE_LINES:
                offenders.append((rel, f"{total} lines (limit {MAX_FILE_LINES})"))
            for name, start, length in fns:
                if length > MAX_FUNCTION_LINES:
                    offenders.append((f"{rel}:{name}",
                                      f"{length} lines at line {start} (limit {MAX_FUNCTION_LINES})"))
    new = []
    for key, what in offenders:
        if key in allowed:
            allowed[key] = True
            if listing:
                print(f"allowed  {key}: {what}")
        else:
            new.append((key, what))
            print(f"OVER     {key}: {what}")
    stale = [k for k, seen in allowed.items() if not seen]
    for key in stale:
        print(f"STALE    {key}: within the limits now; remove it from {ALLOW.name}")
    print(f"check-limits: {len(offenders)} over the limits, {len(offenders) - len(new)} "
          f"allowed, {len(new)} new, {len(stale)} stale allow-list entries")
    return 1 if (new or stale) and not listing else 0


if __name__ == "__main__":
    sys.exit(main())
