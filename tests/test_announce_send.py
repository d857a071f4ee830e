"""Issue 7: delivery — a local DingTalk robot and a local STARTTLS SMTP server on loopback."""
from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import ipaddress
import json
import re
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from salesplan.announce import DeliveryError, SecretsError, announce_plan
from salesplan.announce.core import output_names
from salesplan.cli import main

from test_announce import _pdf_text, require_soffice, second_config_text, seed_plan

TOKEN = "tok123"
SECRET = "SEC0123456789abcdef"


# --------------------------------------------------------------------------- local DingTalk robot


class Robot:
    """A DingTalk custom robot look-alike: checks token, signature and payload like DingTalk does."""

    def __init__(self):
        self.received: list[dict] = []
        self.rejected: list[str] = []
        self.mode = "ok"          # "ok" | "http403" | "slow"
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                parts = urllib.parse.urlsplit(self.path)
                q = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if robot.mode == "slow":
                    time.sleep(2)
                if robot.mode == "http403":
                    return self._answer(403, {"errcode": 403, "errmsg": "forbidden"})
                if parts.path != "/robot/send" or q.get("access_token") != TOKEN:
                    robot.rejected.append("token")
                    return self._answer(200, {"errcode": 300001, "errmsg": "token is not exist"})
                ts = q.get("timestamp", "0")
                expected = base64.b64encode(hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(),
                                                     hashlib.sha256).digest()).decode()
                if q.get("sign") != expected or abs(time.time() * 1000 - int(ts)) > 3600_000:
                    robot.rejected.append("sign")
                    return self._answer(200, {"errcode": 310000, "errmsg": "sign not match"})
                if not self.headers.get("Content-Type", "").startswith("application/json") or len(body) > 20000:
                    robot.rejected.append("payload")
                    return self._answer(200, {"errcode": 40035, "errmsg": "bad payload"})
                payload = json.loads(body.decode("utf-8"))
                if payload.get("msgtype") != "markdown" or not payload["markdown"].get("title") \
                        or not payload["markdown"].get("text"):
                    robot.rejected.append("payload")
                    return self._answer(200, {"errcode": 40035, "errmsg": "bad payload"})
                robot.received.append(payload)
                return self._answer(200, {"errcode": 0, "errmsg": "ok"})

            def _answer(self, status, obj):
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:     # the client gave up (timeout test)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot/send?access_token={TOKEN}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot():
    r = Robot()
    yield r
    r.close()


# --------------------------------------------------------------------------- local SMTP with STARTTLS


def make_ca_and_cert(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "salesplan test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_pem, cert_pem, key_pem = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return ca_pem, cert_pem, key_pem


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self, folder: Path):
        import ssl

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.ca, cert, key = make_ca_and_cert(folder)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(str(cert), str(key))
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[str] = []
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                box.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
                                     or envelope.content))
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == b"planner" and auth_data.password == b"s3cret"
            if ok:
                box.logins.append(auth_data.login.decode())
            return AuthResult(success=ok, handled=False)   # handled=False: aiosmtpd answers 535

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, tls_context=ctx,
                                     require_starttls=True, authenticator=authenticator, auth_require_tls=True)
        self.controller.start()

    def close(self):
        self.controller.stop()


@pytest.fixture
def mailbox(tmp_path):
    m = Mailbox(tmp_path)
    yield m
    m.close()


