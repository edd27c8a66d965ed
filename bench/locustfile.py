"""The ward under load: nurses acting on their own patient every 5-15 s, boards polling every 10 s.

Driven by bench/load.py (which seeds the database, starts the app servers and reads the figures).
Each simulated person signs in with their own session, like a real workstation, and is sent to one of
the app servers in LOAD_HOSTS in turn, as a load balancer would.
"""

import itertools
import json
import os
import re
import threading

from locust import HttpUser, between, constant, events, task

HOSTS = os.environ["LOAD_HOSTS"].split(",")
JOURNEYS = json.loads(os.environ["LOAD_JOURNEYS"])
PASSWORD = "ward-demo-2026"
_next_host = itertools.cycle(HOSTS)
_next_journey = itertools.cycle(JOURNEYS)
_lock = threading.Lock()
server_errors: dict[str, int] = {}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'id="id_version" value="(\d+)"|name="version" value="(\d+)"')


@events.request.add_listener
def _count_server_errors(request_type, name, response, exception, **kwargs):
    if response is not None and response.status_code >= 500:
        with _lock:
            server_errors[name] = server_errors.get(name, 0) + 1


@events.quitting.add_listener
def _write_server_errors(environment, **kwargs):
    with open(os.environ["LOAD_ERRORS_FILE"], "w") as out:
        json.dump(server_errors, out)


class Person(HttpUser):
    abstract = True
    username = ""

    def on_start(self):
        with _lock:
            self.client.base_url = next(_next_host)
        page = self.client.get("/accounts/login/", name="sign-in page")
        token = TOKEN.search(page.text).group(1)
        self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="sign in",
        )


class Nurse(Person):
    fixed_count = 50
    wait_time = between(5, 15)
    username = "nurse"

    def on_start(self):
        super().on_start()
        with _lock:
            self.journey = next(_next_journey)
        self.turn = 0

    @task
    def act_on_my_patient(self):
        page = self.client.get(f"/journeys/{self.journey}/", name="journey page")
        if page.status_code != 200:
            return
        token = TOKEN.search(page.text).group(1)
        version = next(v for v in VERSION.search(page.text).groups() if v)
        self.turn += 1
        phone = f"07700 900{self.turn % 1000:03d}"
        self.client.post(
            f"/journeys/{self.journey}/driver/",
            {"csrfmiddlewaretoken": token, "version": version, "name": "Dee Driver", "phone": phone},
            name="driver update (write)",
        )
        if self.turn % 4 == 0:
            self.client.get("/", name="today's list")


class Board(Person):
    fixed_count = 40
    wait_time = constant(10)
    username = "coordinator"

    def on_start(self):
        super().on_start()
        self.etag = None
        self.client.get("/board/", name="board page")

    @task
    def poll(self):
        headers = {"HX-Request": "true"}
        if self.etag:
            headers["If-None-Match"] = self.etag
        with self.client.get("/board/rows/", headers=headers, name="board poll", catch_response=True) as response:
            if response.status_code in (200, 304):
                self.etag = response.headers.get("ETag", self.etag)
                response.success()
