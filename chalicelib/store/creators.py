"""The creators table (达人): one item per creator, keyed by the creator's user id."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.models import Model

from chalicelib.store.base import apply_update, table_meta


@dataclass
class Creator:
    creator_id: str
    name: str
    bio: str
    avatar_url: str | None
    created_at: int
    score: float | None = None


class CreatorModel(Model):
    Meta = table_meta("creators")

    creator_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    bio = UnicodeAttribute(default="")
    avatar_url = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    score = NumberAttribute(null=True)


class CreatorExists(Exception):
    pass


def create(creator: Creator) -> None:
    try:
        CreatorModel(creator.creator_id, name=creator.name, bio=creator.bio,
                     avatar_url=creator.avatar_url, created_at=creator.created_at).save(
            condition=CreatorModel.creator_id.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise CreatorExists(creator.creator_id) from error
        raise


def get(creator_id: str) -> Creator | None:
    try:
        model = CreatorModel.get(creator_id)
    except CreatorModel.DoesNotExist:
        return None
    return Creator(model.creator_id, model.name, model.bio, model.avatar_url,
                   int(model.created_at), model.score)


def set_score(creator_id: str, score: float | None) -> None:
    """Copy the creator's score onto its item; creators who never registered are skipped."""
    try:
        apply_update(CreatorModel(creator_id), [CreatorModel.score.set(score)],
                     CreatorModel.creator_id.exists())
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
