"""The durable outbox: incidents, notifications to deliver, what was delivered, dead letters.

One SQLite file in WAL mode (``synchronous=FULL``): an alert is committed before ``emit``
returns and before anything is sent. A notification row is unique on its idempotency key
``sha256(receiver, dedup_key, epoch, kind, seq)``, so neither a retry nor a restart can
enqueue or deliver it twice: a new router on the same file carries on where the old one
stopped (rows still ``pending`` are retried with the same key; receivers deduplicate on it).

Each thread gets its own connection; write transactions are ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from alerts.silences import Silence
from monitor.contract import AlertEvent

__all__ = ["Incident", "Notification", "Outbox", "idempotency_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL, dedup_key TEXT NOT NULL, at REAL NOT NULL, payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS incidents (
  dedup_key TEXT PRIMARY KEY,
  status TEXT NOT NULL, epoch INTEGER NOT NULL, severity TEXT NOT NULL,
  labels TEXT NOT NULL, event BLOB NOT NULL,
  fired_at REAL NOT NULL, notified_at REAL, acked_at REAL, acked_by TEXT,
  tier INTEGER NOT NULL DEFAULT 0, tier_at REAL, resolved_at REAL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_status ON incidents(status);
CREATE TABLE IF NOT EXISTS notified (
  dedup_key TEXT NOT NULL, epoch INTEGER NOT NULL, receiver TEXT NOT NULL,
  tier INTEGER NOT NULL, first_at REAL NOT NULL, last_at REAL NOT NULL,
  repeats INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (dedup_key, epoch, receiver)
);
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  receiver TEXT NOT NULL, dedup_key TEXT NOT NULL, kind TEXT NOT NULL,
  idem_key TEXT NOT NULL UNIQUE, group_key TEXT NOT NULL, payload BLOB NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
  next_at REAL NOT NULL, created_at REAL NOT NULL, delivered_at REAL, last_error TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(receiver, state, next_at);
CREATE INDEX IF NOT EXISTS deliveries_key ON deliveries(receiver, dedup_key, state);
CREATE TABLE IF NOT EXISTS groups (
  receiver TEXT NOT NULL, group_key TEXT NOT NULL, first_at REAL NOT NULL, last_flush_at REAL,
  PRIMARY KEY (receiver, group_key)
);
CREATE TABLE IF NOT EXISTS refs (
  receiver TEXT NOT NULL, dedup_key TEXT NOT NULL, epoch INTEGER NOT NULL, ref TEXT NOT NULL,
  PRIMARY KEY (receiver, dedup_key, epoch)
);
CREATE TABLE IF NOT EXISTS silences (
  id TEXT PRIMARY KEY, body BLOB NOT NULL, ends_at REAL NOT NULL
);
"""


class Notification(msgspec.Struct, omit_defaults=True):
    """One thing to tell one receiver about one incident."""

    receiver: str
    kind: str  # trigger | repeat | escalate | ack | resolve
    dedup_key: str
    epoch: int
    seq: int
    idempotency_key: str
    group_key: str
    event: AlertEvent
    links: dict[str, str] = msgspec.field(default_factory=dict)
    tier: int = 0
    acked_by: str | None = None
    fired_at: float = 0.0
    enqueued_at: float = 0.0
    id: int = 0
    attempts: int = 0
    origin: str | None = None  # the receiver this one is a fallback for

    @property
    def status(self) -> str:
        return "resolved" if self.kind == "resolve" else "firing"


class Incident(msgspec.Struct):
    dedup_key: str
    status: str  # firing | acknowledged | resolved
    epoch: int
    severity: str
    labels: dict[str, str]
    event: AlertEvent
    fired_at: float
    notified_at: float | None
    acked_at: float | None
    acked_by: str | None
    tier: int
    tier_at: float | None
    resolved_at: float | None

    @property
    def active(self) -> bool:
        return self.status != "resolved"


def idempotency_key(receiver: str, dedup_key: str, epoch: int, kind: str, seq: int) -> str:
    raw = f"{receiver}\x1f{dedup_key}\x1f{epoch}\x1f{kind}\x1f{seq}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


