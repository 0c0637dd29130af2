"""Helpers for the Playwright tests."""

PASSWORD = "pass-1234"


def browser_login(page, live_server, user, password=PASSWORD):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
