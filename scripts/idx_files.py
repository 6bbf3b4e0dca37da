"""IDX files as the shipped datasets store them: u8 arrays behind the big-endian IDX header, gzip level 9
with mtime 0 (so the bytes depend only on the array and zlib). Used by the make_*_set.py scripts."""
import gzip, hashlib, os, struct


def idx_bytes(array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.tobytes(order="C")


def write_gz(path, array):
    """Writes `array` (u8) to `path` and prints its shape and the IDX payload's sha256 prefix."""
    payload = idx_bytes(array)
    with open(path, "wb") as f:
        f.write(gzip.compress(payload, compresslevel=9, mtime=0))
    print(f"{os.path.normpath(path)}: shape {list(array.shape)}, idx sha256 {hashlib.sha256(payload).hexdigest()[:16]}…")
