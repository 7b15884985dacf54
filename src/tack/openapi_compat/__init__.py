"""The DingTalk-compatible open platform (开放平台): apps and tokens, the server API in both
DingTalk styles (old oapi / TOP, new /v1.0), served at the root path beside /api/v1."""
