"""kill -9 under load (issue 11): writers create records as fast as the server answers, the
server is killed with SIGKILL in the middle, started again on the same data folder, and every
record it had acknowledged must be there; then `lvze audit verify` must pass.

    python3 bench/kill9.py --bin PATH/TO/lvze [--writers 32] [--seconds 10] [--out DIR]

Started by bench/kill9.sh. Python's standard library only. What it does:

1. starts `lvze serve --demo` on a throw-away data folder (LVZE_DATA, LVZE_BCRYPT_COST=4) and a
   free port on 127.0.0.1, waits for /healthz, signs in as jingban (经办人, the district);
2. runs N writer threads, each on its own keep-alive connection: POST /api/v1/records/hazard and
   /api/v1/records/rectification in turn (three units), each record with a marker of its own in
   its description; every fourth create is followed by a PATCH of that record (its location
   gets a marker too). It keeps the id and marker of every 201, and the record and value of
   every PATCH answered 200;
3. at --seconds, SIGKILL to the server; requests in flight then get no answer (not counted as
   acknowledged: they may or may not have been committed);
4. starts the same binary again on the same folder (no --demo), waits for /healthz, signs in
   again, and reads every acknowledged record back by id: missing when 404, or when the id now
   holds another record (another marker), or when an acknowledged PATCH is not in it;
5. counts the records of this run the list API finds by marker (so: committed but never
   answered), stops the server (SIGTERM), checks that every acknowledged create has its audit
   entry and that SQLite's integrity_check passes, and runs `lvze audit verify`.

The last line: "kill -9: N acknowledged, M missing, audit chain OK|BROKEN". Exit status 1 when
anything acknowledged is missing, the chain is broken, an acknowledged create has no audit
entry, the database is damaged or the server does not come back; answers 5xx under load are
listed with the server log's line for their reference.
"""
import argparse
import collections
import datetime
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

