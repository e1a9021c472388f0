#!/usr/bin/env python3
"""Where the test suite's CPU goes (design 0034): runs a command (default `./vigil test`, or `.ci/run`), reads every
process's CPU from /proc every 3 s, and attributes it to the lane that started the process (through its ancestors: the
lane's Maven run, its test fork, a launcher or service a test started) and to its kind (test fork, Chromium, Keycloak,
each service, the launcher with its Kafka, PostgreSQL). At the end it prints, beside the wall time and the machine's
busy CPU, the CPU per lane, per lane and kind, and per test class (its lane's CPU from the class's start to its end,
taken from its report: its time, and its file's modification time). Nothing here judges: the figure is compared with
CI's 15 minutes, which the whole run (build, lanes) should fit on this 2-core machine. A process's last 3 s before
it ends are missed (the machine's busy figure, from /proc/stat, has them).

    bench/run suite-cost [command...]
"""
import datetime
import glob
import os
import re
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HZ = os.sysconf('SC_CLK_TCK')
CI_SECONDS = 900
MODULES = ['contracts', 'runtime', 'evidence', 'devstack', 'capture-service', 'recorder-service', 'site-link',
           'event-service', 'export-service', 'retention-service', 'gateway']
SERVICES = r'/(capture-service|recorder-service|event-service|export-service|retention-service|gateway|site-link)/target'
# each system-tests lane's surefire working directory (./vigil test's -DtempDir) and reports
SYSTEM_LANES = {'surefire-system-2': 'system-2', 'surefire-resilience': 'resilience', 'surefire-system': 'system'}
REPORTS = {'system-tests/target/failsafe-reports': 'system', 'system-tests/target/surefire-reports': 'system',
           'system-tests/target/failsafe-reports-2': 'system-2',
           'system-tests/target/failsafe-reports-resilience': 'resilience'}
REPORTS.update({m + '/target/surefire-reports': 'module ' + m for m in MODULES})


def read(path, mode='r'):
    with open(path, mode) as f:
        return f.read()


def stat(pid):
    s = read(f'/proc/{pid}/stat')
    fields = s[s.rfind(')') + 2:].split()
    return int(fields[1]), int(fields[11]) + int(fields[12]), fields[19]  # parent, user+system ticks, start


def cmdline(pid):
    return read(f'/proc/{pid}/cmdline', 'rb').replace(b'\0', b' ').decode(errors='replace')


def lane_of(cmd):
    m = re.search(re.escape(ROOT) + r'/([a-z0-9-]+)/target/(surefire-[a-z0-9-]+|surefire)\b', cmd)
    if m:
        return SYSTEM_LANES.get(m.group(2), 'system') if m.group(1) == 'system-tests' else 'module ' + m.group(1)
    if 'plexus-classworlds' in cmd:
        m = re.search(r' -pl (\S+)', cmd)
        return 'maven ' + (m.group(1) if m else 'build')
    return None


def kind_of(cmd):
    if 'surefire' in cmd or 'failsafe' in cmd:
        return 'test fork'
    if 'plexus-classworlds' in cmd:
        return 'maven'
    if 'chrom' in cmd:
        return 'chromium'
    if 'keycloak' in cmd.lower():
        return 'keycloak'
    m = re.search(SERVICES, cmd)
    if m:
        return m.group(1)
    if 'devstack' in cmd:
        return 'launcher'
    if 'postgres' in cmd:
        return 'postgresql'
    return os.path.basename(cmd.split(' ')[0])[:24] or '?'


def busy():
    v = list(map(int, read('/proc/stat').split('\n')[0].split()[1:]))
    return sum(v) - v[3] - v[4]


class Sampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.seen = {}      # pid:start -> [lane, kind, ticks]
        self.series = []    # (epoch, {lane: ticks})
        self.stop = threading.Event()
        # what ran before is not the suite's
        for pid in filter(str.isdigit, os.listdir('/proc')):
            try:
                _, ticks, start = stat(pid)
                self.seen[pid + ':' + start] = [None, None, ticks]
            except OSError:
                pass

    def run(self):
        while not self.stop.wait(3):
            delta = {}
            for pid in filter(str.isdigit, os.listdir('/proc')):
                try:
                    parent, ticks, start = stat(pid)
                    key = pid + ':' + start
                    e = self.seen.get(key)
                    if e is None:
                        cmd = cmdline(pid)
                        if not cmd:
                            continue
                        lane, hops = lane_of(cmd), 0
                        while lane is None and parent > 1 and hops < 30:
                            lane = lane_of(cmdline(parent))
                            parent, hops = stat(parent)[0], hops + 1
                        e = self.seen[key] = [lane or 'outside a lane', kind_of(cmd), 0]
                    if e[0] is not None and ticks > e[2]:
                        delta[e[0]] = delta.get(e[0], 0) + ticks - e[2]
                        e[2] = ticks
                except (OSError, IndexError, ValueError):
                    pass
            self.series.append((time.time(), delta))


def main():
    command = sys.argv[1:] or ['./vigil', 'test']
    sampler = Sampler()
    t0, b0 = time.time(), busy()
    sampler.start()
    rc = subprocess.call(command, cwd=ROOT)
    sampler.stop.set()
    sampler.join()
    wall, cpu = time.time() - t0, (busy() - b0) / HZ
    lanes, kinds = {}, {}
    for lane, kind, ticks in sampler.seen.values():
        if lane is None:
            continue
        lanes[lane] = lanes.get(lane, 0) + ticks / HZ
        kinds[(lane, kind)] = kinds.get((lane, kind), 0) + ticks / HZ
    print(f'\n== suite cost of {" ".join(command)} (exit status {rc})')
    print(f'wall {wall:.0f} s, the machine busy {cpu:.0f} CPU-s ({100 * cpu / wall / os.cpu_count():.0f} % of its '
          f'{os.cpu_count()} cores); against CI\'s {CI_SECONDS} s: ratio {wall / CI_SECONDS:.2f}')
    print('-- CPU-s per lane')
    for k, v in sorted(lanes.items(), key=lambda x: -x[1]):
        print(f'{v:8.1f}  {k}')
    print('-- CPU-s per lane and process kind (2 CPU-s or more)')
    for (lane, kind), v in sorted(kinds.items(), key=lambda x: -x[1]):
        if v >= 2:
            print(f'{v:8.1f}  {lane}: {kind}')
    print('-- CPU-s per test class (its lane while it ran; a class beside its fork\'s start-up carries it)')
    classes = []
    for folder, lane in REPORTS.items():
        for f in glob.glob(os.path.join(ROOT, folder, 'TEST-*.xml')):
            with open(f) as report:  # the suite's name and time are in its first lines; its output may be megabytes
                m = re.search(r'name="([^"]+)" time="([\d.]+)"', report.read(2000))
            end = os.path.getmtime(f)
            if not m or end < t0:
                continue
            start = end - float(m.group(2))
            share = sum(d.get(lane, 0) for t, d in sampler.series if start <= t <= end + 3) / HZ
            classes.append((share, float(m.group(2)), lane, m.group(1).rsplit('.', 1)[-1]))
    for share, seconds, lane, name in sorted(classes, reverse=True):
        if share >= 1:
            print(f'{share:8.1f}  {seconds:7.1f} s  {lane:26s} {name}')
    print(f'at {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC')
    return rc


if __name__ == '__main__':
    sys.exit(main())
