"""Bot messages over Stream mode with the real, unmodified dingtalk-stream client: a group robot
that is an app's robot gets @-mentions as CALLBACK /v1.0/im/bot/messages/get frames, which the
SDK's ChatbotHandler parses (ChatbotMessage) and answers through the sessionWebhook with
reply_text; the reply lands in the group. Not acked → redelivered by the durable job; a robot
cannot be linked to another org's app."""

import asyncio
import queue
import threading
import time
from typing import Any

from tack.openapi_compat.robots import settings as robot_settings
from tests.chat.conftest import group, send
from tests.compat.helpers import create_app
from tests.compat.test_events_stream import WAIT, stream_server, wait_connected  # noqa: F401  (fixture)


class BotClient:
    """dingtalk_stream's client with a ChatbotHandler registered for the bot topic, in its own
    thread and loop; the first `refuse` messages are answered with a failure code."""

    def __init__(self, base_url: str, app: dict[str, Any], *, refuse: int = 0) -> None:
        import dingtalk_stream

        dingtalk_stream.DingTalkStreamClient.OPEN_CONNECTION_API = base_url + "v1.0/gateway/connections/open"
        self.seen: queue.Queue[Any] = queue.Queue()
        outer = self
        self.refuse = refuse

        class Echo(dingtalk_stream.ChatbotHandler):  # type: ignore[misc]
            async def process(self, callback):  # type: ignore[no-untyped-def]
                incoming = dingtalk_stream.ChatbotMessage.from_dict(callback.data)
                if outer.refuse > 0:
                    outer.refuse -= 1
                    outer.seen.put(("refused", incoming))
                    return dingtalk_stream.AckMessage.STATUS_SYSTEM_EXCEPTION, "busy"
                answer = await asyncio.to_thread(self.reply_text, "收到：" + incoming.text.content.strip(), incoming)
                outer.seen.put((answer, incoming))
                return dingtalk_stream.AckMessage.STATUS_OK, "OK"

        self.client = dingtalk_stream.DingTalkStreamClient(dingtalk_stream.Credential(app["app_key"], app["app_secret"]))
        self.client.register_callback_handler(dingtalk_stream.ChatbotMessage.TOPIC, Echo())
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.client.start())
        except BaseException:
            pass

    def stop(self) -> None:
        def cancel() -> None:
            for task in asyncio.all_tasks(self.loop):
                task.cancel()

        for _ in range(3):
            self.loop.call_soon_threadsafe(cancel)
            self.thread.join(timeout=2)
            if not self.thread.is_alive():
                break


async def _messages(api: Any, conversation_id: int) -> list[dict[str, Any]]:
    page = await api.get(api.org(f"/conversations/{conversation_id}/messages"), params={"limit": 100})
    return [m for m in page["items"] if m["kind"] != "system"]


async def test_bot_message_reaches_chatbot_handler_and_the_reply_lands(cast, stream_server):  # noqa: F811
    base, _ = stream_server
    previous = robot_settings.use(robot_settings.RobotSettings(public_url=base))
    alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
    try:
        app = await create_app(alice, name="构建助手")
        g = await group(alice, bob, carol)
        robot = await alice.post(alice.org(f"/conversations/{g['id']}/robots"), json={"name": "构建助手", "keywords": ["构建"], "app_id": app["id"]}, expect=201)
        assert robot["app_id"] == app["id"] and robot["robot_code"] == app["app_key"] and robot["open_conversation_id"] == f"cid{g['id']}"
        bot = BotClient(base, app, refuse=1)
        try:
            wait_connected(app["id"])
            await send(bob, g["id"], "@构建助手 查一下 main 分支", mention_member_ids=[carol.member_id])
            refused, first = bot.seen.get(timeout=WAIT)
            assert refused == "refused"  # not acked 200: the job tries again
            answer, incoming = bot.seen.get(timeout=WAIT)
            assert answer == {"errcode": 0, "errmsg": "ok"}
            assert incoming.message_id == first.message_id
            assert incoming.text.content.strip() == "查一下 main 分支"
            assert incoming.sender_staff_id == str(bob.member_id) and incoming.sender_nick == "bob"
            assert incoming.conversation_type == "2" and incoming.conversation_id == f"cid{g['id']}"
            assert incoming.robot_code == app["app_key"] and incoming.is_in_at_list is True
            assert str(carol.member_id) in [u.staff_id for u in incoming.at_users if u.staff_id]
            assert incoming.session_webhook_expired_time > int(time.time() * 1000)
            got = await _messages(alice, g["id"])
            assert got[-1]["content"]["robot"]["name"] == "构建助手" and got[-1]["content"]["text"] == "收到：查一下 main 分支"
            assert got[-1]["mention_member_ids"] == [bob.member_id]
        finally:
            bot.stop()
    finally:
        robot_settings.use(previous)


async def test_robot_app_must_be_of_the_same_org(cast):
    alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
    theirs = await create_app(dave, name="别人的应用")
    g = await group(alice, bob)
    r = await alice.post(alice.org(f"/conversations/{g['id']}/robots"), json={"name": "x", "keywords": ["a"], "app_id": theirs["id"]}, expect=400)
    assert r["code"] == "robot_app_not_found"
    robot = await alice.post(alice.org(f"/conversations/{g['id']}/robots"), json={"name": "x", "keywords": ["a"]}, expect=201)
    await alice.patch(alice.org(f"/conversations/{g['id']}/robots/{robot['id']}"), json={"app_id": theirs["id"]}, expect=400)
    ours = await create_app(alice, name="我们的应用")
    linked = await alice.patch(alice.org(f"/conversations/{g['id']}/robots/{robot['id']}"), json={"app_id": ours["id"]})
    assert linked["robot_code"] == ours["app_key"] and linked["outgoing_token"]
    unlinked = await alice.patch(alice.org(f"/conversations/{g['id']}/robots/{robot['id']}"), json={"app_id": 0})
    assert unlinked["app_id"] is None and unlinked["robot_code"] is None and unlinked["outgoing_token"] is None
