# tests/mp/cs.py: a construct-compatible subset that runs on MicroPython.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Just enough of construct 2.10 to run ``protocols/declarations.py``.

The same declarations run with the real ``construct`` on CPython and with
this module on MicroPython (construct cannot import there, see
``shared/docs/micropython-toolchain.md`` section 4). It is a test engine:
the MicroPython differential tests (``tests/mp/test_cs.py``) and the host's
(``tests/test_declarations.py``, ``tests/test_differential.py``) run the
declarations through it; it is not part of the shipped package or the
firmware image, and nothing on the device imports it::

    >>> import cs   # tests/mp on the path
    >>> s = cs.Struct("n" / cs.Int8ub, "b" / cs.Bytes(cs.this.n))
    >>> s.parse(b"\\x02ab") == {"n": 2, "b": b"ab"}
    True
    >>> s.build({"n": 2, "b": b"ab"})
    b'\\x02ab'

Parse, build and sizeof follow construct 2.10.70, down to which error class
is raised (same names, all under ``ConstructError``), so the tests compare
the two engines error class by error class. Differences, none visible to
the declarations: input is a memoryview (no io streams); a context holds
``_`` and the fields only (no ``_io``, ``_root``, ``_params``, ``_index``);
lengths and conditions are ``this`` expressions or callables; only what the
declarations use exists (``Const`` takes bytes, ``Prefixed`` has no
``includelength``, ``RepeatUntil`` wants a callable predicate).

