#!/usr/bin/env python3
"""Prints the share of frames whose protocol stack (`frame.protocols`) rttscope names exactly as
tshark does, capture by capture and in all, over every capture in the repository (and the
public teaching captures beside it), each read with its key log when it has one.

Usage: python3 scripts/protocol-stacks.py [RTTSCOPE]   (default: target/release/rttscope)

A measure, not a test: `tests/it/tshark_differential.rs` asserts the fields themselves. The lines
that differ are listed under their capture (at most five each), so the next protocol to add
shows up here first.
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RTTSCOPE = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/release/rttscope")
DIRS = ["fixtures/interop", "fixtures/crafted", "fixtures/link", "captures", "../shared/captures-public"]


def stacks(command):
    out = subprocess.run(command, capture_output=True, text=True).stdout
    return out.splitlines()


def main():
    total = same = 0
    for directory in DIRS:
        for capture in sorted((ROOT / directory).glob("*.pcap*")):
            keys = capture.with_suffix(".keys")
            ours = [RTTSCOPE, "dissect", str(capture), "-T", "fields", "-e", "frame.protocols"]
            theirs = ["tshark", "-r", str(capture), "-T", "fields", "-e", "frame.protocols"]
            if keys.exists():
                ours += ["--keylog", str(keys)]
                theirs += ["-o", f"tls.keylog_file:{keys}"]
            a, b = stacks(ours), stacks(theirs)
            agree = sum(1 for x, y in zip(a, b) if x == y)
            total += len(b)
            same += agree
            if agree != len(b) or len(a) != len(b):
                print(f"{capture.relative_to(ROOT.parent)}: {agree}/{len(b)}")
                shown = 0
                for number, (x, y) in enumerate(zip(a, b), 1):
                    if x != y and shown < 5:
                        print(f"    frame {number}: rttscope {x} / tshark {y}")
                        shown += 1
    print(f"frames whose protocol stack is tshark's: {same}/{total} ({100 * same / max(total, 1):.1f}%)")


if __name__ == "__main__":
    main()
