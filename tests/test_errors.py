"""Every error, including those raised by the framework itself, is {code, message}."""


async def test_unknown_path_is_a_coded_404(client):
    r = await client.get("/api/v1/no-such-thing", headers={"accept-language": "en"})
    assert r.status_code == 404
    assert r.json() == {"code": "not_found", "message": "Not Found"}


async def test_wrong_method_is_a_coded_405(client):
    r = await client.delete("/api/v1/auth/login", headers={"accept-language": "zh-CN"})
    assert r.status_code == 405
    body = r.json()
    assert body["code"] == "method_not_allowed" and body["message"] == "不支持该请求方法"