_encoder = msgspec.json.Encoder()
_event_decoder = msgspec.json.Decoder(AlertEvent)
_notification_decoder = msgspec.json.Decoder(Notification)
_silence_decoder = msgspec.json.Decoder(Silence)


class Outbox:
    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        """``synchronous="FULL"`` (default) survives power loss; ``"NORMAL"`` (WAL) survives a
        process crash, not an OS crash, and commits several times faster."""
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError("synchronous must be FULL or NORMAL")
        self._synchronous = synchronous
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        conn = self._conn()
        conn.executescript(_SCHEMA)

    # -- connections and transactions
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, isolation_level=None, timeout=30.0, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            self._local.sync = self._synchronous
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    @contextlib.contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction. ``durable`` commits with the configured ``synchronous``
        (fsync: new alerts, acknowledgements, silences); ``durable=False`` commits with
        ``NORMAL`` (no fsync in WAL mode; survives a process crash) for bookkeeping that is
        safe to redo: delivery state (a lost "delivered" mark means one resend with the same
        idempotency key) and tick results (recomputed from the state on the next tick)."""
        conn = self._conn()
        level = self._synchronous if durable else "NORMAL"
        if getattr(self._local, "sync", None) != level:
            conn.execute(f"PRAGMA synchronous={level}")
            self._local.sync = level
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._conns_lock:
            for conn in self._conns:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._conns.clear()
        self._local = threading.local()

    # -- events journal
    def append_event(
        self, tx: sqlite3.Connection, kind: str, dedup_key: str, at: float, payload: Any
    ) -> None:
        tx.execute(
            "INSERT INTO events(kind, dedup_key, at, payload) VALUES (?,?,?,?)",
            (kind, dedup_key, at, _encoder.encode(payload)),
        )

    def events(self, kind: str | None = None) -> list[tuple[str, str, float, Any]]:
        sql = "SELECT kind, dedup_key, at, payload FROM events"
        rows = (
            self._conn()
            .execute(
                sql + (" WHERE kind=? ORDER BY seq" if kind else " ORDER BY seq"),
                (kind,) if kind else (),
            )
            .fetchall()
        )
        return [(k, d, a, json.loads(p)) for k, d, a, p in rows]

    # -- incidents
    def incident(self, tx: sqlite3.Connection, dedup_key: str) -> Incident | None:
        row = tx.execute(
            "SELECT dedup_key, status, epoch, severity, labels, event, fired_at, notified_at, "
            "acked_at, acked_by, tier, tier_at, resolved_at FROM incidents WHERE dedup_key=?",
            (dedup_key,),
        ).fetchone()
        return _incident(row) if row else None

    def active_incidents(self, tx: sqlite3.Connection | None = None) -> list[Incident]:
        rows = (
            (tx or self._conn())
            .execute(
                "SELECT dedup_key, status, epoch, severity, labels, event, fired_at, notified_at, "
                "acked_at, acked_by, tier, tier_at, resolved_at FROM incidents "
                "WHERE status != 'resolved' ORDER BY fired_at"
            )
            .fetchall()
        )
        return [_incident(r) for r in rows]

    def active_labels(self) -> dict[str, dict[str, str]]:
        rows = (
            self._conn()
            .execute("SELECT dedup_key, labels FROM incidents WHERE status != 'resolved'")
            .fetchall()
        )
        return {k: json.loads(lab) for k, lab in rows}

    def save_incident(self, tx: sqlite3.Connection, inc: Incident, now: float) -> None:
        tx.execute(
            "INSERT OR REPLACE INTO incidents(dedup_key, status, epoch, severity, labels, event, "
            "fired_at, notified_at, acked_at, acked_by, tier, tier_at, resolved_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                inc.dedup_key,
                inc.status,
                inc.epoch,
                inc.severity,
                json.dumps(inc.labels),
                _encoder.encode(inc.event),
                inc.fired_at,
                inc.notified_at,
                inc.acked_at,
                inc.acked_by,
                inc.tier,
                inc.tier_at,
                inc.resolved_at,
                now,
            ),
        )

    # -- who was told what
    def notified(
        self, tx: sqlite3.Connection, dedup_key: str, epoch: int
    ) -> dict[str, tuple[int, float, float, int]]:
        rows = tx.execute(
            "SELECT receiver, tier, first_at, last_at, repeats FROM notified "
            "WHERE dedup_key=? AND epoch=?",
            (dedup_key, epoch),
        ).fetchall()
        return {r: (t, f, last, n) for r, t, f, last, n in rows}

    def mark_notified(
        self,
        tx: sqlite3.Connection,
        dedup_key: str,
        epoch: int,
        receiver: str,
        tier: int,
        now: float,
        repeats: int,
    ) -> None:
        tx.execute(
            "INSERT INTO notified(dedup_key, epoch, receiver, tier, first_at, last_at, repeats) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT(dedup_key, epoch, receiver) "
            "DO UPDATE SET last_at=excluded.last_at, repeats=excluded.repeats",
            (dedup_key, epoch, receiver, tier, now, now, repeats),
        )

    # -- deliveries
    def enqueue(self, tx: sqlite3.Connection, n: Notification, next_at: float) -> bool:
        """Insert a notification; False (and nothing inserted) if its key already exists."""
        cur = tx.execute(
            "INSERT OR IGNORE INTO deliveries(receiver, dedup_key, kind, idem_key, group_key, "
            "payload, next_at, created_at) VALUES (?,?,?,?,?,?,?,?)",
            (
                n.receiver,
                n.dedup_key,
                n.kind,
                n.idempotency_key,
                n.group_key,
                _encoder.encode(n),
                next_at,
                n.enqueued_at,
            ),
        )
        return cur.rowcount == 1

    def has_pending(self, tx: sqlite3.Connection, receiver: str, dedup_key: str) -> bool:
        return (
            tx.execute(
                "SELECT 1 FROM deliveries WHERE receiver=? AND dedup_key=? AND state='pending' "
                "LIMIT 1",
                (receiver, dedup_key),
            ).fetchone()
            is not None
        )

    def due(self, receiver: str, now: float, limit: int) -> list[Notification]:
        """Due notifications, oldest first; per incident only the oldest pending one (a
        resolve never overtakes its trigger). A batch shares one group key."""
        rows = (
            self._conn()
            .execute(
                "SELECT d.id, d.attempts, d.payload FROM deliveries d "
                "WHERE d.receiver=? AND d.state='pending' AND d.next_at<=? AND NOT EXISTS ("
                "  SELECT 1 FROM deliveries e WHERE e.receiver=d.receiver AND "
                "  e.dedup_key=d.dedup_key AND e.state='pending' AND e.id<d.id) "
                "ORDER BY d.id LIMIT ?",
                (receiver, now, max(limit, 1) * 4),
            )
            .fetchall()
        )
        out: list[Notification] = []
        for row_id, attempts, payload in rows:
            n = _notification_decoder.decode(payload)
            n.id, n.attempts = row_id, attempts
            if out and n.group_key != out[0].group_key:
                continue
            out.append(n)
            if len(out) >= limit:
                break
        return out

    def next_due(self, receiver: str) -> float | None:
        row = (
            self._conn()
            .execute(
                "SELECT MIN(next_at) FROM deliveries WHERE receiver=? AND state='pending'",
                (receiver,),
            )
            .fetchone()
        )
        return row[0] if row else None

    def mark_delivered(self, batch: list[Notification], now: float) -> None:
        with self.transaction(durable=False) as tx:
            tx.executemany(
                "UPDATE deliveries SET state='delivered', delivered_at=?, attempts=attempts+1, "
                "last_error=NULL WHERE id=? AND state='pending'",
                [(now, n.id) for n in batch],
            )
            for key in {n.group_key for n in batch}:
                tx.execute(
                    "UPDATE groups SET last_flush_at=? WHERE receiver=? AND group_key=?",
                    (now, batch[0].receiver, key),
                )

    def mark_retry(self, batch: list[Notification], next_at: float, error: str) -> None:
        with self.transaction(durable=False) as tx:
            tx.executemany(
                "UPDATE deliveries SET attempts=attempts+1, next_at=?, last_error=? "
                "WHERE id=? AND state='pending'",
                [(next_at, error[:500], n.id) for n in batch],
            )

    def mark_failed(
        self,
        tx: sqlite3.Connection,
        n: Notification,
        state: str,
        error: str,
        fallback: Notification | None,
        now: float,
    ) -> None:
        """``state`` is ``dead`` or ``failed_over`` (then ``fallback`` is enqueued with it)."""
        if True:
            tx.execute(
                "UPDATE deliveries SET state=?, attempts=attempts+1, last_error=? "
                "WHERE id=? AND state='pending'",
                (state, error[:500], n.id),
            )
            if fallback is not None:
                self.enqueue(tx, fallback, now)
                if fallback.kind != "resolve":
                    tx.execute(
                        "INSERT OR IGNORE INTO notified(dedup_key, epoch, receiver, tier, "
                        "first_at, last_at, repeats) VALUES (?,?,?,?,?,?,0)",
                        (
                            fallback.dedup_key,
                            fallback.epoch,
                            fallback.receiver,
                            fallback.tier,
                            now,
                            now,
                        ),
                    )

    def skip(self, n: Notification, reason: str, now: float) -> None:
        with self.transaction(durable=False) as tx:
            tx.execute(
                "UPDATE deliveries SET state='skipped', delivered_at=?, last_error=? WHERE id=?",
                (now, reason, n.id),
            )

    def orphan(self, receivers: set[str], now: float) -> int:
        """Dead-letter pending work for receivers no longer configured (policy changed)."""
        with self.transaction(durable=False) as tx:
            rows = tx.execute(
                "SELECT DISTINCT receiver FROM deliveries WHERE state='pending'"
            ).fetchall()
            gone = [r for (r,) in rows if r not in receivers]
            n = 0
            for receiver in gone:
                n += tx.execute(
                    "UPDATE deliveries SET state='dead', last_error=?, delivered_at=? "
                    "WHERE receiver=? AND state='pending'",
                    ("receiver no longer in the policy", now, receiver),
                ).rowcount
        return n

    def counts(self) -> dict[tuple[str, str], int]:
        rows = (
            self._conn()
            .execute("SELECT receiver, state, COUNT(*) FROM deliveries GROUP BY receiver, state")
            .fetchall()
        )
        return {(r, s): c for r, s, c in rows}

    def deliveries(
        self, receiver: str | None = None, state: str | None = None
    ) -> list[dict[str, Any]]:
        sql = (
            "SELECT id, receiver, dedup_key, kind, idem_key, state, attempts, next_at, "
            "created_at, delivered_at, last_error FROM deliveries WHERE 1=1"
        )
        args: list[Any] = []
        if receiver is not None:
            sql += " AND receiver=?"
            args.append(receiver)
        if state is not None:
            sql += " AND state=?"
            args.append(state)
        cols = (
            "id",
            "receiver",
            "dedup_key",
            "kind",
            "idempotency_key",
            "state",
            "attempts",
            "next_at",
            "created_at",
            "delivered_at",
            "last_error",
        )
        return [
            dict(zip(cols, r, strict=True))
            for r in self._conn().execute(sql + " ORDER BY id", args)
        ]

    def dead_letters(self) -> list[dict[str, Any]]:
        return self.deliveries(state="dead")

    def prune(self, before: float) -> int:
        """Forget what finished before ``before``: delivered/skipped/failed-over notifications,
        journal events, and who-was-told rows of long-resolved incidents. Dead letters,
        pending work and incident rows (their epochs keep idempotency keys unique) stay."""
        with self.transaction(durable=False) as tx:
            n = tx.execute(
                "DELETE FROM deliveries WHERE state IN ('delivered', 'skipped', 'failed_over') "
                "AND COALESCE(delivered_at, created_at) < ?",
                (before,),
            ).rowcount
            n += tx.execute("DELETE FROM events WHERE at < ?", (before,)).rowcount
            n += tx.execute(
                "DELETE FROM notified WHERE EXISTS (SELECT 1 FROM incidents i WHERE "
                "i.dedup_key = notified.dedup_key AND (i.epoch > notified.epoch OR "
                "(i.status = 'resolved' AND i.resolved_at < ?)))",
                (before,),
            ).rowcount
            n += tx.execute("DELETE FROM silences WHERE ends_at < ?", (before,)).rowcount
        return n

    # -- groups
    def group_due(
        self,
        tx: sqlite3.Connection,
        receiver: str,
        group_key: str,
        now: float,
        wait: float,
        interval: float,
    ) -> float:
        """When a new notification of this group may go (Alertmanager's group_wait /
        group_interval): a new or quiet group waits ``wait`` from its first alert; a group
        flushed recently waits until ``interval`` after that flush."""
        if wait <= 0 and interval <= 0:
            return now
        row = tx.execute(
            "SELECT first_at, last_flush_at FROM groups WHERE receiver=? AND group_key=?",
            (receiver, group_key),
        ).fetchone()
        if row is None or (
            row[1] is not None
            and now - row[1] > interval
            and not self._group_pending(tx, receiver, group_key)
        ):
            tx.execute(
                "INSERT OR REPLACE INTO groups(receiver, group_key, first_at, last_flush_at) "
                "VALUES (?,?,?,NULL)",
                (receiver, group_key, now),
            )
            return now + wait
        first_at, last_flush = row
        if last_flush is None:
            return max(now, first_at + wait)
        return max(now, last_flush + interval)

    def _group_pending(self, tx: sqlite3.Connection, receiver: str, group_key: str) -> bool:
        return (
            tx.execute(
                "SELECT 1 FROM deliveries WHERE receiver=? AND group_key=? AND state='pending' "
                "LIMIT 1",
                (receiver, group_key),
            ).fetchone()
            is not None
        )

    # -- receiver references (e.g. the Jira issue a trigger opened)
    def ref(self, receiver: str, dedup_key: str, epoch: int) -> str | None:
        row = (
            self._conn()
            .execute(
                "SELECT ref FROM refs WHERE receiver=? AND dedup_key=? AND epoch=?",
                (receiver, dedup_key, epoch),
            )
            .fetchone()
        )
        return row[0] if row else None

    def set_ref(self, receiver: str, dedup_key: str, epoch: int, ref: str) -> None:
        with self.transaction(durable=False) as tx:
            tx.execute(
                "INSERT OR REPLACE INTO refs(receiver, dedup_key, epoch, ref) VALUES (?,?,?,?)",
                (receiver, dedup_key, epoch, ref),
            )

    # -- silences
    def add_silence(self, silence: Silence) -> None:
        with self.transaction() as tx:
            tx.execute(
                "INSERT OR REPLACE INTO silences(id, body, ends_at) VALUES (?,?,?)",
                (silence.id, _encoder.encode(silence), silence.ends_at),
            )

    def expire_silence(self, silence_id: str, now: float) -> bool:
        with self.transaction() as tx:
            row = tx.execute("SELECT body FROM silences WHERE id=?", (silence_id,)).fetchone()
            if row is None:
                return False
            s = _silence_decoder.decode(row[0])
            s = msgspec.structs.replace(s, ends_at=min(s.ends_at, now))
            tx.execute(
                "UPDATE silences SET body=?, ends_at=? WHERE id=?",
                (_encoder.encode(s), s.ends_at, silence_id),
            )
            return True

    def silences(self, now: float | None = None) -> list[Silence]:
        sql = "SELECT body FROM silences"
        rows = (
            self._conn().execute(sql + " WHERE ends_at > ?", (now,))
            if now is not None
            else self._conn().execute(sql)
        )
        return [_silence_decoder.decode(r[0]) for r in rows]


def _incident(row: tuple) -> Incident:
    (
        key,
        status,
        epoch,
        severity,
        labels,
        event,
        fired_at,
        notified_at,
        acked_at,
        acked_by,
        tier,
        tier_at,
        resolved_at,
    ) = row
    return Incident(
        key,
        status,
        epoch,
        severity,
        json.loads(labels),
        _event_decoder.decode(event),
        fired_at,
        notified_at,
        acked_at,
        acked_by,
        tier,
        tier_at,
        resolved_at,
    )
