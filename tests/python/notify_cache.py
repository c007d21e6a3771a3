#!/usr/bin/env python3
"""Notify's Python cache, as the tests need it: reads, writes, deletes and keys exactly as
/work/shared/reference/notify-cache.md (last section) describes Notify's admin app doing them.

Driven by the Rust tests in tests/tests/python_*.rs through subcommands; each prints one JSON
object on stdout. It needs redis-py (`python3 -m pip install redis`; scripts/test installs it).

    notify_cache.py URL get KEY                   -> {"hit": bool, "value": ...}
    notify_cache.py URL set KEY JSON [--ttl S]    -> {"ok": true}   (JSON re-encoded by Python)
    notify_cache.py URL delete KEY...             -> {"deleted": n}
    notify_cache.py URL key TEMPLATE NAME=VALUE... -> {"key": "..."} (Notify's key rules)
    notify_cache.py URL hammer --count N KEY...   -> counts of reads, hits, exceptions...
    notify_cache.py URL mixed ...                 -> Notify readers and writers on versioned keys

Keys given as `TEMPLATE?NAME=VALUE&...` are built with Notify's key rules first.
"""

import argparse
import json
import sys
import threading
import time
import uuid

try:
    import redis
except ImportError:
    print(
        "notify_cache.py: redis-py is missing; install it with `python3 -m pip install redis` "
        "(scripts/test does this)",
        file=sys.stderr,
    )
    sys.exit(3)

# Notify's default TTL: 28 days.
DEFAULT_TTL = 28 * 24 * 60 * 60


def format_arg(value):
    """Notify's key rule: a str that parses as a UUID is written lower-case."""
    if isinstance(value, str):
        try:
            uuid.UUID(value)
        except ValueError:
            return value
        return value.lower()
    return str(value)


def build_key(spec):
    """`TEMPLATE?NAME=VALUE&...` through Notify's key rules; a plain key as it is."""
    if "?" not in spec:
        return spec
    template, _, query = spec.partition("?")
    args = dict(pair.split("=", 1) for pair in query.split("&") if pair)
    return template.format(**{name: format_arg(value) for name, value in args.items()})


def read(store, key):
    """Notify's read: the value is used only if truthy, then passed to json.loads (which may
    raise: nothing catches it in the admin app). Returns (hit, value)."""
    cached = store.get(key)
    if cached:
        return True, json.loads(cached)
    return False, None


def write(store, key, value, ttl=DEFAULT_TTL):
    """Notify's write: Python's JSON encoder, unconditional SET with a whole-second TTL."""
    store.set(key, json.dumps(value), ex=int(ttl))


def delete(store, keys):
    """Notify's delete: a plain DEL."""
    return store.delete(*keys) if keys else 0


def hammer(store, keys, count):
    """Reads `keys` round-robin `count` times as Notify does, counting what a page would meet."""
    counts = {
        "reads": 0,
        "hits": 0,
        "misses": 0,
        "empty_seen": 0,
        "exceptions": 0,
        "non_json": 0,
        "first_errors": [],
    }
    for n in range(count):
        key = keys[n % len(keys)]
        counts["reads"] += 1
        raw = store.get(key)
        if raw == b"":
            counts["empty_seen"] += 1
        try:
            if raw:
                json.loads(raw)
        except ValueError:
            counts["non_json"] += 1
        try:
            hit, _ = read_raw(raw)
            counts["hits" if hit else "misses"] += 1
        except Exception as error:  # what the admin page would raise
            counts["exceptions"] += 1
            if len(counts["first_errors"]) < 3:
                counts["first_errors"].append(f"{type(error).__name__}: {error}: {raw[:60]!r}")
    return counts


def read_raw(cached):
    """`read` on a value already fetched, so the hammer sees exactly the bytes it counted."""
    if cached:
        return True, json.loads(cached)
    return False, None


def mixed(url, keys, readers, writers, ops, truth_prefix):
    """Notify readers (miss: fetch from the "API", then SET unconditionally) and writers (DEL,
    write to the "API", DEL again) on `keys`. The API is a version counter per key in Redis;
    values are tagged as filled by Python."""
    errors = []
    done = {"reads": 0, "writes": 0, "exceptions": 0}
    lock = threading.Lock()

    def reader(seed):
        store = redis.Redis.from_url(url)
        for n in range(ops):
            key = keys[(seed * 7 + n) % len(keys)]
            try:
                hit, _ = read(store, key)
                if not hit:
                    version = int(store.get(truth_prefix + key) or 0)
                    write(store, key, {"id": key, "version": version, "by": "python"})
            except Exception as error:
                with lock:
                    done["exceptions"] += 1
                    if len(errors) < 3:
                        errors.append(f"{type(error).__name__}: {error}")
            with lock:
                done["reads"] += 1

    def writer(seed):
        store = redis.Redis.from_url(url)
        for n in range(ops):
            key = keys[(seed * 13 + n * 3) % len(keys)]
            delete(store, [key])
            store.incr(truth_prefix + key)
            delete(store, [key])
            with lock:
                done["writes"] += 1
            # Let the readers in between writes.
            time.sleep(0.001)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
    threads += [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    print(json.dumps({"ready": True}), flush=True)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done["first_errors"] = errors
    return done


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url")
    commands = parser.add_subparsers(dest="command", required=True)
    get = commands.add_parser("get")
    get.add_argument("key")
    put = commands.add_parser("set")
    put.add_argument("key")
    put.add_argument("json")
    put.add_argument("--ttl", type=int, default=DEFAULT_TTL)
    remove = commands.add_parser("delete")
    remove.add_argument("keys", nargs="+")
    make = commands.add_parser("key")
    make.add_argument("spec")
    ham = commands.add_parser("hammer")
    ham.add_argument("--count", type=int, required=True)
    ham.add_argument("keys", nargs="+")
    mix = commands.add_parser("mixed")
    mix.add_argument("--readers", type=int, default=2)
    mix.add_argument("--writers", type=int, default=2)
    mix.add_argument("--ops", type=int, default=500)
    mix.add_argument("--truth-prefix", default="truth:")
    mix.add_argument("keys", nargs="+")
    args = parser.parse_args()

    store = redis.Redis.from_url(args.url)
    if args.command == "get":
        hit, value = read(store, build_key(args.key))
        result = {"hit": hit, "value": value}
    elif args.command == "set":
        write(store, build_key(args.key), json.loads(args.json), args.ttl)
        result = {"ok": True}
    elif args.command == "delete":
        result = {"deleted": delete(store, [build_key(key) for key in args.keys])}
    elif args.command == "key":
        result = {"key": build_key(args.spec)}
    elif args.command == "hammer":
        result = hammer(store, args.keys, args.count)
    else:
        result = mixed(
            args.url, args.keys, args.readers, args.writers, args.ops, args.truth_prefix
        )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
