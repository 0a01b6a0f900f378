"""Request guards that run before FastAPI reads a body: the API key and the upload size. Both are ASGI
middleware (Starlette's extension point), so a refused request is answered before its body is read."""
import hmac
import json

# Open without a key: the liveness probe and the static page (which holds no data and asks for the key
# before it calls anything).
OPEN_PATHS = ("/healthz", "/")


async def _answer(send, status, message, headers=()):
    body = json.dumps({"error": message}).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


class RequireKey:
    """Every HTTP request but OPEN_PATHS needs ``Authorization: Bearer <key>`` (compared in constant time)."""

    def __init__(self, app, key):
        self.app = app
        self.key = key.encode("utf-8")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, token = given.partition(b" ")
        if scheme.lower() != b"bearer" or not hmac.compare_digest(token.strip(), self.key):
            return await _answer(send, 401, "this server needs an API key: send the header 'Authorization: Bearer <key>'",
                                 [(b"www-authenticate", b"Bearer")])
        return await self.app(scope, receive, send)


class _TooLarge(Exception):
    pass


class LimitUpload:
    """Bodies over `max_bytes` get 413: by Content-Length before anything is read, and by counting for a
    body sent without one (chunked)."""

    def __init__(self, app, max_bytes):
        self.app = app
        self.max_bytes = max_bytes

    def _message(self):
        return (f"the upload is larger than this server's limit of {self.max_bytes / 2 ** 20:g} MB "
                "(fcdd-swift serve --max-upload-mb)")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await _answer(send, 413, self._message())
        seen = 0
        started = False

        async def counted_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge()
            return message

        async def watched_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _TooLarge:
            if not started:
                await _answer(send, 413, self._message())