PASSWORD = "Lvze@Demo2026"
UNITS = ["DEMO-T01", "DEMO-T02", "DEMO"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    """One keep-alive connection to the server; reconnects after a failure."""

    def __init__(self, port, token=None, timeout=30):
        self.port, self.token, self.timeout = port, token, timeout
        self.conn = None

    def call(self, method, path, body=None):
        """(status, parsed JSON or text). Raises OSError/HTTPException when there is no answer."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            raw = resp.read()
        except Exception:
            self.close()
            raise
        text = raw.decode("utf-8", errors="replace")
        try:
            return resp.status, json.loads(text) if text else None
        except ValueError:
            return resp.status, text

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
            self.conn = None


class Server:
    def __init__(self, binary, data, log_path, port):
        self.binary, self.data, self.log_path, self.port = binary, data, log_path, port
        self.proc = None

    def env(self):
        env = dict(os.environ)
        env.update(LVZE_DATA=self.data, LVZE_BCRYPT_COST="4")
        return env

    def start(self, *extra, limit=120):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--hostname", "127.0.0.1", "--port", str(self.port), *extra],
            env=self.env(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        started = time.monotonic()
        while time.monotonic() - started < limit:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited ({self.proc.returncode}) before answering /healthz; "
                                 f"its log: {self.log_path}\n" + tail(self.log_path))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                resp = conn.getresponse()
                ok = resp.status == 200 and resp.read().strip() == b"ok"
                conn.close()
                if ok:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the server did not answer /healthz with \"ok\" within {limit} s; "
                         f"its log: {self.log_path}\n" + tail(self.log_path))

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self, grace=15):
        """SIGTERM, SIGKILL after `grace` seconds; how it ended ("exit N" or "signal N")."""
        if self.proc is None:
            return "not started"
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return f"did not stop within {grace} s of SIGTERM: killed"
        rc = self.proc.returncode
        return f"signal {-rc}" if rc < 0 else f"exit {rc}"


def tail(path, n=40):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def login(port, username):
    status, body = Api(port).call("POST", "/api/v1/login", {"username": username, "password": PASSWORD})
    if status != 200 or not isinstance(body, dict) or "token" not in body:
        raise SystemExit(f"login as {username}: {status} {body}")
    return body["token"]


def record_body(kind, unit, marker, today):
    found = today.isoformat()
    deadline = (today + datetime.timedelta(days=30)).isoformat()
    if kind == "hazard":
        fields = {"source": "自查自纠", "found_on": found, "description": marker, "level": "一般隐患",
                  "deadline": deadline, "enterprise_name": "kill -9 测试企业"}
    else:
        fields = {"source": "自我查摆", "found_on": found, "description": marker, "deadline": deadline,
                  "system": "安全生产", "subject": "镇街"}
    return {"unit": unit, "fields": fields}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--writers", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "kill9"))
    args = ap.parse_args()

    wall = time.monotonic()
    os.makedirs(args.out, exist_ok=True)
    for name in ("server-1.log", "server-2.log", "acknowledged.json"):
        try:
            os.remove(os.path.join(args.out, name))
        except FileNotFoundError:
            pass
    data = tempfile.mkdtemp(prefix="lvze-kill9-data.")
    port = free_port()
    run = uuid.uuid4().hex[:8]
    today = datetime.date.today()
    server = Server(os.path.abspath(args.bin), data, os.path.join(args.out, "server-1.log"), port)
    print(f"== {server.binary} on http://127.0.0.1:{port} (data {data}), {args.writers} writers, "
          f"SIGKILL at {args.seconds:g} s, run {run} ==", flush=True)
    try:
        ready = server.start("--demo")
        print(f"   started in {ready:.1f} s", flush=True)
        token = login(port, "jingban")

        # --- the writers ---------------------------------------------------------------------
        stop = threading.Event()
        lock = threading.Lock()
        acked = []            # (kind, id, marker)
        patched = {}          # (kind, id) -> location value acknowledged by a 200
        statuses = collections.Counter()
        no_answer = collections.Counter()   # (method) -> count: in flight when the server died
        failures = []         # (method, path, body, status, answer): 5xx and other surprises

        def writer(w):
            api = Api(port, token, timeout=30)
            i = 0
            while not stop.is_set():
                kind = "hazard" if (w + i) % 2 == 0 else "rectification"
                marker = f"kill9-{run}-w{w:02d}-{i:05d}"
                body = record_body(kind, UNITS[(w + i) % len(UNITS)], marker, today)
                path = f"/api/v1/records/{kind}"
                i += 1
                try:
                    status, answer = api.call("POST", path, body)
                except Exception:
                    with lock:
                        no_answer["POST"] += 1
                    if stop.is_set():
                        break
                    time.sleep(0.05)
                    continue
                with lock:
                    statuses[f"POST {status}"] += 1
                if status != 201:
                    with lock:
                        failures.append(("POST", path, body, status, answer))
                    continue
                rid = answer.get("id") if isinstance(answer, dict) else None
                got = ((answer or {}).get("fields") or {}).get("description") if isinstance(answer, dict) else None
                if rid is None or got != marker:
                    with lock:
                        failures.append(("POST", path, body, status, f"201 without this record: {answer}"))
                    continue
                with lock:
                    acked.append((kind, rid, marker))
                if i % 4 == 0 and not stop.is_set():
                    location = marker + "-patched"
                    ppath = f"/api/v1/records/{kind}/{rid}"
                    pbody = {"version": answer.get("version", 1), "fields": {"location" if kind == "hazard" else "note": location}}
                    try:
                        status, answer = api.call("PATCH", ppath, pbody)
                    except Exception:
                        with lock:
                            no_answer["PATCH"] += 1
                        continue
                    with lock:
                        statuses[f"PATCH {status}"] += 1
                        if status == 200:
                            patched[(kind, rid)] = location
                        else:
                            failures.append(("PATCH", ppath, pbody, status, answer))
            api.close()

        threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(args.writers)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(max(0.0, args.seconds - (time.monotonic() - t0)))
        killed_at = time.monotonic() - t0
        server.kill9()
        stop.set()
        for t in threads:
            t.join(60)
        stuck = sum(t.is_alive() for t in threads)
        with lock:
            acked_now = list(acked)
            patched_now = dict(patched)
        print(f"   SIGKILL after {killed_at:.2f} s: {len(acked_now)} creates and {len(patched_now)} updates "
              f"acknowledged ({len(acked_now) / killed_at:.0f} creates/s); answers: "
              + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
              + "; no answer (in flight at the kill): " + (", ".join(f"{k}: {v}" for k, v in sorted(no_answer.items())) or "0")
              + (f"; {stuck} writers still stuck" if stuck else ""), flush=True)
        with open(os.path.join(args.out, "acknowledged.json"), "w", encoding="utf-8") as f:
            json.dump({"run": run, "created": acked_now, "patched": [[k, i, v] for (k, i), v in patched_now.items()]}, f)

        # --- restart on the same folder ----------------------------------------------------
        server.log_path = os.path.join(args.out, "server-2.log")
        restart = server.start()
        print(f"   restarted on the same data folder in {restart:.1f} s", flush=True)
        token2 = login(port, "jingban")

        missing = []          # (kind, id, marker, why)
        lost_updates = []
        queue = list(acked_now)
        qlock = threading.Lock()

        def checker():
            api = Api(port, token2)
            while True:
                with qlock:
                    if not queue:
                        break
                    kind, rid, marker = queue.pop()
                try:
                    status, answer = api.call("GET", f"/api/v1/records/{kind}/{rid}")
                except Exception as e:
                    with qlock:
                        missing.append((kind, rid, marker, f"no answer: {e!r}"))
                    continue
                if status == 404:
                    why = "404"
                elif status != 200 or not isinstance(answer, dict):
                    why = f"{status} {answer}"
                elif (answer.get("fields") or {}).get("description") != marker:
                    why = f"id {rid} now holds another record: {(answer.get('fields') or {}).get('description')!r}"
                else:
                    want = patched_now.get((kind, rid))
                    field = "location" if kind == "hazard" else "note"
                    if want is not None and (answer.get("fields") or {}).get(field) != want:
                        with qlock:
                            lost_updates.append((kind, rid, want, (answer.get("fields") or {}).get(field)))
                    continue
                with qlock:
                    missing.append((kind, rid, marker, why))
            api.close()

        checkers = [threading.Thread(target=checker, daemon=True) for _ in range(8)]
        for t in checkers:
            t.start()
        for t in checkers:
            t.join(300)

        # Every record of this run the list API finds (acknowledged or not), by marker.
        api = Api(port, token2)
        found = collections.Counter()
        for kind in ("hazard", "rectification"):
            after = None
            for _ in range(10000):
                q = urllib.parse.urlencode({"q": f"kill9-{run}", "limit": 1000, **({"after": after} if after else {})})
                status, answer = api.call("GET", f"/api/v1/records/{kind}?{q}")
                if status != 200:
                    print(f"   list {kind}: {status} {answer}")
                    break
                for item in answer.get("items", []):
                    marker = (item.get("fields") or {}).get("description")
                    if isinstance(marker, str) and marker.startswith(f"kill9-{run}-"):
                        found[marker] += 1
                if not answer.get("next") or not answer.get("items"):
                    break
                after = answer["items"][-1]["id"]
        api.close()
        acked_markers = {m for _, _, m in acked_now}
        unanswered_committed = len(set(found) - acked_markers)
        duplicates = sum(1 for c in found.values() if c > 1)

        stopped = server.stop()
        server.proc = None

        # --- the data folder ---------------------------------------------------------------
        db = sqlite3.connect(f"file:{os.path.join(data, 'lvze.sqlite')}?mode=ro", uri=True)
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        audited = {(t, int(i)) for t, i in db.execute(
            "SELECT object_type, object_id FROM audit_entries WHERE action = 'create' AND object_type IN ('hazard', 'rectification')")
            if str(i).isdigit()}
        db.close()
        unaudited = [(k, i) for k, i, _ in acked_now if (k, i) not in audited]

        env = dict(os.environ, LVZE_DATA=data, LVZE_BCRYPT_COST="4")
        verify = subprocess.run([server.binary, "audit", "verify"], env=env, capture_output=True, text=True, timeout=600)
        chain_ok = verify.returncode == 0

        # --- report ------------------------------------------------------------------------
        listed_acked = len(acked_markers & set(found))
        print(f"   read back by id: {len(acked_now) - len(missing)} of {len(acked_now)} acknowledged creates, "
              f"{len(patched_now) - len(lost_updates)} of {len(patched_now)} acknowledged updates; "
              f"the list API finds {len(found)} records of this run ({listed_acked} acknowledged, "
              f"{unanswered_committed} committed but never answered); {duplicates} markers stored twice")
        print(f"   server after the restart stopped by SIGTERM: {stopped}; sqlite integrity_check: {integrity}; "
              f"acknowledged creates without their audit entry: {len(unaudited)}")
        print(f"   audit verify (exit {verify.returncode}): " + (verify.stdout + verify.stderr).strip().replace("\n", "\n     "))
        for kind, rid, marker, why in missing[:20]:
            print(f"   MISSING {kind} {rid} {marker}: {why}")
        for kind, rid, want, got in lost_updates[:20]:
            print(f"   LOST UPDATE {kind} {rid}: acknowledged {want!r}, found {got!r}")
        for kind, rid in unaudited[:20]:
            print(f"   NO AUDIT ENTRY for acknowledged create {kind} {rid}")
        if failures:
            log1 = open(os.path.join(args.out, "server-1.log"), encoding="utf-8", errors="replace").read().splitlines()
            by = collections.Counter(f"{m} {s}" for m, _, _, s, _ in failures)
            print(f"   {len(failures)} answers other than 201/200 under load: " + ", ".join(f"{k}: {v}" for k, v in by.items()))
            shown = collections.Counter()
            for method, path, body, status, answer in failures:
                key = (method, status)
                shown[key] += 1
                if shown[key] > 3:
                    continue
                text = json.dumps(answer, ensure_ascii=False) if not isinstance(answer, str) else answer
                print(f"   {method} {path} {json.dumps(body, ensure_ascii=False)}\n     → {status} {text[:300]}")
                ref = re.search(r'"reference"\s*:\s*"([0-9a-zA-Z-]+)"', text)
                for line in (l for l in log1 if ref and f"reference={ref.group(1)}" in l):
                    print(f"     log: {line}")
        print(f"   wall time {time.monotonic() - wall:.0f} s; logs and the acknowledged ids in {args.out}")
        print(f"kill -9: {len(acked_now)} acknowledged, {len(missing)} missing, audit chain {'OK' if chain_ok else 'BROKEN'}")
        bad = missing or lost_updates or unaudited or not chain_ok or integrity != "ok"
        return 1 if bad else 0
    finally:
        if server.proc is not None and server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
        subprocess.run(["rm", "-rf", data])


if __name__ == "__main__":
    sys.exit(main())
