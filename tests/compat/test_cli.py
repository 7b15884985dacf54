"""`tack demo --json` prints a working app; `tack app create --json` scripts a new one."""

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tack.main import create_app
from tack.settings import Settings

TACK = [sys.executable, "-m", "tack.cli"]


def _tack(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TACK_DATA_DIR": str(data_dir)}
    env.pop("TACK_DATABASE_URL", None)
    return subprocess.run([*TACK, *args, "--data-dir", str(data_dir)], env=env, capture_output=True, text=True, timeout=300)


async def test_demo_and_app_create_print_usable_credentials(tmp_path: Path) -> None:
    demo = json.loads(_tack("demo", "--json", data_dir=tmp_path).stdout)
    again = json.loads(_tack("demo", "--json", data_dir=tmp_path).stdout)
    assert demo["app"]["app_key"].startswith("ding") and demo["app"] == again["app"]  # created once

    created = _tack("app", "create", "--org", str(demo["org_id"]), "--name", "HR 同步", "--scope", "contact.read",
                    "--ip", "127.0.0.1", "--json", data_dir=tmp_path)
    assert created.returncode == 0, created.stderr
    app = json.loads(created.stdout)
    assert app["scopes"] == ["contact.read"] and app["ip_allowlist"] == ["127.0.0.1/32"] and app["app_secret"]

    bad = _tack("app", "create", "--org", str(demo["org_id"]), "--name", "x", "--scope", "nope", data_dir=tmp_path)
    assert bad.returncode == 2 and "app_unknown_scope" in bad.stderr
    missing = _tack("app", "create", "--org", "999999", "--name", "x", data_dir=tmp_path)
    assert missing.returncode == 2 and "org_not_found" in missing.stderr

    application = create_app(Settings(data_dir=tmp_path))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as client:
            for credentials in (demo["app"], app):
                r = await client.get("/gettoken", params={"appkey": credentials["app_key"], "appsecret": credentials["app_secret"]})
                token = r.json()["access_token"]
                owner = demo["logins"][0]["member_id"]
                r = await client.get("/user/get", params={"access_token": token, "userid": str(owner)})
                assert r.json()["errcode"] == 0 and r.json()["name"] == "张伟"
    finally:
        await application.state.read_engine.dispose()
        await application.state.engine.dispose()