Heap is the constraint here, so several constructs share one class:
``Pass``, ``Flag``, ``Error`` and ``Terminated`` are ``Computed`` instances
of another kind; ``IfThenElse``, ``If`` and ``LazyBound`` make ``Switch``
instances; ``GreedyBytes`` is ``Bytes(None)``; ``PascalString`` is a
``Prefixed`` with an encoding. Integers are range-checked before
``struct.pack`` because MicroPython's pack silently truncates (floats are
not: on MicroPython ``Float32b`` builds 1e300 as inf where construct raises
FormatFieldError). Error classes other than ``ConstructError`` are created
on first use (see ``_E``) to keep them off the heap until needed.
"""

import struct

try:
    from collections import OrderedDict  # Container keeps field order
except ImportError:  # pragma: no cover
    OrderedDict = dict


class ConstructError(Exception):
    pass


# The other error classes (same names as construct's, all direct subclasses
# of ConstructError as there) are made on first use: 14 classes kept from
# import on would cost about 3 KB of heap. ``cs.StreamError`` works (module
# ``__getattr__``, PEP 562), and is the class ``cs`` raises.
_ERRORS = (
    "SizeofError",
    "ValidationError",
    "StreamError",
    "FormatFieldError",
    "StringError",
    "RangeError",
    "RepeatError",
    "ConstError",
    "ExplicitError",
    "SelectError",
    "TerminatedError",
    "RawCopyError",
    "ChecksumError",
)
_made = {}


def _E(name):
    e = _made.get(name)
    if e is None:
        e = _made[name] = type(name, (ConstructError,), {})
    return e


def __getattr__(name):
    if name in _ERRORS:
        return _E(name)
    raise AttributeError(name)


class Container(OrderedDict):
    """Ordered fields, item and attribute access; ``==`` ignores ``_`` keys.

    As in construct, a method name (``items``, ``keys``, ``get``, ``update``)
    shadows a field of that name for attribute access; ``c["items"]`` works.
    """

    def __getattr__(s, n):
        try:
            return s[n]
        except KeyError:
            raise AttributeError(n)

    def __setattr__(s, n, v):
        s[n] = v

    def update(s, o):
        # A dict or (key, value) pairs, as construct's. Written out because
        # MicroPython's dict.update rejects dict subclasses.
        if isinstance(o, dict):
            o = o.items()
        for k, v in o:
            s[k] = v

    def __eq__(s, o):
        try:
            a = [k for k in s if k[:1] != "_"]
            n = len([k for k in o if k[:1] != "_"])
            return len(a) == n and all(k in o and s[k] == o[k] for k in a)
        except Exception:
            return False

    def __ne__(s, o):
        return not s.__eq__(o)


class ListContainer(list):
    pass


# -- expressions: this.a._.b + 1, obj_ & 0x10 (construct/expr.py) -------------


def _op(o, a, b):
    if o == 0:
        return a + b
    if o == 1:
        return a - b
    if o == 2:
        return a * b
    if o == 3:
        return a // b
    if o == 4:
        return a & b
    if o == 5:
        return a | b
    if o == 6:
        return a >> b
    if o == 7:
        return a << b
    if o == 8:
        return a == b
    if o == 9:
        return a != b
    if o == 10:
        return a < b
    if o == 11:
        return a <= b
    if o == 12:
        return a > b
    return a >= b


class _Expr:
    def __add__(s, o):
        return _Bin(0, s, o)

    def __sub__(s, o):
        return _Bin(1, s, o)

    def __mul__(s, o):
        return _Bin(2, s, o)

    def __floordiv__(s, o):
        return _Bin(3, s, o)

    def __and__(s, o):
        return _Bin(4, s, o)

    def __or__(s, o):
        return _Bin(5, s, o)

    def __rshift__(s, o):
        return _Bin(6, s, o)

    def __lshift__(s, o):
        return _Bin(7, s, o)

    def __eq__(s, o):
        return _Bin(8, s, o)

    def __ne__(s, o):
        return _Bin(9, s, o)

    def __lt__(s, o):
        return _Bin(10, s, o)

    def __le__(s, o):
        return _Bin(11, s, o)

    def __gt__(s, o):
        return _Bin(12, s, o)

    def __ge__(s, o):
        return _Bin(13, s, o)

    __hash__ = None


class _Bin(_Expr):
    def __init__(s, op, a, b):
        s.op = op
        s.a = a
        s.b = b

    def __call__(s, obj, *args):
        a = s.a
        b = s.b
        return _op(s.op, a(obj) if callable(a) else a, b(obj) if callable(b) else b)


class Path(_Expr):
    """``this.x._.y`` evaluated on a context; ``obj_`` on the validated object."""

    def __init__(s, field=None, parent=None):
        s._f = field
        s._p = parent

    def __getattr__(s, n):
        return Path(n, s)

    __getitem__ = __getattr__

    def __call__(s, obj, *args):
        p = s._p
        return obj if p is None else p(obj)[s._f]


this = Path()
obj_ = Path()


def _ev(x, ctx):
    return x(ctx) if callable(x) else x


def _child(ctx):
    c = Container()
    c["_"] = ctx
    return c


# -- streams. Parsing reads st = [memoryview, position, end] (a list, not
# an object: no class to keep on the heap); building appends to a bytearray.


def _take(st, n):
    """Consume ``n`` bytes; return where they start."""
    if n < 0:
        raise _E("StreamError")("negative length %s" % n)
    p = st[1]
    if p + n > st[2]:
        raise _E("StreamError")("expected %d bytes, found %d" % (n, st[2] - p))
    st[1] = p + n
    return p


def _read(st, n):
    p = _take(st, n)
    return bytes(st[0][p : p + n])


def _write(out, d, n):
    if not isinstance(d, bytes):
        raise _E("StringError")("non-bytes value %r" % (d,))
    if n < 0:
        raise _E("StreamError")("negative length %s" % n)
    if len(d) != n:
        raise _E("StreamError")("expected %d bytes, given %d" % (n, len(d)))
    out.extend(d)


# -- constructs ------------------------------------------------------------------


class Construct:
    name = None
    flagbuildnone = False

    def __rtruediv__(s, name):
        # "name" / sub: a renamed copy, not construct's Renamed wrapper (one
        # object and one call level less per field).
        r = object.__new__(type(s))
        d = s.__dict__
        for k in d:
            setattr(r, k, d[k])
        r.name = name
        return r

    def parse(s, data, **kw):
        b = memoryview(data)
        return s._parse([b, 0, len(b)], Container(kw))

    def build(s, obj, **kw):
        out = bytearray()
        s._build(obj, out, Container(kw))
        return bytes(out)

    def sizeof(s, **kw):
        return s._sizeof(Container(kw))

    def _sizeof(s, ctx):
        raise _E("SizeofError")("size not fixed")


class Subconstruct(Construct):
    def __init__(s, subcon):
        s.subcon = subcon
        if not s.flagbuildnone:
            s.flagbuildnone = subcon.flagbuildnone

    def _parse(s, st, ctx):
        return s.subcon._parse(st, ctx)

    def _build(s, obj, out, ctx):
        return s.subcon._build(obj, out, ctx)

    def _sizeof(s, ctx):
        return s.subcon._sizeof(ctx)


class FormatField(Construct):
    def __init__(s, fmt):
        s.fmt = fmt
        s.length = n = struct.calcsize(fmt)
        s.lo = None
        if fmt[1] not in "fd":
            n *= 8
            s.lo, s.hi = (-(1 << (n - 1)), (1 << (n - 1)) - 1) if fmt[1] in "bhiq" else (0, (1 << n) - 1)

    def _parse(s, st, ctx):
        return struct.unpack_from(s.fmt, st[0], _take(st, s.length))[0]

    def _build(s, obj, out, ctx):
        try:
            if s.lo is not None and not s.lo <= obj <= s.hi:
                raise ValueError
            out.extend(struct.pack(s.fmt, obj))
        except Exception:
            raise _E("FormatFieldError")("struct %r cannot build %r" % (s.fmt, obj))
        return obj

    def _sizeof(s, ctx):
        return s.length


Int8ub = FormatField(">B")
Int8sb = FormatField(">b")
Int16ub = FormatField(">H")
Int16sb = FormatField(">h")
Int16ul = FormatField("<H")
Int32ub = FormatField(">I")
Int32sb = FormatField(">i")
Int64ub = FormatField(">Q")
Int64sb = FormatField(">q")
Float32b = FormatField(">f")
Float64b = FormatField(">d")


class Bytes(Construct):
    """``Bytes(n)``; ``Bytes(None)`` is ``GreedyBytes`` (to the end)."""

    def __init__(s, length):
        s.length = length

    def _parse(s, st, ctx):
        n = s.length
        return _read(st, st[2] - st[1] if n is None else _ev(n, ctx))

    def _build(s, obj, out, ctx):
        n = s.length
        if n is None:
            d = bytes(obj) if type(obj) is bytearray else obj
            n = len(d)
        else:
            n = _ev(n, ctx)
            d = obj
            if isinstance(obj, int):  # construct's integer2bytes, unsigned
                if n < 1 or not 0 <= obj < 1 << (8 * n):
                    raise ValueError("%r does not fit %s bytes" % (obj, n))
                d = bytes([(obj >> (8 * i)) & 0xFF for i in range(n - 1, -1, -1)])
            elif type(obj) is bytearray:
                d = bytes(obj)
        _write(out, d, n)
        return d

    def _sizeof(s, ctx):
        try:
            n = _ev(s.length, ctx)
        except (KeyError, AttributeError):
            n = None
        if n is None:
            raise _E("SizeofError")("size not fixed")
        return n


GreedyBytes = Bytes(None)


class Computed(Construct):
    """``Computed(func)``; kinds 1-4 are ``Flag``, ``Error``, ``Terminated``, ``Pass``."""

    flagbuildnone = True

    def __init__(s, func, kind=0):
        s.func = func
        s.kind = kind
        if kind == 1:
            s.flagbuildnone = False

    def _parse(s, st, ctx):
        k = s.kind
        if k == 1:
            return _read(st, 1) != b"\x00"
        if k == 2:
            raise _E("ExplicitError")("Error field was activated during parsing")
        if k == 3 and st[1] < st[2]:
            raise _E("TerminatedError")("expected end of stream")
        return _ev(s.func, ctx)

    def _build(s, obj, out, ctx):
        k = s.kind
        if k == 1:
            out.append(1 if obj else 0)
        elif k == 2:
            raise _E("ExplicitError")("Error field was activated during building")
        if k:
            return obj
        return _ev(s.func, ctx)

    def _sizeof(s, ctx):
        k = s.kind
        if k == 2 or k == 3:
            raise _E("SizeofError")("size not fixed")
        return 1 if k == 1 else 0


Flag = Computed(None, 1)
Error = Computed(None, 2)
Terminated = Computed(None, 3)
Pass = Computed(None, 4)


class Struct(Construct):
    def __init__(s, *subcons):
        s.subcons = subcons
        s.flagbuildnone = all(sc.flagbuildnone for sc in subcons)

    def _parse(s, st, ctx):
        c = _child(ctx)  # the context is also the result, without its "_"
        for sc in s.subcons:
            v = sc._parse(st, c)
            if sc.name:
                c[sc.name] = v
        del c["_"]
        return c

    def _build(s, obj, out, ctx):
        if obj is None:
            obj = Container()
        c = _child(ctx)
        c.update(obj)
        for sc in s.subcons:
            n = sc.name
            v = obj.get(n) if sc.flagbuildnone else obj[n]
            if n:
                c[n] = v
            v = sc._build(v, out, c)
            if n:
                c[n] = v
        return c

    def _sizeof(s, ctx):
        c = _child(ctx)
        return sum([sc._sizeof(c) for sc in s.subcons])


class FocusedSeq(Construct):
    def __init__(s, key, *subcons):
        s.key = key
        s.subcons = subcons

    def _parse(s, st, ctx):
        c = _child(ctx)
        key = _ev(s.key, c)
        for sc in s.subcons:
            v = sc._parse(st, c)
            if sc.name:
                c[sc.name] = v
        return c[key]

    def _build(s, obj, out, ctx):
        c = _child(ctx)
        key = _ev(s.key, c)
        c[key] = obj
        for sc in s.subcons:
            v = sc._build(obj if sc.name == key else None, out, c)
            if sc.name:
                c[sc.name] = v
        return c[key]


class Const(Construct):
    flagbuildnone = True

    def __init__(s, value):
        s.value = value

    def _parse(s, st, ctx):
        v = _read(st, len(s.value))
        if v != s.value:
            raise _E("ConstError")("expected %r, found %r" % (s.value, v))
        return v

    def _build(s, obj, out, ctx):
        v = s.value
        if obj is not None and obj != v:
            raise _E("ConstError")("expected None or %r, given %r" % (v, obj))
        out.extend(v)
        return v

    def _sizeof(s, ctx):
        return len(s.value)


class Rebuild(Subconstruct):
    flagbuildnone = True

    def __init__(s, subcon, func):
        Subconstruct.__init__(s, subcon)
        s.func = func

    def _build(s, obj, out, ctx):
        return s.subcon._build(_ev(s.func, ctx), out, ctx)


class Peek(Subconstruct):
    flagbuildnone = True

    def _parse(s, st, ctx):
        p = st[1]
        try:
            return s.subcon._parse(st, ctx)
        except _E("ExplicitError"):
            raise
        except ConstructError:
            return None
        finally:
            st[1] = p

    def _build(s, obj, out, ctx):
        return obj

    def _sizeof(s, ctx):
        return 0


class ExprValidator(Subconstruct):
    def __init__(s, subcon, validator):
        Subconstruct.__init__(s, subcon)
        s.validator = validator

    def _parse(s, st, ctx):
        return s._build(s.subcon._parse(st, ctx), None, ctx)

    def _build(s, obj, out, ctx):
        # out is None when called from _parse: validate only.
        if not s.validator(obj, ctx):
            raise _E("ValidationError")("object failed validation: %s" % (obj,))
        if out is not None:
            s.subcon._build(obj, out, ctx)
        return obj


class Prefixed(Subconstruct):
    """``Prefixed(lengthfield, subcon)``; with ``encoding``, a ``PascalString``."""

    def __init__(s, lengthfield, subcon, encoding=None):
        Subconstruct.__init__(s, subcon)
        s.lengthfield = lengthfield
        s.encoding = encoding

    def _parse(s, st, ctx):
        n = s.lengthfield._parse(st, ctx)
        p = _take(st, n)
        # A bounded view of the same buffer: offsets stay absolute, as in
        # construct (BytesIOWithOffsets).
        v = s.subcon._parse([st[0], p, p + n], ctx)
        e = s.encoding
        if e:
            try:
                return str(v, e)
            except Exception:
                raise _E("StringError")("cannot decode %r as %s" % (v, e))
        return v

    def _build(s, obj, out, ctx):
        e = s.encoding
        v = obj
        if e:
            if not isinstance(obj, str):
                raise _E("StringError")("expected a str")
            try:
                v = obj.encode(e)
            except Exception:
                raise _E("StringError")("cannot encode %r as %s" % (obj, e))
        o = bytearray()
        r = s.subcon._build(v, o, ctx)
        s.lengthfield._build(len(o), out, ctx)
        out.extend(o)
        return obj if e else r

    _sizeof = Construct._sizeof


def PascalString(lengthfield, encoding):
    return Prefixed(lengthfield, GreedyBytes, encoding)


class PrefixedArray(Subconstruct):
    """construct's FocusedSeq("items", "count"/Rebuild(countfield, len), "items"/Array)."""

    def __init__(s, countfield, subcon):
        s.subcon = subcon
        s.countfield = countfield

    def _parse(s, st, ctx):
        c = _child(ctx)
        n = c["count"] = s.countfield._parse(st, c)
        if not 0 <= n:
            raise _E("RangeError")("invalid count %s" % (n,))
        r = ListContainer()
        for _ in range(n):
            r.append(s.subcon._parse(st, c))
        return r

    def _build(s, obj, out, ctx):
        c = _child(ctx)
        c["items"] = obj
        c["count"] = s.countfield._build(len(obj), out, c)
        r = ListContainer()
        for e in obj:
            r.append(s.subcon._build(e, out, c))
        return r

    _sizeof = Construct._sizeof


