#!/usr/bin/env python3
"""Checks that the AWS Lambda zip runs on nothing but itself.

    check_lambda_zip.py OFFERS-API-LAMBDA.zip

- `bootstrap` is at the root and executable, and so are bin/offers-api and the loader;
- every ELF file in the zip finds each library it needs (DT_NEEDED, read by readelf) in
  the zip's lib/, so the function loads nothing from the image's /lib;
- no ELF file carries an RPATH or RUNPATH that points elsewhere;
- the zip is under Lambda's limits (50 MB zipped for a direct upload, 250 MB unzipped)
  and the size the README states (25 MB zipped).
Prints what it checked; exits 1 with every problem found.
"""
import os
import subprocess
import sys
import tempfile
import zipfile

ZIPPED_TARGET = 25 * 1000 * 1000
UNZIPPED_LIMIT = 250 * 1024 * 1024


def needed(path):
    out = subprocess.run(["readelf", "-d", path], check=True, capture_output=True,
                         text=True).stdout
    libs, paths = [], []
    for line in out.splitlines():
        if "(NEEDED)" in line:
            libs.append(line.split("[", 1)[1].split("]", 1)[0])
        if "(RPATH)" in line or "(RUNPATH)" in line:
            paths.append(line.split("[", 1)[1].split("]", 1)[0])
    return libs, paths


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    zip_path = sys.argv[1]
    problems = []
    with zipfile.ZipFile(zip_path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        unzipped = sum(i.file_size for i in infos.values())
        for name in ("bootstrap", "bin/offers-api", "lib/ld-linux-x86-64.so.2"):
            info = infos.get(name)
            if info is None:
                problems.append(f"{name}: missing")
            elif not (info.external_attr >> 16) & 0o100:
                problems.append(f"{name}: not executable")
        with tempfile.TemporaryDirectory() as work:
            zf.extractall(work)
            libs = set(os.listdir(os.path.join(work, "lib")))
            elves = 0
            for name in sorted(infos):
                path = os.path.join(work, name)
                with open(path, "rb") as f:
                    if f.read(4) != b"\x7fELF":
                        continue
                elves += 1
                wanted, paths = needed(path)
                for lib in wanted:
                    if lib not in libs:
                        problems.append(f"{name}: needs {lib}, which is not in lib/")
                for p in paths:
                    if p not in ("$ORIGIN", "$ORIGIN/.", "$ORIGIN/../lib"):
                        problems.append(f"{name}: RPATH/RUNPATH {p} points outside the zip")
    zipped = os.path.getsize(zip_path)
    if zipped > ZIPPED_TARGET:
        problems.append(f"{zipped} bytes zipped: over the 25 MB target")
    if unzipped > UNZIPPED_LIMIT:
        problems.append(f"{unzipped} bytes unzipped: over Lambda's 250 MB")
    print(f"check_lambda_zip: {elves} ELF files, {len(libs)} libraries, {zipped} bytes zipped, "
          f"{unzipped} unzipped")
    for p in problems:
        print("check_lambda_zip: " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