@pytest.fixture(autouse=True)
def _no_proxy_no_keyring(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for name in list(__import__("os").environ):
        if name.startswith("SALESPLAN_"):
            monkeypatch.delenv(name)


def env_for(robot: Robot | None, mailbox: Mailbox | None, **extra) -> dict[str, str]:
    env = {}
    if robot:
        env.update(SALESPLAN_DINGTALK_WEBHOOK=robot.url, SALESPLAN_DINGTALK_SECRET=SECRET)
    if mailbox:
        env.update(SALESPLAN_SMTP_HOST="127.0.0.1", SALESPLAN_SMTP_PORT=str(mailbox.port),
                   SALESPLAN_SMTP_USER="planner", SALESPLAN_SMTP_PASSWORD="s3cret",
                   SALESPLAN_SMTP_FROM="planner@example.com",
                   SALESPLAN_SMTP_TO="sales-team@example.com, directors@example.com",
                   SALESPLAN_SMTP_CAFILE=str(mailbox.ca), SALESPLAN_SMTP_TIMEOUT="10")
    env.update(extra)
    return env


def fake_workbook(folder: Path) -> Path:
    from openpyxl import Workbook
    wb = Workbook()
    wb.active["A1"] = "plan"
    path = folder / "PLAN-2026-12.xlsx"
    wb.save(path)
    return path


# --------------------------------------------------------------------------- tests


def test_send_to_both_channels_once(tmp_path, robot, mailbox):
    plan = seed_plan()
    wb = fake_workbook(tmp_path)
    env = env_for(robot, mailbox)
    result = announce_plan(plan, tmp_path / "out", send=True, workbook=wb, pdf=False, env=env, use_keyring=False)
    assert [(d.channel, d.status) for d in result.deliveries] == [("dingtalk", "sent"), ("email", "sent")]
    # DingTalk: exactly the payload written to the folder, signature verified by the robot
    assert robot.rejected == [] and len(robot.received) == 1
    written = json.loads((tmp_path / "out" / output_names("2026-12")["dingtalk_json"]).read_text("utf-8"))
    assert robot.received[0] == written
    assert "张明" in robot.received[0]["markdown"]["text"]
    # SMTP: over STARTTLS with login, to both recipients, with the workbook and .ics attached
    assert mailbox.logins == ["planner"]
    ((mail_from, rcpts, raw),) = mailbox.messages
    assert mail_from == "planner@example.com"
    assert rcpts == ["sales-team@example.com", "directors@example.com"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert "2026-12" in msg["Subject"]
    assert "¥1,050,000" in msg.get_body(("plain",)).get_content()
    assert "张明" in msg.get_body(("html",)).get_content()
    atts = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
    assert atts[wb.name] == wb.read_bytes()
    assert "BEGIN:VCALENDAR" in atts[output_names("2026-12")["ics"]]
    # ledger next to the workbook
    ledger = json.loads((tmp_path / "salesplan-sent.json").read_text("utf-8"))
    assert {(e["month"], e["channel"]) for e in ledger["sent"]} == {("2026-12", "dingtalk"), ("2026-12", "email")}
    assert TOKEN not in json.dumps(ledger)                                     # no secrets in the ledger

    # a retry of the same month sends nothing ...
    again = announce_plan(plan, tmp_path / "out2", send=True, workbook=wb, pdf=False, env=env, use_keyring=False)
    assert [d.status for d in again.deliveries] == ["skipped", "skipped"]
    assert len(robot.received) == 1 and len(mailbox.messages) == 1
    # ... unless forced
    forced = announce_plan(plan, tmp_path / "out", send=True, workbook=wb, pdf=False, env=env, use_keyring=False,
                           force=True, channels=("dingtalk",))
    assert [d.status for d in forced.deliveries] == ["sent"]
    assert len(robot.received) == 2 and len(mailbox.messages) == 1


def test_bad_signature_fails_and_is_not_recorded(tmp_path, robot, capsys, monkeypatch):
    env = env_for(robot, None, SALESPLAN_DINGTALK_SECRET="SECwrong")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    out = tmp_path / "out"
    code = main(["announce", "--month", "2026-12", "-o", str(out), "--send", "--only", "dingtalk", "--no-pdf",
                 "--ledger", str(tmp_path / "ledger.json")])
    err = capsys.readouterr().err
    assert code == 3
    assert "310000" in err and "sign not match" in err and "SALESPLAN_DINGTALK_SECRET" in err
    assert TOKEN not in err                                                    # the token is never printed
    assert robot.received == [] and robot.rejected == ["sign"]
    assert not (tmp_path / "ledger.json").exists()
    assert (out / output_names("2026-12")["markdown"]).exists()               # outputs were still written
    # the right secret then goes through on retry
    monkeypatch.setenv("SALESPLAN_DINGTALK_SECRET", SECRET)
    assert main(["announce", "--month", "2026-12", "-o", str(out), "--send", "--only", "dingtalk", "--no-pdf",
                 "--ledger", str(tmp_path / "ledger.json")]) == 0
    assert len(robot.received) == 1


@pytest.mark.parametrize("mode, timeout, words", [("http403", "5", "HTTP 403"), ("slow", "0.5", "did not answer")])
def test_http_errors_and_timeouts(tmp_path, robot, mode, timeout, words):
    robot.mode = mode
    env = env_for(robot, None, SALESPLAN_DINGTALK_TIMEOUT=timeout)
    with pytest.raises(DeliveryError) as info:
        announce_plan(seed_plan(), tmp_path, send=True, pdf=False, env=env, channels=("dingtalk",),
                      use_keyring=False)
    assert words in str(info.value) and info.value.channel == "dingtalk"
    assert [d.status for d in info.value.result.deliveries] == ["failed"]
    assert not (tmp_path / "salesplan-sent.json").exists()


def test_untrusted_certificate_is_refused(tmp_path, mailbox, robot):
    env = env_for(robot, mailbox)
    del env["SALESPLAN_SMTP_CAFILE"]
    with pytest.raises(DeliveryError) as info:
        announce_plan(seed_plan(), tmp_path, send=True, pdf=False, env=env, use_keyring=False)
    assert "not trusted" in str(info.value) and "SALESPLAN_SMTP_CAFILE" in str(info.value)
    assert mailbox.messages == [] and mailbox.logins == []
    # the other channel still went out, and only it is in the ledger: a retry sends only the e-mail
    statuses = {d.channel: d.status for d in info.value.result.deliveries}
    assert statuses == {"dingtalk": "sent", "email": "failed"}
    env["SALESPLAN_SMTP_CAFILE"] = str(mailbox.ca)
    result = announce_plan(seed_plan(), tmp_path, send=True, pdf=False, env=env, use_keyring=False)
    assert {d.channel: d.status for d in result.deliveries} == {"dingtalk": "skipped", "email": "sent"}
    assert len(robot.received) == 1 and len(mailbox.messages) == 1


def test_wrong_password_is_a_clear_error(tmp_path, mailbox):
    env = env_for(None, mailbox, SALESPLAN_SMTP_PASSWORD="nope")
    with pytest.raises(DeliveryError) as info:
        announce_plan(seed_plan(), tmp_path, send=True, pdf=False, env=env, channels=("email",), use_keyring=False)
    assert "refused the login" in str(info.value) and "nope" not in str(info.value)
    assert mailbox.messages == []


def test_missing_settings_fail_before_sending(tmp_path, robot):
    env = env_for(robot, None)   # no SMTP settings
    with pytest.raises(SecretsError) as info:
        announce_plan(seed_plan(), tmp_path, send=True, pdf=False, env=env, use_keyring=False)
    assert "SALESPLAN_SMTP_HOST" in str(info.value) and "SALESPLAN_SMTP_TO" in str(info.value)
    assert robot.received == []


# every table the loader reads, and the top level; [[regions]] and [[products]] are arrays of tables
_CONFIG_TABLES = ("", "[targets]", "[[products]]", "[[regions]]", "[[kpis]]", "[weights]", "[commission]", "[awards]",
                  "[risks]", "[strategy_b]", "[calendar]", "[coaching]", "[workbook]", "[deals]")


@pytest.mark.parametrize("table", _CONFIG_TABLES, ids=lambda t: t.strip("[]") or "top")
@pytest.mark.parametrize("key", ["smtp_password", "SALESPLAN_SMTP_PASSWORD", "dingtalk_secret"])
def test_secrets_never_come_from_the_config_file(table, key):
    """A delivery secret typed anywhere in the plan configuration is refused with an error naming
    the key — never read, never silently kept (secrets come from the environment or the keyring)."""
    from salesplan.config.loader import parse_config
    from salesplan.errors import ConfigError
    text = second_config_text()
    line = f'{key} = "hunter2-{key}"\n'
    if table:
        assert text.count(f"\n{table}") >= 1 or table == "[deals]", table
        if f"\n{table}" in text:                       # inside the table the file already has
            text = re.sub(rf"^{re.escape(table)}[^\n]*\n", lambda m: m.group(0) + line, text, count=1, flags=re.M)
        else:
            text += f"\n{table}\n{line}"
    else:
        text = line + text
    with pytest.raises(ConfigError) as info:
        parse_config(text, month="2027-01")
    (problem,) = info.value.problems
    assert problem.code == "unknown-key" and problem.where.endswith(key), problem
    # the same text without the secret line is a valid plan: the key alone was refused
    assert parse_config(text.replace(line, ""), month="2027-01").month


def test_a_secret_in_the_deals_column_map_is_refused_at_import():
    """[deals.columns] maps CRM headers (its field names are checked where deals are read): a secret there is
    an unknown field, refused with the key named."""
    from salesplan.config.loader import parse_config
    from salesplan.deals.columns import ColumnMap
    from salesplan.errors import ConfigError
    cfg = parse_config(second_config_text() + '\n[deals.columns]\nsmtp_password = "hunter2"\n', month="2027-01")
    with pytest.raises(ConfigError) as info:
        ColumnMap.from_config(cfg.deal_columns)
    assert [(p.where, p.code) for p in info.value.problems] == [("[deals.columns].smtp_password", "unknown_field")]


def test_missing_password_fails_before_any_login(tmp_path, mailbox):
    """A login without its password (not in the environment, no keyring) is refused before connecting."""
    env = env_for(None, mailbox)
    del env["SALESPLAN_SMTP_PASSWORD"]
    with pytest.raises(SecretsError) as info:
        announce_plan(seed_plan(), tmp_path, send=True, pdf=False, env=env, channels=("email",), use_keyring=False)
    assert "SALESPLAN_SMTP_PASSWORD" in str(info.value)
    assert mailbox.logins == [] and mailbox.messages == []


@pytest.mark.libreoffice
def test_cli_end_to_end_second_config_with_pdf(tmp_path, robot, mailbox, monkeypatch, capsys):
    require_soffice()
    cfg = tmp_path / "team2.toml"
    cfg.write_text(second_config_text(), encoding="utf-8")
    wb = fake_workbook(tmp_path)
    for k, v in env_for(robot, mailbox).items():
        monkeypatch.setenv(k, v)
    out = tmp_path / "announce"
    code = main(["announce", str(wb), "--config", str(cfg), "-o", str(out), "--send"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    names = output_names("2027-01")
    pdf = out / names["pdf"]
    pages, text = _pdf_text(pdf)
    assert 1 <= pages <= 4
    for manager in ("陈静", "周杰", "吴磊", "孙丽"):
        assert manager in text
    for amount in ("¥1,000,000", "¥870,000", "¥550,000", "¥580,000", "¥3,000,000"):
        assert amount in text
    assert "产品D" in text and "大客户保号预案" in text
    # delivered: DingTalk message and an e-mail carrying the PDF and the workbook
    assert len(robot.received) == 1 and "陈静" in robot.received[0]["markdown"]["text"]
    ((_, _, raw),) = mailbox.messages
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    atts = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
    assert atts[names["pdf"]] == pdf.read_bytes()
    assert atts[wb.name] == wb.read_bytes()
    # running the scheduled job again is harmless
    assert main(["announce", str(wb), "--config", str(cfg), "-o", str(out), "--send", "--no-pdf"]) == 0
    assert "skipped" in capsys.readouterr().out
    assert len(robot.received) == 1 and len(mailbox.messages) == 1
