"""`tack robot create --json` and the demo's signed robot, through the real CLI in a child
process (its own data directory)."""

import json
import os
import subprocess
import sys
from pathlib import Path

TACK = [sys.executable, "-m", "tack.cli"]


def tack(*args: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACK_")}
    return subprocess.run([*TACK, *args, "--data-dir", str(data_dir)], env=env, capture_output=True, text=True, check=check)


def test_demo_prints_a_signed_robot_and_robot_create_scripts_another(tmp_path: Path) -> None:
    demo = json.loads(tack("demo", "--json", data_dir=tmp_path).stdout)
    robot = demo["robot"]
    assert robot["group_name"] == "研发告警群" and robot["name"] == "构建机器人"
    assert robot["webhook_url"].startswith("http://127.0.0.1:8000/robot/send?access_token=")
    assert robot["secret"].startswith("SEC")
    again = json.loads(tack("demo", "--json", data_dir=tmp_path).stdout)
    assert again["robot"] == robot  # idempotent: same robot, same credentials

    made = json.loads(tack(
        "robot", "create", "--org", str(demo["org_id"]), "--group", str(robot["group_id"]), "--name", "CI",
        "--keyword", "构建", "--keyword", "发布", "--ip", "10.0.0.0/8", "--json", data_dir=tmp_path,
    ).stdout)
    assert made["keywords"] == ["构建", "发布"] and made["ip_allowlist"] == ["10.0.0.0/8"] and made["secret"] is None
    assert made["webhook_url"].endswith(made["access_token"]) and made["conversation_id"] == robot["group_id"]

    refused = tack("robot", "create", "--org", str(demo["org_id"]), "--group", str(robot["group_id"]), "--name", "X",
                   data_dir=tmp_path, check=False)
    assert refused.returncode == 2 and "robot_security_required" in refused.stderr
    missing = tack("robot", "create", "--org", str(demo["org_id"]), "--group", "999", "--name", "X", "--sign",
                   data_dir=tmp_path, check=False)
    assert missing.returncode == 2 and "conversation_not_found" in missing.stderr