class RepeatUntil(Subconstruct):
    def __init__(s, predicate, subcon):
        Subconstruct.__init__(s, subcon)
        s.predicate = predicate

    def _parse(s, st, ctx):
        r = ListContainer()
        while True:
            e = s.subcon._parse(st, ctx)
            r.append(e)
            if s.predicate(e, r, ctx):
                return r

    def _build(s, obj, out, ctx):
        r = ListContainer()
        for e in obj:
            r.append(s.subcon._build(e, out, ctx))
            if s.predicate(e, r, ctx):
                return r
        raise _E("RepeatError")("no item matched the predicate")

    _sizeof = Construct._sizeof


def _raw(src, data, value, p, q):
    c = Container()
    if src is not None:
        c.update(src)
    c["data"] = data
    if value is not src:
        c["value"] = value
    c["offset1"] = p
    c["offset2"] = q
    c["length"] = q - p
    return c


class RawCopy(Subconstruct):
    def _parse(s, st, ctx):
        p = st[1]
        v = s.subcon._parse(st, ctx)
        q = st[1]
        return _raw(None, bytes(st[0][p:q]), v, p, q)

    def _build(s, obj, out, ctx):
        if obj is None and s.subcon.flagbuildnone:
            obj = {"value": None}
        p = len(out)
        if "data" in obj:
            d = obj["data"]
            _write(out, d, len(d))
            return _raw(obj, d, obj, p, len(out))
        if "value" in obj:
            v = obj["value"]
            r = s.subcon._build(v, out, ctx)
            return _raw(obj, bytes(out[p:]), v if r is None else r, p, len(out))
        raise _E("RawCopyError")("neither data nor value given")


