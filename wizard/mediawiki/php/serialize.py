"""PHP's `serialize()` format, as PEAR keeps its registry of installed packages."""

from __future__ import annotations

from wizard.mediawiki.php.text import utf8
from wizard.mediawiki.php.values import PhpArray, PhpValue

__all__ = ["unserialize"]


def unserialize(data: bytes) -> PhpValue:
    """Read PHP's `serialize()` output holding scalars and arrays (no objects)."""
    value, end = _unserialize(data, 0)
    if end != len(data):
        raise ValueError(f"unexpected data at offset {end}")
    return value


def _unserialize(data: bytes, pos: int) -> tuple[PhpValue, int]:
    kind = data[pos:pos + 1]
    if kind == b"N":
        _expect(data, pos + 1, b";")
        return None, pos + 2
    if kind in (b"b", b"i", b"d"):
        _expect(data, pos + 1, b":")
        end = data.index(b";", pos)
        raw = data[pos + 2:end].decode("ascii")
        if kind == b"b":
            return raw == "1", end + 1
        return (int(raw) if kind == b"i" else float(raw)), end + 1
    if kind == b"s":
        _expect(data, pos + 1, b":")
        colon = data.index(b":", pos + 2)
        length = int(data[pos + 2:colon])
        _expect(data, colon + 1, b'"')
        start = colon + 2
        _expect(data, start + length, b'";')
        return utf8(data[start:start + length].decode("latin-1")), start + length + 2
    if kind == b"a":
        _expect(data, pos + 1, b":")
        colon = data.index(b":", pos + 2)
        count = int(data[pos + 2:colon])
        _expect(data, colon + 1, b"{")
        pos = colon + 2
        result: PhpArray = {}
        for _index in range(count):
            key, pos = _unserialize(data, pos)
            if not isinstance(key, int | str) or isinstance(key, bool):
                raise ValueError(f"bad array key at offset {pos}")
            result[key], pos = _unserialize(data, pos)
        _expect(data, pos, b"}")
        return result, pos + 1
    raise ValueError(f"unsupported serialized type {kind!r} at offset {pos}")


def _expect(data: bytes, pos: int, marker: bytes) -> None:
    if data[pos:pos + len(marker)] != marker:
        raise ValueError(f"expected {marker!r} at offset {pos}")
