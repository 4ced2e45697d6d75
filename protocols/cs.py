# protocols/cs.py: a construct-compatible subset that runs on MicroPython.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Just enough of construct 2.10 to run ``protocols/declarations.py``.

The same declaration runs with the real ``construct`` on the host and with
this module on the device (construct itself cannot import on MicroPython,
digest ``micropython-toolchain.md`` section 4). Semantics follow construct
2.10.70 for parse, build and sizeof, including which error class is raised,
so the test-suite can compare both engines error class by error class:

    >>> import protocols.cs as cs
    >>> s = cs.Struct("n" / cs.Int8ub, "b" / cs.Bytes(cs.this.n))
    >>> s.parse(b"\\x02ab")
    Container(n=2, b=b'ab')
    >>> s.build({"n": 2, "b": b"ab"})
    b'\\x02ab'

Differences from construct, none of them visible to the declarations:
parsing reads a memoryview (no io streams); contexts hold only ``_`` and
the fields (no ``_io``, ``_root``, ``_params``, ``_index``); predicates
and lengths must be callables or ``this`` expressions; only the classes
the declarations use exist. Integers are range-checked before
``struct.pack`` because MicroPython's pack silently truncates.
"""

import struct

from ._compat import OrderedDict


class ConstructError(Exception):
    pass


class SizeofError(ConstructError):
    pass


class ValidationError(ConstructError):
    pass


class StreamError(ConstructError):
    pass


class FormatFieldError(ConstructError):
    pass


class IntegerError(ConstructError):
    pass


class StringError(ConstructError):
    pass


class RangeError(ConstructError):
    pass


class RepeatError(ConstructError):
    pass


class ConstError(ConstructError):
    pass


class ExplicitError(ConstructError):
    pass


class SelectError(ConstructError):
    pass


class TerminatedError(ConstructError):
    pass


class RawCopyError(ConstructError):
    pass


class ChecksumError(ConstructError):
    pass


class Container:
    """Ordered fields with item and attribute access (like construct's).

    Methods shadow fields of the same name for attribute access only
    (``c["items"]`` always works), exactly as in construct. Keys starting
    with ``_`` are ignored by ``==``.
    """

    def __init__(self, src=None, **kw):
        object.__setattr__(self, "_cs_d", OrderedDict())
        if src is not None:
            self.update(src)
        self.update(kw)

    def __getattr__(self, n):
        if n == "_cs_d":
            raise AttributeError(n)
        try:
            return self._cs_d[n]
        except KeyError:
            raise AttributeError(n)

    def __setattr__(self, n, v):
        self._cs_d[n] = v

    def __getitem__(self, k):
        return self._cs_d[k]

    def __setitem__(self, k, v):
        self._cs_d[k] = v

    def __delitem__(self, k):
        del self._cs_d[k]

    def __contains__(self, k):
        return k in self._cs_d

    def __iter__(self):
        return iter(self._cs_d)

    def __len__(self):
        return len(self._cs_d)

    def get(self, k, d=None):
        return self._cs_d.get(k, d)

    def keys(self):
        return self._cs_d.keys()

    def items(self):
        return self._cs_d.items()

    def update(self, o):
        d = self._cs_d
        for k in o:
            d[k] = o[k]

    def __eq__(self, o):
        try:
            a = [k for k in self if k[:1] != "_"]
            b = [k for k in o if k[:1] != "_"]
            return len(a) == len(b) and all(k in o and self[k] == o[k] for k in a)
        except Exception:
            return False

    def __ne__(self, o):
        return not self == o

    __hash__ = None

    def __repr__(self):
        return "Container(%s)" % ", ".join(
            "%s=%r" % kv for kv in self.items() if kv[0][:1] != "_"
        )


class ListContainer(list):
    pass


# -- expressions: this.a.b + 1, obj_ & 0x10 ... (construct/expr.py) --------


def _op(o, a, b):
    # One if-chain instead of a function object per operator (heap).
    if o == 0:
        return a + b
    if o == 1:
        return a - b
    if o == 2:
        return a * b
    if o == 3:
        return a // b
    if o == 4:
        return a % b
    if o == 5:
        return a & b
    if o == 6:
        return a | b
    if o == 7:
        return a ^ b
    if o == 8:
        return a >> b
    if o == 9:
        return a << b
    if o == 10:
        return a == b
    if o == 11:
        return a != b
    if o == 12:
        return a < b
    if o == 13:
        return a <= b
    if o == 14:
        return a > b
    if o == 15:
        return a >= b
    if o == 16:
        return -a
    return not a  # 17: ~expr means "not" in construct


class _Expr:
    def __add__(s, o):
        return _Bin(0, s, o)

    def __radd__(s, o):
        return _Bin(0, o, s)

    def __sub__(s, o):
        return _Bin(1, s, o)

    def __rsub__(s, o):
        return _Bin(1, o, s)

    def __mul__(s, o):
        return _Bin(2, s, o)

    def __rmul__(s, o):
        return _Bin(2, o, s)

    def __floordiv__(s, o):
        return _Bin(3, s, o)

    def __mod__(s, o):
        return _Bin(4, s, o)

    def __and__(s, o):
        return _Bin(5, s, o)

    def __rand__(s, o):
        return _Bin(5, o, s)

    def __or__(s, o):
        return _Bin(6, s, o)

    def __ror__(s, o):
        return _Bin(6, o, s)

    def __xor__(s, o):
        return _Bin(7, s, o)

    def __rshift__(s, o):
        return _Bin(8, s, o)

    def __lshift__(s, o):
        return _Bin(9, s, o)

    def __eq__(s, o):
        return _Bin(10, s, o)

    def __ne__(s, o):
        return _Bin(11, s, o)

    def __lt__(s, o):
        return _Bin(12, s, o)

    def __le__(s, o):
        return _Bin(13, s, o)

    def __gt__(s, o):
        return _Bin(14, s, o)

    def __ge__(s, o):
        return _Bin(15, s, o)

    def __neg__(s):
        return _Bin(16, s, None)

    def __invert__(s):
        return _Bin(17, s, None)

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
    """``this.x._.y``: evaluated on the context (or, for ``obj_``, the object)."""

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


# -- streams: a memoryview, a position and an end ---------------------------


class _Stream:
    def __init__(s, b, p, e):
        s.b = b
        s.p = p
        s.e = e


def _take(st, n):
    """Advance by ``n`` bytes; return the old position (construct's checks)."""
    if n < 0:
        raise StreamError("length must be non-negative, found %s" % n)
    p = st.p
    if p + n > st.e:
        raise StreamError(
            "stream read less than specified amount, expected %d, found %d" % (n, st.e - p)
        )
    st.p = p + n
    return p


def _read(st, n):
    p = _take(st, n)
    return bytes(st.b[p : p + n])


def _write(out, data, n):
    if not isinstance(data, bytes):
        raise StringError("given non-bytes value, perhaps unicode? %r" % (data,))
    if n < 0:
        raise StreamError("length must be non-negative, found %s" % n)
    if len(data) != n:
        raise StreamError("bytes object of wrong length, expected %d, found %d" % (n, len(data)))
    out.extend(data)


# -- constructs ---------------------------------------------------------------


class Construct:
    name = None
    flagbuildnone = False

    def __rtruediv__(s, name):
        # A renamed copy instead of construct's Renamed wrapper: one object
        # and one call level less per field.
        r = object.__new__(type(s))
        d = s.__dict__
        for k in d:
            setattr(r, k, d[k])
        r.name = name
        return r

    def parse(s, data, **kw):
        b = memoryview(data)
        return s._parse(_Stream(b, 0, len(b)), Container(kw))

    def build(s, obj, **kw):
        out = bytearray()
        s._build(obj, out, Container(kw))
        return bytes(out)

    def sizeof(s, **kw):
        return s._sizeof(Container(kw))

    def _sizeof(s, ctx):
        raise SizeofError("cannot calculate size")


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
        s.lo = s.hi = None
        if fmt[1] not in "fd":
            bits = 8 * n
            if fmt[1] in "bhiq":
                s.lo = -(1 << (bits - 1))
                s.hi = (1 << (bits - 1)) - 1
            else:
                s.lo = 0
                s.hi = (1 << bits) - 1

    def _parse(s, st, ctx):
        return struct.unpack_from(s.fmt, st.b, _take(st, s.length))[0]

    def _build(s, obj, out, ctx):
        try:
            if s.lo is not None and not s.lo <= obj <= s.hi:
                raise ValueError
            d = struct.pack(s.fmt, obj)
        except Exception:
            raise FormatFieldError(
                "struct %r error during building, given value %r" % (s.fmt, obj)
            )
        out.extend(d)
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


class BytesInteger(Construct):
    """Unsigned big-endian integer of ``length`` bytes (construct's defaults)."""

    def __init__(s, length):
        s.length = length

    def _parse(s, st, ctx):
        v = 0
        for x in _read(st, s.length):
            v = (v << 8) | x
        return v

    def _build(s, obj, out, ctx):
        n = s.length
        if not isinstance(obj, int) or not 0 <= obj < 1 << (8 * n):
            raise IntegerError("value %r does not fit %d unsigned bytes" % (obj, n))
        for i in range(n - 1, -1, -1):
            out.append((obj >> (8 * i)) & 0xFF)
        return obj

    def _sizeof(s, ctx):
        return s.length


class Bytes(Construct):
    def __init__(s, length):
        s.length = length

    def _parse(s, st, ctx):
        return _read(st, _ev(s.length, ctx))

    def _build(s, obj, out, ctx):
        d = bytes(obj) if type(obj) is bytearray else obj
        _write(out, d, _ev(s.length, ctx))
        return d

    def _sizeof(s, ctx):
        try:
            return _ev(s.length, ctx)
        except (KeyError, AttributeError):
            raise SizeofError("cannot calculate size, key not found in context")


class _GreedyBytes(Construct):
    def _parse(s, st, ctx):
        return _read(st, st.e - st.p)

    def _build(s, obj, out, ctx):
        d = bytes(obj) if type(obj) is bytearray else obj
        _write(out, d, len(d))
        return d


GreedyBytes = _GreedyBytes()


class _Flag(Construct):
    def _parse(s, st, ctx):
        return _read(st, 1) != b"\x00"

    def _build(s, obj, out, ctx):
        out.append(1 if obj else 0)
        return obj

    def _sizeof(s, ctx):
        return 1


Flag = _Flag()


class _Pass(Construct):
    flagbuildnone = True

    def _parse(s, st, ctx):
        return None

    def _build(s, obj, out, ctx):
        return obj

    def _sizeof(s, ctx):
        return 0


Pass = _Pass()


class _Error(Construct):
    flagbuildnone = True

    def _parse(s, st, ctx):
        raise ExplicitError("Error field was activated during parsing")

    def _build(s, obj, out, ctx):
        raise ExplicitError("Error field was activated during building")


Error = _Error()


class _Terminated(Construct):
    flagbuildnone = True

    def _parse(s, st, ctx):
        if st.p < st.e:
            raise TerminatedError("expected end of stream")

    def _build(s, obj, out, ctx):
        return obj


Terminated = _Terminated()


class Computed(Construct):
    flagbuildnone = True

    def __init__(s, func):
        s.func = func

    def _parse(s, st, ctx):
        return _ev(s.func, ctx)

    def _build(s, obj, out, ctx):
        return _ev(s.func, ctx)

    def _sizeof(s, ctx):
        return 0


def _child(ctx):
    c = Container()
    c["_"] = ctx
    return c


class Struct(Construct):
    def __init__(s, *subcons):
        s.subcons = subcons
        s.flagbuildnone = all(sc.flagbuildnone for sc in subcons)

    def _parse(s, st, ctx):
        # The context doubles as the result; its "_" is dropped at the end.
        c = _child(ctx)
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
        return sum(sc._sizeof(c) for sc in s.subcons)


class FocusedSeq(Construct):
    def __init__(s, key, *subcons):
        s.key = key
        s.subcons = subcons

    def _parse(s, st, ctx):
        c = _child(ctx)
        key = _ev(s.key, c)
        r = None
        for sc in s.subcons:
            v = sc._parse(st, c)
            if sc.name:
                c[sc.name] = v
                if sc.name == key:
                    r = v
        return r

    def _build(s, obj, out, ctx):
        c = _child(ctx)
        key = _ev(s.key, c)
        c[key] = obj
        r = None
        for sc in s.subcons:
            v = sc._build(obj if sc.name == key else None, out, c)
            if sc.name:
                c[sc.name] = v
                if sc.name == key:
                    r = v
        return r

    def _sizeof(s, ctx):
        c = _child(ctx)
        return sum(sc._sizeof(c) for sc in s.subcons)


class Const(Subconstruct):
    flagbuildnone = True

    def __init__(s, value, subcon=None):
        Subconstruct.__init__(s, Bytes(len(value)) if subcon is None else subcon)
        s.value = value

    def _parse(s, st, ctx):
        v = s.subcon._parse(st, ctx)
        if v != s.value:
            raise ConstError("parsing expected %r but parsed %r" % (s.value, v))
        return v

    def _build(s, obj, out, ctx):
        if obj is not None and obj != s.value:
            raise ConstError("building expected None or %r but got %r" % (s.value, obj))
        return s.subcon._build(s.value, out, ctx)


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
        p = st.p
        try:
            return s.subcon._parse(st, ctx)
        except ExplicitError:
            raise
        except ConstructError:
            return None
        finally:
            st.p = p

    def _build(s, obj, out, ctx):
        return obj

    def _sizeof(s, ctx):
        return 0


class ExprValidator(Subconstruct):
    def __init__(s, subcon, validator):
        Subconstruct.__init__(s, subcon)
        s.validator = validator

    def _check(s, obj, ctx):
        if not s.validator(obj, ctx):
            raise ValidationError("object failed validation: %s" % (obj,))
        return obj

    def _parse(s, st, ctx):
        return s._check(s.subcon._parse(st, ctx), ctx)

    def _build(s, obj, out, ctx):
        s.subcon._build(s._check(obj, ctx), out, ctx)
        return obj


class StringEncoded(Subconstruct):
    def __init__(s, subcon, encoding):
        Subconstruct.__init__(s, subcon)
        s.encoding = encoding

    def _parse(s, st, ctx):
        d = s.subcon._parse(st, ctx)
        try:
            return str(d, s.encoding)
        except Exception:
            raise StringError("cannot use encoding %r to decode %r" % (s.encoding, d))

    def _build(s, obj, out, ctx):
        if not isinstance(obj, str):
            raise StringError("string encoding failed, expected unicode string")
        try:
            d = obj.encode(s.encoding)
        except Exception:
            raise StringError("cannot use encoding %r to encode %r" % (s.encoding, obj))
        s.subcon._build(d, out, ctx)
        return obj


class Prefixed(Subconstruct):
    def __init__(s, lengthfield, subcon):
        Subconstruct.__init__(s, subcon)
        s.lengthfield = lengthfield

    def _parse(s, st, ctx):
        n = s.lengthfield._parse(st, ctx)
        p = _take(st, n)
        # A bounded view of the same buffer: offsets stay absolute, as with
        # construct's BytesIOWithOffsets.
        return s.subcon._parse(_Stream(st.b, p, p + n), ctx)

    def _build(s, obj, out, ctx):
        o = bytearray()
        r = s.subcon._build(obj, o, ctx)
        s.lengthfield._build(len(o), out, ctx)
        out.extend(o)
        return r

    def _sizeof(s, ctx):
        return s.lengthfield._sizeof(ctx) + s.subcon._sizeof(ctx)


def PascalString(lengthfield, encoding):
    return StringEncoded(Prefixed(lengthfield, GreedyBytes), encoding)


class PrefixedArray(Subconstruct):
    """construct's FocusedSeq("items", "count"/Rebuild(countfield, len), "items"/Array)."""

    flagbuildnone = False

    def __init__(s, countfield, subcon):
        s.subcon = subcon
        s.countfield = countfield

    def _parse(s, st, ctx):
        c = _child(ctx)
        n = c["count"] = s.countfield._parse(st, c)
        if not 0 <= n:
            raise RangeError("invalid count %s" % (n,))
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

    def _sizeof(s, ctx):
        raise SizeofError("cannot calculate size")


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
        raise RepeatError("expected any item to match predicate, when building")

    def _sizeof(s, ctx):
        raise SizeofError("cannot calculate size, amount depends on actual data")


def _raw(src, data, value, p, q):
    c = Container(src)
    c["data"] = data
    if value is not src:
        c["value"] = value
    c["offset1"] = p
    c["offset2"] = q
    c["length"] = q - p
    return c


class RawCopy(Subconstruct):
    def _parse(s, st, ctx):
        p = st.p
        v = s.subcon._parse(st, ctx)
        return _raw(None, bytes(st.b[p : st.p]), v, p, st.p)

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
        raise RawCopyError("RawCopy cannot build, both data and value keys are missing")


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
            raise ChecksumError("wrong checksum, read %r, computed %r" % (h1, h2))
        return h1

    def _build(s, obj, out, ctx):
        h = s.hashfunc(s.bytesfunc(ctx))
        s.field._build(h, out, ctx)
        return h

    def _sizeof(s, ctx):
        return s.field._sizeof(ctx)


class _Pick(Construct):
    """Base of the constructs that delegate to a subcon chosen at run time."""

    def _parse(s, st, ctx):
        return s._pick(ctx)._parse(st, ctx)

    def _build(s, obj, out, ctx):
        return s._pick(ctx)._build(obj, out, ctx)

    def _sizeof(s, ctx):
        return s._pick(ctx)._sizeof(ctx)


class Switch(_Pick):
    def __init__(s, keyfunc, cases, default=None):
        s.keyfunc = keyfunc
        s.cases = cases
        s.default = Pass if default is None else default
        s.flagbuildnone = s.default.flagbuildnone and all(
            cases[k].flagbuildnone for k in cases
        )

    def _pick(s, ctx):
        return s.cases.get(_ev(s.keyfunc, ctx), s.default)


class IfThenElse(_Pick):
    def __init__(s, condfunc, thensubcon, elsesubcon):
        s.condfunc = condfunc
        s.thensubcon = thensubcon
        s.elsesubcon = elsesubcon
        s.flagbuildnone = thensubcon.flagbuildnone and elsesubcon.flagbuildnone

    def _pick(s, ctx):
        return s.thensubcon if _ev(s.condfunc, ctx) else s.elsesubcon


def If(condfunc, subcon):
    return IfThenElse(condfunc, subcon, Pass)


class LazyBound(_Pick):
    def __init__(s, subconfunc):
        s.subconfunc = subconfunc

    def _pick(s, ctx):
        return s.subconfunc()

    def _sizeof(s, ctx):
        raise SizeofError("cannot calculate size")


class Select(Construct):
    def __init__(s, *subcons):
        s.subcons = subcons
        s.flagbuildnone = any(sc.flagbuildnone for sc in subcons)

    def _parse(s, st, ctx):
        for sc in s.subcons:
            p = st.p
            try:
                return sc._parse(st, ctx)
            except ExplicitError:
                raise
            except Exception:
                st.p = p
        raise SelectError("no subconstruct matched")

    def _build(s, obj, out, ctx):
        for sc in s.subcons:
            o = bytearray()
            try:
                sc._build(obj, o, ctx)
            except ExplicitError:
                raise
            except Exception:
                continue
            out.extend(o)
            return obj
        raise SelectError("no subconstruct matched: %s" % (obj,))
