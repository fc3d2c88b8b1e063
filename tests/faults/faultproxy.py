#!/usr/bin/env python3
"""faultproxy: a loopback HTTP/1.1 proxy that injects faults between keyward
and a real peer (keyward server, moto_server, a Vault double).

Python standard library only. Loopback only: it refuses to listen on or
forward to anything but 127.0.0.1 / ::1 / localhost.

    faultproxy.py --upstream 127.0.0.1:4566 [--listen-port 0]
                  [--control-port 0] [--control-file PATH] [--ready-file PATH]

On start it prints one line "faultproxy PROXY_PORT CONTROL_PORT" to stdout
(and writes it to --ready-file when given). keyward talks to PROXY_PORT as if
it were the peer.

Faults are switched at run time, either through the control endpoint
(127.0.0.1:CONTROL_PORT):

    POST /mode   {"mode": "reset_mid_response", "count": 1, "op": "PutSecretValue"}
    GET  /mode   -> the current fault
    GET  /stats  -> {"requests": n, "forwarded": n, "faulted": n, "by_op": {...}}
    POST /stats/reset

or through --control-file: a file holding the same JSON as POST /mode,
re-read whenever its modification time changes (one line per change is fine).

A fault is {"mode": NAME, ...parameters}. Optional for every mode:
  "count": N   apply to the next N matching requests, then back to "pass"
  "op": NAME   only requests whose X-Amz-Target ends with ".NAME", or whose
               method and path start with NAME ("POST /v1/secret/data") for
               non-AWS peers (others pass)
  "after": N   let the first N matching requests pass, then apply

Modes:
  pass                       forward unchanged
  latency          ms        wait ms, then forward
  refuse                     close the listening socket (new connections get
                             ECONNREFUSED) and drop open connections; the port
                             is re-bound when the mode changes
  reset_before_response      forward (the peer commits), then RST without a byte
  reset_mid_response         forward, send the status line, headers and half
                             the body, then RST
  truncate                   forward, send the full Content-Length header but
                             half the body, then FIN
  drip             bytes, ms forward, send the response `bytes` at a time with
                             `ms` between chunks (default 1 byte / 50 ms)
  status           code      answer `code` (500, 503, ...) with an AWS JSON
                             error body, without forwarding
  throttle                   answer 400 ThrottlingException without forwarding
  expired_token              answer 400 ExpiredTokenException without forwarding
  skew             seconds   pretend the peer's clock is `seconds` ahead:
                             requests whose X-Amz-Date is more than 5 minutes
                             off get 400 InvalidSignatureException "Signature
                             expired" with the skewed Date header (what AWS
                             does); others are forwarded and their Date header
                             rewritten to the skewed time
  blackhole                  accept, read the request, never answer
"""

import argparse
import email.utils
import json
import os
import socket
import struct
import sys
import threading
import time

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.fault = {"mode": "pass"}
        self.stats = {"requests": 0, "forwarded": 0, "faulted": 0, "by_op": {},
                      "by_mode": {}}
        self.changed = threading.Condition(self.lock)
        self.listening = True  # the proxy port accepts connections

    def wait_listening(self, timeout=10.0):
        """Blocks until the listener matches the fault (closed in "refuse",
        open otherwise), so a control call returns only once it took effect."""
        deadline = time.time() + timeout
        with self.lock:
            while self.listening != (self.fault["mode"] != "refuse"):
                left = deadline - time.time()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True

    def set_listening(self, value):
        with self.lock:
            self.listening = value
            self.changed.notify_all()

    def set_fault(self, fault):
        if not isinstance(fault, dict) or "mode" not in fault:
            raise ValueError("a fault is a JSON object with a \"mode\"")
        if fault["mode"] not in MODES:
            raise ValueError("unknown mode %r" % fault["mode"])
        with self.lock:
            self.fault = dict(fault)
            self.changed.notify_all()

    def take(self, op):
        """The fault for one request (consumes one of its `count`)."""
        with self.lock:
            self.stats["requests"] += 1
            self.stats["by_op"][op] = self.stats["by_op"].get(op, 0) + 1
            f = self.fault
            if f["mode"] == "pass":
                return f
            want = f.get("op")
            if want and not (op == want or
                             (" " in want and op.startswith(want))):
                return {"mode": "pass"}
            if f.get("after", 0) > 0:
                f["after"] -= 1
                return {"mode": "pass"}
            if "count" in f:
                if f["count"] <= 0:
                    self.fault = {"mode": "pass"}
                    return self.fault
                f["count"] -= 1
                if f["count"] == 0:
                    self.fault = {"mode": "pass"}
            self.stats["faulted"] += 1
            m = f["mode"]
            self.stats["by_mode"][m] = self.stats["by_mode"].get(m, 0) + 1
            return dict(f)

    def forwarded(self):
        with self.lock:
            self.stats["forwarded"] += 1


