"""Reads the NDJSON event streams of one or more `schemathesis run`s (bench/schemathesis.sh) and
prints what the run found, for people:

  - every answer with status 5xx (and every request that got no answer at all), with the request
    to reproduce it (method, URL, body), the answer's body and the server log lines with the
    answer's `reference=`;
  - every other check that failed, grouped by check and what it said, with the operations it
    failed on and one request to reproduce each;
  - the last line: "schemathesis: N operations, M cases, K server errors".

Exit status: 1 when there is a server error or a request without an answer, else 0. The other
checks never change the exit status: they are listed so that they can be looked at.

    python3 bench/schemathesis_summary.py [--log SERVER_LOG] [--full DETAILS.txt] RUN.ndjson [...]
"""
import argparse
import base64
import collections
import contextlib
import json
import re
import sys


def decode(blob):
    """A recorded body: {"$base64": ...} or a string; shown as text (cut at 600 characters)."""
    if blob is None:
        return None
    if isinstance(blob, dict) and "$base64" in blob:
        raw = base64.b64decode(blob["$base64"])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = repr(raw)
    else:
        text = blob if isinstance(blob, str) else json.dumps(blob, ensure_ascii=False)
    return text if len(text) <= 600 else text[:600] + f"… ({len(text)} characters)"


def reference_of(text):
    if not text:
        return None
    m = re.search(r'"reference"\s*:\s*"([0-9a-zA-Z-]+)"', text)
    return m.group(1) if m else None


def group_key(message, interaction):
    """Failures that differ only in numbers, ids, names or quoted values are one group: the
    check's message without its 'Expected' line, plus the answer's status and message."""
    lines = [l for l in message.splitlines() if l.strip() and not l.startswith("Expected:")]
    text = " | ".join(lines)
    resp = (interaction or {}).get("response") or {}
    answer = decode(resp.get("content")) or ""
    m = re.search(r'"message"\s*:\s*"([^"]*)"', answer)
    text += f" || {resp.get('status_code')} {m.group(1) if m else ''}"
    text = re.sub(r"「[^」]*」|«[^»]*»|`[^`]*`|'[^']*'", "…", text)
    text = re.sub(r"\d+", "N", text)
    return text[:300]


