"""Matching statement lines to what they pay: in memory, deterministic, no database access.

A line's text is its reference and description, folded (case, accents) and stripped of spaces,
dashes, dots and slashes: "Ref. PE-0012 / cuota 3" reads "REFPE0012CUOTA3". Keys (references,
link ids...) are normalised the same way. The rules run in order and the first one that finds
anything decides:

1. ``payment_link``: an open payment link of the portfolio whose id, first ``TOKEN_PREFIX``
   token characters or provider reference appears in the text, for exactly the line's amount.
   Each link is paid once: after a line pays it, later lines skip it.
2. ``external_ref``: an open account (active, in a plan, disputed) whose external reference
   appears in the text. Which part of it the money pays (the next instalment or the balance)
   is decided when booking.
3. ``national_id``: the open accounts of every debtor whose identity document number is a whole
   word of the text, after separators between digits are dropped ("DNI 12345678",
   "RUT 12.345.678-5"). Whole words only: document numbers are digits, like operation numbers.

Keys shorter than ``MIN_KEY`` characters never match inside a longer text; they match only a
reference that is exactly the key. Candidates come out in a stable order (by key length, then
position), one per link or account. One candidate: matched; several: ambiguous; none: unmatched.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from shared.schemas.statements import MatchReason
from shared.text import fold

MIN_KEY = 4
TOKEN_PREFIX = 10
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015./]+")
_BETWEEN_DIGITS = re.compile(r"(?<=\d)[.\-/](?=[\dK])")
_WORD = re.compile(r"[A-Z0-9]+")

T = TypeVar("T")


def normalise(text: str) -> str:
    return _SEPARATORS.sub("", fold(text).upper())


def words(text: str) -> list[str]:
    return _WORD.findall(_BETWEEN_DIGITS.sub("", fold(text).upper()))


@dataclass(frozen=True, slots=True)
class AccountInfo:
    id: uuid.UUID
    external_ref: str
    debtor_id: uuid.UUID
    debtor_name: str
    id_number: str
    balance_minor: int


@dataclass(frozen=True, slots=True)
class LinkInfo:
    id: uuid.UUID
    account_id: uuid.UUID
    amount_minor: int
    token: str
    provider_reference: str | None

    def keys(self) -> list[str]:
        raw = [str(self.id), self.token[:TOKEN_PREFIX], self.provider_reference or ""]
        return [key for key in map(normalise, raw) if key]


@dataclass(frozen=True, slots=True)
class Candidate:
    reason: MatchReason
    account: AccountInfo
    link_id: uuid.UUID | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "account_id": str(self.account.id),
            "external_ref": self.account.external_ref,
            "debtor_name": self.account.debtor_name,
            "balance_minor": self.account.balance_minor,
            "reason": self.reason.value,
            "link_id": str(self.link_id) if self.link_id else None,
        }


class KeyIndex(Generic[T]):
    """Normalised keys and their values; finds every key occurring in a normalised text with
    one dictionary look-up per position and distinct key length."""

    def __init__(self) -> None:
        self._by_length: dict[int, dict[str, list[T]]] = defaultdict(dict)
        self._short: dict[str, list[T]] = {}

    def add(self, key: str, value: T) -> None:
        if not key:
            return
        table = self._short if len(key) < MIN_KEY else self._by_length[len(key)]
        table.setdefault(key, []).append(value)

    def find(self, text: str, reference: str) -> list[T]:
        found: list[T] = list(self._short.get(reference, ()))
        for length in sorted(self._by_length):
            keys = self._by_length[length]
            for start in range(len(text) - length + 1):
                found.extend(keys.get(text[start : start + length], ()))
        return found


class Matcher:
    """The portfolio's open accounts and open links, indexed once per statement."""

    def __init__(self, accounts: Iterable[AccountInfo], links: Iterable[LinkInfo]) -> None:
        self.accounts = {account.id: account for account in accounts}
        self._refs: KeyIndex[AccountInfo] = KeyIndex()
        self._ids: dict[str, list[AccountInfo]] = defaultdict(list)
        for account in self.accounts.values():
            self._refs.add(normalise(account.external_ref), account)
            if number := "".join(words(account.id_number)):
                self._ids[number].append(account)
        self._links: KeyIndex[LinkInfo] = KeyIndex()
        self._paid_links: set[uuid.UUID] = set()
        for link in links:
            if link.account_id in self.accounts:
                for key in dict.fromkeys(link.keys()):
                    self._links.add(key, link)

    def match(self, reference: str, description: str, amount_minor: int) -> list[Candidate]:
        text = normalise(f"{reference} {description}")
        whole = normalise(reference)
        links = [
            link
            for link in _unique(self._links.find(text, whole), lambda link: link.id)
            if link.amount_minor == amount_minor and link.id not in self._paid_links
        ]
        if links:
            return [
                Candidate(MatchReason.payment_link, self.accounts[link.account_id], link.id)
                for link in links
            ]
        by_ref = _unique(self._refs.find(text, whole), lambda account: account.id)
        if by_ref:
            return [Candidate(MatchReason.external_ref, account) for account in by_ref]
        by_id = [
            account
            for word in dict.fromkeys(words(f"{reference} {description}"))
            for account in self._ids.get(word, ())
        ]
        return [
            Candidate(MatchReason.national_id, account)
            for account in _unique(by_id, lambda account: account.id)
        ]

    def link_paid(self, link_id: uuid.UUID) -> None:
        self._paid_links.add(link_id)


def _unique(items: list[T], key: Any) -> list[T]:
    seen: dict[Any, T] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())
