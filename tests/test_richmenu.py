"""``kenshu richmenu deploy``: the six-button menu, its image, and what each button sends."""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageChops, ImageFont

from bot.devtools.fake_line import FaultConfig
from bot.devtools.visible_text import visible_text
from bot.line import richmenu


def deploy(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["richmenu", "deploy"])


def test_deploy_creates_uploads_and_sets_the_default_menu(app, fake_line):
    result = deploy(app)

    assert result.exit_code == 0, result.output
    [create] = fake_line.state.requests("/v2/bot/richmenu")
    [menu] = fake_line.state.rich_menus()
    assert create.response == {"richMenuId": menu.rich_menu_id}
    assert menu.rich_menu_id in result.output
    [upload] = fake_line.state.requests(f"/v2/bot/richmenu/{menu.rich_menu_id}/content")
    assert upload.accepted
    assert fake_line.state.default_rich_menu == menu.rich_menu_id
    assert menu.image_content_type == "image/png"
    assert 0 < menu.image_size < 1024 * 1024
    assert create.body["size"] == {"width": 2500, "height": 1686}
    areas = create.body["areas"]
    assert [(a["action"]["label"], a["action"].get("text") or a["action"]["displayText"]) for a in areas] == [
        ("日程", "研修の日程"),
        ("私の研修", "私の研修"),
        ("修了証", "修了証の条件"),
        ("申込", "申込方法"),
        ("通知設定", "通知設定"),
        ("問い合わせ", "問い合わせ先"),
    ]


def test_the_areas_tile_the_whole_menu_without_overlap(app, fake_line):
    deploy(app)
    [create] = fake_line.state.requests("/v2/bot/richmenu")
    covered = sum(a["bounds"]["width"] * a["bounds"]["height"] for a in create.body["areas"])
    assert covered == 2500 * 1686
    corners = {(a["bounds"]["x"], a["bounds"]["y"]) for a in create.body["areas"]}
    assert corners == {(0, 0), (833, 0), (1666, 0), (0, 843), (833, 843), (1666, 843)}


def test_a_refusal_from_line_is_reported(app, fake_line):
    fake_line.state.faults.configure(FaultConfig(error_rate=1.0, error_status=500, paths=("/v2/bot/richmenu",)))

    result = deploy(app)

    assert result.exit_code == 1
    assert "LINEがリッチメニューを受け付けませんでした" in result.output


def test_the_notice_settings_button_opens_the_settings(line, user_id):
    text = richmenu.menu_request().areas[4].action.text

    assert "通知設定" in visible_text(line.say(user_id, text))


def test_the_my_training_button_shows_the_trainee_their_card(line, user_id):
    action = richmenu.menu_request().areas[1].action

    assert "連携" in visible_text(line.postback(user_id, action.data))  # not linked yet: how to link


def test_the_image_is_a_png_of_the_menu_size(app, tmp_path):
    out = tmp_path / "menu.png"

    result = app.test_cli_runner().invoke(args=["richmenu", "render", "--out", str(out)])

    assert result.exit_code == 0, result.output
    image = Image.open(BytesIO(out.read_bytes()))
    assert (image.format, image.size) == ("PNG", (2500, 1686))


def test_the_bundled_font_draws_every_character_of_the_labels():
    font = ImageFont.truetype(str(richmenu.FONT_PATH), 64)
    missing_glyph = font.getmask("\ue000")  # a private-use character: drawn as the "missing" box
    labels = [area.action.label for area in richmenu.menu_request().areas]
    text = "".join(labels) + "".join(button.caption for button in richmenu.BUTTONS)
    for character in set(text) - {" "}:
        mask = font.getmask(character)
        same = mask.size == missing_glyph.size and ImageChops.difference(
            Image.frombytes("L", mask.size, bytes(mask)), Image.frombytes("L", missing_glyph.size, bytes(missing_glyph))
        ).getbbox() is None
        assert not same, f"the bundled font has no glyph for {character!r}: rebuild it (bot/fonts/README.md)"
