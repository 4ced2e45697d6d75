# mptest: a tiny test framework that runs on MicroPython (webassembly and unix
# ports) and on CPython. See docs/micropython-testing.md.
#
#     import mptest
#
#     def test_something():
#         assert 1 + 1 == 2
#
#     if __name__ == "__main__":
#         mptest.main(globals())
#
# main() runs every callable global named test_* in sorted order (MicroPython
# dicts are unordered), prints "ok NAME" or "FAIL NAME" plus the traceback
# for each, then exactly "N passed, M failed" as the last line, and exits 1
# if anything failed.
#
# Only the MicroPython common subset is used here: no f-string `=`, no
# typing, no dataclasses, no dict ordering.

import sys

try:
    import gc
except ImportError:  # pragma: no cover
    gc = None

try:
    import micropython
except ImportError:
    micropython = None

IS_MICROPYTHON = sys.implementation.name == "micropython"

# Where the wasm runner (tools/mprun.mjs, via tools/mpvm.py) copies
# tests/captures; the unix port and CPython use the real folder.
VM_CAPTURES_DIR = "/data/captures"


def _dirname(path):
    i = path.rfind("/")
    if i < 0:
        return "."
    return path[:i] or "/"


def _exists(path):
    import os

    try:
        os.stat(path)
        return True
    except OSError:
        return False


def captures_dirs():
    """Candidate folders for tests/captures, best first."""
    dirs = []
    try:
        import os

        env = os.getenv("HANREADER_CAPTURES")  # no getenv on the wasm port
        if env:
            dirs.append(env)
    except (ImportError, AttributeError):
        pass
    parent = _dirname(_dirname(__file__))  # tests/ on the host, / in wasm
    dirs.append(parent.rstrip("/") + "/captures")
    dirs.append(VM_CAPTURES_DIR)
    return dirs


def captures_dir():
    """The first existing folder of captures_dirs(), or None."""
    for d in captures_dirs():
        if _exists(d):
            return d
    return None


def data_path(rel):
    """Path of tests/captures/<rel> valid on the interpreter running now.

    rel may start with "captures/" or "tests/captures/"; both are stripped.
    Resolves against captures_dir() (or, if no candidate folder exists, the
    first candidate, so open() fails naming a sensible path).
    """
    for prefix in ("tests/captures/", "captures/"):
        if rel.startswith(prefix):
            rel = rel[len(prefix):]
    rel = rel.lstrip("/")
    base = captures_dir() or captures_dirs()[0]
    return base + "/" + rel


def read_data(rel):
    """The bytes of tests/captures/<rel>."""
    with open(data_path(rel), "rb") as f:
        return f.read()


def read_hex(rel):
    """The bytes of a .hex capture (hex digits, white space, '#' comments),
    read line by line so that a big annotated file needs little heap."""
    from protocols.hextext import hex_lines  # the one hex reader, on MicroPython too

    with open(data_path(rel), "rb") as f:
        return hex_lines(f)


class AssertRaisesFailed(AssertionError):
    pass


def assert_raises(exc_class, fn, *args, **kwargs):
    """Call fn(*args, **kwargs), assert it raises exc_class, return the exception."""
    try:
        fn(*args, **kwargs)
    except exc_class as e:
        return e
    raise AssertRaisesFailed("%s not raised by %r" % (_name(exc_class), fn))


def _name(obj):
    try:
        return obj.__name__
    except AttributeError:
        return repr(obj)


def _call(fn, args, kwargs):
    # fn(*args, **kwargs) allocates the argument arrays on the heap on the
    # unix port (the wasm port uses a pystack): spell out the common arities
    # so the measurement/lock covers fn itself only.
    if kwargs:
        return fn(*args, **kwargs)
    n = len(args)
    if n == 0:
        return fn()
    if n == 1:
        return fn(args[0])
    if n == 2:
        return fn(args[0], args[1])
    if n == 3:
        return fn(args[0], args[1], args[2])
    if n == 4:
        return fn(args[0], args[1], args[2], args[3])
    return fn(*args)


def alloc_bytes(fn, *args, **kwargs):
    """Bytes of heap allocated by one call fn(*args, **kwargs), on MicroPython.

    Runs gc.collect(), then measures gc.mem_alloc() around the call with the
    GC disabled, so nothing is freed in between. The call's return value is
    included. Returns None on CPython (no comparable measure) so tests write
    `n = alloc_bytes(f); assert n is None or n <= LIMIT`.
    Note: numbers are port-specific (32-bit wasm vs 64-bit unix) and the
    allocator rounds every block up to 16 bytes (32-bit) or 32 bytes (64-bit).
    """
    if not IS_MICROPYTHON:
        fn(*args, **kwargs)
        return None
    gc.collect()
    gc.disable()
    try:
        before = gc.mem_alloc()
        _call(fn, args, kwargs)
        after = gc.mem_alloc()
    finally:
        gc.enable()
    return after - before


def assert_no_alloc(fn, *args, **kwargs):
    """Call fn with the MicroPython heap locked: any allocation raises MemoryError.

    The lock is always released before the exception propagates (a MemoryError
    escaping with the heap locked hangs the wasm VM). Plain call on CPython.
    Returns fn's result.
    """
    if not IS_MICROPYTHON:
        return fn(*args, **kwargs)
    micropython.heap_lock()
    try:
        return _call(fn, args, kwargs)
    finally:
        micropython.heap_unlock()


def release_heap_lock():
    """Undo every micropython.heap_lock() still held; return how many there were.

    Allocates nothing, so it is safe as the first statement of an except
    block. (On the wasm port, a MemoryError raised inside an except block
    with the heap locked hangs node at 100% CPU.)
    """
    if micropython is None or not hasattr(micropython, "heap_lock"):
        return 0
    micropython.heap_lock()
    depth = micropython.heap_unlock()  # the current depth, unchanged
    held = depth
    while depth > 0:
        depth = micropython.heap_unlock()
    return held


def print_exception(e, file=None):
    if file is None:
        file = sys.stdout
    if IS_MICROPYTHON:
        sys.print_exception(e, file)
    else:
        import traceback

        traceback.print_exception(type(e), e, e.__traceback__, file=file)


def collect(namespace):
    """Sorted (name, fn) of the callable test_* entries of a globals() dict."""
    names = [k for k in namespace if k.startswith("test_") and callable(namespace[k])]
    names.sort()
    return [(k, namespace[k]) for k in names]


def run(namespace, only=None):
    """Run the tests in namespace; return (passed, failed). Prints results."""
    passed = 0
    failed = 0
    for name, fn in collect(namespace):
        if only and name not in only:
            continue
        try:
            fn()
        except Exception as e:  # KeyboardInterrupt/SystemExit propagate
            release_heap_lock()  # first: printing allocates
            failed += 1
            print("FAIL " + name)
            print_exception(e)
        else:
            if release_heap_lock():
                failed += 1
                print("FAIL " + name + ": returned with the heap still locked")
            else:
                passed += 1
                print("ok " + name)
    return passed, failed


def main(namespace, argv=None):
    """Run the tests of namespace (pass globals()); exit 1 if any failed.

    Test names given as arguments (sys.argv[1:]) restrict the run to them.
    """
    if argv is None:
        argv = sys.argv[1:]
    only = [a for a in argv if a.startswith("test_")]
    passed, failed = run(namespace, only)
    if only and passed + failed < len(only):
        known = [n for n, _ in collect(namespace)]
        for n in only:
            if n not in known:
                print("FAIL " + n + ": no such test")
                failed += 1
    print("%d passed, %d failed" % (passed, failed))
    if failed:
        sys.exit(1)