class Checksum(Construct):
    flagbuildnone = True

    def __init__(s, checksumfield, hashfunc, bytesfunc):
        s.field = checksumfield
        s.hashfunc = hashfunc
        s.bytesfunc = bytesfunc

    def _parse(s, st, ctx):
        h1 = s.field._parse(st, ctx)
        h2 = s.hashfunc(s.bytesfunc(ctx))
        if h1 != h2:
            raise _E("ChecksumError")("read %r, computed %r" % (h1, h2))
        return h1

    def _build(s, obj, out, ctx):
        h = s.hashfunc(s.bytesfunc(ctx))
        s.field._build(h, out, ctx)
        return h



class Switch(Construct):
    """``Switch``; also ``IfThenElse`` (cases True) and ``LazyBound`` (cases None)."""

    def __init__(s, keyfunc, cases, default=None):
        s.keyfunc = keyfunc
        s.cases = cases
        s.default = Pass if default is None else default
        if cases is not None:
            subs = [s.then] if cases is True else [cases[k] for k in cases]
            s.flagbuildnone = s.default.flagbuildnone and all([x.flagbuildnone for x in subs])

    def _pick(s, ctx):
        c = s.cases
        if c is None:
            return s.keyfunc()
        k = _ev(s.keyfunc, ctx)
        if c is True:
            return s.then if k else s.default
        return c.get(k, s.default)

    def _parse(s, st, ctx):
        return s._pick(ctx)._parse(st, ctx)

    def _build(s, obj, out, ctx):
        return s._pick(ctx)._build(obj, out, ctx)



def IfThenElse(condfunc, thensubcon, elsesubcon):
    r = object.__new__(Switch)
    r.then = thensubcon
    Switch.__init__(r, condfunc, True, elsesubcon)
    return r


def If(condfunc, subcon):
    return IfThenElse(condfunc, subcon, Pass)


def LazyBound(subconfunc):
    return Switch(subconfunc, None)


class Select(Construct):
    def __init__(s, *subcons):
        s.subcons = subcons
        s.flagbuildnone = any(sc.flagbuildnone for sc in subcons)

    def _parse(s, st, ctx):
        for sc in s.subcons:
            p = st[1]
            try:
                return sc._parse(st, ctx)
            except _E("ExplicitError"):
                raise
            except Exception:
                st[1] = p
        raise _E("SelectError")("no subconstruct matched")

    def _build(s, obj, out, ctx):
        for sc in s.subcons:
            o = bytearray()
            try:
                sc._build(obj, o, ctx)
            except _E("ExplicitError"):
                raise
            except Exception:
                continue
            out.extend(o)
            return obj
        raise _E("SelectError")("no subconstruct matched: %s" % (obj,))
