"""The app factory: config layers, the secret key guard, and where templates, static and
instance live."""
import re
from pathlib import Path

import pytest

import icv
from icv import check_secret_key, create_app, ensure_secret_key

GOOD_KEY = "k" * 40


@pytest.fixture
def fake_root(tmp_path, monkeypatch):
    """Point create_app(None) at a throwaway checkout: its instance/ is tmp_path/instance,
    so nothing is written into the real instance folder. No FLASK_* variable leaks in."""
    for name in ("FLASK_DEBUG", "FLASK_SECRET_KEY", "FLASK_DATABASE", "FLASK_TESTING",
                 "FLASK_QUEUE_PAGE_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(icv, "ROOT", tmp_path)
    (tmp_path / "instance").mkdir()
    return tmp_path


def write_instance_config(root, text):
    (root / "instance" / "config.py").write_text(text)


def test_defaults_apply_when_nothing_overrides_them(fake_root):
    """With an empty instance folder the app runs on the defaults in code (and a fresh key)."""
    app = create_app()
    assert app.config["QUEUE_PAGE_SIZE"] == 50
    assert app.config["DATABASE"] == str(fake_root / "instance" / "icv.sqlite")
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_instance_config_overrides_defaults(fake_root):
    """Settings in instance/config.py win over the defaults."""
    write_instance_config(fake_root, f"SECRET_KEY = {GOOD_KEY!r}\nQUEUE_PAGE_SIZE = 10\n"
                                     "DATABASE = '/srv/icv/icv.sqlite'\n")
    app = create_app()
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert app.config["QUEUE_PAGE_SIZE"] == 10
    assert app.config["DATABASE"] == "/srv/icv/icv.sqlite"


def test_flask_environment_variables_override_instance_config(fake_root, monkeypatch, tmp_path):
    """FLASK_* variables win over instance/config.py (and so over the defaults)."""
    write_instance_config(fake_root, f"SECRET_KEY = {GOOD_KEY!r}\nQUEUE_PAGE_SIZE = 10\n")
    env_key = "e" * 64
    monkeypatch.setenv("FLASK_SECRET_KEY", env_key)
    monkeypatch.setenv("FLASK_DATABASE", str(tmp_path / "from-env.sqlite"))
    monkeypatch.setenv("FLASK_QUEUE_PAGE_SIZE", "5")
    app = create_app()
    assert app.config["SECRET_KEY"] == env_key
    assert app.config["DATABASE"] == str(tmp_path / "from-env.sqlite")
    assert app.config["QUEUE_PAGE_SIZE"] == 5


def test_first_run_writes_a_random_64_hex_secret_key(tmp_path):
    """On first run instance/config.py gets a random SECRET_KEY of 64 hex characters."""
    path = tmp_path / "instance" / "config.py"
    ensure_secret_key(path)
    text = path.read_text()
    assert text.startswith("# Instance settings for this machine. Never commit this file.\n")
    assert re.fullmatch(r"[^\n]*\nSECRET_KEY = '[0-9a-f]{64}'\n", text)
    other = tmp_path / "other" / "config.py"
    ensure_secret_key(other)
    assert other.read_text() != text, "each install gets its own key"


def test_second_run_keeps_the_secret_key(tmp_path):
    """Running again never replaces the key, so sessions survive a restart."""
    path = tmp_path / "config.py"
    ensure_secret_key(path)
    first = path.read_text()
    ensure_secret_key(path)
    assert path.read_text() == first


def test_key_is_added_to_an_instance_config_that_lacks_one(tmp_path):
    """An instance/config.py with other settings but no key keeps them and gains a key."""
    path = tmp_path / "config.py"
    path.write_text("QUEUE_PAGE_SIZE = 20\n")
    ensure_secret_key(path)
    text = path.read_text()
    assert text.startswith("QUEUE_PAGE_SIZE = 20\n")
    assert re.search(r"^SECRET_KEY = '[0-9a-f]{64}'$", text, re.M)


def test_create_app_on_a_fresh_checkout_writes_and_uses_the_key(fake_root):
    """The first create_app() writes the key and a second create_app() starts with the same one."""
    first = create_app().config["SECRET_KEY"]
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert create_app().config["SECRET_KEY"] == first


@pytest.mark.parametrize("key", ["", "dev", "test", "changeme", "please-change-me", "x" * 31])
def test_weak_default_or_short_key_refuses_to_start_outside_debug_and_testing(fake_root, key):
    """A missing, default or short (< 32 characters) key stops the app with a clear error."""
    write_instance_config(fake_root, f"SECRET_KEY = {key!r}\n")
    with pytest.raises(RuntimeError, match="SECRET_KEY is missing, a default or shorter than 32"):
        create_app()


def test_thirty_two_character_key_is_accepted(fake_root):
    """A 32-character key is long enough."""
    write_instance_config(fake_root, f"SECRET_KEY = {'x' * 32!r}\n")
    assert create_app().config["SECRET_KEY"] == "x" * 32


def test_weak_key_is_refused_for_a_test_config_without_testing():
    """Passing a config dict is not a way round the guard: TESTING or debug must be on."""
    with pytest.raises(RuntimeError):
        create_app({"SECRET_KEY": "test", "DATABASE": ":memory:"})


def test_weak_key_is_allowed_in_debug_mode(fake_root, monkeypatch):
    """`flask --debug` starts with the default key (local development)."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("FLASK_SECRET_KEY", "dev")
    app = create_app()
    assert app.debug and app.config["SECRET_KEY"] == "dev"


def test_check_secret_key_allows_weak_key_only_in_debug_or_testing(app):
    """check_secret_key: weak key passes under TESTING, fails once TESTING is off."""
    app.config["SECRET_KEY"] = "test"
    check_secret_key(app)  # testing: allowed
    app.testing = False
    with pytest.raises(RuntimeError):
        check_secret_key(app)
    app.config["SECRET_KEY"] = GOOD_KEY
    check_secret_key(app)


def test_templates_static_and_instance_are_the_top_level_folders(app):
    """templates/, static/ and instance/ resolve to the folders beside icv/, not inside it."""
    root = Path(icv.__file__).resolve().parent.parent
    assert (root / "pyproject.toml").is_file()
    assert Path(app.template_folder) == root / "templates"
    assert Path(app.static_folder) == root / "static"
    assert Path(app.instance_path) == root / "instance"
    assert (root / "templates" / "base.html").is_file()


def test_stylesheet_and_sign_in_page_are_served(client):
    """The top-level static/ and templates/ folders are what the app actually serves."""
    css = client.get("/static/style.css")
    assert css.status_code == 200
    assert css.mimetype == "text/css"
    css.close()
    page = client.get("/login")
    assert page.status_code == 200
    assert "<h1>Sign in</h1>" in page.text
