"""One YAML per environment, validated into ``Settings`` before any check runs.

``load_settings(Path("config/sandbox.yaml"))`` returns the validated settings or raises ``ConfigError``,
whose message names the file, each bad field's path and what is expected. Secrets never live in the file:
the file names the environment variables that hold them (``api_key_env: QDRANT_API_KEY``).

Environment overrides (for CI and the suite's own tests): ``GOLIVE_TARGET_URL`` replaces ``target.url``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from golive.load.settings import LoadSettings
from golive.load.slo import Gate
from golive.probes.dependencies.settings import Dependencies
from golive.units import parse_duration, parse_percent

DEFAULT_ENV = "sandbox"
CHECK_ID_RE = re.compile(r"^GL-[A-Z]+-\d{3}$")
WAIVER_ID_RE = re.compile(r"^GL-[A-Z]+-\d{3}(\[[^\[\]]+\])?$")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_KEY_RE = re.compile(r"(^|_)(api_?key|password|passwd|secret|token|bearer)$", re.IGNORECASE)
_URL_PASSWORD_RE = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/@:\s]*:[^/@\s]+@", re.IGNORECASE)


class ConfigError(Exception):
    """A config that cannot be used; ``str(err)`` is the message for the user (no traceback needed)."""

    def __init__(self, source: str, problems: Iterable[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [f"config error in {source}:"]
        lines += [f"  {path or '(top level)'}: {message}" for path, message in self.problems]
        super().__init__("\n".join(lines))


def _looks_like_a_token(value: str) -> bool:
    """A long run of letters and digits without an underscore: a key pasted where its variable's name goes."""
    return len(value) >= 20 and "_" not in value and any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


_SAFE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def safe_name(value: str, what: str) -> str:
    """A name that becomes one path segment under reports/ (environment, run id): no separators, no ``..``."""
    if not _SAFE_NAME_RE.match(value) or ".." in value:
        raise ValueError(
            f"{what} starts with a letter or digit, then letters, digits, '.', '_' or '-' (one folder name "
            f"under reports/, no '..'), got {value!r}"
        )
    return value


def _env_var_name(value: str) -> str:
    if not _ENV_NAME_RE.match(value) or _looks_like_a_token(value):
        raise ValueError(
            "expected the NAME of an environment variable (e.g. QDRANT_API_KEY), not a secret value: "
            "secrets are read from the environment, never from the config file"
        )
    return value


def _gate(value: Any) -> Gate:
    if isinstance(value, Gate):
        return value
    return Gate.parse(value)


def _version_spec(value: str) -> str:
    try:
        SpecifierSet(value)
    except InvalidSpecifier:
        raise ValueError(f"expected a version range such as '>=1.15,<2', got {value!r}") from None
    return value


def _url(value: str) -> str:
    if not re.match(r"^https?://[^/\s]+", value):
        raise ValueError(f"expected an http:// or https:// URL such as http://127.0.0.1:6333, got {value!r}")
    return value.rstrip("/")