def read_request(conn, buf):
    """Reads one HTTP/1.1 request: (head bytes, body bytes, rest) or None."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    headers = parse_headers(head)
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body, rest = read_chunked(conn, rest)
    else:
        length = int(headers.get("content-length", "0") or 0)
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            rest += chunk
        body, rest = rest[:length], rest[length:]
    return head, body, rest


def read_chunked(conn, buf):
    body = b""
    while True:
        while b"\r\n" not in buf:
            buf += conn.recv(65536)
        line, _, buf = buf.partition(b"\r\n")
        size = int(line.split(b";")[0], 16)
        while len(buf) < size + 2:
            buf += conn.recv(65536)
        body += buf[:size]
        buf = buf[size + 2:]
        if size == 0:
            return body, buf


def parse_headers(head):
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    return headers


def operation(head, headers):
    target = headers.get("x-amz-target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    # Non-AWS peers (Vault): "METHOD /path" without the query.
    parts = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
    return " ".join(parts[:2]).split("?", 1)[0] if len(parts) >= 2 else "-"


def forward(upstream, head, body):
    """Sends one request upstream (its own connection); returns the raw
    response as (status line + headers, body) with the body de-chunked."""
    lines = head.split(b"\r\n")
    out = [lines[0]]
    for line in lines[1:]:
        name = line.split(b":", 1)[0].strip().lower()
        if name in (b"connection", b"transfer-encoding", b"content-length",
                    b"expect"):
            continue
        out.append(line)
    out.append(b"Content-Length: " + str(len(body)).encode())
    out.append(b"Connection: close")
    s = socket.create_connection(upstream, timeout=120)
    try:
        s.sendall(b"\r\n".join(out) + b"\r\n\r\n" + body)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    rhead, _, rbody = data.partition(b"\r\n\r\n")
    rheaders = parse_headers(rhead)
    if rheaders.get("transfer-encoding", "").lower() == "chunked":
        rbody = dechunk(rbody)
    return rhead, rbody


def dechunk(data):
    body = b""
    while data:
        line, _, data = data.partition(b"\r\n")
        size = int(line.split(b";")[0], 16)
        if size == 0:
            break
        body += data[:size]
        data = data[size + 2:]
    return body


def response_bytes(rhead, rbody, date=None):
    lines = rhead.split(b"\r\n")
    out = [lines[0]]
    for line in lines[1:]:
        name = line.split(b":", 1)[0].strip().lower()
        if name in (b"connection", b"transfer-encoding", b"content-length"):
            continue
        if date is not None and name == b"date":
            continue
        out.append(line)
    if date is not None:
        out.append(b"Date: " + date.encode())
    out.append(b"Content-Length: " + str(len(rbody)).encode())
    out.append(b"Connection: keep-alive")
    return b"\r\n".join(out) + b"\r\n\r\n", rbody


def aws_error(code, error_type, message, date=None):
    body = json.dumps({"__type": error_type, "message": message}).encode()
    reason = {400: "Bad Request", 500: "Internal Server Error",
              503: "Service Unavailable", 502: "Bad Gateway",
              504: "Gateway Timeout"}.get(code, "Error")
    head = ("HTTP/1.1 %d %s\r\nContent-Type: application/x-amz-json-1.1\r\n"
            "x-amzn-RequestId: faultproxy\r\nDate: %s" %
            (code, reason, date or email.utils.formatdate(usegmt=True)))
    return head.encode(), body


def send(conn, head, body):
    conn.sendall(head + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def rst_close(conn):
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
    except OSError:
        pass
    conn.close()


def amz_date_epoch(value):
    try:
        return time.mktime(time.strptime(value, "%Y%m%dT%H%M%SZ")) - time.timezone
    except (ValueError, OverflowError):
        return None


class Proxy:
    def __init__(self, args, state):
        self.state = state
        self.upstream = parse_hostport(args.upstream)
        self.port = args.listen_port
        self.listener = None
        self.listener_lock = threading.Lock()
        self.conns = set()
        self.bind()
        self.port = self.listener.getsockname()[1]

    def bind(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(128)
        self.listener = s

    def serve(self):
        while True:
            with self.state.lock:
                refusing = self.state.fault["mode"] == "refuse"
            if refusing:
                self.close_listener()
                self.state.set_listening(False)
                with self.state.lock:
                    while self.state.fault["mode"] == "refuse":
                        self.state.changed.wait()
                while True:
                    try:
                        self.bind()
                        break
                    except OSError:
                        time.sleep(0.05)
                self.state.set_listening(True)
            try:
                self.listener.settimeout(0.1)
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                continue
            conn.settimeout(None)
            with self.listener_lock:
                self.conns.add(conn)
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def close_listener(self):
        try:
            self.listener.close()
        except OSError:
            pass
        with self.listener_lock:
            conns, self.conns = self.conns, set()
        for c in conns:
            rst_close(c)

    def handle(self, conn):
        buf = b""
        try:
            while True:
                req = read_request(conn, buf)
                if req is None:
                    break
                head, body, buf = req
                if not self.one(conn, head, body):
                    return
        except (OSError, ValueError):
            pass
        finally:
            with self.listener_lock:
                self.conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def one(self, conn, head, body):
        """Handles one request; False when the connection must end."""
        headers = parse_headers(head)
        fault = self.state.take(operation(head, headers))
        mode = fault["mode"]
        if mode == "refuse":
            rst_close(conn)
            return False
        if mode == "blackhole":
            # Never answer: hold the connection until the client gives up.
            try:
                while conn.recv(65536):
                    pass
            except OSError:
                pass
            return False
        if mode == "status":
            code = int(fault.get("code", 500))
            kind = "ServiceUnavailable" if code == 503 else "InternalFailure"
            send(conn, *aws_error(code, kind, "injected HTTP %d" % code))
            return True
        if mode == "throttle":
            send(conn, *aws_error(400, "ThrottlingException", "Rate exceeded"))
            return True
        if mode == "expired_token":
            send(conn, *aws_error(
                400, "ExpiredTokenException",
                "The security token included in the request is expired"))
            return True
        skewed_date = None
        if mode == "skew":
            skew = float(fault.get("seconds", 900))
            now = time.time() + skew
            skewed_date = email.utils.formatdate(now, usegmt=True)
            sent = amz_date_epoch(headers.get("x-amz-date", ""))
            if sent is not None and abs(sent - now) > 300:
                h, b = aws_error(
                    400, "InvalidSignatureException",
                    "Signature expired: %s is now earlier than %s (%s - 5 min.)"
                    % (headers.get("x-amz-date"),
                       time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now - 300)),
                       time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))),
                    date=skewed_date)
                send(conn, h, b)
                return True
        if mode == "latency":
            time.sleep(float(fault.get("ms", 1000)) / 1000.0)
        rhead, rbody = forward(self.upstream, head, body)
        self.state.forwarded()
        h, b = response_bytes(rhead, rbody, date=skewed_date)
        if mode == "reset_before_response":
            rst_close(conn)
            return False
        if mode == "reset_mid_response":
            conn.sendall(h + b[: len(b) // 2])
            rst_close(conn)
            return False
        if mode == "truncate":
            conn.sendall(h + b[: len(b) // 2])
            conn.shutdown(socket.SHUT_WR)
            return False
        if mode == "drip":
            step = max(1, int(fault.get("bytes", 1)))
            pause = float(fault.get("ms", 50)) / 1000.0
            data = h + b
            for i in range(0, len(data), step):
                conn.sendall(data[i:i + step])
                time.sleep(pause)
            return True
        conn.sendall(h + b)
        return True


MODES = {"pass", "latency", "refuse", "reset_before_response",
         "reset_mid_response", "truncate", "drip", "status", "throttle",
         "expired_token", "skew", "blackhole"}


def parse_hostport(text):
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if host not in LOOPBACK:
        raise SystemExit("faultproxy: upstream must be on loopback, not %r" % host)
    return (host, int(port))


def control_server(state, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)

    def serve_one(conn):
        try:
            req = read_request(conn, b"")
            if req is None:
                return
            head, body, _ = req
            method, path = head.split(b"\r\n")[0].decode().split(" ")[:2]
            code, out = 200, None
            try:
                if method == "POST" and path == "/mode":
                    state.set_fault(json.loads(body or b"{}"))
                    out = {"ok": state.wait_listening()}
                elif path == "/mode":
                    with state.lock:
                        out = dict(state.fault)
                elif method == "POST" and path == "/stats/reset":
                    with state.lock:
                        for k in ("requests", "forwarded", "faulted"):
                            state.stats[k] = 0
                        state.stats["by_op"] = {}
                        state.stats["by_mode"] = {}
                    out = {"ok": True}
                elif path == "/stats":
                    with state.lock:
                        out = json.loads(json.dumps(state.stats))
                else:
                    code, out = 404, {"error": "unknown path"}
            except ValueError as e:
                code, out = 400, {"error": str(e)}
            data = json.dumps(out).encode()
            conn.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n"
                         % (code, len(data)) + data)
        except OSError:
            pass
        finally:
            conn.close()

    def loop():
        while True:
            conn, _ = s.accept()
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return s.getsockname()[1]


def watch_control_file(state, path):
    last = None
    while True:
        try:
            st = os.stat(path)
            key = (st.st_mtime_ns, st.st_size)
            if key != last:
                last = key
                with open(path, encoding="utf-8") as f:
                    text = f.read().strip()
                if text:
                    try:
                        state.set_fault(json.loads(text.splitlines()[-1]))
                    except ValueError as e:
                        print("faultproxy: control file: %s" % e, file=sys.stderr)
        except OSError:
            pass
        time.sleep(0.05)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--upstream", required=True, help="127.0.0.1:PORT of the peer")
    p.add_argument("--listen-port", type=int, default=0)
    p.add_argument("--control-port", type=int, default=0)
    p.add_argument("--control-file")
    p.add_argument("--ready-file")
    p.add_argument("--mode", default="pass", help="initial fault as JSON or a mode name")
    args = p.parse_args()
    state = State()
    if args.mode != "pass":
        state.set_fault(json.loads(args.mode) if args.mode.startswith("{")
                        else {"mode": args.mode})
    proxy = Proxy(args, state)
    control_port = control_server(state, args.control_port)
    if args.control_file:
        threading.Thread(target=watch_control_file,
                         args=(state, args.control_file), daemon=True).start()
    line = "faultproxy %d %d" % (proxy.port, control_port)
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(line + "\n")
        os.replace(tmp, args.ready_file)
    print(line, flush=True)
    try:
        proxy.serve()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
