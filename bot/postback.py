"""Postback data through one typed codec: prefix, version, action, arguments and a short MAC.

LINE returns the data string untouched, but anyone in a chat could craft a postback; the MAC
rejects made-up data early, and every handler still checks who may do what.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
from dataclasses import dataclass

from bot.line_limits import POSTBACK_DATA_MAX

PREFIX = "sa1"
MAX_LEN = POSTBACK_DATA_MAX


class Action(enum.StrEnum):
    CONFIRM = "ok"  # resident: はい
    DECLINE = "no"  # resident: いいえ
    RESTATE = "re"  # resident: 言い直す
    PICK = "pk"  # resident: chose a category (arg: label)
    CANCEL = "cx"  # resident: cancel an open request
    CLAIM = "cl"  # supporter: 引き受けます
    DONE = "dn"  # supporter: 完了
    RELEASE = "rl"  # supporter: 手放す
    TOWN = "tw"  # registration: chose a town (arg: town id)
    TOWN_NO = "tn"  # registration: not this town
    WHEN = "wh"  # resident: when help is wanted (arg: today | tomorrow | week | any | pick)
    WATCH = "wa"  # resident: 見守り frequency (arg: daily | weekly)
    WATCH_HOUR = "wt"  # resident: 見守り hour (ref: hour, arg: frequency)
    CHECKIN_OK = "ck"  # resident: 元気です (ref: check-in id)
    RECUR_OK = "ro"  # resident: yes to a standing arrangement (ref: recurring id)
    RECUR_NO = "rn"  # resident: no to it
    RECUR_CLAIM = "rc"  # supporter: takes a standing arrangement
    CANCEL_YES = "cy"  # resident: yes, cancel it (after 「取りやめますか？」)
    CANCEL_NO = "cn"  # resident: no, keep it
    POSSIBLE = "pe"  # resident: answer to 「いま、けがや急な具合の悪さがありますか？」 (arg: yes | no | unsure)
    SKIP = "sk"  # registration: skip the address or the phone
    CONSENT = "cs"  # registration: agrees (ref 1) or not (ref 0) to who sees what
    FOR_SOMEONE = "fs"  # registration: on someone's behalf (family, 民生委員)
    RELATION = "rg"  # registration: the registrant's relation (arg: family | welfare)
    ALERT_ACK = "ak"  # coordinators' group: 対応します on an alert (ref: alert id)


class InvalidPostback(Exception):
    """Data we did not make, or made for another version."""


@dataclass(frozen=True, slots=True)
class Postback:
    action: Action
    ref: int = 0  # a request id or town id
    arg: str = ""


def _mac(secret: bytes, body: str) -> str:
    digest = hmac.new(secret, body.encode(), hashlib.sha256).digest()[:9]
    return base64.urlsafe_b64encode(digest).decode()


def encode(pb: Postback, secret: bytes) -> str:
    if ":" in pb.arg:
        raise ValueError("postback arg must not contain ':'")
    body = f"{PREFIX}:{pb.action.value}:{pb.ref}:{pb.arg}"
    data = f"{body}:{_mac(secret, body)}"
    if len(data) > MAX_LEN:
        raise ValueError("postback data too long")
    return data


def decode(data: str, secret: bytes) -> Postback:
    if len(data) > MAX_LEN:
        raise InvalidPostback("too long")
    parts = data.split(":")
    if len(parts) != 5 or parts[0] != PREFIX:
        raise InvalidPostback("not ours")
    body, mac = ":".join(parts[:4]), parts[4]
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise InvalidPostback("bad mac")
    try:
        return Postback(Action(parts[1]), int(parts[2]), parts[3])
    except ValueError as e:
        raise InvalidPostback("bad fields") from e
