"""What the fake Image Builder holds: images (GetImage's `image`, by build version ARN), distribution
configurations (by ARN) and the client tokens DistributeImage has seen. One store per server: the
benchmark's World owns one, the moto front another; both are filled the same ways (put_*, fixtures)."""
from __future__ import annotations

import copy
import json
import threading
from pathlib import Path


class ImageStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.images: dict[str, dict] = {}
            self.configurations: dict[str, dict] = {}
            # (account, client token) -> (the request, the answer), for DistributeImage's idempotency
            self.tokens: dict[tuple[str, str], tuple[dict, dict]] = {}
            self.distributed = 0  # DistributeImage products made: numbers their new AMI ids

    def put_image(self, image: dict) -> dict:
        """Adds an image: GetImage's answer (`{"image": {...}}`) or the image object itself."""
        return self._put(self.images, image, "image", "an image")

    def put_configuration(self, configuration: dict) -> dict:
        """Adds a distribution configuration (GetDistributionConfiguration's `distributionConfiguration`,
        or the object itself)."""
        return self._put(self.configurations, configuration, "distributionConfiguration",
                         "a distribution configuration")

    def _put(self, into: dict, answer: dict, member: str, what: str) -> dict:
        """Stores a copy of the object `answer` holds as `member` (or `answer` itself), by its ARN."""
        item = copy.deepcopy(answer.get(member, answer))
        if not isinstance(item.get("arn"), str):
            raise ValueError(f"{what} has an arn")
        with self.lock:
            into[item["arn"]] = item
        return item

    def image(self, arn: str) -> dict | None:
        with self.lock:
            found = self.images.get(arn)
            return copy.deepcopy(found) if found is not None else None

    def put_fixture(self, value: dict) -> str:
        """One fixture: an image if it has `image` or `outputResources`, else a configuration.
        Answers which it was."""
        if "image" in value or "outputResources" in value:
            self.put_image(value)
            return "image"
        self.put_configuration(value)
        return "configuration"

    def load_fixtures(self, folder: str | Path) -> int:
        """Loads every *.json file of `folder`, in name order (as the Rust `imagebuilder-standin`
        did, except that an unwrapped image carrying its own `distributionConfiguration` stays an
        image). Answers how many were loaded."""
        paths = sorted(p for p in Path(folder).iterdir() if p.suffix == ".json")
        for path in paths:
            try:
                self.put_fixture(json.loads(path.read_text()))
            except (ValueError, AttributeError) as e:
                raise ValueError(f"{path}: {e}") from e
        return len(paths)
