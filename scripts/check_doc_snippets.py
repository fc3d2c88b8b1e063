#!/usr/bin/env python3
"""Compiles every C++ snippet marked as an example in the given Markdown files.

A snippet is marked by an HTML comment on the line before its ```cpp fence:

  <!-- example: file -->   the snippet is a whole translation unit
  <!-- example: main -->   its #include / using lines go to the top and the
                           rest becomes the body of int main()

Each snippet is compiled with -std=c++20 -Wall -Wextra -Werror -fsyntax-only
against include/ (the public headers only: an example must not need
anything else). A small prelude declares what examples call but the
application provides (Connect). Usage:

  check_doc_snippets.py --cxx g++ --include DIR FILE.md...

Exit status 0 when every marked snippet compiles, 1 otherwise (and when no
snippet is marked at all, so a lost marker is noticed).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

PRELUDE = """\
#include <iostream>
#include <string_view>
// Provided by the application in a real program.
template <typename... Args> void Connect(Args&&...) {}
"""

MARK = re.compile(r"<!--\s*example:\s*(file|main)\b[^>]*-->")


def snippets(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    mode = None
    i = 0
    while i < len(lines):
        m = MARK.search(lines[i])
        if m:
            mode = m.group(1)
        elif lines[i].strip().startswith("```cpp") and mode:
            start = i + 1
            j = start
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            yield mode, start + 1, "\n".join(lines[start:j])
            mode = None
            i = j
        elif lines[i].strip():
            mode = None
        i += 1


def translation_unit(mode, code):
    if mode == "file":
        return PRELUDE + code + "\n"
    head, body = [], []
    for line in code.split("\n"):
        if line.startswith("#include") or line.startswith("using "):
            head.append(line)
        else:
            body.append(line)
    return (PRELUDE + "\n".join(head) + "\nint main() {\n" +
            "\n".join(body) + "\n  return 0;\n}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cxx", default="g++")
    ap.add_argument("--include", required=True)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    count, failed = 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.files:
            for mode, line, code in snippets(path):
                count += 1
                src = os.path.join(tmp, "snippet%d.cc" % count)
                with open(src, "w") as f:
                    f.write(translation_unit(mode, code))
                r = subprocess.run(
                    [args.cxx, "-std=c++20", "-Wall", "-Wextra", "-Werror",
                     "-fsyntax-only", "-I", args.include, src],
                    capture_output=True, text=True)
                where = "%s:%d" % (path, line)
                if r.returncode != 0:
                    failed += 1
                    print("FAIL %s (example: %s)\n%s" % (where, mode, r.stderr))
                else:
                    print("ok   %s (example: %s)" % (where, mode))
    print("%d snippet(s), %d failed" % (count, failed))
    return 1 if failed or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
