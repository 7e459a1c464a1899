"""In Chromium: logging in (with two-step login too), roles, CSRF and the login throttle, as a clerk (or an attacker)
meets them."""

from __future__ import annotations

import time

import pyotp
from flask import Flask
from playwright.sync_api import Page, expect

from bot.secretariat import login_throttle, two_step
from bot.secretariat.audit import Actor
from bot.services import Services
from tests.helpers import browser_login, console_user


def test_a_clerk_logs_in_and_sees_the_dashboard_in_japanese(app: Flask, console_url: str, page: Page) -> None:
    console_user(app, "clerk@example.jp", role="sender")
    page.goto(console_url)
    expect(page).to_have_url(f"{console_url}/login?next=/console/?")
    browser_login(page, console_url, "clerk@example.jp")
    expect(page.get_by_role("heading", name="ダッシュボード")).to_be_visible()
    expect(page.get_by_text("clerk@example.jp（配信担当）")).to_be_visible()
    page.get_by_role("button", name="ログアウト", exact=True).click()
    expect(page.get_by_role("button", name="ログイン")).to_be_visible()


def test_a_viewer_sees_no_user_management_and_a_forged_post_gets_403(app: Flask, console_url: str,
                                                                    page: Page) -> None:
    console_user(app, "viewer@example.jp", role="viewer")
    browser_login(page, console_url, "viewer@example.jp")
    expect(page.get_by_role("link", name="ユーザー管理")).to_have_count(0)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = page.request.post(f"{console_url}/users/", form={
        "csrf_token": token or "", "email": "mallory@example.jp", "password": "x" * 20, "role": "admin"})
    assert forged.status == 403


def test_a_form_without_a_csrf_token_is_refused(app: Flask, console_url: str, page: Page) -> None:
    console_user(app, "admin@example.jp")
    browser_login(page, console_url, "admin@example.jp")
    page.goto(f"{console_url}/users/")
    page.locator("form:has(button:text('追加')) input[name=csrf_token]").evaluate("input => input.remove()")
    page.get_by_label("メールアドレス").fill("new@example.jp")
    page.locator("form:has(button:text('追加')) input[name=password]").fill("x" * 20)
    page.get_by_role("button", name="追加").click()
    expect(page.get_by_text("管理画面から送信されたものではありません")).to_be_visible()
    page.goto(f"{console_url}/users/")
    expect(page.get_by_text("new@example.jp")).to_have_count(0)


def test_too_many_wrong_passwords_lock_the_login_for_a_while(app: Flask, console_url: str, page: Page) -> None:
    console_user(app, "clerk@example.jp")
    for _ in range(login_throttle.MAX_FAILURES_PER_ACCOUNT):
        browser_login(page, console_url, "clerk@example.jp", "not the password")
        expect(page.get_by_role("alert")).to_contain_text("メールアドレスまたはパスワードが違います")
    browser_login(page, console_url, "clerk@example.jp")
    expect(page.get_by_role("alert")).to_contain_text("ログインを一時停止しています")
    expect(page.get_by_role("heading", name="ダッシュボード")).to_have_count(0)


def test_an_administrator_with_two_step_login_types_the_code_after_the_password(app: Flask, console_url: str,
                                                                               page: Page) -> None:
    services = Services.of(app)
    clerk_id = console_user(app, "admin@example.jp")
    key = two_step.begin(services, clerk_id).key
    two_step.confirm(services, Actor("test"), clerk_id, pyotp.TOTP(key).now())
    browser_login(page, console_url, "admin@example.jp")
    expect(page.get_by_role("heading", name="ダッシュボード")).to_have_count(0)
    page.get_by_label("認証アプリの6桁のコード").fill(pyotp.TOTP(key).at(time.time() + 30))  # the next step: unused
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", name="ダッシュボード")).to_be_visible()


def test_a_clerk_switches_to_english_and_every_page_stays_english(app: Flask, console_url: str, page: Page) -> None:
    console_user(app, "clerk@example.jp", role="sender")
    browser_login(page, console_url, "clerk@example.jp")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("clerk@example.jp (Sender)")).to_be_visible()
    page.get_by_role("link", name="Reminders").click()
    expect(page.get_by_role("heading", name="Events waiting for a date")).to_be_visible()
    expect(page.get_by_text("Login details sent").first).to_be_visible()  # the data's own English
    page.get_by_role("button", name="Log out", exact=True).click()
    page.get_by_label("E-mail address").fill("clerk@example.jp")  # the login page keeps the clerk's language
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
