"""Rally's player loop for Locust, for studios that load-test with Locust.

Each Locust user is one player: it registers, keeps its gateway WebSocket open, queues for a
duel, waits for `match.found` and `session.ready` on its socket, and, when it is the match's
host (the first player of the first team), plays the game server: it verifies its session
token, heartbeats and reports the result with the server key. Every player then waits for
`rating.updated`, thinks, and queues again.

HTTP calls are Locust requests as usual; each push waited for is reported as a request of type
`WS` named after the push, its time the wait from the call that caused it. A push that never
comes is a failure.

    RALLY_SERVER_KEY=... locust -f scripts/locust/locustfile.py --host http://127.0.0.1:8080

The Rally under load must admit every player's registration from one address
(`RALLY_REGISTER_LIMIT_PER_HOUR`) and know the server key (`RALLY_SERVER_KEY`). Settings, by
environment: `RALLY_LOCUST_MODE` (`duel`), `RALLY_LOCUST_REGIONS` (`eu,na`),
`RALLY_LOCUST_GAME_S` (seconds a match lasts, 2) and `RALLY_LOCUST_PUSH_WITHIN_S` (how long a
push may take, 30).
"""

import json
import os
import random
import time
import uuid

import gevent
from gevent.queue import Empty, Queue
from locust import HttpUser, between, task
import websocket

SERVER_KEY = os.environ.get("RALLY_SERVER_KEY", "")
MODE = os.environ.get("RALLY_LOCUST_MODE", "duel")
REGIONS = os.environ.get("RALLY_LOCUST_REGIONS", "eu,na").split(",")
GAME_S = float(os.environ.get("RALLY_LOCUST_GAME_S", "2"))
PUSH_WITHIN_S = float(os.environ.get("RALLY_LOCUST_PUSH_WITHIN_S", "30"))
RUN = uuid.uuid4().hex[:8]


class Missing(Exception):
    """A push that did not come in time."""


class Player(HttpUser):
    """One Rally player looping through queue, match, session and rating."""

    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.name = f"lc{RUN}_{uuid.uuid4().hex[:10]}"
        password = f"locust-password-{RUN}"
        body = {"username": self.name, "email": f"{self.name}@locust.invalid", "password": password}
        with self.client.post("/v1/auth/register", json=body, catch_response=True) as reply:
            if reply.status_code != 201:
                reply.failure(f"register answered {reply.status_code}: {reply.text}")
                self.stop()
                return
            auth = reply.json()
        self.token = auth["access_token"]
        self.player_id = auth["player"]["id"]
        self.pushes = Queue()
        started = time.monotonic()
        url = self.host.replace("http", "ws", 1) + "/v1/ws"
        self.socket = websocket.create_connection(url, header=[f"Authorization: Bearer {self.token}"], timeout=PUSH_WITHIN_S)
        self.reader = gevent.spawn(self._read)
        self._wait("hello", lambda f: f.get("type") == "hello", started)

    def on_stop(self):
        socket = getattr(self, "socket", None)
        if socket is not None:
            socket.close()

    def _read(self):
        while True:
            try:
                text = self.socket.recv()
            except Exception:  # the socket closed: the waits time out and fail
                return
            try:
                self.pushes.put(json.loads(text))
            except ValueError:
                continue

    def _still_searching(self):
        """After no `match.found` came: whether the ticket is still searching (a sparse queue,
        not a lost push); if so it leaves the queue, as a player tired of waiting would."""
        with self.client.get("/v1/queue", headers=self._auth(), catch_response=True) as reply:
            searching = reply.status_code == 200 and reply.json().get("state") == "searching"
            reply.success()
        if searching:
            self.client.delete("/v1/queue", headers=self._auth())
        return searching

    def _report(self, name, started, error=None):
        self.environment.events.request.fire(
            request_type="WS",
            name=name,
            response_time=(time.monotonic() - started) * 1000.0,
            response_length=0,
            exception=error,
            context={},
        )

    def _wait(self, name, wanted, started, excuse=None):
        """The first push `wanted` accepts, reported as request `name`; others are passed over.
        When none comes in time it is a failure, unless `excuse` says why it did not come."""
        give_up = started + PUSH_WITHIN_S
        while True:
            left = give_up - time.monotonic()
            try:
                frame = self.pushes.get(timeout=max(left, 0.001))
            except Empty:
                if excuse is None or not excuse():
                    self._report(name, started, Missing(f"no {name} within {PUSH_WITHIN_S} s"))
                raise Missing(name)
            if wanted(frame):
                self._report(name, started)
                return frame

    def _auth(self):
        return {"Authorization": f"Bearer {self.token}"}

    @task
    def play_a_match(self):
        # Every player nearest the first region, so the players of a small run meet.
        regions = [{"region": r, "latency_ms": random.randint(20, 60) if i == 0 else random.randint(80, 160)} for i, r in enumerate(REGIONS)]
        queued = time.monotonic()
        with self.client.post("/v1/queue", json={"mode": MODE, "regions": regions}, headers=self._auth(), catch_response=True) as reply:
            if reply.status_code == 409 and reply.json().get("code") == "in_match":
                # The last match's result is still being applied: a documented answer.
                reply.success()
                return
            if reply.status_code == 503 and reply.headers.get("Retry-After"):
                # A busy node sheds the request with when to come back: a documented answer,
                # which a client honours before it queues again.
                reply.success()
                time.sleep(float(reply.headers["Retry-After"]))
                return
            if reply.status_code != 201:
                reply.failure(f"queue answered {reply.status_code}: {reply.text}")
                return
        early = {}

        def found_or_ready(frame):
            if frame.get("type") == "session.ready":
                early[frame["data"]["match_id"]] = frame
            return frame.get("type") == "match.found"

        try:
            found = self._wait("match.found", found_or_ready, queued, self._still_searching)["data"]
            match_id = found["match_id"]
            ready = early.get(match_id)
            if ready is None:
                ready = self._wait("session.ready", lambda f: f.get("type") == "session.ready" and f["data"]["match_id"] == match_id, time.monotonic())
            token = ready["data"]["token"]
            host = found["teams"][0][0]["player_id"] == self.player_id
            if host:
                self._host(match_id, token, len(found["teams"]))
            self._wait("rating.updated", lambda f: f.get("type") == "rating.updated" and f["data"]["match_id"] == match_id, time.monotonic())
        except Missing:
            return

    def _host(self, match_id, token, teams):
        """The game server's part: verify the host's token, heartbeat, play, report."""
        server = {"Authorization": f"Bearer {SERVER_KEY}"}
        base = f"/v1/server/sessions/{match_id}"
        with self.client.post(f"{base}/verify", json={"token": token}, headers=server, name="/v1/server/sessions/[id]/verify", catch_response=True) as reply:
            if reply.status_code != 200 or not reply.json().get("valid"):
                reply.failure(f"verify answered {reply.status_code}: {reply.text}")
        self.client.post(f"{base}/heartbeat", headers=server, name="/v1/server/sessions/[id]/heartbeat")
        gevent.sleep(GAME_S)
        outcomes = [{"team": t, "outcome": "win" if t == 0 else "loss"} for t in range(teams)]
        self.client.post(f"{base}/result", json={"outcomes": outcomes, "duration_s": GAME_S}, headers=server, name="/v1/server/sessions/[id]/result")
