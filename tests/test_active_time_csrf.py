"""With CSRF protection on (as in production), the active-time report needs the token its page carries."""

import re

import pytest

from tests import factories
from tests.v2_course import sync_ready_course


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_the_report_requires_the_csrf_token_from_the_page(client, db, people):
    version, _scenario, _exercise = sync_ready_course(people["trainee"])
    module = version.modules[0]
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/auth/login", data={"email": people["trainee"].email, "password": factories.PASSWORD,
                                     "csrf_token": token})
    page = client.get(f"/courses/{version.course.slug}/modules/{module.slug}/lessons/{module.lessons[0].slug}")
    carried = re.search(r'data-active-time [^>]*data-csrf="([^"]+)"', page.get_data(as_text=True)).group(1)
    report = {"kind": "lesson", "id": module.lessons[0].id, "seconds": 0}
    assert client.post("/active-time", json=report).status_code == 400
    response = client.post("/active-time", json=report, headers={"X-CSRFToken": carried})
    assert response.status_code == 200 and response.get_json() == {"seconds": 0}
