"""Durable jobs of robots.

| job              | dedupe key                     | does                                                |
|------------------|--------------------------------|-----------------------------------------------------|
| robots.outgoing  | robot:{id}:message:{msg id}    | POSTs an @-mention to the robot's callback URL (a message in the answer is posted to the group), or, for an app's robot, sends it as a Stream CALLBACK acked 200 |
"""

from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from tack.jobs import JobRegistry
from tack.openapi_compat.robots import actions, outgoing
from tack.openapi_compat.robots import settings as robot_settings
from tack.openapi_compat.robots.repository import RobotRepository
from tack.openapi_compat.stream.hub import HUB

# The Stream topic of bot messages, as dingtalk-stream's ChatbotMessage.TOPIC.
BOT_MESSAGE_TOPIC = "/v1.0/im/bot/messages/get"
from tack.storage.uow import UnitOfWork, UnitOfWorkFactory

jobs = JobRegistry()


@jobs.job("robots.outgoing")
async def deliver_outgoing(uow: UnitOfWork, args: dict[str, Any]) -> None:
    """The robot is read in a short side transaction and the HTTP call made before the job's
    own session does anything, so on SQLite no lock is held while the receiver thinks. A
    robot removed or whose outgoing was turned off since is skipped; a failure retries with
    the runner's backoff (the receiver may get a message twice: msgId lets it drop repeats)."""
    org_id, robot_id = int(args["org_id"]), int(args["robot_id"])
    side = UnitOfWorkFactory(async_sessionmaker(uow.session.bind, expire_on_commit=False, autoflush=False))
    async with side() as read:
        robot = await RobotRepository(read.session, org_id).get(robot_id)
        target = (robot.outgoing_url, robot.secret or robot.outgoing_token, robot.outgoing_token) if robot else None
        app_id = robot.app_id if robot else None
    if app_id is not None:
        error = await HUB.deliver_callback(app_id, BOT_MESSAGE_TOPIC, args["payload"])
        if error is not None:
            raise outgoing.CallbackFailed(error)
        return
    if target is None or not target[0] or not target[2]:
        return
    url, key, token = target
    answer = await outgoing.post_callback(
        url, args["payload"], key=key or "", token=token or "", timeout=robot_settings.current().outgoing_timeout_seconds
    )
    await actions.do_post_callback_reply(uow, org_id, robot_id, answer)
