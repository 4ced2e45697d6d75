# protocols/meters/__init__.py: every meter hanreader knows, one declaration each.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The meter declarations (docs/adding-a-meter.md).

A meter is declared in two parts that never repeat each other:

* its line in ``_INDEX`` below: everything the decoder needs to recognise
  and read it, except positional layouts (always resident: one string):
  ``name manufacturer FLAG-ids list-versions P1-idents engine quirks scalers``

  - ``manufacturer``: as ``meter.manufacturer`` reports it (one word);
    ``-`` for a layout several manufacturers send (the FLAG id names it),
    or a P1 ident that names no maker (the ident as sent);
  - ``FLAG-ids``, ``list-versions`` (prefixes), ``P1-idents``, ``quirks``:
    comma-separated, ``-`` for none (P1 idents ``-``: the FLAG ids; ``~``:
    none, for a meter whose P1 telegrams are not this declaration's);
  - ``engine``: the decoder in ``protocols/dialects/`` that reads its
    lists: ``registers`` (arrays of ``{OBIS, value, {scaler, unit}}``),
    ``values`` (positional values, by element count, or OBIS-coded pairs,
    implied scalers), ``pairs`` (alternating OBIS and value, implied
    scalers), ``positional`` (bare values in a documented order, the
    layout picked by shape; self-describing capture-list pushes),
    ``generic`` (anything self-describing), ``p1`` (a P1 telegram dialect
    only: ``protocols/p1.py``, no DLMS lists);
  - ``quirks``: named behaviours of the engine (each engine's ``QUIRKS``;
    P1's, ``protocols.p1framer.QUIRKS``, are consulted for any row's P1
    idents);
  - ``scalers``: the implied scaler by OBIS ``C.D`` (``*.D``: any C),
    ``C.D:scaler`` comma-separated; units come from the OBIS registry;

* its module ``protocols/meters/<name>.py`` (data only): ``LISTS``, each
  list's layout (a line ``listN phases``, then one line per position,
  ``OBIS axdr-type [bare]``), and ``SIMULATE`` (what the simulator needs to
  pretend to be it). The device imports it only for a ``values`` meter
  (positional layouts); a self-describing meter may have none.

The decoder (``protocols.dialects``), the P1 reader, the simulator
(``hostlib.simulator``), the test suite, the CLI's ``--meter`` choices and
``docs/meters.md`` (``tools/meters-doc``) all derive from these. This
module is the part the device needs: look-ups on the index text, cached,
``find``, nothing else (each function costs the device heap); the decoder
caches what it finds, so recognising a frame allocates nothing once its
meter is known. The catalogue for the host (``names``, ``entries``,
``entry``, ``simulated``, ``lists``: the simulator, CLI, docs and tests) is
``protocols.meters.catalog``.
"""

# name manufacturer FLAG-ids list-versions P1-idents engine quirks scalers
_INDEX = """
aidon Aidon AID,ADN AIDON - registers zero_is_local 31.7:-1,51.7:-1,71.7:-1,32.7:-1,52.7:-1,72.7:-1,*.8:1
kaifa Kaifa KFM KFM - values three_wire_ul2 31.7:-3,51.7:-3,71.7:-3,32.7:-1,52.7:-1,72.7:-1
kamstrup Kamstrup KAM Kamstrup - pairs ct_milliamp,one_wh_variants,centivolt_above_1000,ct_milliamp_by_power 31.7:-2,51.7:-2,71.7:-2,13.7:-2,33.7:-2,53.7:-2,73.7:-2,*.8:1
iskraemeco Iskraemeco ISK ISK ~ positional - 32.7:-1,52.7:-1,72.7:-1,31.7:-2,51.7:-2,71.7:-2,13.7:-3
landisgyr Landis+Gyr LGZ - ~ positional vse_push 31.7:-2,51.7:-2,71.7:-2
austria - - - ~ positional - -
iskra_p1 Iskraemeco - - ISK p1 crc_optional -
easymeter EasyMeter - - ESY p1 crc_optional -
landisgyr_p1 Landis+Gyr - - LGF p1 - -
sagemcom_p1 Sagemcom - - SAG,EST p1 - -
elgama_p1 Elgama - - EGM p1 - -
fluvius - - - FLU p1 unit_without_star -
warmtelink - - - NWA p1 unpadded_crc -
smarty - - - LUX p1 - -
nes_p1 - - - NES p1 long_clock -
"""

def find(col, value):
    """The index row (a list of its 8 fields) that ``value`` identifies, or None.

    ``col``: 0 the meter's name, 5 an engine (the first such meter); 2 a
    FLAG id (3 letters, any case); 4 a P1 ident (the letters after ``/``);
    3 a list version (str or bytes) matched on the declared prefixes; -3
    the same ignoring case. Allocates: the decoder caches what it finds.
    """
    if not value:
        return None
    if type(value) is bytes:
        try:
            value = str(value, "ascii")
        except UnicodeError:
            return None
    elif type(value) is not str:
        return None  # a number or a flag where a text belongs: no meter
    if col == -3:
        value = value.upper()
    elif col == 2 or col == 4:
        value = value[:3].upper()
    for line in _INDEX.split("\n"):
        f = line.split()
        if not f:
            continue
        if col == 0 or col == 5:
            if f[col] == value:
                return f
            continue
        c = f[2] if col == 4 and f[4] == "-" else f[-col if col < 0 else col]
        if c != "-" and c != "~":
            for p in c.split(","):
                if col == 3:
                    hit = value.startswith(p)
                elif col == -3:
                    hit = value.startswith(p.upper())
                else:
                    hit = value == p.upper()
                if hit:
                    return f
    return None
