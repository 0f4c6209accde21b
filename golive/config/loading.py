"""Finding, reading and validating an environment's config: the one function every entry point calls.

``load_run_settings(env=..., path=..., target_url=..., root=...)`` serves pytest (``--golive-*``), ``golive run``
and ``golive load``; ``load_settings(path)`` reads one file. Both raise ``ConfigError``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from golive.config.problems import problems
from golive.config.settings import CHECKS_NOTHING, Settings
from golive.config.strict_yaml import YamlProblem, read_yaml
from golive.errors import ConfigError
from golive.fields import safe_name

DEFAULT_ENV = "sandbox"
MIN_SECRET_LENGTH = 8  # shorter keys would be redacted wherever they appear as a word ("GO", "ok")
_SECRET_KEY_RE = re.compile(r"(^|_)(api_?key|password|passwd|secret|token|bearer)$", re.IGNORECASE)
_URL_PASSWORD_RE = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/@:\s]*:[^/@\s]+@", re.IGNORECASE)


def load_run_settings(
    *,
    env: str | None = None,
    path: str | Path | None = None,
    target_url: str | None = None,
    root: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """The settings of one run: the file ``resolve_config_path`` picks, with ``target_url`` (the command
    line's override) winning over ``GOLIVE_TARGET_URL``; raise ``ConfigError`` naming what to fix."""
    resolved = resolve_config_path(env=env, path=path, root=root)
    merged = dict(os.environ if environ is None else environ)
    if target_url:
        merged["GOLIVE_TARGET_URL"] = target_url
    return load_settings(resolved, environ=merged)


def resolve_config_path(*, env: str | None = None, path: str | Path | None = None, root: Path | None = None) -> Path:
    """``--golive-config PATH`` wins, then ``--golive-env NAME`` / ``GOLIVE_ENV``, then the sandbox."""
    if path:
        return Path(path)
    name = env or os.environ.get("GOLIVE_ENV") or DEFAULT_ENV
    try:
        safe_name(name, "an environment name")
    except ValueError as err:
        raise ConfigError(repr(name), [("", str(err))]) from None
    base = Path(os.environ.get("GOLIVE_CONFIG_DIR") or (root or Path.cwd()) / "config")
    return base / f"{name}.yaml"


def load_settings(path: Path, *, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, check for secrets, validate; raise ``ConfigError`` naming the file and every bad field."""
    environ = os.environ if environ is None else environ
    source = str(path)
    raw = _read(path)
    secrets = list(_find_secrets(raw, ""))
    if secrets:
        raise ConfigError(source, secrets)
    if "source" in raw:
        raise ConfigError(source, [("source", "unknown key: the config's source is the file it was read from")])
    if "env" not in raw:
        stem = path.name.removesuffix(".yaml").removesuffix(".yml")
        try:
            raw["env"] = safe_name(stem, "an environment name")
        except ValueError as err:
            raise ConfigError(
                source, [("env", f"the file name gives no usable environment name ({err}): set env: NAME")]
            ) from None
    override = environ.get("GOLIVE_TARGET_URL")
    if override and _URL_PASSWORD_RE.search(override):
        raise ConfigError(
            "the target override (--golive-target / --target / GOLIVE_TARGET_URL)",
            [("url", "a URL with a password in it: drop it and put the key in the environment variable "
              "named by target.api_key_env")],
        )  # fmt: skip
    if override:
        if raw.get("target") is None:
            raw["target"] = {}
        target = raw["target"]
        if isinstance(target, dict):
            target["url"] = override
    try:
        settings = Settings.model_validate({**raw, "source": source})
    except ValidationError as err:
        raise ConfigError(source, problems(err, Settings)) from None
    short = [
        (field, f"${name} holds {len(value)} characters; a secret shorter than {MIN_SECRET_LENGTH} cannot be told "
         "apart from ordinary words when it is redacted from the reports: use a longer one")
        for field, name in _secret_names(settings)
        if 0 < len(value := environ.get(name) or "") < MIN_SECRET_LENGTH
    ]  # fmt: skip
    if short:
        raise ConfigError(source, short)
    return settings


def _read(path: Path) -> dict[Any, Any]:
    source = str(path)
    if not path.is_file():
        hint = f"create it, or pick an existing one in {path.parent}/" if path.parent.is_dir() else "check the path"
        raise ConfigError(source, [("", f"file not found ({hint})")])
    try:
        raw = read_yaml(path.read_text(encoding="utf-8"))
    except YamlProblem as err:
        raise ConfigError(source, [(err.where, err.message)]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(source, [("", f"cannot read the file: {err}")]) from None
    if raw is None or raw == {}:
        raise ConfigError(source, [("", f"the file is empty: {CHECKS_NOTHING}")])
    if not isinstance(raw, dict):
        raise ConfigError(source, [("", f"expected a mapping of sections, got {type(raw).__name__}")])
    return raw


def secrets_in_use(settings: Settings, environ: Mapping[str, str] | None = None) -> list[str]:
    """The values of every secret the config names (API keys, dependency passwords, SSH key passphrases), for
    redaction."""
    environ = os.environ if environ is None else environ
    return [value for _field, name in _secret_names(settings) if (value := environ.get(name))]


def _secret_names(settings: Settings) -> list[tuple[str, str]]:
    """``(field, environment variable name)`` of every secret the config names."""
    names: list[tuple[str, str | None]] = [
        ("target.api_key_env", settings.target.api_key_env),
        ("target.read_only_api_key_env", settings.target.read_only_api_key_env),
    ]
    names += [(f"dependencies[{i}].password_env", d.password_env) for i, d in enumerate(settings.dependencies)]
    names += [(f"hosts[{i}].passphrase_env", h.passphrase_env) for i, h in enumerate(settings.hosts)]
    return [(field, name) for field, name in names if name is not None and name]


_ENV_FIELDS = (
    (re.compile(r"^target\.(api_key|read_only_api_key)$"), "target.{0}_env"),
    (re.compile(r"^dependencies\[\d+\]\.password$"), "{path}_env"),
)


def _where_secrets_go(path: str) -> str:
    """Where the secret at ``path`` belongs: the ``*_env`` field that names its environment variable."""
    for pattern, field in _ENV_FIELDS:
        match = pattern.match(path)
        if match:
            named = field.format(*match.groups(), path=path)
            return f"put it in an environment variable and name that variable in {named}"
    return (
        "put it in an environment variable; the config names such variables in its *_env fields "
        "(target.api_key_env, target.read_only_api_key_env, dependencies[].password_env)"
    )


def _find_secrets(node: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            is_value = isinstance(value, str | int) and not isinstance(value, bool)  # claims.api_key: true is a claim
            if isinstance(key, str) and _SECRET_KEY_RE.search(key) and is_value and value:
                yield (sub, f"a secret written into the config file: remove it, {_where_secrets_go(sub)}")
            else:
                yield from _find_secrets(value, sub)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _find_secrets(value, f"{path}[{i}]")
    elif isinstance(node, str) and _URL_PASSWORD_RE.search(node):
        yield (
            path,
            "a URL with a password in it: drop the password and name its environment variable instead",
        )
