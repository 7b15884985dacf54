"""Chat limits, set by TACK_CHAT_* environment variables; documented defaults."""

from datetime import timedelta

from pydantic_settings import BaseSettings, SettingsConfigDict


class ChatLimits(BaseSettings):
    """
    - TACK_CHAT_GROUP_MAX_MEMBERS: members per group (1,000; tested up to 10,000).
    - TACK_CHAT_MAX_TEXT_CHARS: characters in a text or markdown message (5,000, as DingTalk).
    - TACK_CHAT_MENTION_ALL_OPEN_MAX_MEMBERS: in groups with more members than this, only the
      owner and admins may @all (50).
    - TACK_CHAT_RECALL_HOURS: how long a sender may recall their own message (24).
    - TACK_CHAT_MAX_FILE_BYTES / TACK_CHAT_MAX_IMAGE_BYTES: upload sizes (100 MB / 20 MB).
      Images are PNG, JPEG, GIF or WebP, recognized by their bytes, not by the client's word.
    - TACK_CHAT_BLOCKED_FILE_EXTENSIONS: comma-separated file name extensions refused as
      uploads (Windows programs and scripts that run on a double-click; every file is served
      as a download, but people still open what a colleague sends). Empty to allow all.
    """

    model_config = SettingsConfigDict(env_prefix="TACK_CHAT_", extra="ignore")

    group_max_members: int = 1000
    max_text_chars: int = 5000
    max_card_buttons: int = 6
    max_mentions: int = 100
    mention_all_open_max_members: int = 50
    recall_hours: int = 24
    max_pins: int = 50
    max_file_bytes: int = 100 * 1024 * 1024
    max_image_bytes: int = 20 * 1024 * 1024
    blocked_file_extensions: str = "exe,scr,bat,cmd,com,pif,msi,vbs,vbe,js,jse,wsf,wsh,hta,lnk,cpl,reg"

    @property
    def blocked_extensions(self) -> frozenset[str]:
        return frozenset(e.strip().lower().lstrip(".") for e in self.blocked_file_extensions.split(",") if e.strip())

    @property
    def recall_window(self) -> timedelta:
        return timedelta(hours=self.recall_hours)
