"""With CSRF protection on (as in production), autosave needs the token the page carries in its meta tag."""

import re

import pytest

from tests import factories


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_autosave_requires_the_csrf_token_from_the_page(client, db, people):
    scenario = factories.make_scenario()
    draft = factories.make_submission(people["trainee"], scenario, state="draft")
    db.session.commit()
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/auth/login", data={"email": people["trainee"].email, "password": factories.PASSWORD,
                                     "csrf_token": token})

    page = client.get(f"/roleplays/attempts/{draft.id}").get_data(as_text=True)
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
    url = f"/roleplays/attempts/{draft.id}/autosave"
    assert client.post(url, json={"replies": ["Tell me more."]}).status_code == 400
    response = client.post(url, json={"replies": ["Tell me more."]}, headers={"X-CSRFToken": meta})
    assert response.status_code == 200 and response.get_json()["saved"] is True