Duration = Annotated[float, BeforeValidator(parse_duration)]
Fraction = Annotated[float, BeforeValidator(parse_percent)]
EnvVarName = Annotated[str, AfterValidator(_env_var_name)]
GateExpr = Annotated[Gate, BeforeValidator(_gate)]
Url = Annotated[str, AfterValidator(_url)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class TLSSettings(_Model):
    """``target.tls``: how the suite talks TLS to the target; whether TLS is *required* is a claim."""

    verify: bool = True
    ca_file: Path | None = None
    cert_expiry_warning: Duration = Field(30 * 86400.0, description="warn when the certificate expires sooner")


class SandboxSettings(_Model):
    """``target.sandbox``: present when the target is the suite's own sandbox; ``golive run`` starts it."""

    demo: bool = True
    demo_scale: float = Field(1.0, gt=0, le=10)
    demo_seed: int = 0
    data_dir: Path = Path(".golive/sandbox-data")
    ready_timeout: Duration = 120.0


class TargetSettings(_Model):
    url: Url = "http://127.0.0.1:6333"
    grpc_port: int | None = Field(6334, ge=1, le=65535)
    metrics_url: Url | None = Field(None, description="a separate metrics endpoint serving /metrics and /health")
    tls: TLSSettings = TLSSettings()
    api_key_env: EnvVarName = "QDRANT_API_KEY"
    read_only_api_key_env: EnvVarName = "QDRANT_READ_ONLY_API_KEY"
    timeout: Duration = 5.0
    connect_timeout: Duration = 2.0
    sandbox: SandboxSettings | None = None

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox is not None

    @property
    def host(self) -> str:
        return self.url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        netloc = self.url.split("://", 1)[1].split("/", 1)[0]
        if ":" in netloc:
            return int(netloc.rsplit(":", 1)[1])
        return 443 if self.url.startswith("https") else 80


class Claims(_Model):
    """What the deployment claims to have; checks skip when a claim is off and fail when it is on but missing."""

    tls: bool = False
    api_key: bool = False
    read_only_api_key: bool = False
    cluster: bool = False
    restricted_cors: bool = False


class HostSettings(_Model):
    """A host to probe with testinfra: ``spec`` is a testinfra host spec (``local://``, ``ssh://user@host``)."""

    spec: str
    name: str | None = None
    service: str = "qdrant"
    user: str = "qdrant"
    storage_path: Path = Path("/var/lib/qdrant/storage")
    config_file: Path | None = Path("/etc/qdrant/config.yaml")

    @field_validator("spec")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        backends = (
            "local",
            "ssh",
            "paramiko",
            "docker",
            "podman",
            "kubectl",
            "ansible",
            "salt",
            "winrm",
            "lxc",
        )
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in backends:
            raise ValueError(
                f"expected a testinfra host spec such as local:// or ssh://user@host, got {value!r} "
                f"(backends: {', '.join(backends)})"
            )
        return value

    @property
    def label(self) -> str:
        return self.name or self.spec


class ExpectedCollection(_Model):
    name: str = Field(min_length=1)
    vector_size: int = Field(gt=0, le=65536)
    distance: Literal["Cosine", "Dot", "Euclid", "Manhattan"]
    min_points: int = Field(0, ge=0)
    recall_goal: float = Field(0.95, gt=0, le=1)


class SystemLimits(_Model):
    """Resource limits on the probed hosts (fractions: ``cpu: 85%``)."""

    cpu: Fraction = 0.85
    memory: Fraction = 0.90
    disk: Fraction = 0.85
    load_per_core: float = Field(2.0, gt=0)
    min_open_files: int = Field(65536, ge=0)
    min_max_map_count: int = Field(262144, ge=0)


class Thresholds(_Model):
    gates: list[GateExpr] = Field(
        default_factory=lambda: [Gate.parse(t) for t in ("p95 < 10ms", "throughput >= 1000/s", "errors < 0.1%")]
    )
    system: SystemLimits = SystemLimits()
    version: str = Field(">=1.10,<2", description="the Qdrant versions accepted, a PEP 440 range")

    @field_validator("version")
    @classmethod
    def _spec(cls, value: str) -> str:
        return _version_spec(value)

    def version_accepted(self, version: str) -> bool:
        try:
            return Version(version) in SpecifierSet(self.version)
        except InvalidVersion:
            return False


class Backups(_Model):
    locations: list[Path] = Field(default_factory=list)
    max_age: Duration = 26 * 3600.0


class Hook(_Model):
    command: str | list[str]
    timeout: Duration = 600.0


class Hooks(_Model):
    deploy: Hook | None = None
    rollback: Hook | None = None


class Waiver(_Model):
    id: str
    reason: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    expires: dt.date

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not WAIVER_ID_RE.match(value):
            raise ValueError(
                f"expected a check id such as GL-SEC-002, or one item of a family such as GL-COL-003[faq], "
                f"got {value!r}"
            )
        return value

    def covers(self, check_id: str, label: str) -> bool:
        """``GL-COL-003`` waives every collection's item; ``GL-COL-003[faq]`` only faq's."""
        return self.id in (check_id, label)

    def active(self, today: dt.date) -> bool:
        return today <= self.expires


class Allow(_Model):
    """Safety switches: the suite is read-only unless the config allows more."""

    probe_writes: bool = Field(True, description="create, write and remove golive_probe_<run-id>_* collections")
    snapshot_restore: bool = False
    full_load: bool = False


class Settings(_Model):
    env: str = Field(description="the environment's name: the file name, or `env:` in the file")
    source: str = Field("", exclude=True)

    @field_validator("env")
    @classmethod
    def _safe_env(cls, value: str) -> str:
        return safe_name(value, "an environment name")

    target: TargetSettings = TargetSettings()
    claims: Claims = Claims()
    hosts: list[HostSettings] = Field(default_factory=list)
    collections: list[ExpectedCollection] = Field(default_factory=list)
    thresholds: Thresholds = Thresholds()
    load: LoadSettings = LoadSettings()
    dependencies: Dependencies = Field(default_factory=list)
    backups: Backups = Backups()
    hooks: Hooks = Hooks()
    waivers: list[Waiver] = Field(default_factory=list)
    allow: Allow = Allow()

    @field_validator("collections")
    @classmethod
    def _unique_names(cls, collections: list[ExpectedCollection]) -> list[ExpectedCollection]:
        seen: set[str] = set()
        for c in collections:
            if c.name in seen:
                raise ValueError(f"collection {c.name!r} is listed twice under collections")
            seen.add(c.name)
        return collections

    def waiver_for(self, check_id: str, today: dt.date, label: str | None = None) -> Waiver | None:
        """The waiver covering the item (``label`` such as ``GL-COL-003[faq]``), active or not; an active one
        wins over an expired one, and one naming the exact item over one naming the whole family."""
        matches = [w for w in self.waivers if w.covers(check_id, label or check_id)]
        matches.sort(key=lambda w: (not w.active(today), w.id != label))
        return matches[0] if matches else None


# ---------------------------------------------------------------------------------------------- loading


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
    if not path.is_file():
        hint = f"create it, or pick an existing one in {path.parent}/" if path.parent.is_dir() else "check the path"
        raise ConfigError(source, [("", f"file not found ({hint})")])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(source, [(where, f"not valid YAML: {problem}")]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(source, [("", f"cannot read the file: {err}")]) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(source, [("", f"expected a mapping of sections, got {type(raw).__name__}")])
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
            target["url"] = environ["GOLIVE_TARGET_URL"]
    try:
        settings = Settings.model_validate({**raw, "source": source})
    except ValidationError as err:
        raise ConfigError(source, _problems(err)) from None
    return settings


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


_UNION_TAGS = frozenset({"str", "int", "float", "bool", "list", "dict", "date", "none"})


def _problems(err: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for e in err.errors(include_url=False):
        # drop pydantic's union member tags ("str", "list[str]", "function-after[...]"): they are not keys
        loc = [p for p in e["loc"] if not (isinstance(p, str) and ("[" in p or p in _UNION_TAGS))]
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        kind, msg = e["type"], e["msg"]
        if kind == "extra_forbidden":
            msg = f"unknown key{_known_keys(err, e['loc'])}"
        elif kind == "missing":
            msg = "required but missing"
            if path.startswith("waivers") and path.endswith("expires"):
                msg += ": every waiver needs an expiry date (expires: YYYY-MM-DD)"
        elif kind.startswith("value_error"):
            msg = msg.removeprefix("Value error, ")
        else:
            msg = f"{msg} (got {e.get('input')!r})"
        problems.append((path, msg))
    return problems


def _known_keys(err: ValidationError, loc: tuple[Any, ...]) -> str:
    model: Any = Settings
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            return ""
        model = _model_of(field.annotation)
    if model is None or not hasattr(model, "model_fields"):
        return ""
    names = [n for n, f in model.model_fields.items() if not f.exclude]
    return f"; expected one of: {', '.join(names)}"


def _model_of(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
