"""Runs inside validation/tflm_arena/.venv: prints the TFLM arena allocations of each model.

For each path it prints `MODEL <file name>` and then the interpreter's RecordingMicroAllocator
lines ('Arena allocation head/tail/total N bytes'); head is the planned non-persistent
section (activations and scratch), tail the persistent one. check_arena.py parses them.
"""

import importlib.metadata
import os
import sys

from tflite_micro.python.tflite_micro import runtime

if __name__ == "__main__":
    print(f"VERSION {importlib.metadata.version('tflite-micro')}", flush=True)
    for path in sys.argv[1:]:
        print(f"MODEL {os.path.basename(path)}", flush=True)
        runtime.Interpreter.from_file(path, arena_size=2 * 1024 * 1024).print_allocations()
        sys.stdout.flush()
