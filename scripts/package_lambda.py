#!/usr/bin/env python3
"""Builds the AWS Lambda zip of offers-api (a custom runtime, provided.al2023).

    package_lambda.py BINARY BOOTSTRAP OUT.zip

The zip holds `bootstrap` at its root (deploy/bootstrap), the binary, stripped, as
bin/offers-api, and under lib/ every shared library the binary loads, as ldd resolves them
on the build machine, with the dynamic loader itself: Amazon Linux 2023's glibc (2.34) and
libstdc++ are older than Debian 12's, so the function brings its own and the bootstrap
starts the binary through the bundled loader. Fails if ldd cannot resolve a library.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

LOADER = "ld-linux-x86-64.so.2"


def libraries(binary):
    """(name in the zip, path on this machine) of every library the binary loads."""
    out = subprocess.run(["ldd", binary], check=True, capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        line = line.strip()
        if "not found" in line:
            sys.exit(f"package_lambda: ldd cannot resolve {line}")
        m = re.match(r"(\S+) => (\S+) \(0x", line)
        if m:
            found.append((m.group(1), m.group(2)))
            continue
        m = re.match(r"(/\S+) \(0x", line)  # the loader
        if m:
            found.append((LOADER, m.group(1)))
    if not any(name == LOADER for name, _ in found):
        sys.exit("package_lambda: ldd shows no dynamic loader")
    return found


def add(zf, name, path, mode):
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(path, "rb") as f:
        zf.writestr(info, f.read(), compresslevel=9)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    binary, bootstrap, out = sys.argv[1:]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        stripped = os.path.join(work, "offers-api")
        shutil.copyfile(binary, stripped)
        subprocess.run(["strip", "--strip-unneeded", stripped], check=True)
        partial = out + ".partial"
        with zipfile.ZipFile(partial, "w") as zf:
            add(zf, "bootstrap", bootstrap, 0o755)
            add(zf, "bin/offers-api", stripped, 0o755)
            for name, path in sorted(libraries(binary)):
                add(zf, "lib/" + name, os.path.realpath(path), 0o755 if name == LOADER else 0o644)
        os.replace(partial, out)
    print(f"package_lambda: {out}: {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
