#!/usr/bin/env python3
"""The pattern fleet-controller replaces: a dashboard (Cesi, supervisord-monitor) that polls
supervisor.getAllProcessInfo over XML-RPC on every host, with Python's standard xmlrpc.client.

    xmlrpc-poller.py [--threads N] [--reps N] [--quiet] URL...

One poll cycle calls every URL in turn (sequential, as Cesi does), or from N threads. Each URL
has one ServerProxy for the whole run, so later cycles reuse its connection when the server
keeps it open. After the last cycle it prints one line per process, `host/group:name STATE
description` as a status page would show it (unless --quiet), and on stderr one JSON line:
{"cycles_ms": [...], "hosts": H, "processes": P, "running": R, "errors": [...]}.
Exit status 1 if any host failed.
"""
import argparse
import json
import sys
import time
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor


def poll(proxy):
    try:
        return proxy.supervisor.getAllProcessInfo(), None
    except Exception as e:  # a host that is down must not stop the others
        return [], str(e)


def main():
    parser = argparse.ArgumentParser(description='poll supervisord hosts over XML-RPC')
    parser.add_argument('--threads', type=int, default=0, help='poll from N threads (0: one host after another)')
    parser.add_argument('--reps', type=int, default=1, help='poll cycles')
    parser.add_argument('--quiet', action='store_true', help='no status lines')
    parser.add_argument('urls', nargs='+')
    args = parser.parse_args()

    proxies = [xmlrpc.client.ServerProxy(url) for url in args.urls]
    pool = ThreadPoolExecutor(args.threads) if args.threads > 0 else None
    cycles = []
    answers = []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        answers = list(pool.map(poll, proxies)) if pool else [poll(p) for p in proxies]
        cycles.append((time.perf_counter() - t0) * 1000)
    if pool:
        pool.shutdown()

    lines = []
    errors = []
    processes = running = 0
    for url, (infos, error) in zip(args.urls, answers):
        host = url.split('//', 1)[-1].rstrip('/')
        if error:
            errors.append(f'{host}: {error}')
        for info in infos:
            processes += 1
            running += info['statename'] == 'RUNNING'
            lines.append(f"{host}/{info['group']}:{info['name']:<24} {info['statename']:<10} {info['description']}")
    if not args.quiet:
        sys.stdout.write('\n'.join(lines) + '\n')
    sys.stderr.write(json.dumps({'cycles_ms': cycles, 'hosts': len(proxies), 'processes': processes, 'running': running, 'errors': errors}) + '\n')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