def error_message(resp):
    """The "message" of an error answer ({"error": {"message": ...}}), or None."""
    try:
        return json.loads(decode(resp.get("content")) or "")["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return None


def generalise(text):
    """The same reason for any field, value or number: «…», 「…」, N (U+0000 stays)."""
    text = re.sub(r"「[^」]*」", "「…」", text)
    text = re.sub(r"«[^»]*»", "«…»", text)
    return re.sub(r"(?<!U\+)(?<!\d)\d+", "N", text)


def shell_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def reproduce(request):
    """A curl command for a recorded request; the token stays a placeholder."""
    method = request.get("method", "GET")
    parts = ["curl -sS -i -X", method, "-H", shell_quote('Authorization: Bearer $TOKEN')]
    for name, values in (request.get("headers") or {}).items():
        if name.lower() in ("authorization", "user-agent", "accept-encoding", "accept", "connection",
                            "content-length", "x-schemathesis-testcaseid"):
            continue
        for v in values if isinstance(values, list) else [values]:
            parts += ["-H", shell_quote(f"{name}: {v}")]
    body = request.get("body")
    if body is not None:
        raw = base64.b64decode(body["$base64"]) if isinstance(body, dict) and "$base64" in body else str(body).encode()
        try:
            parts += ["--data-binary", shell_quote(raw.decode("utf-8"))]
        except UnicodeDecodeError:
            parts += ["--data-binary", "@<(printf %s " + shell_quote(raw.hex()) + " | xxd -r -p)"]
    parts.append(shell_quote(request.get("uri", "?")))
    return " ".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", help="the server's log, searched for each reference")
    ap.add_argument("--full", help="write the other checks' failures with requests to reproduce them here")
    ap.add_argument("ndjson", nargs="+")
    args = ap.parse_args()

    log_lines = []
    if args.log:
        with open(args.log, encoding="utf-8", errors="replace") as f:
            log_lines = f.readlines()

    def log_for(ref):
        return [line.rstrip() for line in log_lines if ref and f"reference={ref}" in line]

    operations = set()
    cases = 0
    statuses = collections.Counter()
    server_errors = []            # (label, interaction)
    no_answer = []                # (label, interaction or case, error text)
    other = collections.OrderedDict()   # (code, title, message head) -> {operation: example}
    errors = []
    probes = []                   # schemathesis' capability probes that got no answer

    for path in args.ndjson:
        with open(path, encoding="utf-8") as f:
            for line in f:
                event = json.loads(line)
                phase = event.get("PhaseFinished")
                if phase and phase.get("phase", {}).get("name") == "probing":
                    for probe in ((phase.get("payload") or {}).get("probes") or []):
                        if probe.get("error"):
                            req = probe.get("request") or {}
                            seen = (f"{probe['probe']['name']}: {req.get('method')} {req.get('url')} → "
                                    f"{probe['error'].get('type')}: {probe['error'].get('message')}")
                            probes.append(re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", seen))
                finished = event.get("ScenarioFinished") or event.get("FuzzScenarioFinished")
                if finished:
                    rec = finished.get("recorder") or {}
                    label = rec.get("label") or "fuzzing sequence"
                    if rec.get("cases"):
                        if not label.startswith("Stateful"):
                            operations.add(label)
                    cases += len(rec.get("cases") or {})
                    interactions = rec.get("interactions") or {}
                    for cid, it in interactions.items():
                        resp = it.get("response")
                        if resp is None:
                            no_answer.append((label, it, "no response recorded"))
                            continue
                        statuses[resp.get("status_code")] += 1
                        if resp.get("status_code", 0) >= 500:
                            server_errors.append((label, it))
                    for cid, checks in (rec.get("checks") or {}).items():
                        for check in checks:
                            if check.get("status") == "success":
                                continue
                            failure = ((check.get("failure_info") or {}).get("failure")) or {}
                            if check.get("name") == "not_a_server_error":
                                continue  # counted from the answers above
                            message = (failure.get("message") or "").strip()
                            it = interactions.get(cid)
                            key = (failure.get("code", "?"), failure.get("title", check.get("name")),
                                   group_key(message, it))
                            ops = other.setdefault(key, collections.OrderedDict())
                            op = failure.get("operation") or label
                            if op not in ops:
                                ops[op] = (message, it)
                for kind in ("NonFatalError", "FatalError"):
                    err = event.get(kind)
                    if err:
                        info = err.get("info") or err.get("value") or err
                        errors.append((err.get("label", kind), json.dumps(info, ensure_ascii=False)[:800]))

    print(f"answers by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))))

    if server_errors:
        # Grouped by status, method and the error the server logged; one example of each here,
        # every one of them in the --full file.
        groups = collections.OrderedDict()
        for label, it in server_errors:
            ref = reference_of(decode(it["response"].get("content")))
            logged = next((m.group(1) for line in log_for(ref) if (m := re.search(r" error=(.*?) reference=", line))), "?")
            key = (it["response"]["status_code"], it["request"].get("method"), logged)
            groups.setdefault(key, []).append((label, it))
        print(f"\n== {len(server_errors)} server errors (5xx) ==")
        for (status, method, logged), items in groups.items():
            labels = sorted({label for label, _ in items})
            print(f"\n{len(items)} × {status} on {method}, logged as «{logged}» — {len(labels)} operation(s): "
                  + ", ".join(labels[:6]) + (" …" if len(labels) > 6 else ""))
            print_server_error(*items[0], log_for)
        if args.full:
            with open(args.full, "w", encoding="utf-8") as f, contextlib.redirect_stdout(f):
                print(f"== every server error (5xx) ==")
                for label, it in server_errors:
                    print_server_error(label, it, log_for)
                print()
    if no_answer:
        print(f"\n== {len(no_answer)} requests without an answer ==")
        for label, it, why in no_answer:
            req = it.get("request") or {}
            print(f"  {label}: {why}; {req.get('method')} {req.get('uri')}  body={decode(req.get('body'))}")
            print(f"  repro:   {reproduce(req)}")
    if errors:
        print(f"\n== {len(errors)} schemathesis errors (not failures of the API) ==")
        for label, text in errors:
            print(f"  {label}: {text}")

    if probes:
        print(f"\n== capability probes without an answer (before the tests; not counted) ==")
        for text in dict.fromkeys(probes):
            print(f"  {text}")

    if other:
        # One line per check and reason: for a refused schema-valid request, each of the reasons
        # the answer gave (names and values left out); for the others, what the check said.
        brief = collections.OrderedDict()
        for (code, title, _), ops in other.items():
            for op, (message, it) in ops.items():
                resp = (it or {}).get("response") or {}
                status = resp.get("status_code")
                if code == "ST103" and (status or 0) >= 500:
                    continue  # a server error, listed above
                said = error_message(resp)
                if code == "ST202" and said:
                    reasons = [f"{status} {generalise(part)}" for part in said.split("；")]
                else:
                    lines = [l.strip(" -") for l in message.splitlines()
                             if l.strip() and not l.startswith(("Expected:", "Invalid data", "Valid data", "Return 405"))]
                    text = " ".join(lines)[:160]
                    reasons = [text + f" → {status}"]
                for reason in reasons:
                    brief.setdefault((code, title, reason), set()).add(op)
        print(f"\n== other checks that failed (listed, not counted as failures of this script) ==")
        for (code, title, reason), ops in sorted(brief.items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
            print(f"  {code} {title}: {reason}  [{len(ops)} operation(s), e.g. {sorted(ops)[0]}]")
    if other and args.full:
        with open(args.full, "a", encoding="utf-8") as f, contextlib.redirect_stdout(f):
            print_details(other)
        print(f"  (each with requests to reproduce it: {args.full})")
    elif other:
        print_details(other)

    total_errors = len(server_errors)
    print(f"\nschemathesis: {len(operations)} operations, {cases} cases, {total_errors} server errors"
          + (f", {len(no_answer)} requests without an answer" if no_answer else ""))
    return 1 if total_errors or no_answer else 0


def print_server_error(label, it, log_for):
    req, resp = it["request"], it["response"]
    body = decode(resp.get("content"))
    print(f"[{resp['status_code']}] {label}")
    print(f"  request: {req.get('method')} {req.get('uri')}")
    if req.get("body") is not None:
        print(f"  body:    {decode(req.get('body'))}")
    print(f"  answer:  {body}")
    print(f"  repro:   {reproduce(req)}")
    for line in log_for(reference_of(body)):
        print(f"  log:     {line}")


def print_details(other):
    if other:
        print(f"== other checks that failed, grouped, with up to three requests to reproduce each ==")
        for (code, title, _), ops in other.items():
            first_message, _ = next(iter(ops.values()))
            print(f"\n{code} {title} — on {len(ops)} operation(s)")
            print("  " + "\n  ".join(first_message.splitlines()[:6]))
            for n, (op, (message, it)) in enumerate(ops.items()):
                if n >= 3:
                    print(f"  … and {len(ops) - 3} more: " + ", ".join(list(ops)[3:12]) + (" …" if len(ops) > 12 else ""))
                    break
                print(f"  - {op}")
                if it and it.get("request"):
                    req, resp = it["request"], it.get("response") or {}
                    answer = decode(resp.get("content"))
                    print(f"    {req.get('method')} {req.get('uri')}" + (f"  body={decode(req.get('body'))}" if req.get("body") is not None else ""))
                    print(f"    → {resp.get('status_code')} {answer}")


if __name__ == "__main__":
    sys.exit(main())
