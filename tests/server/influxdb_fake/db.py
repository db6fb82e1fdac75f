"""SQLite storage: one connection behind one lock, tables modelled on upstream's migrations.

Because the tables carry upstream's constraints, a duplicate name or a
dangling reference fails with the SQLite message a real server returns.
"""

import sqlite3
import threading

from .wire import E_INTERNAL, ApiError, new_id, timestamp


class Database:
    """The store of every resource; each method runs under the lock.

    A write that breaks a constraint raises ApiError (500) with SQLite's
    message; foreign_key(exc), when given, makes the ApiError for a foreign
    key failure instead.
    """

    def __init__(self, path, schemas):
        self.lock = threading.Lock()
        self.conn = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = ON")
        for schema in schemas:
            self.conn.executescript(schema)

    def close(self):
        """Close the database."""
        with self.lock:
            self.conn.close()

    def select(self, table, columns, order=None, **equal):
        """Rows of table whose columns equal the given values (None: no filter)."""
        query = "SELECT %s FROM %s" % (columns, table)
        filters = [(column, value) for column, value in equal.items() if value is not None]
        if filters:
            query += " WHERE " + " AND ".join("%s = ?" % column for column, _value in filters)
        if order:
            query += " ORDER BY " + order
        with self.lock:
            return self.conn.execute(query, [value for _column, value in filters]).fetchall()

    def row(self, table, columns, row_id):
        """The row with this ID, or None."""
        with self.lock:
            return self.conn.execute("SELECT %s FROM %s WHERE id = ?" % (columns, table), (row_id,)).fetchone()

    def insert(self, table, values, foreign_key=None, row_id=None):
        """Insert a row with the creation time and row_id (default: a new random ID); return the ID."""
        stamp = timestamp()
        with self.lock:
            while row_id is None:
                row_id = new_id()
                if self.conn.execute("SELECT 1 FROM %s WHERE id = ?" % table, (row_id,)).fetchone() is not None:
                    row_id = None
            values = dict(values, id=row_id, created_at=stamp, updated_at=stamp)
            self._write("INSERT INTO %s (%s) VALUES (%s)" % (table, ", ".join(values), ", ".join("?" * len(values))),
                        list(values.values()), foreign_key)
        return row_id

    def update(self, table, row_id, values, foreign_key=None, touch=True):
        """Set these columns (and, when touch, the update time) of one row; False when there is no such row."""
        if touch:
            values = dict(updated_at=timestamp(), **values)
        query = "UPDATE %s SET %s WHERE id = ?" % (table, ", ".join("%s = ?" % column for column in values))
        with self.lock:
            return self._write(query, list(values.values()) + [row_id], foreign_key) > 0

    def delete(self, table, row_id, foreign_key=None):
        """Delete one row; False when there is no such row."""
        with self.lock:
            return self._write("DELETE FROM %s WHERE id = ?" % table, (row_id,), foreign_key) > 0

    def delete_where(self, table, column, value):
        """Delete the rows whose column equals value; return their IDs."""
        with self.lock:
            ids = [row["id"] for row in self.conn.execute("SELECT id FROM %s WHERE %s = ?" % (table, column), (value,))]
            self.conn.execute("DELETE FROM %s WHERE %s = ?" % (table, column), (value,))
        return ids

    def _write(self, query, args, foreign_key):
        try:
            return self.conn.execute(query, args).rowcount
        except sqlite3.Error as exc:
            if foreign_key is not None and "foreign key constraint failed" in str(exc).lower():
                raise foreign_key(exc) from None
            raise ApiError(E_INTERNAL, str(exc)) from None
