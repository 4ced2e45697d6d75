# hostlib/cli/mqtt.py: ``hanreader mqtt``: readings to an MQTT broker, with Home Assistant discovery.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""``hanreader mqtt SOURCE --broker mqtt://HOST[:PORT]``: read like ``read``
does and publish every reading (docs/home-assistant.md). The password comes
from $HANREADER_MQTT_PASSWORD or ``--password-file``, never from the command
line, and appears in no output."""

import argparse
import json

from ._common import (EXIT_FAIL, EXIT_OK, Fail, RejectReporter, UsageError, accountant, add_keys, add_serial,
                      decryptor, err, opener, plural, positive, stopper)

ORDER = 25


class _NoPassword(argparse.Action):
    """``--password`` is refused without echoing its value."""

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error("the password is never taken on the command line: set HANREADER_MQTT_PASSWORD "
                     "or use --password-file FILE")


def add_parser(sub):
    m = sub.add_parser("mqtt", help="publish readings to MQTT, with Home Assistant discovery",
                       description="Read a serial port, tcp://HOST:PORT, the dongle's USB lines or a file (like "
                       "'read') and publish every reading to an MQTT broker: a state topic per meter, a retained "
                       "availability topic, and Home Assistant discovery. The password comes from "
                       "$HANREADER_MQTT_PASSWORD or --password-file. The broker may go away: readings go on and "
                       "the client reconnects.",
                       epilog="Exit status: 0 ok, 1 the broker or the source cannot be used, 2 usage.")
    m.add_argument("source", metavar="SOURCE", help="serial port, tcp://HOST:PORT, or a recording/capture file")
    m.add_argument("--broker", default="mqtt://localhost", metavar="URL",
                   help="mqtt://HOST[:PORT] (default mqtt://localhost, port 1883) or mqtts://HOST[:PORT] (TLS, 8883)")
    m.add_argument("--username", metavar="NAME", help="MQTT user name")
    m.add_argument("--password-file", metavar="FILE",
                   help="read the MQTT password from FILE's first line (else $HANREADER_MQTT_PASSWORD)")
    m.add_argument("--password", nargs="?", action=_NoPassword, help=argparse.SUPPRESS)
    m.add_argument("--ca-file", metavar="PEM", help="mqtts: the broker's CA certificate (default: the system's)")
    m.add_argument("--client-cert", metavar="PEM", help="mqtts: a client certificate")
    m.add_argument("--client-key", metavar="PEM", help="mqtts: the client certificate's key")
    m.add_argument("--client-id", metavar="ID", help="MQTT client id (default hanreader-<bridge id>)")
    m.add_argument("--bridge-id", metavar="ID", help="this bridge's name in topics (default host-<hostname>)")
    m.add_argument("--topic-prefix", default="hanreader", metavar="PREFIX", help="default hanreader")
    m.add_argument("--discovery-prefix", default="homeassistant", metavar="PREFIX",
                   help="Home Assistant's discovery prefix (default homeassistant)")
    m.add_argument("--no-discovery", action="store_true", help="publish states and availability only")
    m.add_argument("--meter-name", metavar="NAME",
                   help="the meter's identity for every reading (default: its id, learned from list 2/3)")
    m.add_argument("--expire-after", type=positive(int), default=60, metavar="SECONDS",
                   help="Home Assistant shows the sensors unavailable after SECONDS without a reading (default 60)")
    add_keys(m)
    add_serial(m)
    m.add_argument("--input-format", choices=["auto", "hdlc", "mbus", "p1", "apdu", "dongle"], default="auto",
                   help="the meter's frames (HDLC, M-Bus, P1) or the dongle's JSON lines (default: detect)")
    m.add_argument("--fast", action="store_true", help="files: publish at once (no recorded pace), exit when done")
    m.add_argument("-n", "--count", type=positive(int), help="stop after N readings")
    m.add_argument("--duration", type=positive(float), help="stop after SECONDS")
    m.add_argument("--wait", action="store_true", help="keep retrying if the source is not there at start")
    m.add_argument("--max-backoff", type=positive(float), default=30.0, help="longest wait between reconnects (s)")
    m.add_argument("--energy", action="store_true", help="also the running hour, its projection and the month's "
                   "capacity average, step and margin as sensors (docs/energy.md)")
    m.add_argument("--tz", default="Europe/Oslo", metavar="ZONE", help="--energy: local zone (default Europe/Oslo)")
    m.add_argument("--state", metavar="DIR", help="--energy: keep hours and state in DIR/energy.sqlite3, so a "
                   "restart loses nothing (default for a live source: $XDG_STATE_HOME/hanreader, as "
                   "'hanreader energy'; files: in memory)")
    m.add_argument("-q", "--quiet", action="store_true", help="no rejected-frame messages or summary")
    m.set_defaults(func=run, speed=None)
    return m


def run(args):
    from ..mqtt import MqttBridge, MqttError, read_password
    from ..reader import HanReader, follow

    args.speed = None if args.fast else 1.0
    decrypt = decryptor(args)
    acct = _energy(args)
    try:
        password = read_password(args.password_file)
        bridge = MqttBridge(args.broker, username=args.username, password=password, ca_file=args.ca_file,
                            cert_file=args.client_cert, key_file=args.client_key, client_id=args.client_id,
                            bridge_id=args.bridge_id, topic_prefix=args.topic_prefix,
                            discovery_prefix=args.discovery_prefix, discovery=not args.no_discovery,
                            meter_name=args.meter_name, expire_after=args.expire_after,
                            on_event=lambda kind, msg: err(msg) if kind != "connected" or not args.quiet else None,
                            energy=acct)
        bridge.connect()
    except MqttError as e:
        if acct is not None:
            acct.close()
        raise Fail(str(e)) from None
    rep = RejectReporter(args.quiet)
    reader = HanReader(decrypt=decrypt, on_reject=rep, format=args.input_format,
                       on_status=(lambda s: err("dongle status: %s" % json.dumps(s.data))) if not args.quiet else None)
    open_ = opener(args)

    def event(kind, msg):
        if kind == "connected":
            if not args.quiet:
                err(msg)
        elif kind != "ended":
            err(msg)

    n = 0
    named = 0  # readings with an identity (a meter id, or --meter-name)
    told = False
    gen = follow(open_, reader, on_event=event, stop=stopper(args), retry_first=args.wait,
                 max_delay=args.max_backoff)
    try:
        for r in gen:
            n += 1
            if args.meter_name or r.meter.id:
                named += 1
            elif not named and not told:
                # Issue 13: a meter's identity is its id, learnt from its first
                # list 2/3 (or --meter-name): a list 1 is never published under
                # a guessed identity, which would make a second device.
                told = True
                err("a reading without a meter id (list 1) is held until a list 2 or 3 tells the meter's id "
                    "(Aidon and Kaifa send list 2 every 10 s); give --meter-name NAME to publish at once")
            bridge.publish(r)
            if args.count and n >= args.count:
                break
    except KeyboardInterrupt:
        pass
    finally:
        gen.close()
        bridge.close()
        if acct is not None:
            acct.close()  # the state, for the next start (hours are stored as they close)
    m = bridge.msgs
    if n and not named:
        err("nothing published: %d reading%s without a meter id and no list 2 or 3 telling it "
            "(give --meter-name NAME)" % (n, "" if n == 1 else "s"))
        return EXIT_FAIL
    if m.held is not None:
        err("1 reading without a meter id was not published: no list 2/3 told the id (give --meter-name)")
    if not args.quiet:
        c = reader.counters()
        err("%s published to %s (%s), %s rejected"
            % (plural(n, "reading"), bridge.where, plural(bridge.published, "message"), plural(c["rejected"], "frame")))
    return EXIT_OK if n else EXIT_FAIL


def _energy(args):
    """--energy: the accounting the bridge feeds, its hours and state in
    SQLite under the state folder (docs/energy.md), or None."""
    if not args.energy:
        if args.state:
            raise UsageError("--state needs --energy")
        return None
    import os

    return accountant(args, live=not os.path.isfile(args.source))
