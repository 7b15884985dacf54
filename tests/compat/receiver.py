"""A real HTTP receiver of DingTalk event callbacks, decrypting with dingtalk-sdk's own crypto
(`dingtalk.crypto.DingTalkCrypto`, an implementation independent of Tack's) and answering
with the encrypted "success" as DingTalk requires."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Receiver:
    def __init__(self, token: str, aes_key: str) -> None:
        self.token, self.aes_key = token, aes_key
        self.app_key = ""  # set once the app exists: DingTalk's suffix for an app's callbacks
        self.events: list[dict[str, Any]] = []
        self.bad_requests: list[str] = []
        self.down = False  # answer 503 (receiver down) while set
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                from dingtalk.crypto import DingTalkCrypto

                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if receiver.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                q = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                crypto = DingTalkCrypto(receiver.token, receiver.aes_key, receiver.app_key)
                try:
                    plain = crypto.decrypt_message(body, q["msg_signature"], q["timestamp"], q["nonce"])
                except Exception as exc:  # recorded: the test asserts there are none
                    receiver.bad_requests.append(f"{type(exc).__name__}: {exc}")
                    self.send_response(400)
                    self.end_headers()
                    return
                receiver.events.append(json.loads(plain))
                answer = json.dumps(crypto.encrypt_message("success")).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dingtalk/callback"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def types(self) -> list[str]:
        return [e["EventType"] for e in self.events]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
