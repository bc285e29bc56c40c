"""What every (Region, account) of the fake holds, and the keys it knows."""
from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field

from .imagebuilder_store import ImageStore

HOME_ACCOUNT = "123456789012"
BASE_ACCESS_KEY = "AKIAAMIFLOWBENCHHOME"
BASE_SECRET_KEY = "amiflow-bench-secret-key-not-a-real-one0"


def stable_id(prefix: str, *parts: str, width: int = 17) -> str:
    return prefix + hashlib.sha256("/".join(parts).encode()).hexdigest()[:width]


@dataclass
class Parameter:
    name: str
    value: str
    type: str = "String"
    data_type: str = "text"
    description: str | None = None
    version: int = 1
    tier: str = "Standard"
    modified: float = field(default_factory=time.time)
    writer: str | None = None  # LastModifiedUser: the ARN of whoever wrote this version


@dataclass
class TemplateVersion:
    number: int
    data: dict  # LaunchTemplateData members, e.g. {"ImageId": ..., "InstanceType": ...}
    description: str | None
    created: float = field(default_factory=time.time)


@dataclass
class Template:
    id: str
    name: str
    tags: dict
    versions: dict = field(default_factory=dict)  # number -> TemplateVersion
    default: int = 1
    created: float = field(default_factory=time.time)

    @property
    def latest(self) -> int:
        return max(self.versions)


@dataclass
class Ami:
    id: str
    region: str
    owner: str
    name: str
    tags: dict
    shared_with: set = field(default_factory=set)  # accounts with launch permission ("all": public)
    deprecated: bool = False
    disabled: bool = False
    created: float = field(default_factory=time.time)


@dataclass
class Key:
    """An access key: its account and secret; for keys STS issued, the session token, the session
    name and the actions its session policy allows and denies (None: no session policy)."""
    account: str
    secret: str
    token: str | None = None
    session: str | None = None  # "<role name>/<session name>"
    allow: list[str] | None = None
    deny: list[str] = field(default_factory=list)


class World:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.imagebuilder = ImageStore()  # Image Builder's images and configurations (its own lock)
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.parameters: dict[tuple[str, str], dict[str, Parameter]] = {}
            self.templates: dict[tuple[str, str], dict[str, Template]] = {}
            self.amis: dict[str, dict[str, Ami]] = {}  # region -> id -> AMI
            self.roles: set[tuple[str, str]] = set()  # (account, role name)
            self.keys: dict[str, Key] = {BASE_ACCESS_KEY: Key(HOME_ACCOUNT, BASE_SECRET_KEY)}
            self.sessions: list[tuple[str, str]] = []  # (account, session name) of every AssumeRole
            self.tokens: dict[tuple[str, str, str], tuple[str, dict]] = {}  # EC2 client tokens
            self.key_counter = 0
        self.imagebuilder.clear()

    def caller_arn(self, access_key: str) -> str:
        """Who a key is, as GetCallerIdentity answers and SSM records a writer: an assumed role's
        session, or the home account's bench user."""
        with self.lock:
            key = self.keys[access_key]
        if key.session:
            return f"arn:aws:sts::{key.account}:assumed-role/{key.session}"
        return f"arn:aws:iam::{key.account}:user/bench"

    # seeding
    def put_parameter(self, region: str, account: str, p: Parameter) -> None:
        with self.lock:
            self.parameters.setdefault((region, account), {})[p.name] = p

    def put_template(self, region: str, account: str, t: Template) -> None:
        with self.lock:
            self.templates.setdefault((region, account), {})[t.id] = t

    def put_ami(self, ami: Ami) -> None:
        with self.lock:
            self.amis.setdefault(ami.region, {})[ami.id] = ami

    def put_image(self, image: dict) -> None:
        self.imagebuilder.put_image(image)

    def add_role(self, account: str, name: str) -> None:
        with self.lock:
            self.roles.add((account, name))

    # reading
    def parameters_of(self, region: str, account: str) -> dict[str, Parameter]:
        return self.parameters.setdefault((region, account), {})

    def templates_of(self, region: str, account: str) -> dict[str, Template]:
        return self.templates.setdefault((region, account), {})

    def ami_visible(self, region: str, account: str, ami_id: str) -> Ami | None:
        ami = self.amis.get(region, {}).get(ami_id)
        if ami and (ami.owner == account or account in ami.shared_with or "all" in ami.shared_with):
            return ami
        return None
